// Round-trip of the test-only coverage schema (tests/unit/protocol/schemas), which uses every
// feature of the schema language.
#include "protocol_test/generated/samples.h"
#include "round_trip.h"

namespace sluice::protocol::testing {
namespace {

std::vector<round_trip_case> all_cases() {
  std::vector<round_trip_case> out;
#define SLUICE_ADD_CASES(T) add_cases<T>(out, #T);
  SLUICE_PROTOCOL_TEST_FOR_EACH_MESSAGE(SLUICE_ADD_CASES)
#undef SLUICE_ADD_CASES
  return out;
}

class CoverageRoundTrip : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(CoverageRoundTrip, EncodeDecodeEncodeIsStableAndEveryPrefixFails) {
  GetParam().check(GetParam().version);
}

INSTANTIATE_TEST_SUITE_P(Messages, CoverageRoundTrip, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace sluice::protocol::testing
