# Time and size retention delete whole old segments, move the log start offset, and consumers
# positioned below it get OFFSET_OUT_OF_RANGE and reset as their auto.offset.reset says.
#
# Segments are small (log.segment.bytes) and the retention check runs every 500 ms, so the
# cleaner acts within seconds; every wait for it is bounded.
import time

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition

from harness import clients
from harness import rawkafka as rk
from harness.dataset import Msg

SEGMENT_BYTES = 16384
BROKER_OVERRIDES = {
    "log.segment.bytes": SEGMENT_BYTES,
    "log.retention.check.interval.ms": 500,
    # Deleted segments are first renamed (*.deleted) and unlinked after this delay.
    "log.segment.delete.delay.ms": 500,
}
RETENTION_WAIT_S = 30.0
# Small batches, so segments fill and roll many times.
SMALL_BATCHES = {"linger.ms": 0, "batch.num.messages": 10}


def old_and_fresh_messages(n_old: int, n_fresh: int) -> list[Msg]:
    now = int(time.time() * 1000)
    two_days_ago = now - 2 * 24 * 3600 * 1000
    pad = "x" * 180
    return ([Msg(b"old", f"old:{i:07d}:{pad}".encode(), timestamp=two_days_ago + i)
             for i in range(n_old)]
            + [Msg(b"fresh", f"fresh:{i:07d}:{pad}".encode(), timestamp=now + i)
               for i in range(n_fresh)])


def segment_bases(broker, topic: str) -> list[int]:
    return [int(p.name[:20]) for p in broker.segment_files(topic, 0)]


def files_below(broker, topic: str, start: int) -> list[str]:
    """Segment files (.log and its indexes, also as *.deleted leftovers) with a base below start.
    Producer-state snapshots are left out: a broker may keep the newest one."""
    d = broker.partition_dir(topic, 0)
    return sorted(p.name for p in d.iterdir()
                  if p.name[:20].isdigit() and int(p.name[:20]) < start
                  and p.name[20:].split(".")[1:2] in (["log"], ["index"], ["timeindex"]))


def wait_until_files_below_are_gone(broker, topic: str, start: int) -> None:
    deadline = time.monotonic() + RETENTION_WAIT_S
    while files_below(broker, topic, start) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert files_below(broker, topic, start) == [], "files of deleted segments remain"


def wait_for_log_start_above(broker, topic: str, minimum: int) -> int:
    deadline = time.monotonic() + RETENTION_WAIT_S
    start = 0
    while time.monotonic() < deadline:
        start, _ = clients.watermarks(broker.bootstrap, topic, 0)
        if start > minimum:
            return start
        time.sleep(0.25)
    raise AssertionError(f"log start offset of {topic} still {start} after {RETENTION_WAIT_S}s; "
                         f"segments {segment_bases(broker, topic)}")


def test_segments_past_retention_ms_are_deleted_and_log_start_moves(module_broker):
    b = module_broker
    topic = "retention-time"
    clients.create_topic(b.bootstrap, topic, 1, config={"retention.ms": 3600 * 1000})
    n_old, n_fresh = 1500, 20
    clients.produce_confluent(b.bootstrap, topic, old_and_fresh_messages(n_old, n_fresh),
                              conf=SMALL_BATCHES)
    # Retention is judged by the newest record timestamp in each segment (Kafka semantics):
    # segments holding only two-day-old records go, the one holding fresh records stays.
    start = wait_for_log_start_above(b, topic, 0)
    deadline = time.monotonic() + RETENTION_WAIT_S
    while time.monotonic() < deadline and segment_bases(b, topic)[:1] != [start]:
        time.sleep(0.25)
    bases = segment_bases(b, topic)
    assert bases and bases[0] == start, f"first segment file {bases[:1]} != log start {start}"
    assert 0 not in bases, "the oldest segment file is still there"
    wait_until_files_below_are_gone(b, topic, start)
    assert start <= n_old, "retention deleted a segment holding fresh records"
    first = clients.stored_batches(b.segment_files(topic, 0)[0])
    assert max(x.max_timestamp for x in first) >= int(time.time() * 1000) - 3600 * 1000, (
        "a segment with only expired records survived")

    got = clients.consume_confluent(b.bootstrap, topic, 1, timeout=60)
    assert got[0].offset == start
    assert [c.offset for c in got] == list(range(start, n_old + n_fresh))
    assert [c.value for c in got[-n_fresh:]] == [m.value for m in old_and_fresh_messages(0, n_fresh)]


