// Tests of cluster::zk's znode JSON: byte-exact against what Kafka writes (examples from Kafka's
// ZkData.scala and from `zookeeper-shell get` of real Kafka 2.8–3.x clusters), round trips, and
// untrusted input.
#include "cluster/zk/zk_formats.h"

#include <gtest/gtest.h>

namespace sluice::cluster::zk {
namespace {

TEST(ZkFormatsTest, PathsFollowKafkasLayout) {
  EXPECT_EQ(paths::broker(3), "/brokers/ids/3");
  EXPECT_EQ(paths::topic("t"), "/brokers/topics/t");
  EXPECT_EQ(paths::partition_state("t", 7), "/brokers/topics/t/partitions/7/state");
  EXPECT_EQ(paths::topic_config("t"), "/config/topics/t");
}

// A Kafka 3.x broker (Scala 2.13) registration as zookeeper-shell shows it.
constexpr const char* kafka_broker =
    R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://127.0.0.1:9092"],)"
    R"("jmx_port":-1,"features":{},"host":"127.0.0.1","timestamp":"1757774749541","port":9092,"version":5})";

TEST(ZkFormatsTest, BrokerRegistrationIsByteExactWithKafka) {
  broker_registration b;
  b.id = 0;
  b.endpoints = {{"PLAINTEXT", "127.0.0.1", 9092, "PLAINTEXT"}};
  b.timestamp_ms = 1757774749541;
  EXPECT_EQ(encode_broker(b), kafka_broker);

  auto d = decode_broker(0, kafka_broker);
  ASSERT_TRUE(d) << d.err().message;
  EXPECT_EQ(d->version, 5);
  EXPECT_EQ(d->jmx_port, -1);
  EXPECT_EQ(d->timestamp_ms, 1757774749541);
  EXPECT_EQ(d->host, "127.0.0.1");
  EXPECT_EQ(d->port, 9092);
  EXPECT_FALSE(d->rack);
  ASSERT_EQ(d->endpoints.size(), 1u);
  EXPECT_EQ(d->endpoints[0].connection_string(), "PLAINTEXT://127.0.0.1:9092");
  EXPECT_EQ(d->endpoints[0].security_protocol, "PLAINTEXT");
}

TEST(ZkFormatsTest, BrokerWithRackListenersAndIpv6RoundTrips) {
  broker_registration b;
  b.id = 7;
  b.rack = "us-east-1a";
  b.timestamp_ms = 42;
  b.endpoints = {{"INTERNAL", "::1", 9093, "SSL"}, {"CLIENT", "kafka-1", 9092, "PLAINTEXT"}};
  std::string text = encode_broker(b);
  EXPECT_NE(text.find(R"("endpoints":["INTERNAL://[::1]:9093","CLIENT://kafka-1:9092"])"), std::string::npos);
  EXPECT_NE(text.find(R"("rack":"us-east-1a")"), std::string::npos);
  EXPECT_NE(text.find(R"("host":"kafka-1")"), std::string::npos);  // the first PLAINTEXT endpoint
  auto d = decode_broker(7, text);
  ASSERT_TRUE(d) << d.err().message;
  EXPECT_EQ(d->id, 7);
  EXPECT_EQ(d->rack, "us-east-1a");
  ASSERT_EQ(d->endpoints.size(), 2u);
  EXPECT_EQ(d->endpoints[0].host, "::1");
  EXPECT_EQ(d->endpoints[0].security_protocol, "SSL");
  EXPECT_EQ(d->endpoints[1].listener, "CLIENT");

  // No PLAINTEXT endpoint: Kafka writes host null and port -1.
  broker_registration tls;
  tls.endpoints = {{"SSL", "h", 9093, "SSL"}};
  std::string t = encode_broker(tls);
  EXPECT_NE(t.find(R"("host":null)"), std::string::npos);
  EXPECT_NE(t.find(R"("port":-1)"), std::string::npos);
  auto dt = decode_broker(1, t);
  ASSERT_TRUE(dt);
  EXPECT_FALSE(dt->host);
}

TEST(ZkFormatsTest, OlderBrokerVersionsDecode) {
  // Version 1 and the version 4 example of Kafka's BrokerIdZNode.decode comment (SSL listener
  // without a protocol map: the listener name is the protocol).
  auto v1 = decode_broker(
      1, R"({"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"})");
  ASSERT_TRUE(v1) << v1.err().message;
  ASSERT_EQ(v1->endpoints.size(), 1u);
  EXPECT_EQ(v1->endpoints[0].connection_string(), "PLAINTEXT://localhost:9092");
  auto v3 = decode_broker(
      2, R"({"version":3,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",)"
         R"("endpoints":["PLAINTEXT://host1:9092", "SSL://host1:9093"],"rack":"dc1"})");
  ASSERT_TRUE(v3) << v3.err().message;
  EXPECT_EQ(v3->rack, "dc1");
  EXPECT_EQ(v3->endpoints[1].security_protocol, "SSL");
  // A listener that is no protocol name needs the map.
  EXPECT_FALSE(
      decode_broker(3, R"({"version":4,"host":"h","port":1,"jmx_port":-1,"endpoints":["CLIENT://h:1"]})"));
}

// Found by zk_formats_fuzz: a version 1 registration's port went unchecked, so it decoded into an
// endpoint that its own encoding could not be decoded from.
TEST(ZkFormatsTest, TopLevelPortOutsideTcpRangeIsRejected) {
  EXPECT_FALSE(decode_broker(1, R"({"version":1,"host":"h","port":90920,"jmx_port":-1})"));
  EXPECT_FALSE(decode_broker(1, R"({"version":5,"host":"h","port":-2,"jmx_port":-1,"endpoints":[]})"));
  auto ok = decode_broker(1, R"({"version":1,"host":"h","port":65535,"jmx_port":-1})");
  ASSERT_TRUE(ok) << ok.err().message;
  EXPECT_TRUE(decode_broker(1, encode_broker(*ok)));
}

TEST(ZkFormatsTest, ControllerIsByteExactWithKafka) {
  EXPECT_EQ(encode_controller({1001, 1551794212551, 1, std::nullopt}),
            R"({"version":1,"brokerid":1001,"timestamp":"1551794212551"})");
  // Kafka 3.4+ (KIP-866) writes version 2; both decode.
  EXPECT_EQ(encode_controller({2, 1676813353461, 2, -1}),
            R"({"version":2,"brokerid":2,"timestamp":"1676813353461","kraftControllerEpoch":-1})");
  auto d = decode_controller(
      R"({"version":2,"brokerid":2,"timestamp":"1676813353461","kraftControllerEpoch":-1})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->broker_id, 2);
  EXPECT_EQ(d->timestamp_ms, 1676813353461);
  EXPECT_EQ(d->kraft_controller_epoch, -1);
  EXPECT_EQ(encode_controller_epoch(7), "7");
  EXPECT_EQ(*decode_controller_epoch("7"), 7);
  for (const char* bad : {"", "-1", "7 ", "x", "2147483648", "1e3", "007x"}) {
    EXPECT_FALSE(decode_controller_epoch(bad)) << bad;
  }
}

TEST(ZkFormatsTest, TopicAssignmentIsByteExactWithKafka) {
  // From a Kafka 3.x cluster: kafka-topics --create --partitions 3 --replication-factor 3.
  const char* kafka =
      R"({"partitions":{"0":[2,3,1],"1":[3,1,2],"2":[1,2,3]},"topic_id":"cMr3GpVESX2L3byPGf93lQ",)"
      R"("adding_replicas":{},"removing_replicas":{},"version":3})";
  auto d = decode_topic_assignment(kafka);
  ASSERT_TRUE(d) << d.err().message;
  ASSERT_TRUE(d->topic_id);
  EXPECT_EQ(uuid_to_string(*d->topic_id), "cMr3GpVESX2L3byPGf93lQ");
  EXPECT_EQ(d->partitions.at(1), (std::vector<int32_t>{3, 1, 2}));
  EXPECT_TRUE(d->adding_replicas.empty());
  EXPECT_EQ(encode_topic_assignment(*d), kafka);

  topic_assignment moving = *d;
  moving.adding_replicas[0] = {4};
  moving.removing_replicas[0] = {1};
  auto back = decode_topic_assignment(encode_topic_assignment(moving));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, moving);
  // Versions 1/2 without a topic id decode (topic_id absent).
  auto v1 = decode_topic_assignment(R"({"version":1,"partitions":{"0":[1]}})");
  ASSERT_TRUE(v1);
  EXPECT_FALSE(v1->topic_id);
  topic_assignment no_id;
  no_id.partitions[0] = {1};
  EXPECT_EQ(encode_topic_assignment(no_id),
            R"({"partitions":{"0":[1]},"adding_replicas":{},"removing_replicas":{},"version":3})");
}

TEST(ZkFormatsTest, TopicIdIsBase64UrlWithoutPadding) {
  uuid_bytes id{};
  for (int i = 0; i < 16; ++i) id[i] = static_cast<uint8_t>(0xf0 + i);  // forces '-' / '_' characters
  topic_assignment t;
  t.topic_id = id;
  t.partitions[0] = {1};
  std::string text = encode_topic_assignment(t);
  std::string s = uuid_to_string(id);
  EXPECT_EQ(s.size(), 22u);
  EXPECT_EQ(s.find_first_of("+/="), std::string::npos);
  EXPECT_NE(text.find("\"topic_id\":\"" + s + "\""), std::string::npos);
  auto d = decode_topic_assignment(text);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->topic_id, id);
  // Java's URL decoder (Kafka's Uuid.fromString) also accepts the padded form.
  auto padded = decode_topic_assignment(R"({"version":3,"partitions":{},"topic_id":")" + s + R"(=="})");
  ASSERT_TRUE(padded) << padded.err().message;
  EXPECT_EQ(*padded->topic_id, id);
}

TEST(ZkFormatsTest, PartitionStateIsByteExactWithKafka) {
  const char* kafka = R"({"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]})";
  partition_state s{2, 0, {2, 3, 1}, 1, 0};
  EXPECT_EQ(encode_partition_state(s), kafka);
  auto d = decode_partition_state(kafka);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, s);
  partition_state recovering{1, 5, {1}, 3, 1};
  std::string text = encode_partition_state(recovering);
  EXPECT_NE(text.find(R"("leader_recovery_state":1)"), std::string::npos);
  EXPECT_EQ(*decode_partition_state(text), recovering);
  partition_state leaderless{-1, 4, {}, 2, 0};
  EXPECT_EQ(*decode_partition_state(encode_partition_state(leaderless)), leaderless);
}

TEST(ZkFormatsTest, ConfigClusterIdAndReassignmentAreByteExactWithKafka) {
  EXPECT_EQ(encode_topic_config({{"cleanup.policy", "compact"}, {"retention.ms", "1000"}}),
            R"({"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}})");
  EXPECT_EQ(encode_topic_config({}), R"({"version":1,"config":{}})");
  auto c = decode_topic_config(R"({"version":1,"config":{"min.insync.replicas":"2"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("min.insync.replicas"), "2");

  EXPECT_EQ(encode_cluster_id("eQzK4lYlQ9y8P21IScOl_g"), R"({"version":"1","id":"eQzK4lYlQ9y8P21IScOl_g"})");
  EXPECT_EQ(*decode_cluster_id(R"({"version":"1","id":"eQzK4lYlQ9y8P21IScOl_g"})"), "eQzK4lYlQ9y8P21IScOl_g");

  std::vector<partition_reassignment> r{{"t", 0, {1, 2, 3}}, {"u", 4, {2}}};
  const char* kafka = R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]},)"
                      R"({"topic":"u","partition":4,"replicas":[2]}]})";
  EXPECT_EQ(encode_reassignment(r), kafka);
  EXPECT_EQ(*decode_reassignment(kafka), r);
}

