# A topic's compression.type is applied by the broker: whatever codec the producer used, batches
# are stored with the topic's codec (Kafka's LogValidator recompression), and every client reads
# them back unchanged.
#
# For each target codec: confluent-kafka produces with a different codec (or none), kafka-python
# and confluent-kafka consume; the records on disk all carry the topic's codec.
import pytest

from harness import clients
from harness.dataset import CODEC_IDS, make_messages, verify_roundtrip

N = 5000
PARTITIONS = 2
# target codec -> the codec the producer uses instead
CASES = {"zstd": "none", "gzip": "lz4", "snappy": "zstd", "lz4": "gzip", "uncompressed": "snappy"}


def records_per_stored_codec(broker, topic: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for p in range(PARTITIONS):
        for seg in broker.segment_files(topic, p):
            for b in clients.stored_batches(seg, verify_crc=True):
                found[b.compression] = found.get(b.compression, 0) + b.records_count
    return found


@pytest.mark.parametrize("target", list(CASES))
def test_topic_compression_type_recompresses_what_producers_send(target, module_broker):
    bs = module_broker.bootstrap
    sent_with = CASES[target]
    topic = f"compression-type-{target}"
    clients.create_topic(bs, topic, PARTITIONS, config={"compression.type": target})
    msgs = make_messages(N, f"ct-{target}")
    delivered = clients.produce_confluent(bs, topic, msgs, sent_with)

    got = clients.consume_confluent(bs, topic, PARTITIONS, expected=N)
    verify_roundtrip(msgs, got, PARTITIONS, delivered=delivered)
    got = clients.consume_kafka_python(bs, topic, PARTITIONS)
    verify_roundtrip(msgs, got, PARTITIONS, delivered=delivered)

    want = 0 if target == "uncompressed" else CODEC_IDS[target]
    stored = records_per_stored_codec(module_broker, topic)
    assert stored == {want: N}, (f"produced with {sent_with} into a {target} topic; records on disk per "
                                 f"codec: {stored} (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)")
    module_broker.assert_healthy()
