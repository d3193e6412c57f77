// result<T>: an error-or-value return type used across module boundaries (no exceptions).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

// Generic failure categories. Corruption is deliberately distinct from an I/O failure:
// corruption means the bytes are readable but wrong; io_error means the OS refused.
enum class errc {
  io_error,
  no_space,
  corruption,
  not_found,
  already_exists,
  invalid_argument,
  out_of_range,
  timed_out,
  shutting_down,
  internal,
};

const char* to_string(errc c);

struct error {
  errc code = errc::internal;
  std::string message;
  int sys_errno = 0;  // errno when the failure came from a system call, else 0
};

inline error make_error(errc code, std::string message, int sys_errno = 0) {
  return error{code, std::move(message), sys_errno};
}

// result<T>: holds either a T or an error. Thread-compatible (like a plain value).
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  result(error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error err) : err_(std::move(err)), ok_(false) {}  // NOLINT(implicit)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const error& err() const {
    assert(!ok_);
    return err_;
  }

 private:
  error err_;
  bool ok_ = true;
};

inline const char* to_string(errc c) {
  switch (c) {
    case errc::io_error:
      return "io_error";
    case errc::no_space:
      return "no_space";
    case errc::corruption:
      return "corruption";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::out_of_range:
      return "out_of_range";
    case errc::timed_out:
      return "timed_out";
    case errc::shutting_down:
      return "shutting_down";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace sluice
