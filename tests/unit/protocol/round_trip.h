// Round-trip checks shared by the production-schema and coverage-schema tests: for a message type
// and version, sample -> encode -> decode -> encode must be stable and every strict prefix must
// fail to decode.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "protocol/reader.h"
#include "protocol/testing/sample_support.h"
#include "protocol/writer.h"

namespace sluice::protocol::testing {

inline std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <class T>
std::string encode_to_string(const T& value, int16_t version) {
  writer w;
  value.encode(w, version);
  return std::move(w).take_string();
}

template <class T>
void check_round_trip(int16_t version) {
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    const T sample = make_sample<T>(version, variant);
    const std::string first = encode_to_string(sample, version);

    reader r(as_bytes(first));
    T decoded;
    ASSERT_TRUE(decoded.decode(r, version));
    EXPECT_EQ(r.remaining(), 0u) << "decode left bytes unread";
    EXPECT_TRUE(decoded == sample) << "decoded value differs from the sample";
    EXPECT_EQ(encode_to_string(decoded, version), first) << "re-encoding changed the bytes";

    // Every strict prefix is a truncated message: it must fail, not crash or succeed.
    for (size_t k = 0; k < first.size(); ++k) {
      reader p(as_bytes(first).first(k));
      T t;
      if (t.decode(p, version)) {
        ADD_FAILURE() << "a " << k << "-byte prefix of a " << first.size()
                      << "-byte encoding decoded successfully";
        break;
      }
    }
  }
  if (version == T::max_version) {
    T t;
    reader r(std::span<const uint8_t>{});
    EXPECT_FALSE(t.decode(r, static_cast<int16_t>(T::max_version + 1)));
    reader r2(std::span<const uint8_t>{});
    EXPECT_FALSE(t.decode(r2, static_cast<int16_t>(T::min_version - 1)));
  }
}

// One (message, version) pair of a parameterized round-trip test.
struct round_trip_case {
  std::string name;
  int16_t version;
  void (*check)(int16_t version);
};

template <class T>
void add_cases(std::vector<round_trip_case>& out, const char* name) {
  for (int v = T::min_version; v <= T::max_version; ++v) {
    out.push_back(
        {std::string(name) + "_v" + std::to_string(v), static_cast<int16_t>(v), &check_round_trip<T>});
  }
}

// Lets gtest print a failing case by its name instead of as raw bytes.
inline void PrintTo(const round_trip_case& c, std::ostream* os) { *os << c.name; }

inline std::string case_name(const ::testing::TestParamInfo<round_trip_case>& info) {
  return info.param.name;
}

}  // namespace sluice::protocol::testing
