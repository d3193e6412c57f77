# Consumer groups, issue 3 acceptance 1: three consumer PROCESSES of one group split a
# 6-partition topic 2/2/2; one is killed with SIGKILL; within its session timeout the two others
# own all six partitions, and over the whole run every produced message is consumed at least once
# (none skipped). Run for each client: confluent-kafka (librdkafka 2.0.2), kafka-python 2.0.2,
# kafkajs 2.2.4. Consumers commit automatically (confluent: offsets stored only after the record
# was written to the worker's event file, so a kill cannot commit a record nobody saw).
from __future__ import annotations

import time

import pytest

from harness import clients
from harness.background import BackgroundProducer
from harness.group_worker import (  # noqa: F401 - the fixture is used by name
    consumed, group_workers_fixture, is_exact_cover, owned, ownership, wait_until)

PARTITIONS = 6
SESSION_MS = 6000
# Slack on top of the session timeout for the survivors' heartbeat (1 s), rejoin and sync on a
# loaded 2-core CI machine.
TAKEOVER_SLACK_S = 12.0
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}


def _diag(pool, workers):
    def f():
        own = {k: sorted(p for _, p in v) for k, v in ownership(workers).items()}
        return f"ownership: {own}\n{pool.report()}"
    return f


@pytest.mark.timeout_s(150)
@pytest.mark.parametrize("client", ["confluent", "kafka-python", "kafkajs"])
def test_kill9_member_partitions_move_to_survivors(client, broker, group_workers, request):
    if client == "kafkajs":
        request.getfixturevalue("kafkajs")
    topic = f"failover-{client}"
    group = f"g-failover-{client}"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    all_tps = {(topic, p) for p in range(PARTITIONS)}

    producer = BackgroundProducer(broker.bootstrap, topic, tag=client, keys=60, rate=200)
    producer.start()
    try:
        workers = [group_workers.spawn(client, f"c{i}", bootstrap=broker.bootstrap, topics=[topic],
                                       group=group, session_ms=SESSION_MS, heartbeat_ms=1000)
                   for i in range(3)]
        wait_until(lambda: len(ownership(workers)) == 3
                   and is_exact_cover(ownership(workers), all_tps, {2}),
                   60, "three members owning 2 disjoint partitions each",
                   diag=_diag(group_workers, workers))
        # Let every member consume (and commit) a while before the crash.
        wait_until(lambda: all(any(e["ev"] == "recs" for e in w.events()) for w in workers),
                   20, "every member consuming", diag=_diag(group_workers, workers))
        time.sleep(1.0)

        victim, survivors = workers[1], [workers[0], workers[2]]
        victim_tps = owned(victim.events())[0]
        assert len(victim_tps) == 2
        victim.kill9()
        bound = SESSION_MS / 1000 + TAKEOVER_SLACK_S
        wait_until(lambda: is_exact_cover(ownership(survivors), all_tps, {3}),
                   bound, f"the two survivors owning all {PARTITIONS} partitions within the "
                   f"session timeout ({SESSION_MS} ms) + {TAKEOVER_SLACK_S} s",
                   diag=_diag(group_workers, survivors))
        took = time.time() - victim.killed_at
        print(f"{client}: survivors own every partition {took:.1f} s after the kill")
        # The killed member's partitions were consumed on after the takeover.
        time.sleep(1.5)
    finally:
        producer.stop_producing()
        producer.finish(60)

    acked, acked_index, failed = producer.snapshot()
    assert not failed, f"producer failures: {list(failed.items())[:5]}"
    assert len(acked) > 500
    expected = {(topic, p, o): f"k{i % producer.keys}" for i, (p, o) in acked_index.items()}

    def missing():
        got = {}
        for w in workers:
            got.update(consumed(w.events()))
        return {k for k in expected if k not in got}, got

    wait_until(lambda: not missing()[0], 40, "every produced message consumed",
               diag=lambda: f"{len(missing()[0])} missing, e.g. {sorted(missing()[0])[:10]}")
    _, got = missing()
    wrong = [(k, got[k], v) for k, v in expected.items() if got[k] != v]
    assert not wrong, f"consumed keys differ from produced ones: {wrong[:10]}"
    phantom = [k for k in got if k not in expected]
    assert not phantom, f"consumed records nobody produced: {phantom[:10]}"
    # Some of the killed member's partitions' records were consumed by a survivor.
    taken_over = {(t, p) for w in survivors for (t, p, o) in consumed(w.events())}
    assert victim_tps <= taken_over

    for w in survivors:
        rc = w.stop()
        assert rc == 0, f"worker {w.name} exited with {rc}\n{w.log_tail()}"
