# An idempotent librdkafka producer that keeps producing while the broker is SIGKILLed and
# restarted ends with every message in the log exactly once, in order.
#
# Retried batches that the dead broker had already written must be recognised as duplicates
# from the producer state the broker rebuilt on restart (sequence numbers per producer id),
# not appended a second time; nothing may be lost or reordered.
import time

import pytest

from harness import clients
from harness.background import BackgroundProducer
from harness.dataset import index_of

N = 40000
IDEMPOTENT = {
    "enable.idempotence": True,
    "acks": "all",
    "max.in.flight.requests.per.connection": 5,
    "retries": 2147483647,
    "retry.backoff.ms": 100,
    "message.timeout.ms": 120000,
    "linger.ms": 5,
}


@pytest.mark.parametrize("partitions", [1, 3])
@pytest.mark.timeout_s(420)
def test_idempotent_producer_writes_each_message_exactly_once_across_kill9_and_restart(
        broker, partitions):
    topic = f"idempotent-{partitions}"
    clients.create_topic(broker.bootstrap, topic, partitions)
    # Paced so the kill lands mid-stream and production goes on while the broker is down.
    prod = BackgroundProducer(broker.bootstrap, topic, tag="seq", keys=97, conf=IDEMPOTENT,
                              limit=N, rate=8000)
    prod.start()
    try:
        prod.wait_for_acks(N // 4, timeout=120)
        broker.kill9()
        time.sleep(1.0)
        broker.start()
    finally:
        prod.finish(timeout=240)
    acked, acked_index, failed = prod.snapshot()
    assert not prod.fatal, f"idempotent producer hit a fatal error: {prod.fatal}"
    assert not failed, f"{len(failed)} deliveries failed, e.g. {list(failed.items())[:3]}"
    assert len(acked_index) == N

    got = clients.consume_confluent(broker.bootstrap, topic, partitions, timeout=120)
    seen: dict[int, tuple[int, int]] = {}
    last_in_partition: dict[int, int] = {}
    dups = []
    for c in sorted(got, key=lambda c: (c.partition, c.offset)):
        i = index_of(c.value)
        if i in seen:
            dups.append((i, seen[i], (c.partition, c.offset)))
            continue
        seen[i] = (c.partition, c.offset)
        assert i > last_in_partition.get(c.partition, -1), (
            f"partition {c.partition}: message {i} after {last_in_partition[c.partition]}")
        last_in_partition[c.partition] = i
    assert not dups, f"{len(dups)} messages written twice, e.g. (seq, first, again) {dups[:5]}"
    missing = sorted(set(range(N)) - set(seen))
    assert not missing, f"{len(missing)} messages missing, e.g. {missing[:10]}"
    moved = [(i, acked_index[i], seen[i]) for i in range(N) if acked_index[i] != seen[i]]
    assert not moved, f"messages not at their acknowledged offsets, e.g. {moved[:5]}"
    for p in range(partitions):
        offsets = sorted(o for (pp, o) in seen.values() if pp == p)
        assert offsets == list(range(len(offsets))), f"partition {p}: gap in offsets"
