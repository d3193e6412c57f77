// Round-trip of every message generated from src/protocol/schemas, at every version it declares.
#include "round_trip.h"
#include "protocol/generated/samples.h"

namespace sluice::protocol::testing {
namespace {

std::vector<round_trip_case> all_cases() {
  std::vector<round_trip_case> out;
#define SLUICE_ADD_CASES(T) add_cases<T>(out, #T);
  SLUICE_PROTOCOL_FOR_EACH_MESSAGE(SLUICE_ADD_CASES)
#undef SLUICE_ADD_CASES
  return out;
}

class SchemaRoundTrip : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(SchemaRoundTrip, EncodeDecodeEncodeIsStableAndEveryPrefixFails) {
  GetParam().check(GetParam().version);
}

INSTANTIATE_TEST_SUITE_P(Messages, SchemaRoundTrip, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace sluice::protocol::testing
