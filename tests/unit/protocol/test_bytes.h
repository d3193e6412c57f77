// Helpers for writing expected wire bytes by hand in tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace sluice::protocol::testing {

// A byte string from a list of byte values: wire({0x00, 0x12}).
inline std::string wire(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

inline std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace sluice::protocol::testing
