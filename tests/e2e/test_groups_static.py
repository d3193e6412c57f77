# Consumer groups, issue 3 acceptance 2: static membership (KIP-345, librdkafka's
# group.instance.id). A static member killed with SIGKILL and restarted with the same instance id
# within its session timeout gets its partitions back in the same generation, and the other
# members see no rebalance at all (no revoke/assign callback), neither at the restart nor when
# the dead incarnation's session timeout would have expired. kafka-python 2.0.2 has no static
# membership and kafkajs 2.2.4 does not expose it, so this runs on confluent-kafka, with an eager
# (range) and an incremental (cooperative-sticky) assignor. The cooperative subscription carries
# the partitions the member owns, so the restarted member's metadata differs from the one the
# coordinator stored; Kafka rebalances a Stable group on a static rejoin only when the group's
# selected protocol would change (GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin).
from __future__ import annotations

import time

import pytest

from harness import clients
from harness.group_worker import (  # noqa: F401 - the fixture is used by name
    group_workers_fixture, is_exact_cover, owned, ownership, rebalance_events, wait_until)

PARTITIONS = 6
SESSION_MS = 8000
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}


def _last_assign(events: list[dict]) -> dict | None:
    found = [e for e in events if e["ev"] == "assign"]
    return found[-1] if found else None


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_static_member_restart_keeps_assignment_without_rebalance(strategy, broker, group_workers):
    topic, group = f"static-{strategy}", f"g-static-{strategy}"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    all_tps = {(topic, p) for p in range(PARTITIONS)}

    def spawn(i: int):
        return group_workers.spawn("confluent", f"s{i}", bootstrap=broker.bootstrap, topics=[topic],
                                   group=group, instance_id=f"static-{i}", session_ms=SESSION_MS,
                                   heartbeat_ms=1000, record=False, strategy=strategy)

    def diag(ws):
        return lambda: (f"ownership: {ownership(ws)}\n"
                        f"{[(w.name, [(e['ev'], e.get('gen'), e.get('tps')) for e in rebalance_events(w.events(), 0)]) for w in ws]}"
                        f"\n{group_workers.report()}")

    # Members arrive one after another, as deployments do: three generations, and each member's
    # subscription metadata has carried the partitions it owned at its last rejoin.
    workers = []
    for i in range(3):
        workers.append(spawn(i))
        sizes = {PARTITIONS // (i + 1)}
        wait_until(lambda: len(ownership(workers)) == i + 1
                   and is_exact_cover(ownership(workers), all_tps, sizes),
                   60, f"{i + 1} static members sharing the partitions", diag=diag(workers))
    time.sleep(1.0)  # nothing else is in flight
    before = {w.name: _last_assign(w.events()) for w in workers}
    gens = {a["gen"] for a in before.values()}
    assert len(gens) == 1 and None not in gens, f"members disagree on the generation: {before}"
    generation = gens.pop()
    assert generation >= 1

    victim = workers[1]
    victim_tps = owned(victim.events())[0]
    victim.kill9()
    t_kill = victim.killed_at
    time.sleep(0.5)
    reborn = spawn(1)
    wait_until(lambda: _last_assign(reborn.events()) is not None,
               SESSION_MS / 1000, "the restarted static member's assignment within the session "
               "timeout", diag=diag(workers + [reborn]))
    got = _last_assign(reborn.events())
    assert {tuple(x) for x in got["tps"]} == victim_tps, (
        f"restarted member got {got['tps']}, had {sorted(victim_tps)}")
    assert got["gen"] == generation, (
        f"restart moved the group from generation {generation} to {got['gen']} (a rebalance)")
    assert got["mid"] and got["mid"] != before[victim.name]["mid"], "same member id reused"

    # Watch past the moment the dead incarnation's session would have expired.
    watch_until = t_kill + SESSION_MS / 1000 + 3.0
    while time.time() < watch_until:
        time.sleep(0.2)
    for w in (workers[0], workers[2]):
        moved = rebalance_events(w.events(), t_kill)
        assert not moved, f"{w.name} was rebalanced by the static restart: {moved}"
    again = rebalance_events(reborn.events(), 0)
    assert len(again) == 1, f"the restarted member rebalanced again: {again}"
    assert is_exact_cover(ownership([workers[0], reborn, workers[2]]), all_tps, {2})

    for w in (workers[0], reborn, workers[2]):
        assert w.stop() == 0, w.log_tail()
