// Decoding a Produce request keeps the record batches as views into the request frame.
#include <gtest/gtest.h>

#include "protocol/generated/produce.h"
#include "protocol/request_header.h"
#include "test_bytes.h"

namespace sluice::protocol {
namespace {

TEST(ProduceRequest, RecordsAreViewsIntoTheFrame) {
  for (int16_t version : {int16_t{3}, int16_t{9}}) {
    produce_request req;
    req.acks = -1;
    req.timeout_ms = 1000;
    auto& topic = req.topic_data.emplace_back();
    topic.name = "t";
    auto& part = topic.partition_data.emplace_back();
    part.index = 0;
    const std::string batch(200, 'b');
    part.records = records::make_owned(batch);

    const auto flat = flatten(encode_request(1, version, std::string("c"), req));
    ASSERT_TRUE(flat.has_value());
    const auto frame = testing::span_of(*flat);
    parsed_request h;
    ASSERT_TRUE(parse_request_header(frame, h));
    reader r(frame.subspan(h.body_offset));
    produce_request decoded;
    ASSERT_TRUE(decoded.decode(r, h.api_version));
    const records& rec = decoded.topic_data.at(0).partition_data.at(0).records;
    ASSERT_EQ(rec.size(), batch.size());
    EXPECT_GE(rec.view().data(), frame.data());
    EXPECT_LE(rec.view().data() + rec.size(), frame.data() + frame.size());
  }
}

}  // namespace
}  // namespace sluice::protocol
