// Durability through a real broker on a fault-injecting file system: a failed group-commit
// fdatasync is never followed by an acknowledgement covering the bytes it failed to sync.
#include "broker_harness.h"
#include "storage/fault_injection_fs.h"

namespace sluice::broker::test {
namespace {

constexpr int16_t kafka_storage_error = 56;

class DurabilityTest : public BrokerTest {
 protected:
  DurabilityTest() : BrokerTest(options()) {}

  static storage::file_system& posix() {
    static auto fs = storage::make_posix_file_system();
    return *fs;
  }
  // Shared by every test of the suite (the harness takes a plain pointer); faults are cleared
  // at the start of each test.
  static storage::fault_injection_fs& faults() {
    static storage::fault_injection_fs fs(posix());
    return fs;
  }
  static harness_options options() {
    faults().fail_syncs(false);
    harness_options o;
    o.file_system = &faults();
    return o;
  }
};

TEST_F(DurabilityTest, AFailedSyncTakesThePartitionOfflineUntilARestart) {
  ASSERT_EQ(create_topic("disk", 2), 0);
  ASSERT_EQ(produce("disk", 0, {"a"}).first, 0);

  faults().fail_syncs(true);
  EXPECT_EQ(produce("disk", 0, {"b"}).first, kafka_storage_error) << "acks=all waits for the failed sync";
  faults().fail_syncs(false);
  // The disk works again, but the pages the failed sync could not write may be gone: a later
  // successful sync must not acknowledge them, so the partition takes no more appends.
  EXPECT_EQ(produce("disk", 0, {"c"}).first, kafka_storage_error);
  EXPECT_EQ(produce("disk", 0, {"d"}).first, kafka_storage_error);
  // Other partitions are unaffected.
  EXPECT_EQ(produce("disk", 1, {"e"}).first, 0);

  // A restart recovers the partition from what is on disk.
  restart();
  auto [error, offset] = produce("disk", 0, {"f"});
  EXPECT_EQ(error, 0);
  EXPECT_GE(offset, 1);
}

}  // namespace
}  // namespace sluice::broker::test
