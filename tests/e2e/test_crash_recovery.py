# A broker killed with SIGKILL loses nothing it acknowledged, and recovers a torn log tail.
import os
import time
from collections import defaultdict

import pytest

from harness import clients
from harness import rawkafka as rk
from harness.background import BackgroundProducer
from harness.broker import RECOVERY_TRUNCATION_RE
from harness.dataset import Msg

PARTITIONS = 3


def consume_all(broker, topic: str, partitions: int) -> dict[int, list]:
    got = clients.consume_confluent(broker.bootstrap, topic, partitions, timeout=120)
    by_p: dict[int, list] = defaultdict(list)
    for c in got:
        by_p[c.partition].append(c)
    for p in by_p:
        by_p[p].sort(key=lambda c: c.offset)
    return by_p


def assert_gap_free(by_p: dict[int, list], start: int = 0) -> None:
    for p, msgs in by_p.items():
        offsets = [c.offset for c in msgs]
        assert offsets == list(range(start, start + len(msgs))), (
            f"partition {p}: offsets have a gap or duplicate: {offsets[:3]}...{offsets[-3:]}")


@pytest.mark.timeout_s(420)
def test_every_acknowledged_message_survives_kill9_during_acks_all_produce(broker):
    topic = "crash-acks-all"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    prod = BackgroundProducer(broker.bootstrap, topic, tag="crash",
                              conf={"message.timeout.ms": 5000, "acks": "all"})
    prod.start()
    try:
        prod.wait_for_acks(20000, timeout=120)
        broker.kill9()  # mid-stream: requests are in flight
        # Keep producing while the broker is down, so some messages certainly fail (on a loaded
        # machine the producer may have had nothing outstanding at the instant of the kill).
        produced_at_kill = prod.produced
        deadline = time.monotonic() + 10
        while prod.produced < produced_at_kill + 100 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        prod.stop_producing()
        # Let every outstanding message fail (broker is down) before restarting, so nothing is
        # retried into the new process and duplicates cannot be blamed on the client.
        prod.finish()
    acked, _, failed = prod.snapshot()
    assert len(acked) >= 20000
    assert failed, "expected some in-flight messages to fail while the broker was down"

    broker.start()
    by_p = consume_all(broker, topic, PARTITIONS)
    assert_gap_free(by_p)
    stored = {(p, c.offset): c.value for p, msgs in by_p.items() for c in msgs}
    missing = [(po, v) for po, v in acked.items() if stored.get(po) != v]
    assert not missing, (f"{len(missing)} acknowledged messages lost or moved after kill -9, "
                         f"e.g. {missing[:3]} (stored there: {[stored.get(po) for po, _ in missing[:3]]})")
    values = [v for v in stored.values()]
    assert len(values) == len(set(values)), "a message appears twice in the log"

    # New writes continue right after the recovered end of each partition.
    ends = {p: len(by_p.get(p, [])) for p in range(PARTITIONS)}
    msgs = [Msg(key=f"k{i % 50}".encode(), value=f"after:{i:08d}".encode())
            for i in range(300)]
    delivered = clients.produce_confluent(broker.bootstrap, topic, msgs, conf={"linger.ms": 0})
    next_offset = dict(ends)
    for p, off in delivered:
        assert off == next_offset[p], f"partition {p}: new message at {off}, expected {next_offset[p]}"
        next_offset[p] += 1
    assert_gap_free(consume_all(broker, topic, PARTITIONS))


# -- Torn tail ----------------------------------------------------------------------------------

BATCHES = 10
RECORDS_PER_BATCH = 20


def produce_numbered_batches(broker, topic: str) -> None:
    """BATCHES uncompressed batches of RECORDS_PER_BATCH records with values n0000000.."""
    with rk.RawConnection(broker.host, broker.port) as c:
        for b in range(BATCHES):
            recs = [rk.Record(f"k{i % 7}".encode(), f"n{b * RECORDS_PER_BATCH + i:07d}".encode(),
                              [("batch", str(b).encode())], timestamp_delta=i)
                    for i in range(RECORDS_PER_BATCH)]
            r = c.produce_v3(topic, 0, rk.encode_batch(recs), acks=-1)
            assert r.error_code == 0, r
            assert r.base_offset == b * RECORDS_PER_BATCH, r


# Where the active segment is cut, relative to the last batch (start .. end):
CUTS = {
    "one_byte_short": lambda last: last.end - 1,
    "mid_records": lambda last: last.start + rk.BATCH_HEADER_SIZE + 5,
    "inside_batch_header": lambda last: last.start + 30,
    "inside_offset_and_length": lambda last: last.start + 7,
}


@pytest.mark.parametrize("cut", list(CUTS))
def test_torn_tail_is_truncated_to_the_last_whole_batch(broker, cut):
    topic = "torn"
    clients.create_topic(broker.bootstrap, topic, 1)
    produce_numbered_batches(broker, topic)
    # SIGKILL rather than SIGTERM: a torn tail is what a crash mid-write leaves behind, and a
    # broker may rightly trust (not re-scan) its logs after a clean shutdown.
    broker.kill9()

    segments = broker.segment_files(topic, 0)
    assert segments, f"no <offset>.log segment files in {broker.partition_dir(topic, 0)}"
    active = segments[-1]
    batches = clients.stored_batches(active)
    assert batches and batches[-1].base_offset == (BATCHES - 1) * RECORDS_PER_BATCH, (
        f"unexpected layout of {active}: {[b.base_offset for b in batches]}")
    assert all(b.crc_ok for b in batches)
    last = batches[-1]
    new_size = CUTS[cut](last)
    assert last.start <= new_size < last.end
    os.truncate(active, new_size)

    broker.start()
    surviving = (BATCHES - 1) * RECORDS_PER_BATCH
    got = clients.consume_confluent(broker.bootstrap, topic, 1, timeout=60)
    assert [c.offset for c in got] == list(range(surviving))
    assert [c.value for c in got] == [f"n{i:07d}".encode() for i in range(surviving)]
    assert clients.watermarks(broker.bootstrap, topic, 0) == (0, surviving)
    assert RECOVERY_TRUNCATION_RE.search(broker.log_text()), (
        "recovery cut the log but logged no line matching /truncat/i")

    # The next write lands exactly where the torn batch started.
    with rk.RawConnection(broker.host, broker.port) as c:
        r = c.produce_v3(topic, 0, rk.encode_batch([rk.Record(b"k", b"after-recovery")]), acks=-1)
    assert r.error_code == 0 and r.base_offset == surviving, r
    got = clients.consume_confluent(broker.bootstrap, topic, 1, timeout=60)
    assert [c.offset for c in got] == list(range(surviving + 1))
    assert got[-1].value == b"after-recovery"
    # The file no longer holds the torn bytes: it parses as whole batches only.
    after = [b for seg in broker.segment_files(topic, 0) for b in clients.stored_batches(seg)]
    assert [b.base_offset for b in after] == [i * RECORDS_PER_BATCH for i in range(BATCHES)]
    assert all(b.crc_ok for b in after)


def test_restart_after_kill9_with_no_torn_tail_keeps_everything(broker):
    topic = "intact"
    clients.create_topic(broker.bootstrap, topic, 1)
    produce_numbered_batches(broker, topic)
    broker.kill9()
    broker.start()
    got = clients.consume_confluent(broker.bootstrap, topic, 1, timeout=60)
    assert [c.value for c in got] == [f"n{i:07d}".encode() for i in range(BATCHES * RECORDS_PER_BATCH)]
