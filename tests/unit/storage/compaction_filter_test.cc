// compaction_filter_test: regression tests for what fuzz/compaction_filter_fuzz found in the
// cleaner's per-batch filter: a corrupt recordsCount must not size an allocation, and the
// tombstone delete horizon must not overflow when delete.retention.ms is Long.MAX_VALUE.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "records/batch_builder.h"
#include "records/batch_header.h"
#include "records/record_reader.h"
#include "storage/compaction_filter.h"
#include "storage/offset_map.h"

namespace sluice::storage {
namespace {

using records::as_bytes;

std::string two_records(records::compression codec) {
  records::batch_builder_options o;
  o.codec = codec;
  o.base_offset = 100;
  records::batch_builder b(o);
  b.append(1000, as_bytes("a"), as_bytes("1"));
  b.append(1001, as_bytes("b"), std::nullopt);  // a tombstone
  auto batch = b.build();
  EXPECT_TRUE(batch.ok());
  return batch.ok() ? *batch : std::string();
}

// recordsCount is read from the segment file. The filter used to reserve that many record slots
// before reading any record: 2^31 - 1 of them is hundreds of GB (bad_alloc, or an OOM kill of the
// broker, on a corrupt segment). Now the batch is simply reported corrupt.
TEST(CompactionFilter, HugeRecordsCountIsCorruptionNotAnAllocation) {
  for (auto codec : {records::compression::none, records::compression::gzip}) {
    std::string batch = two_records(codec);
    auto* p = reinterpret_cast<uint8_t*>(batch.data());
    records::store_be32(p + records::batch_layout::records_count, std::numeric_limits<int32_t>::max());
    records::store_be32(p + records::batch_layout::crc,
                        static_cast<int32_t>(records::compute_crc({p, batch.size()})));
    offset_map map(1 << 12);
    compaction_context ctx{&map, 0, 0, nullptr};
    std::optional<result<filter_result>> f;
    EXPECT_NO_THROW(f.emplace(filter_batch(as_bytes(batch), ctx, false)));
    ASSERT_TRUE(f.has_value());
    ASSERT_FALSE(f->ok());
    EXPECT_EQ(f->err().code, errc::corruption);
  }
}

// delete.retention.ms accepts up to Long.MAX_VALUE (keep tombstones for ever). now + retention
// overflowed (undefined behaviour; in practice a negative horizon, so the next pass deleted the
// tombstones). The horizon now saturates.
TEST(CompactionFilter, DeleteHorizonSaturatesAtLongMaxRetention) {
  const std::string batch = two_records(records::compression::none);
  offset_map map(1 << 12);
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  compaction_context ctx{&map, 1'700'000'000'000, max, nullptr};
  auto f = filter_batch(as_bytes(batch), ctx, false);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->action, filter_action::rewrite);
  EXPECT_EQ(f->tombstone_horizon, max);
  auto h = records::parse_batch_header(as_bytes(f->bytes));
  ASSERT_TRUE(h.has_value());
  EXPECT_NE(h->attributes & records::batch_attr::delete_horizon, 0);
  EXPECT_EQ(h->base_timestamp, max);
  auto recs = records::read_records(as_bytes(f->bytes), records::read_options{64u << 20, true});
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[0].timestamp, 1000);  // record timestamps survive the new base timestamp
  EXPECT_EQ((*recs)[1].timestamp, 1001);
  EXPECT_FALSE((*recs)[1].value.has_value());

  // A later pass, even at the end of time, keeps the tombstone (now >= horizon only at Long.MAX).
  ctx.now_ms = max - 1;
  auto again = filter_batch(as_bytes(f->bytes), ctx, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->action, filter_action::keep);
  EXPECT_EQ(again->records_kept, 2);
}

}  // namespace
}  // namespace sluice::storage
