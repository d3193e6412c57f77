# Consumer groups, issue 3 acceptance 4: 200 members (10 processes × 20 confluent-kafka
# consumers) in one group on a 200-partition topic reach a stable assignment in bounded time:
# every partition owned by exactly one member, every member holding one partition, and all
# members reporting the same generation.
from __future__ import annotations

import pytest

from harness import clients
from harness.group_worker import (  # noqa: F401 - the fixture is used by name
    group_workers_fixture, is_exact_cover, ownership, wait_until)

PROCESSES = 10
PER_PROCESS = 20
MEMBERS = PROCESSES * PER_PROCESS
PARTITIONS = 200
SESSION_MS = 15000  # 200 librdkafka instances share 2 cores with the broker
STABLE_WITHIN_S = 120
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}


def _last_assigns(workers) -> dict:
    out = {}
    for w in workers:
        for e in w.events():
            if e["ev"] == "assign":
                out[(w.name, e["m"])] = e
    return out


@pytest.mark.timeout_s(240)
def test_200_members_reach_one_stable_assignment(broker, group_workers):
    topic, group = "scale", "g-scale"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    all_tps = {(topic, p) for p in range(PARTITIONS)}
    workers = [group_workers.spawn("confluent", f"p{i}", bootstrap=broker.bootstrap,
                                   topics=[topic], group=group, members=PER_PROCESS,
                                   session_ms=SESSION_MS, heartbeat_ms=2000, record=False,
                                   stagger_ms=20)
               for i in range(PROCESSES)]

    def stable():
        own = ownership(workers)
        if len(own) != MEMBERS or not is_exact_cover(own, all_tps, {1}):
            return None
        last = _last_assigns(workers)
        gens = {e["gen"] for e in last.values()}
        if len(last) != MEMBERS or len(gens) != 1 or None in gens:
            return None
        return gens.pop()

    def diag():
        own = ownership(workers)
        sizes = {}
        for tps in own.values():
            sizes[len(tps)] = sizes.get(len(tps), 0) + 1
        gens = {}
        for e in _last_assigns(workers).values():
            gens[e["gen"]] = gens.get(e["gen"], 0) + 1
        dead = [w.name for w in workers if not w.alive()]
        return (f"{len(own)} members reported; partitions-per-member histogram {sizes}; "
                f"generations of last assignments {gens}; dead workers {dead}\n"
                + group_workers.report())

    gen = wait_until(stable, STABLE_WITHIN_S, f"{MEMBERS} members with one partition each in one "
                     "generation", interval=0.5, diag=diag)
    assert gen >= 1
    mids = {e["mid"] for e in _last_assigns(workers).values()}
    assert len(mids) == MEMBERS and None not in mids, "member ids not distinct"
    assert all(w.alive() for w in workers)
    for w in workers:
        assert w.stop(30) == 0, w.log_tail()
