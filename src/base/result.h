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

// basic_result<T, E>: holds either a T or an E. Thread-compatible (like a plain value). One
// template for every error type: `result<T>` (base::error) here, and modules whose errors carry
// more than errc (records_result, zk_result) alias it with their own E.
template <class T, class E>
class [[nodiscard]] basic_result {
 public:
  basic_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  basic_result(E err) : v_(std::in_place_index<1>, std::move(err)) {}      // NOLINT(implicit)

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

  const E& err() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  // The error's code. REQUIRES: !ok() and E has a `code` member.
  auto code() const { return err().code; }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] basic_result<void, E> {
 public:
  basic_result() = default;
  basic_result(E err) : err_(std::move(err)), ok_(false) {}  // NOLINT(implicit)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& err() const {
    assert(!ok_);
    return err_;
  }
  auto code() const { return err().code; }

 private:
  E err_{};
  bool ok_ = true;
};

template <class T>
using result = basic_result<T, error>;

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