TEST(ZkFormatsTest, UntrustedInputIsRejectedNotThrown) {
  const std::vector<std::string> garbage = {
      "",
      "null",
      "[]",
      "{",
      "\xff\xfe",
      R"({"leader":"1","leader_epoch":0,"isr":[],"controller_epoch":0})",          // string leader
      R"({"leader":1.5,"leader_epoch":0,"isr":[],"controller_epoch":0})",          // float
      R"({"leader":1,"leader_epoch":0,"isr":[1,1],"controller_epoch":0})",         // duplicate
      R"({"leader":1,"leader_epoch":0,"isr":[-3],"controller_epoch":0})",          // negative id
      R"({"leader":1,"leader_epoch":0,"isr":{},"controller_epoch":0})",            // wrong type
      R"({"leader":1,"leader_epoch":0,"isr":[4294967297],"controller_epoch":0})",  // > int32
      R"({"leader":-7,"leader_epoch":0,"isr":[],"controller_epoch":0})",
      R"({"leader":1,"leader_epoch":0,"controller_epoch":0})",  // no isr
      R"({"leader":1,"leader_epoch":0,"isr":[],"controller_epoch":0,"leader_recovery_state":9})",
  };
  for (const auto& g : garbage) {
    auto r = decode_partition_state(g);
    ASSERT_FALSE(r) << g;
    EXPECT_EQ(r.err().code, errc::corruption) << g;
    EXPECT_EQ(r.err().message.rfind("malformed partition state", 0), 0u) << r.err().message;
  }
  for (const char* t :
       {R"({"partitions":{"x":[1]}})", R"({"partitions":{"-1":[1]}})", R"({"partitions":{"01":[1]}})",
        R"({"partitions":{"0":[1,"2"]}})", R"({"partitions":[]})", R"({"version":9,"partitions":{}})",
        R"({"partitions":{"0":[1]},"adding_replicas":{"1":[2]}})", R"({"partitions":{},"topic_id":"short"})",
        R"({"partitions":{},"topic_id":7})", R"({"topic_id":"cMr3GpVESX2L3byPGf93lQ"})",
        R"({"partitions":{"99999999999":[1]}})"}) {
    EXPECT_FALSE(decode_topic_assignment(t)) << t;
  }
  for (const char* t : {R"({"version":5,"jmx_port":-1,"host":"h","port":1})",             // no endpoints
                        R"({"version":5,"jmx_port":-1,"endpoints":["PLAINTEXT//h:1"]})",  // no ://
                        R"({"version":5,"jmx_port":-1,"endpoints":["PLAINTEXT://h:99999"]})",
                        R"({"version":5,"jmx_port":-1,"endpoints":[7]})",
                        R"({"version":5,"jmx_port":-1,"endpoints":[],"rack":3})",
                        R"({"version":5,"jmx_port":-1,"endpoints":[],"timestamp":12})",
                        R"({"version":0,"jmx_port":-1,"endpoints":[]})", R"({"version":5,"endpoints":[]})"}) {
    EXPECT_FALSE(decode_broker(1, t)) << t;
  }
  EXPECT_FALSE(decode_controller(R"({"brokerid":"1"})"));
  EXPECT_FALSE(decode_controller(R"({"version":1})"));
  EXPECT_FALSE(decode_topic_config(R"({"version":1,"config":{"a":1}})"));
  EXPECT_FALSE(decode_topic_config(R"({"version":1})"));
  EXPECT_FALSE(decode_cluster_id(R"({"version":"1","id":""})"));
  EXPECT_FALSE(decode_cluster_id(R"({"version":"1","id":null})"));
  EXPECT_FALSE(
      decode_reassignment(R"({"version":1,"partitions":[{"topic":"t","partition":-1,"replicas":[]}]})"));
  EXPECT_FALSE(decode_reassignment(R"({"version":1,"partitions":[3]})"));
}

TEST(ZkFormatsTest, OversizedAndDeeplyNestedInputIsRejectedBeforeParsing) {
  std::string deep(100000, '[');
  EXPECT_FALSE(decode_partition_state(deep));
  std::string nested = R"({"leader":1,"leader_epoch":0,"isr":[],"controller_epoch":0,"x":)" +
                       std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_FALSE(decode_partition_state(nested));
  // Brackets inside strings do not count.
  std::string in_string =
      R"({"leader":1,"leader_epoch":0,"isr":[],"controller_epoch":0,"x":")" + std::string(100, '[') + "\"}";
  EXPECT_TRUE(decode_partition_state(in_string));
  std::string huge = R"({"version":1,"config":{"a":")" + std::string(max_znode_bytes, 'x') + "\"}}";
  EXPECT_FALSE(decode_topic_config(huge));
  // Invalid UTF-8 in a value to encode does not throw.
  EXPECT_NO_THROW(encode_topic_config({{"k", "\xff"}}));
}

}  // namespace
}  // namespace sluice::cluster::zk
