# Log compaction (cleanup.policy=compact): a topic updated 1M times over 1,000 keys, with 100 keys
# deleted by tombstones, is cleaned in the background down to the latest value per key; the
# tombstones go after delete.retention.ms; a kill -9 while the cleaner runs loses nothing.
#
# Segments are small and the cleaner checks every 200 ms with a low dirty ratio, so it runs all
# the time while data arrives. Every wait is bounded.
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from harness import clients

BROKER_OVERRIDES = {
    "log.cleaner.backoff.ms": 200,
    "log.segment.delete.delay.ms": 0,
}
TOPIC_CONFIG = {
    "cleanup.policy": "compact",
    "segment.bytes": 262144,
    "min.cleanable.dirty.ratio": 0.01,
    "delete.retention.ms": 2000,
}
KEYS = 1000
DELETED = 100  # keys 0..99 get a tombstone
CLEAN_WAIT_S = 30.0


def key(i: int) -> bytes:
    return b"key-%04d" % i


def produce(bootstrap: str, topic: str, records, timeout: float = 60.0) -> None:
    """Produces (key, value-or-None) pairs fast (batched, lz4) and waits for every ack."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20,
                  "batch.num.messages": 10000, "compression.codec": "lz4",
                  "queue.buffering.max.messages": 1000000, "queue.buffering.max.kbytes": 1048576})
    errors = []

    def cb(err, _msg):
        if err is not None:
            errors.append(str(err))

    deadline = time.monotonic() + timeout
    for n, (k, v) in enumerate(records):
        while True:
            try:
                p.produce(topic, key=k, value=v, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.05)
                assert time.monotonic() < deadline, "producer queue full for too long"
        if n % 10000 == 0:
            p.poll(0)
    while len(p) > 0 and time.monotonic() < deadline:
        p.flush(1.0)
    assert len(p) == 0, f"{len(p)} messages undelivered"
    assert not errors, f"{len(errors)} deliveries failed, e.g. {errors[:3]}"


def read_all(bootstrap: str, topic: str, timeout: float = 30.0) -> list[tuple[int, bytes, bytes | None]]:
    """(offset, key, value) of every record from the log start to the high watermark."""
    _, high = clients.watermarks(bootstrap, topic, 0)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compaction-reader",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    out = []
    try:
        c.assign([TopicPartition(topic, 0, -2)])  # OFFSET_BEGINNING
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    if m.offset() >= high:
                        return out
                    continue
                raise AssertionError(f"consume error: {m.error()}")
            out.append((m.offset(), m.key(), m.value()))
        raise AssertionError(f"read {len(out)} records of {topic} without reaching {high} in {timeout}s")
    finally:
        c.close()


def latest_per_key(records) -> dict[bytes, bytes]:
    state: dict[bytes, bytes] = {}
    for _, k, v in records:
        if v is None:
            state.pop(k, None)
        else:
            state[k] = v
    return state


def active_base(broker, topic: str) -> int:
    return max(int(p.name[:20]) for p in broker.segment_files(topic, 0))


def cleaned_section(broker, topic: str):
    """Records below the active segment (the part the cleaner owns), and the active base."""
    base = active_base(broker, topic)
    return [r for r in read_all(broker.bootstrap, topic) if r[0] < base], base


def roll_past(broker, topic: str, offset: int, final: dict[bytes, bytes]) -> None:
    """Re-sends the final value of live keys until the active segment starts after `offset`,
    so everything up to it is cleanable (the active segment never is)."""
    deadline = time.monotonic() + CLEAN_WAIT_S
    while active_base(broker, topic) <= offset:
        assert time.monotonic() < deadline, "active segment did not roll"
        produce(broker.bootstrap, topic, list(final.items()) * 3)


def wait_until_compacted(broker, topic: str, expected: dict[bytes, bytes]):
    deadline = time.monotonic() + CLEAN_WAIT_S
    while True:
        section, base = cleaned_section(broker, topic)
        keys = [k for _, k, _ in section]
        tombstones = [k for _, k, v in section if v is None]
        done = len(keys) == len(set(keys)) and not tombstones and latest_per_key(section) == expected
        if done:
            return section
        assert time.monotonic() < deadline, (
            f"not compacted after {CLEAN_WAIT_S}s: {len(section)} records below {base} "
            f"({len(set(keys))} keys, {len(tombstones)} tombstones)\n{broker.log_tail(20)}")
        time.sleep(0.5)


@pytest.mark.timeout_s(180)
def test_compaction_keeps_latest_per_key_drops_tombstones_and_survives_kill9(broker):
    topic = "compacted"
    clients.create_topic(broker.bootstrap, topic, 1, config=TOPIC_CONFIG)

    # 1M updates over 1,000 keys, then tombstones for keys 0..99.
    updates = ((key(i % KEYS), b"v-%07d" % i) for i in range(1_000_000))
    t0 = time.monotonic()
    produce(broker.bootstrap, topic, updates, timeout=120)
    produce(broker.bootstrap, topic, [(key(i), None) for i in range(DELETED)])
    produce_s = time.monotonic() - t0
    final = {key(i): b"v-%07d" % (1_000_000 - KEYS + i) for i in range(DELETED, KEYS)}
    _, high = clients.watermarks(broker.bootstrap, topic, 0)
    assert high == 1_000_000 + DELETED
    roll_past(broker, topic, high - 1, final)

    # About 900 live records: one per key not deleted; tombstones gone after delete.retention.ms.
    section = wait_until_compacted(broker, topic, final)
    assert len(section) == KEYS - DELETED
    # A reader from the beginning sees exactly the latest value per key (the active segment holds
    # only re-sent final values).
    everything = read_all(broker.bootstrap, topic)
    assert latest_per_key(everything) == final
    offsets = [o for o, _, _ in everything]
    assert offsets == sorted(offsets)
    print(f"produced 1M updates in {produce_s:.1f}s; compacted to {len(section)} records below "
          f"offset {active_base(broker, topic)}")

    # kill -9 while the cleaner works on fresh dirty data; after restart nothing is lost.
    round2 = {key(i): b"w-%07d" % i for i in range(KEYS)}
    produce(broker.bootstrap, topic, ((key(i % KEYS), b"w-%07d" % (i % KEYS)) for i in range(200_000)),
            timeout=60)
    d = broker.partition_dir(topic, 0)
    deadline = time.monotonic() + 10.0
    saw_cleaning = False
    while time.monotonic() < deadline and not saw_cleaning:
        saw_cleaning = any(p.name.endswith((".cleaned", ".swap")) for p in d.iterdir())
        if not saw_cleaning:
            time.sleep(0.005)
    broker.kill9()
    broker.start()
    after = read_all(broker.bootstrap, topic)
    assert latest_per_key(after) == round2, "latest values lost after kill -9 during cleaning"
    # And compaction carries on after the restart.
    roll_past(broker, topic, clients.watermarks(broker.bootstrap, topic, 0)[1] - 1, round2)
    section = wait_until_compacted(broker, topic, round2)
    assert len(section) == KEYS
    print(f"killed {'during' if saw_cleaning else 'near'} a cleaner pass; nothing lost")


def test_compacted_topic_refuses_records_without_a_key(broker):
    topic = "compacted-keys"
    clients.create_topic(broker.bootstrap, topic, 1, config={"cleanup.policy": "compact"})
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "retries": 0})
    errors = []
    p.produce(topic, value=b"no key", on_delivery=lambda err, m: errors.append(err))
    p.flush(30)
    assert len(errors) == 1 and errors[0] is not None
    assert errors[0].code() == KafkaError.INVALID_RECORD, errors[0]
