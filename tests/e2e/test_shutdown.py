# SIGTERM is a clean shutdown: exit code 0, bounded time, all acknowledged data readable after
# restart, and the restart takes the clean-shutdown path (no recovery truncation).
import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from harness import clients
from harness.background import BackgroundProducer
from harness.broker import RECOVERY_TRUNCATION_RE
from harness.dataset import Msg

PARTITIONS = 3


def test_sigterm_on_an_idle_broker_exits_zero_quickly(broker):
    t = time.monotonic()
    assert broker.stop(timeout=10) == 0
    assert time.monotonic() - t < 10


@pytest.mark.timeout_s(300)
def test_sigterm_during_produce_traffic_exits_zero_and_keeps_acknowledged_data(broker):
    topic = "shutdown-traffic"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    prod = BackgroundProducer(broker.bootstrap, topic, tag="term",
                              conf={"message.timeout.ms": 5000, "acks": "all"})
    prod.start()
    try:
        prod.wait_for_acks(10000, timeout=120)
        t = time.monotonic()
        rc = broker.stop(timeout=30)
        took = time.monotonic() - t
    finally:
        prod.stop_producing()
        prod.finish()
    assert rc == 0, f"exit code {rc} after SIGTERM under load"
    assert took < 30
    acked, _, _ = prod.snapshot()

    broker.start()
    restart_log = broker.log_text()
    truncations = [ln for ln in restart_log.splitlines() if RECOVERY_TRUNCATION_RE.search(ln)]
    assert not truncations, f"restart after a clean shutdown truncated logs: {truncations[:5]}"

    got = clients.consume_confluent(broker.bootstrap, topic, PARTITIONS, timeout=120)
    stored = {(c.partition, c.offset): c.value for c in got}
    for p in range(PARTITIONS):
        offsets = sorted(o for (pp, o) in stored if pp == p)
        assert offsets == list(range(len(offsets))), f"partition {p}: gap in offsets"
    lost = [po for po, v in acked.items() if stored.get(po) != v]
    assert not lost, f"{len(lost)} acknowledged messages missing after SIGTERM, e.g. {lost[:5]}"

    # Writes continue after the last stored offset.
    ends = {p: sum(1 for (pp, _) in stored if pp == p) for p in range(PARTITIONS)}
    delivered = clients.produce_confluent(
        broker.bootstrap, topic,
        [Msg(f"k{i}".encode(), f"after:{i}".encode()) for i in range(30)], conf={"linger.ms": 0})
    for p in range(PARTITIONS):
        offs = sorted(o for pp, o in delivered if pp == p)
        assert offs == list(range(ends[p], ends[p] + len(offs)))


def test_sigterm_while_a_consumer_long_polls_exits_zero_promptly(broker):
    topic = "shutdown-longpoll"
    clients.create_topic(broker.bootstrap, topic, 1)
    clients.produce_confluent(broker.bootstrap, topic, [Msg(b"k", b"v")])
    # A fetch waiting at the end of the log (fetch.wait.max.ms long) is parked in the broker
    # when SIGTERM arrives; shutdown must not wait for it to expire on its own.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "longpoll",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 20000})
    stop = threading.Event()

    def poll_loop():
        while not stop.is_set():
            c.poll(0.2)

    c.assign([TopicPartition(topic, 0, 0)])
    th = threading.Thread(target=poll_loop, daemon=True)
    th.start()
    try:
        time.sleep(2.0)  # consumed the one message; now parked at the log end
        t = time.monotonic()
        assert broker.stop(timeout=15) == 0
        assert time.monotonic() - t < 15
    finally:
        stop.set()
        th.join(10)
        c.close()


def test_sigterm_then_restart_repeatedly_keeps_data_and_exits_zero_each_time(broker):
    topic = "shutdown-cycles"
    clients.create_topic(broker.bootstrap, topic, 1)
    total = 0
    for cycle in range(3):
        msgs = [Msg(b"k", f"c{cycle}:{i}".encode()) for i in range(500)]
        delivered = clients.produce_confluent(broker.bootstrap, topic, msgs)
        assert [o for _, o in delivered] == list(range(total, total + 500))
        total += 500
        assert broker.stop() == 0
        broker.start()
        assert not RECOVERY_TRUNCATION_RE.search(broker.log_text())
    got = clients.consume_confluent(broker.bootstrap, topic, 1, expected=total)
    assert [c.offset for c in got] == list(range(total))
