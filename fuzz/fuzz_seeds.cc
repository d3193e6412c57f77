// fuzz_seeds <dir>: writes seed corpora for the fuzz targets of decoders into <dir>/<target>/, one
// valid encoding per file, made with the project's own encoders so the seeds follow the formats.
// Without seeds the fuzzers would spend most of a short CI run rediscovering the version fields
// and length prefixes; with them every run starts inside each decoder's accepting paths.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "cluster/zk/zk_formats.h"
#include "group/offsets_topic_format.h"
#include "protocol/writer.h"
#include "records/batch_builder.h"

namespace {

namespace fs = std::filesystem;
using namespace sluice;

void write_seed(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

records::nullable_bytes bytes_of(const char* s) {
  if (s == nullptr) return std::nullopt;
  return records::as_bytes(s);
}

void offsets_topic_seeds(const fs::path& dir) {
  namespace ot = group::offsets_topic;
  write_seed(dir, "offset_key", ot::encode_offset_key("app", {"orders", 7}));
  write_seed(dir, "group_key", ot::encode_group_key("app"));
  group::committed_offset c;
  c.offset = 1234;
  c.leader_epoch = 3;
  c.metadata = "meta";
  c.commit_timestamp_ms = 1'700'000'000'000;
  write_seed(dir, "offset_value", ot::encode_offset_value(c));
  group::group_snapshot g;
  g.protocol_type = "consumer";
  g.generation = 5;
  g.protocol_name = "range";
  g.leader = "m-1";
  g.current_state_timestamp_ms = 1'700'000'000'000;
  for (const char* id : {"m-1", "m-2"}) {
    group::member_snapshot m;
    m.member_id = id;
    m.group_instance_id = std::string("instance-") + id;
    m.client_id = "client";
    m.client_host = "/127.0.0.1";
    m.rebalance_timeout_ms = 300000;
    m.session_timeout_ms = 45000;
    m.subscription = {0, 1, 0, 0, 0, 1, 0, 1, 't'};
    m.assignment = {0, 3};
    g.members.push_back(std::move(m));
  }
  write_seed(dir, "group_value", ot::encode_group_value(g));
  g.members.clear();
  g.protocol_name.reset();
  g.leader.reset();
  write_seed(dir, "group_value_empty", ot::encode_group_value(g));
}

// ConsumerProtocolSubscription v0/v1/v3 (Kafka's schema; Sluice only decodes it).
void consumer_protocol_seeds(const fs::path& dir) {
  for (int16_t version : {0, 1, 3}) {
    protocol::writer w;
    w.write_int16(version);
    w.write_array_length(2, false);
    w.write_string("orders", false);
    w.write_string("payments", false);
    w.write_nullable_bytes(version == 1 ? std::optional<protocol::bytes>() : protocol::bytes{1, 2, 3}, false);
    if (version >= 1) {
      w.write_array_length(1, false);
      w.write_string("orders", false);
      w.write_array_length(2, false);
      w.write_int32(0);
      w.write_int32(2);
    }
    if (version >= 2) w.write_int32(4);
    if (version >= 3) w.write_nullable_string(std::string("rack-a"), false);
    write_seed(dir, "v" + std::to_string(version), std::move(w).take_string());
  }
}

// The compaction target's input: 8 parameter bytes (see compaction_filter_fuzz.cc), then a batch.
void compaction_filter_seeds(const fs::path& dir) {
  const std::string params("\x01\x01\x01\xb6\x6d\xdb\x1b\x9c", 8);
  const struct {
    records::compression codec;
    const char* name;
  } codecs[] = {{records::compression::none, "none"},
                {records::compression::gzip, "gzip"},
                {records::compression::snappy, "snappy"},
                {records::compression::lz4, "lz4"},
                {records::compression::zstd, "zstd"}};
  for (const auto& c : codecs) {
    records::batch_builder_options o;
    o.codec = c.codec;
    o.base_offset = 100;
    o.producer_id = c.codec == records::compression::none ? 42 : -1;
    o.producer_epoch = c.codec == records::compression::none ? 0 : -1;
    o.base_sequence = c.codec == records::compression::none ? 0 : -1;
    records::batch_builder b(o);
    const records::header_view hdr[] = {{records::as_bytes("h"), bytes_of("v")}};
    b.append(1'700'000'000'000, bytes_of("k1"), bytes_of("a"));
    b.append(1'700'000'000'001, bytes_of("k2"), bytes_of("b"), hdr);
    b.append(1'700'000'000'002, bytes_of("k1"), std::nullopt);  // a tombstone
    b.append(1'700'000'000'003, std::nullopt, bytes_of("keyless"));
    b.append_with_offset_delta(6, 1'700'000'000'004, bytes_of("k3"), bytes_of("c"));
    auto batch = b.build();
    if (batch.ok()) write_seed(dir, c.name, params + *batch);
  }
  records::batch_builder_options la;
  la.log_append_time = 1'700'000'000'500;
  records::batch_builder b(la);
  b.append(1, bytes_of("k"), std::nullopt);
  b.append(2, bytes_of("k"), bytes_of("v"));
  if (auto batch = b.build(); batch.ok()) write_seed(dir, "log_append_time", params + *batch);
  records::end_txn_marker m;
  m.producer_id = 7;
  m.producer_epoch = 1;
  m.base_offset = 9;
  if (auto batch = records::build_end_txn_marker(m); batch.ok()) write_seed(dir, "control", params + *batch);
}

}  // namespace

// zk_formats_fuzz: the first byte picks the decoder (see zk_formats_fuzz.cc).
void zk_formats_seeds(const fs::path& dir) {
  namespace zk = cluster::zk;
  auto seed = [&dir](char which, const std::string& name, const std::string& text) {
    write_seed(dir, name, std::string(1, which) + text);
  };
  zk::broker_registration b;
  b.id = 7;
  b.endpoints.push_back({"PLAINTEXT", "127.0.0.1", 9092, "PLAINTEXT"});
  b.rack = "rack-a";
  b.timestamp_ms = 1'700'000'000'000;
  seed(0, "broker", zk::encode_broker(b));
  zk::controller_registration c;
  c.broker_id = 7;
  c.timestamp_ms = 1'700'000'000'000;
  seed(1, "controller", zk::encode_controller(c));
  seed(2, "controller_epoch", zk::encode_controller_epoch(12));
  zk::topic_assignment t;
  t.topic_id = uuid_bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  t.partitions = {{0, {1, 2, 3}}, {1, {2, 3, 1}}};
  t.adding_replicas = {{1, {3}}};
  seed(3, "topic", zk::encode_topic_assignment(t));
  zk::partition_state ps;
  ps.leader = 2;
  ps.leader_epoch = 5;
  ps.isr = {2, 3};
  ps.controller_epoch = 12;
  ps.leader_recovery_state = 1;
  seed(4, "partition_state", zk::encode_partition_state(ps));
  seed(5, "topic_config", zk::encode_topic_config({{"retention.ms", "1000"}, {"cleanup.policy", "compact"}}));
  seed(6, "cluster_id", zk::encode_cluster_id("Tlw5gYVQTd2uN0zTfV6PmA"));
  seed(7, "reassignment", zk::encode_reassignment({{"orders", 0, {1, 2, 3}}}));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  const fs::path root(argv[1]);
  offsets_topic_seeds(root / "offsets_topic_fuzz");
  consumer_protocol_seeds(root / "consumer_protocol_fuzz");
  compaction_filter_seeds(root / "compaction_filter_fuzz");
  zk_formats_seeds(root / "zk_formats_fuzz");
  return 0;
}
