// protocol::records: construction helpers and content comparison.
#include "protocol/records_field.h"

#include <cstring>
#include <variant>

namespace sluice::protocol {

records records::make_null() {
  records r;
  r.null_ = true;
  return r;
}

records records::make_view(std::span<const uint8_t> bytes) {
  records r;
  r.view_ = bytes;
  return r;
}

records records::make_owned(outbuf data) {
  records r;
  r.owned_ = std::move(data);
  return r;
}

records records::make_owned(std::string data) {
  outbuf b;
  b.append(std::move(data));
  return make_owned(std::move(b));
}

bool records::has_file_slices() const {
  for (const auto& c : owned_.chunks()) {
    if (std::holds_alternative<file_slice>(c)) return true;
  }
  return false;
}

namespace {

// Appends the memory bytes of `r` to `out`. REQUIRES: no file slices.
void flatten_into(std::span<const uint8_t> view, const outbuf& owned, std::string& out) {
  out.append(reinterpret_cast<const char*>(view.data()), view.size());
  for (const auto& c : owned.chunks()) out += std::get<std::string>(c);
}

bool same_chunks(const outbuf& a, const outbuf& b) {
  if (a.chunks().size() != b.chunks().size()) return false;
  for (size_t i = 0; i < a.chunks().size(); ++i) {
    const auto& x = a.chunks()[i];
    const auto& y = b.chunks()[i];
    if (x.index() != y.index()) return false;
    if (const auto* s = std::get_if<std::string>(&x)) {
      if (*s != std::get<std::string>(y)) return false;
    } else {
      const auto& fx = std::get<file_slice>(x);
      const auto& fy = std::get<file_slice>(y);
      if (fx.fd != fy.fd || fx.offset != fy.offset || fx.length != fy.length) return false;
    }
  }
  return true;
}

}  // namespace

bool records::operator==(const records& other) const {
  if (null_ != other.null_) return false;
  if (null_) return true;
  if (size() != other.size()) return false;
  if (has_file_slices() || other.has_file_slices()) {
    return view_.size() == other.view_.size() &&
           (view_.empty() || std::memcmp(view_.data(), other.view_.data(), view_.size()) == 0) &&
           same_chunks(owned_, other.owned_);
  }
  std::string a, b;
  flatten_into(view_, owned_, a);
  flatten_into(other.view_, other.owned_, b);
  return a == b;
}

}  // namespace sluice::protocol
