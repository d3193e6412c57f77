// libFuzzer entry for the ZooKeeper znode decoders (issue 5): a broker reads znodes other brokers
// (or any ZooKeeper client) wrote, so every decoder sees arbitrary bytes. The first input byte
// picks the decoder, the rest is the znode's data. Checks: no crash, no escaping exception (the
// harness is built with exceptions and aborts on one), and what decodes re-encodes to text that
// decodes back to an equal value (for the formats with equality).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cluster/zk/zk_formats.h"

namespace {

namespace zk = sluice::cluster::zk;

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T, class Encode, class Decode>
void round_trip(const T& value, Encode encode, Decode decode) {
  const std::string again = encode(value);
  auto back = decode(again);
  check(back.ok());
  check(*back == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 8;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (which) {
    case 0: {
      auto b = zk::decode_broker(7, text);
      if (b.ok()) check(zk::decode_broker(7, zk::encode_broker(*b)).ok());
      break;
    }
    case 1: {
      auto c = zk::decode_controller(text);
      if (c.ok()) check(zk::decode_controller(zk::encode_controller(*c)).ok());
      break;
    }
    case 2: {
      auto e = zk::decode_controller_epoch(text);
      if (e.ok()) check(*zk::decode_controller_epoch(zk::encode_controller_epoch(*e)) == *e);
      break;
    }
    case 3: {
      auto t = zk::decode_topic_assignment(text);
      if (t.ok()) round_trip(*t, zk::encode_topic_assignment, zk::decode_topic_assignment);
      break;
    }
    case 4: {
      auto s = zk::decode_partition_state(text);
      if (s.ok()) round_trip(*s, zk::encode_partition_state, zk::decode_partition_state);
      break;
    }
    case 5: {
      auto c = zk::decode_topic_config(text);
      if (c.ok()) round_trip(*c, zk::encode_topic_config, zk::decode_topic_config);
      break;
    }
    case 6: {
      auto id = zk::decode_cluster_id(text);
      if (id.ok()) round_trip(*id, zk::encode_cluster_id, zk::decode_cluster_id);
      break;
    }
    default: {
      auto r = zk::decode_reassignment(text);
      if (r.ok()) round_trip(*r, zk::encode_reassignment, zk::decode_reassignment);
      break;
    }
  }
  return 0;
}
