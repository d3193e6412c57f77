# __consumer_offsets as a lag monitor reads it: a plain consumer (kafka-python) fetches the internal
# topic, and the keys and values are decoded here with Kafka's layout written out independently of
# the broker's code (struct unpacking of OffsetCommitKey v1 / OffsetCommitValue v3 and
# GroupMetadataKey v2 / GroupMetadataValue v3), on the partition Kafka's hash of the group id picks.
from __future__ import annotations

import struct
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KTopicPartition
from kafka.structs import OffsetAndMetadata

from harness import clients

BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}
OFFSETS_TOPIC = "__consumer_offsets"


def java_hash(s: str) -> int:
    h = 0
    for unit in struct.unpack(f">{len(s.encode('utf-16-be')) // 2}H", s.encode("utf-16-be")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def partition_for(group: str, partitions: int = 50) -> int:
    h = java_hash(group)
    return (0 if h == -(1 << 31) else abs(h)) % partitions


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self, nullable: bool = False):
        n = self.take(">h")
        if n < 0:
            assert nullable
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def bytes_(self):
        n = self.take(">i")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def done(self) -> bool:
        return self.pos == len(self.data)


def read_partition(bootstrap: str, partition: int, timeout: float = 30.0):
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                      consumer_timeout_ms=2000, api_version_auto_timeout_ms=10000)
    try:
        tp = KTopicPartition(OFFSETS_TOPIC, partition)
        c.assign([tp])
        c.seek_to_beginning(tp)
        end = c.end_offsets([tp])[tp]
        out = []
        deadline = time.monotonic() + timeout
        while c.position(tp) < end and time.monotonic() < deadline:
            for records in c.poll(timeout_ms=500).values():
                out.extend(records)
        assert c.position(tp) >= end, f"read {len(out)} records, position {c.position(tp)} < {end}"
        return out
    finally:
        c.close()


@pytest.mark.timeout_s(120)
def test_offsets_topic_holds_kafka_layout_on_the_hashed_partition(broker):
    assert OFFSETS_TOPIC in clients.topic_names(broker.bootstrap)
    topic, group = "orders", "lag-monitor-group-\u00e9"  # a non-ASCII id exercises the UTF-16 hash
    clients.create_topic(broker.bootstrap, topic, 3)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 7)], asynchronous=False)
    finally:
        c.close()
    # confluent-kafka 1.7 cannot attach commit metadata; kafka-python can.
    k = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False,
                      api_version_auto_timeout_ms=10000)
    try:
        k.commit({KTopicPartition(topic, 0): OffsetAndMetadata(9, "meta")})
    finally:
        k.close()

    records = read_partition(broker.bootstrap, partition_for(group))
    offsets = {}
    for r in records:
        k = Reader(r.key)
        version = k.take(">h")
        if version not in (0, 1):
            continue
        g, t, p = k.string(), k.string(), k.take(">i")
        assert k.done()
        if g != group:
            continue
        v = Reader(r.value)
        assert v.take(">h") == 3
        offset, epoch, metadata, ts = v.take(">q"), v.take(">i"), v.string(), v.take(">q")
        assert v.done()
        assert abs(ts - time.time() * 1000) < 600_000
        offsets[(t, p)] = (offset, metadata)
    # The last record per key wins, as compaction and the broker's own load see it.
    assert offsets == {(topic, 0): (9, "meta"), (topic, 1): (7, "")}


@pytest.mark.timeout_s(120)
def test_group_metadata_record_describes_the_stable_group(broker):
    topic, group = "events", "described-group"
    clients.create_topic(broker.bootstrap, topic, 2)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "client.id": "meta-client", "enable.auto.commit": False,
                  "group.instance.id": "instance-1", "session.timeout.ms": 10000})
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + 30
        while not c.assignment() and time.monotonic() < deadline:
            c.poll(0.2)
        assert len(c.assignment()) == 2
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline:
            for r in read_partition(broker.bootstrap, partition_for(group)):
                k = Reader(r.key)
                if k.take(">h") == 2 and k.string() == group and r.value is not None:
                    found = r.value
            if found is None:
                c.poll(0.2)
        assert found is not None, "no GroupMetadata record for the group"
        v = Reader(found)
        assert v.take(">h") == 3
        protocol_type, generation = v.string(), v.take(">i")
        protocol, leader, state_ts = v.string(True), v.string(True), v.take(">q")
        members = [(v.string(), v.string(True), v.string(), v.string(), v.take(">i"), v.take(">i"),
                    v.bytes_(), v.bytes_()) for _ in range(v.take(">i"))]
        assert v.done()
        assert protocol_type == "consumer" and generation >= 1 and protocol
        assert state_ts > 0
        assert len(members) == 1
        member_id, instance, client_id, host, rebalance_ms, session_ms, subscription, assignment = members[0]
        assert leader == member_id
        assert instance == "instance-1" and client_id == "meta-client" and host
        assert session_ms == 10000
        assert topic.encode() in subscription and topic.encode() in assignment
    finally:
        c.close()
