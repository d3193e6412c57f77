# Consumer groups, issue 3 acceptance 5: committed offsets live in __consumer_offsets and survive
# a broker crash (SIGKILL) and restart.
#   * A consumer process commits synchronously, is killed, the broker is killed and restarted; a
#     new consumer of the group resumes exactly at each partition's committed offset.
#   * A group with 1,000 committed partitions (10 topics × 100) gets every one of them back
#     after the restart, through OffsetFetch by partition (librdkafka) and OffsetFetch of all
#     the group's offsets (kafka-python's admin client, topics = null).
from __future__ import annotations

import pytest
from confluent_kafka import Consumer, TopicPartition

from harness import clients
from harness.dataset import make_messages
from harness.group_worker import (  # noqa: F401 - the fixture is used by name
    consumed, group_workers_fixture, wait_until)

SESSION_MS = 6000
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}


@pytest.mark.timeout_s(150)
def test_consumer_resumes_at_committed_offset_after_broker_kill9(broker, group_workers):
    topic, group, parts, n = "resume", "g-resume", 4, 800
    clients.create_topic(broker.bootstrap, topic, parts)
    delivered = clients.produce_confluent(broker.bootstrap, topic, make_messages(n, "resume"))
    ends = {p: 0 for p in range(parts)}
    for p, o in delivered:
        ends[p] = max(ends[p], o + 1)

    # Small fetches interleave the partitions, so the commit point falls inside partitions.
    take = n // 2 + 77
    first = group_workers.spawn("confluent", "first", bootstrap=broker.bootstrap, topics=[topic],
                                group=group, commit="manual", max_records=take,
                                session_ms=SESSION_MS,
                                conf={"max.partition.fetch.bytes": 1024})
    wait_until(lambda: any(e["ev"] == "holding" for e in first.events()), 60,
               "the first consumer to commit half the messages", diag=group_workers.report)
    committed: dict[int, int] = {}
    for e in first.events():
        if e["ev"] == "committed":
            for t, p, o in e["offsets"]:
                committed[p] = o
    assert sum(committed.values()) == take, committed
    assert any(0 < committed.get(p, 0) < ends[p] for p in range(parts)), (committed, ends)
    first.kill9()

    broker.kill9()
    broker.restart()

    second = group_workers.spawn("confluent", "second", bootstrap=broker.bootstrap,
                                 topics=[topic], group=group, session_ms=SESSION_MS)
    expected = {(topic, p, o) for p in range(parts) for o in range(committed.get(p, 0), ends[p])}
    wait_until(lambda: expected <= set(consumed(second.events())), 60,
               f"the restarted consumer to read the {len(expected)} uncommitted messages",
               diag=lambda: f"committed {committed}, got {len(consumed(second.events()))}\n"
               + broker.log_tail() + group_workers.report())
    got = consumed(second.events())
    starts = {p: min(o for (_, q, o) in got if q == p) for p in range(parts)
              if any(q == p for (_, q, _) in got)}
    want = {p: committed.get(p, 0) for p in range(parts) if committed.get(p, 0) < ends[p]}
    assert starts == want, f"resumed at {starts}, committed {committed}"
    assert second.stop() == 0, second.log_tail()


TOPICS, PER_TOPIC = 10, 100


def _expected_offset(ti: int, p: int) -> int:
    return 1000 + 37 * ti + 3 * p


@pytest.mark.timeout_s(180)
def test_1000_committed_partitions_restored_after_broker_kill9(broker):
    group = "g-thousand"
    names = [f"thousand-{i}" for i in range(TOPICS)]
    for name in names:
        clients.create_topic(broker.bootstrap, name, PER_TOPIC)
    want = {(name, p): _expected_offset(ti, p) for ti, name in enumerate(names)
            for p in range(PER_TOPIC)}
    tps = [TopicPartition(t, p, o) for (t, p), o in sorted(want.items())]

    conf = {"bootstrap.servers": broker.bootstrap, "group.id": group,
            "enable.auto.commit": False, "socket.timeout.ms": 30000}
    c = Consumer(conf)
    try:
        result = c.commit(offsets=tps, asynchronous=False)
        bad = [tp for tp in result if tp.error is not None]
        assert not bad, f"{len(bad)} commits failed, e.g. {bad[:3]}"
        before = {(tp.topic, tp.partition): tp.offset
                  for tp in c.committed([TopicPartition(t, p) for t, p in want], timeout=60)}
    finally:
        c.close()
    assert before == want, "committed offsets differ before the restart"

    broker.kill9()
    broker.restart()

    c = Consumer(conf)
    try:
        after = c.committed([TopicPartition(t, p) for t, p in want], timeout=60)
    finally:
        c.close()
    errors = [tp for tp in after if tp.error is not None]
    assert not errors, f"OffsetFetch errors after restart: {errors[:3]}"
    got = {(tp.topic, tp.partition): tp.offset for tp in after}
    diff = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    assert not diff, f"{len(diff)} of {len(want)} offsets lost or changed, e.g. {list(diff.items())[:5]}"

    # OffsetFetch with topics = null: every offset the group has, nothing else.
    from kafka import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=30000)
    try:
        listed = admin.list_consumer_group_offsets(group)
    finally:
        admin.close()
    got_all = {(tp.topic, tp.partition): om.offset for tp, om in listed.items()}
    assert got_all == want, (f"OffsetFetch(all) returned {len(got_all)} offsets; differences e.g. "
                             f"{[(k, want.get(k), got_all.get(k)) for k in set(want) ^ set(got_all) or [k for k in want if want[k] != got_all.get(k)]][:5]}")
    # A clean stop flushes 1,050 partitions one by one (about 20 s on a loaded CI disk); this
    # test is about the crash, so end the broker the same way.
    broker.kill9()
