# The cluster harness (harness/cluster.py) itself: ZooKeeper plus a broker with zookeeper.connect
# set carries records; restart keeps port and data; teardown leaves no process and no folder.
from __future__ import annotations

import os

import pytest

from harness import clients, zookeeper
from harness.cluster import Cluster, _process_state, cluster_factory  # noqa: F401 - the fixture
from harness.dataset import make_messages

pytestmark = [pytest.mark.cluster,
              pytest.mark.skipif(bool(zookeeper.missing()), reason=zookeeper.missing() or "zookeeper"),
              pytest.mark.timeout_s(240)]


def round_trip(bootstrap: str, topic: str, n: int, tag: str) -> None:
    msgs = make_messages(n, tag, n_keys=10)
    delivered = clients.produce_confluent(bootstrap, topic, msgs, conf={"enable.idempotence": True})
    assert len(delivered) == n
    got = clients.consume_confluent(bootstrap, topic, partitions=2, expected=n, timeout=60)
    values = {r.value for r in got}
    assert all(m.value in values for m in msgs), f"{len(got)} consumed, some of the {n} produced are missing"


def test_one_broker_with_zookeeper_round_trip_and_clean_teardown():
    c = Cluster(brokers=1, zk_nodes=1)
    try:
        c.start()
        b = c.broker(1)
        assert b.alive()
        assert any(k == "zookeeper.connect" and v == c.zk_connect for k, v in b.overrides.items())
        clients.create_topic(c.bootstrap(), "selftest", partitions=2)
        round_trip(c.bootstrap(), "selftest", 200, "first")

        # Restart after a crash: same port, same data, still serving.
        port = b.port
        c.kill9(1)
        assert not c.alive(1)
        c.restart(1)
        assert c.broker(1).port == port
        got = clients.consume_confluent(c.bootstrap(), "selftest", partitions=2, expected=200, timeout=90)
        assert len(got) >= 200

        pids = c.running_pids()
        assert b.pid in pids and c.zk.pid(1) in pids, pids
        workdir = c.workdir
    finally:
        c.teardown()
    assert c.running_pids() == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not workdir.exists()


def test_sigstop_sigcont_and_term_stop(cluster_factory):  # noqa: F811 - pytest fixture
    c = cluster_factory(brokers=1, zk_nodes=1)
    b = c.broker(1)
    c.sigstop(1)
    assert _process_state(b.pid) == "T"  # sigstop() returns once the kernel shows it
    c.sigcont(1)
    b.assert_healthy()
    clients.create_topic(c.bootstrap(), "thawed", partitions=2)
    round_trip(c.bootstrap(), "thawed", 20, "thawed")  # serves again after SIGCONT
    rc = c.stop(1, timeout=30)
    assert rc == 0, f"SIGTERM exit code {rc}\n{b.log_tail()}"
    assert not c.alive(1)


def test_teardown_after_a_zookeeper_node_is_killed_and_a_broker_frozen(cluster_factory):  # noqa: F811
    c = cluster_factory(brokers=1, zk_nodes=3)
    clients.create_topic(c.bootstrap(), "zk3", partitions=2)
    c.zk_kill(2)  # a quorum of 2 out of 3 remains
    round_trip(c.bootstrap(), "zk3", 50, "zk3")
    c.sigstop(1)
    pids = c.running_pids()
    assert len(pids) == 3, pids  # broker + the two ZooKeeper servers still up
    c.teardown()
    assert c.running_pids() == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
