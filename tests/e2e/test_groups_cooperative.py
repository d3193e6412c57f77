# Consumer groups, issue 3 acceptance 3: incremental cooperative rebalancing (KIP-429) with
# librdkafka's cooperative-sticky assignor. Three members join one by one, then one leaves
# cleanly. The workers log librdkafka's incremental assign/revoke callbacks; for every phase the
# checker verifies that
#   * no member has a partition revoked that it owns again at the end of the phase (partitions
#     that do not move are never revoked: an eager rebalance would revoke everything);
#   * every revoked partition is owned by another member at the end of the phase, and that
#     member was given it only after the previous owner revoked it;
#   * the phase ends with every partition owned by exactly one member, balanced.
from __future__ import annotations

import time

import pytest

from harness import clients
from harness.group_worker import (  # noqa: F401 - the fixture is used by name
    group_workers_fixture, is_exact_cover, owned, ownership, wait_until)

PARTITIONS = 6
SESSION_MS = 6000
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}


def _check_phase(label: str, workers, t0: float, t1: float) -> list[str]:
    """Problems in the phase (t0, t1] over the given workers' members."""
    problems = []
    start, end, revoked, assigned = {}, {}, {}, {}
    for w in workers:
        evs = w.events()
        s, e = owned(evs, until=t0), owned(evs, until=t1)
        for m in set(s) | set(e):
            key = (w.name, m)
            start[key], end[key] = s.get(m, set()), e.get(m, set())
            revoked[key], assigned[key] = [], []
        for ev in evs:
            if not (t0 < ev["t"] <= t1):
                continue
            key = (w.name, ev.get("m"))
            if ev["ev"] in ("revoke", "lost"):
                if not ev.get("inc"):
                    problems.append(f"{label}: {key} got an eager revoke {ev}")
                revoked.setdefault(key, []).extend((tuple(x), ev["t"]) for x in ev["tps"])
            elif ev["ev"] == "assign":
                if not ev.get("inc"):
                    problems.append(f"{label}: {key} got an eager assign {ev}")
                assigned.setdefault(key, []).extend((tuple(x), ev["t"]) for x in ev["tps"])
    for key, revs in revoked.items():
        for tp, t in revs:
            if tp in end.get(key, set()):
                problems.append(f"{label}: {key} had {tp} revoked although it keeps it")
            new_owners = [k for k, tps in end.items() if k != key and tp in tps]
            if len(new_owners) != 1:
                problems.append(f"{label}: {tp} revoked from {key} is owned by {new_owners} "
                                f"at the end of the phase")
    for key, asg in assigned.items():
        for tp, t in asg:
            if tp in start.get(key, set()) and not any(r == tp for r, _ in revoked.get(key, [])):
                problems.append(f"{label}: {key} was assigned {tp} it already owned")
            for other, tps in start.items():
                if other == key or tp not in tps:
                    continue
                revs = [rt for r, rt in revoked.get(other, []) if r == tp]
                if not revs or min(revs) > t:
                    problems.append(f"{label}: {tp} assigned to {key} at {t:.3f} before "
                                    f"{other} revoked it ({revs})")
    return problems


@pytest.mark.timeout_s(150)
def test_cooperative_sticky_moves_only_what_moves(broker, group_workers):
    topic, group = "coop", "g-coop"
    clients.create_topic(broker.bootstrap, topic, PARTITIONS)
    all_tps = {(topic, p) for p in range(PARTITIONS)}

    def spawn(name: str):
        return group_workers.spawn("confluent", name, bootstrap=broker.bootstrap, topics=[topic],
                                   group=group, strategy="cooperative-sticky",
                                   session_ms=SESSION_MS, heartbeat_ms=1000, record=False)

    def diag(ws):
        return lambda: (f"ownership: {ownership(ws)}\n"
                        + "\n".join(f"{w.name}: {[(e['ev'], e.get('gen'), e.get('tps')) for e in w.events() if e['ev'] != 'recs']}"
                                    for w in ws) + "\n" + group_workers.report())

    def settle(ws, sizes, what):
        wait_until(lambda: len(ownership(ws)) == len(ws)
                   and is_exact_cover(ownership(ws), all_tps, sizes),
                   60, what, diag=diag(ws))
        time.sleep(1.5)  # a further (wrong) revocation would show up in this phase

    a_, b_, c_ = "A", "B", "C"
    boundaries = [time.time()]
    a = spawn(a_)
    settle([a], {6}, "A owning all partitions")

    boundaries.append(time.time())
    b = spawn(b_)
    settle([a, b], {3}, "A and B owning 3 partitions each")

    boundaries.append(time.time())
    c = spawn(c_)
    settle([a, b, c], {2}, "A, B and C owning 2 partitions each")

    boundaries.append(time.time())
    b_owned = owned(b.events())[0]
    assert b.stop() == 0, b.log_tail()
    settle([a, c], {3}, "A and C owning 3 partitions each after B left")
    boundaries.append(time.time())

    everyone = [a, b, c]
    problems = []
    for i, label in enumerate(["A joins", "B joins", "C joins", "B leaves"]):
        problems += _check_phase(label, everyone, boundaries[i], boundaries[i + 1])
    assert not problems, "\n".join(problems) + "\n" + diag(everyone)()

    # Evidence that rebalancing really was incremental: in every phase after the first, some
    # member kept partitions it owned at the start.
    a_ev = a.events()
    assert owned(a_ev, until=boundaries[1])[0] & owned(a_ev, until=boundaries[2])[0]
    assert owned(a_ev, until=boundaries[2])[0] & owned(a_ev, until=boundaries[3])[0]
    assert owned(a_ev, until=boundaries[3])[0] <= owned(a_ev, until=boundaries[4])[0]
    # B's partitions went to the two members that stayed, and B gave them up when it left.
    b_rev = {tuple(x) for e in b.events() if e["ev"] in ("revoke", "lost") and e["t"] > boundaries[3]
             for x in e["tps"]}
    assert b_owned and b_owned <= b_rev, f"B owned {b_owned} but revoked {b_rev} when leaving"

    for w in (a, c):
        assert w.stop() == 0, w.log_tail()
