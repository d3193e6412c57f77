# Every real client round-trips 100k keyed messages per codec through one broker, unchanged.
#
# For each of kcat, confluent-kafka (librdkafka 2.0.2), kafka-python 2.0.2 (API version
# auto-detected) and kafkajs 2.2.4, and each codec (none, gzip, snappy, lz4, zstd): a fresh
# 3-partition topic, 100k messages with keys, headers and explicit timestamps, then consume
# everything back with the same client and compare. The batches on disk must carry the codec
# the client asked for (a broker advertising the wrong API ranges makes librdkafka silently
# send uncompressed data; this catches it). librdkafka also sends a batch uncompressed when
# compressing did not make it smaller (small tail batches, lz4's frame overhead), so
# uncompressed batches may appear, but nearly all records must be in the requested codec.
#
# kcat cannot set per-message headers or timestamps: its messages all carry the same -H
# headers, and timestamps are checked to lie within the produce run and not go backwards.
# kafkajs has no manual partition assignment, so its consumer uses a consumer group.
import itertools
import os

import pytest

from harness import clients
from harness.dataset import CODEC_IDS, CODECS, make_messages, verify_roundtrip

N = int(os.environ.get("SLUICE_E2E_ROUNDTRIP_N", "100000"))
PARTITIONS = 3
CLIENTS = ["kcat", "confluent-kafka", "kafka-python", "kafkajs"]


def records_per_stored_codec(broker, topic: str) -> dict[int, int]:
    """Record count per compression codec id over every batch stored on disk for the topic."""
    found: dict[int, int] = {}
    for p in range(PARTITIONS):
        for seg in broker.segment_files(topic, p):
            for b in clients.stored_batches(seg, verify_crc=False):
                found[b.compression] = found.get(b.compression, 0) + b.records_count
    return found


@pytest.mark.slow
@pytest.mark.timeout_s(900)
@pytest.mark.parametrize("client,codec", list(itertools.product(CLIENTS, CODECS)),
                         ids=[f"{c}-{z}" for c, z in itertools.product(CLIENTS, CODECS)])
def test_roundtrip_of_100k_keyed_messages_with_headers_and_timestamps(client, codec, module_broker,
                                                                      tmp_path, request):
    bs = module_broker.bootstrap
    topic = f"roundtrip-{client}-{codec}"
    clients.create_topic(bs, topic, PARTITIONS)
    msgs = make_messages(N, f"{client}-{codec}")

    if client == "kcat":
        request.getfixturevalue("kcat")
        t0, t1 = clients.produce_kcat(bs, topic, msgs, codec, tmp_path)
        got = clients.consume_kcat(bs, topic, tmp_path)
        verify_roundtrip(msgs, got, PARTITIONS, timestamp_range=(t0, t1),
                         expected_headers=lambda m: clients.KCAT_HEADERS)
    elif client == "confluent-kafka":
        delivered = clients.produce_confluent(bs, topic, msgs, codec)
        got = clients.consume_confluent(bs, topic, PARTITIONS, expected=N)
        verify_roundtrip(msgs, got, PARTITIONS, delivered=delivered)
    elif client == "kafka-python":
        delivered = clients.produce_kafka_python(bs, topic, msgs, codec)
        got = clients.consume_kafka_python(bs, topic, PARTITIONS)
        verify_roundtrip(msgs, got, PARTITIONS, delivered=delivered)
    elif client == "kafkajs":
        request.getfixturevalue("kafkajs")
        clients.produce_kafkajs(bs, topic, msgs, codec, tmp_path)
        got = clients.consume_kafkajs(bs, topic, N, tmp_path)
        verify_roundtrip(msgs, got, PARTITIONS)
    else:  # pragma: no cover
        raise AssertionError(client)

    # The broker stores batches exactly as received, so the requested codec must be on disk.
    stored = records_per_stored_codec(module_broker, topic)
    want = CODEC_IDS[codec]
    assert sum(stored.values()) == N and set(stored) <= {want, 0} and (
        stored.get(want, 0) >= 0.9 * N), (
        f"{client} asked for {codec}; records on disk per codec: {stored} "
        f"(0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)")
    module_broker.assert_healthy()