def test_retention_bytes_bounds_the_partition_size(module_broker):
    b = module_broker
    topic = "retention-size"
    retention = 4 * SEGMENT_BYTES
    clients.create_topic(b.bootstrap, topic, 1, config={"retention.bytes": retention})
    msgs = [Msg(f"k{i % 5}".encode(), f"v:{i:07d}:{'y' * 200}".encode()) for i in range(2000)]
    clients.produce_confluent(b.bootstrap, topic, msgs, conf=SMALL_BATCHES)
    start = wait_for_log_start_above(b, topic, 0)

    def log_bytes() -> int:
        return sum(p.stat().st_size for p in b.segment_files(topic, 0))

    # Kafka deletes oldest segments while the rest still reaches retention.bytes, so what
    # remains is under retention.bytes plus one segment (and a batch of slack).
    bound = retention + SEGMENT_BYTES + 4096
    deadline = time.monotonic() + RETENTION_WAIT_S
    while time.monotonic() < deadline and log_bytes() > bound:
        time.sleep(0.25)
    assert log_bytes() <= bound, f"{log_bytes()} bytes of segments, bound {bound}"
    start, end = clients.watermarks(b.bootstrap, topic, 0)
    assert end == len(msgs) and 0 < start < end
    assert segment_bases(b, topic)[0] == start
    wait_until_files_below_are_gone(b, topic, start)
    got = clients.consume_confluent(b.bootstrap, topic, 1, timeout=60)
    assert [c.value for c in got] == [m.value for m in msgs[start:]]


@pytest.fixture(scope="module")
def truncated_topic(module_broker):
    """A topic whose first segments were removed by retention: (topic, log start, log end)."""
    b = module_broker
    topic = "retention-reset"
    clients.create_topic(b.bootstrap, topic, 1, config={"retention.bytes": 3 * SEGMENT_BYTES})
    msgs = [Msg(b"k", f"r:{i:07d}:{'z' * 200}".encode()) for i in range(1500)]
    clients.produce_confluent(b.bootstrap, topic, msgs, conf=SMALL_BATCHES)
    start = wait_for_log_start_above(b, topic, 0)
    time.sleep(1.5)  # let any further deletion of this round finish
    start, end = clients.watermarks(b.bootstrap, topic, 0)
    assert 0 < start < end == len(msgs)
    return topic, start, end


def test_list_offsets_earliest_reports_the_new_log_start(module_broker, truncated_topic):
    topic, start, end = truncated_topic
    with rk.RawConnection(module_broker.host, module_broker.port) as c:
        assert c.list_offsets_v1(topic, 0, rk.EARLIEST_TIMESTAMP) == (0, start)
        assert c.list_offsets_v1(topic, 0, rk.LATEST_TIMESTAMP) == (0, end)


def test_fetch_below_log_start_returns_offset_out_of_range(module_broker, truncated_topic):
    topic, start, end = truncated_topic
    with rk.RawConnection(module_broker.host, module_broker.port) as c:
        r = c.fetch_v4(topic, 0, 0)
        assert r.error_code == 1, r  # OFFSET_OUT_OF_RANGE
        assert not r.records
        ok = c.fetch_v4(topic, 0, start)
        assert ok.error_code == 0 and ok.high_watermark == end
        assert rk.decode_batches(ok.records)[0].base_offset <= start


def _confluent_consumer_at_zero(bootstrap: str, topic: str, reset: str) -> Consumer:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reset-{reset}-{time.monotonic_ns()}",
                  "enable.auto.commit": False, "auto.offset.reset": reset})
    c.assign([TopicPartition(topic, 0, 0)])
    return c


def test_confluent_consumer_at_old_offset_resets_to_log_start_with_earliest(module_broker,
                                                                            truncated_topic):
    topic, start, _ = truncated_topic
    c = _confluent_consumer_at_zero(module_broker.bootstrap, topic, "earliest")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            assert m.offset() == start
            return
        raise AssertionError("no message after reset to earliest")
    finally:
        c.close()


def test_confluent_consumer_at_old_offset_surfaces_the_error_with_reset_none(module_broker,
                                                                              truncated_topic):
    topic, _, _ = truncated_topic
    # librdkafka spells Kafka's "none" as "error": the out-of-range error reaches the app.
    c = _confluent_consumer_at_zero(module_broker.bootstrap, topic, "error")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is not None, f"got a message at offset {m.offset()} instead of an error"
            assert m.error().code() in (KafkaError._AUTO_OFFSET_RESET,
                                        KafkaError.OFFSET_OUT_OF_RANGE), m.error()
            return
        raise AssertionError("no error surfaced for an out-of-range offset")
    finally:
        c.close()


def test_kafka_python_consumer_resets_with_earliest_and_raises_with_none(module_broker,
                                                                        truncated_topic):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP
    from kafka.errors import OffsetOutOfRangeError
    topic, start, _ = truncated_topic
    tp = KTP(topic, 0)
    for reset in ("earliest", "none"):
        c = KafkaConsumer(bootstrap_servers=module_broker.bootstrap, group_id=None,
                          enable_auto_commit=False, auto_offset_reset=reset)
        try:
            c.assign([tp])
            c.seek(tp, 0)
            deadline = time.monotonic() + 30
            if reset == "earliest":
                first = None
                while first is None and time.monotonic() < deadline:
                    for recs in c.poll(timeout_ms=500).values():
                        first = first if first is not None else recs[0].offset
                assert first == start
            else:
                with pytest.raises(OffsetOutOfRangeError):
                    while time.monotonic() < deadline:
                        c.poll(timeout_ms=500)
        finally:
            c.close(autocommit=False)
