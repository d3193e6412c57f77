// Test support for the generated make_sample<T>(): distinctive non-default field values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "protocol/records_field.h"
#include "protocol/types.h"

namespace sluice::protocol::testing {

// Builds a sample of message T at `version`: every field that exists at that version holds a
// distinctive non-default value, arrays hold two elements, nullable fields are null on alternate
// calls. `variant` shifts which nullable fields are null, so tests can cover both states.
// Specialized for every generated top-level message in protocol/generated/samples.h.
template <class T>
T make_sample(int16_t version, int variant = 0);

// Counters the generated fill() functions draw values from. Not thread-safe; one per sample.
class sample_state {
 public:
  explicit sample_state(int seed) : next_(seed + 1), nulls_(seed) {}

  int next() { return next_++; }
  // True on alternate calls when the field may be null here.
  bool take_null(bool nullable) { return nullable && (nulls_++ % 2) == 1; }

 private:
  int next_;
  int nulls_;
};

// A value that exercises every byte of the type and differs from `dflt`.
template <class T>
T sample_scalar(sample_state& s, T dflt) {
  const int n = s.next();
  T v;
  if constexpr (std::is_same_v<T, bool>) {
    return !dflt;
  } else if constexpr (std::is_same_v<T, double>) {
    v = n + 0.25;
  } else if constexpr (sizeof(T) == 1) {
    v = static_cast<T>(n % 100 + 1);
  } else if constexpr (std::is_signed_v<T>) {
    // High bytes set and negative every other time, to catch sign and byte-order bugs.
    const T base = static_cast<T>(T{0x11} << (8 * (sizeof(T) - 1)));
    v = static_cast<T>(base + n);
    if (n % 2 == 0) v = static_cast<T>(-v);
  } else {
    v = static_cast<T>((T{0x80} << (8 * (sizeof(T) - 1))) + n);
  }
  if (v == dflt) v = static_cast<T>(v + 1);
  return v;
}

inline uuid sample_uuid(sample_state& s) {
  uuid u{};
  const int n = s.next();
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(n * 16 + i + 1);
  return u;
}

inline std::string sample_string(sample_state& s, std::string_view dflt) {
  std::string v = "str-" + std::to_string(s.next());
  if (v == dflt) v += "x";
  return v;
}

inline bytes sample_bytes(sample_state& s) {
  const int n = s.next();
  return bytes{static_cast<uint8_t>(n), 0x00, 0xff, static_cast<uint8_t>(n + 1)};
}

inline records sample_records(sample_state& s) {
  return records::make_owned("rec-" + std::to_string(s.next()));
}

}  // namespace sluice::protocol::testing
