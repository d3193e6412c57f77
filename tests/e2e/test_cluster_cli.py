# `sluice cluster brokers|describe|elect-leaders|reassign`, `sluice topic describe`'s health
# columns and filters, and scripts/local-cluster: against the single-node broker, and (marker
# `cluster`) against a ZooKeeper cluster where a broker is killed.
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from harness import cli, clients, zookeeper
from harness.broker import sluice_bin
from harness.cluster import Cluster, _port_block, _process_running, cluster_factory  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
LOCAL_CLUSTER = REPO / "scripts" / "local-cluster"
needs_zk = pytest.mark.skipif(bool(zookeeper.missing()), reason=zookeeper.missing() or "zookeeper")


def partition_lines(text: str, topic: str) -> dict[int, dict[str, str]]:
    """Partition lines of `topic describe`: partition -> {Leader, Replicas, Isr, Status?, ...}."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("\t"):
            continue
        fields = dict(f.split(": ", 1) for f in line.strip("\t").split("\t"))
        if fields.get("Topic") == topic:
            out[int(fields["Partition"])] = fields
    return out


def describe_fields(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


# ---------------------------------------------------------------------------------------------
# Single-node broker (no ZooKeeper).
# ---------------------------------------------------------------------------------------------


def test_cluster_brokers_shows_the_one_broker_as_controller(module_broker):
    r = cli.run(["cluster", "brokers", "--bootstrap-server", module_broker.bootstrap]).check()
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "ADDRESS", "RACK", "CONTROLLER"], r.stdout
    assert len(lines) == 2, r.stdout
    cols = lines[1].split()
    assert cols[1] == module_broker.bootstrap and cols[2] == "-" and cols[3] == "*", r.stdout
    j = json.loads(cli.run(["cluster", "brokers", "-b", module_broker.bootstrap, "--output", "json"]).check().stdout)
    assert len(j) == 1 and j[0]["controller"] is True and j[0]["rack"] is None, j
    assert f"{j[0]['host']}:{j[0]['port']}" == module_broker.bootstrap
    assert j[0]["id"] == int(cols[0])


def test_cluster_describe_single_node_is_healthy(module_broker):
    bs = module_broker.bootstrap
    clients.create_topic(bs, "cc-health", partitions=3)
    r = cli.run(["cluster", "describe", "--bootstrap-server", bs]).check()
    f = describe_fields(r.stdout)
    assert f["Brokers"] == "1", r.stdout
    assert f["OfflinePartitions"] == "0" and f["UnderReplicatedPartitions"] == "0", r.stdout
    assert re.fullmatch(r"\d+ \(\S+\)", f["Controller"]), r.stdout
    assert f["ClusterId"] not in ("", "-"), r.stdout
    j = json.loads(cli.run(["cluster", "describe", "-b", bs, "--output", "json"]).check().stdout)
    assert j["brokers"] == 1 and j["offline_partitions"] == 0 and j["under_replicated_partitions"] == 0
    assert j["partitions"] >= 3 and j["topics"] >= 1 and j["cluster_id"] == f["ClusterId"]


def test_topic_describe_shows_leader_replicas_isr_and_filters_healthy_partitions(module_broker):
    bs = module_broker.bootstrap
    clients.create_topic(bs, "cc-cols", partitions=2)
    out = cli.topic_describe(bs, "cc-cols").check().stdout
    parts = partition_lines(out, "cc-cols")
    assert sorted(parts) == [0, 1], out
    for p in parts.values():
        assert p["Leader"] == p["Replicas"] == p["Isr"], out
        assert "Status" not in p, out
    for flag in ("--under-replicated-partitions", "--unavailable-partitions"):
        r = cli.run(["topic", "describe", "-b", bs, flag]).check()
        assert r.stdout == "", f"{flag} on a healthy broker printed:\n{r.stdout}"
    bad = cli.run(["topic", "list", "-b", bs, "--unavailable-partitions"])
    assert bad.returncode == 2, bad


def test_elect_leaders_and_reassign_say_librdkafka_cannot(module_broker):
    bs = module_broker.bootstrap
    for args, api in ((["elect-leaders", "--topic", "t"], "ElectLeaders"),
                      (["reassign", "--topic", "t", "--partition", "0", "--replicas", "1"],
                       "AlterPartitionReassignments"),
                      (["reassign", "--list"], "ListPartitionReassignments")):
        r = cli.run(["cluster", *args, "-b", bs])
        assert r.returncode == 2, r
        assert "not supported by this librdkafka" in r.stderr and api in r.stderr, r.stderr
    usage = cli.run(["cluster", "reassign", "--topic", "t", "-b", bs])
    assert usage.returncode == 2 and "exactly one of" in usage.stderr, usage


def test_cluster_command_on_an_unreachable_broker_fails_with_one_line():
    r = cli.run(["cluster", "describe", "-b", "127.0.0.1:1", "--timeout-ms", "1500"])
    assert r.returncode == 1, r
    assert r.stderr.strip().startswith("sluice: cannot reach 127.0.0.1:1"), r.stderr


# ---------------------------------------------------------------------------------------------
# A ZooKeeper cluster.
# ---------------------------------------------------------------------------------------------


def wait_for(pred, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; last: {last!r}")


@pytest.mark.cluster
@needs_zk
@pytest.mark.timeout_s(300)
def test_cluster_cli_sees_racks_controller_and_a_dead_broker(cluster_factory):  # noqa: F811
    c = cluster_factory(brokers=3, racks=["ra", "rb", "rc"], session_timeout_ms=4000)
    bs = c.bootstrap()
    brokers = json.loads(cli.run(["cluster", "brokers", "-b", bs, "--output", "json"]).check().stdout)
    assert [(b["id"], b["rack"]) for b in brokers] == [(1, "ra"), (2, "rb"), (3, "rc")], brokers
    assert sum(b["controller"] for b in brokers) == 1, brokers

    cli.run(["topic", "create", "-b", bs, "--topic", "rf3", "--partitions", "3", "--replication-factor", "3"]).check()
    cli.run(["topic", "create", "-b", bs, "--topic", "rf1", "--partitions", "3", "--replication-factor", "1"]).check()

    def healthy():
        j = json.loads(cli.run(["cluster", "describe", "-b", bs, "--output", "json"]).check().stdout)
        return j if j["under_replicated_partitions"] == 0 and j["offline_partitions"] == 0 else None

    wait_for(healthy, 30, "all partitions in sync")
    rf1 = partition_lines(cli.topic_describe(bs, "rf1").check().stdout, "rf1")
    victim = int(rf1[0]["Leader"])
    lost_rf1 = sorted(p for p, f in rf1.items() if f["Replicas"] == str(victim))
    c.kill9(victim)
    live = c.bootstrap([i for i in (1, 2, 3) if i != victim])

    def degraded():
        j = json.loads(cli.run(["cluster", "describe", "-b", live, "--output", "json"]).check().stdout)
        return j if j["brokers"] == 2 and j["offline_partitions"] == len(lost_rf1) and \
            j["under_replicated_partitions"] >= 3 else None

    j = wait_for(degraded, 60, f"broker {victim} to leave and its partitions to show as lost")
    assert j["controller"] != victim, j

    unavailable = cli.run(["topic", "describe", "-b", live, "--unavailable-partitions"]).check().stdout
    assert sorted(partition_lines(unavailable, "rf1")) == lost_rf1, unavailable
    assert partition_lines(unavailable, "rf3") == {}, unavailable
    assert all(f["Status"] == "offline" and f["Leader"] == "none"
               for f in partition_lines(unavailable, "rf1").values()), unavailable

    under = cli.run(["topic", "describe", "-b", live, "--under-replicated-partitions"]).check().stdout
    rf3 = partition_lines(under, "rf3")
    assert sorted(rf3) == [0, 1, 2], under
    assert all(f["Status"] == "under-replicated" and str(victim) not in f["Isr"].split(",")
               for f in rf3.values()), under
    assert not under.startswith("Topic:"), "filtered output has no topic summary lines"

    table = cli.run(["cluster", "brokers", "-b", live]).check().stdout
    assert len(table.splitlines()) == 3 and f"\n{victim} " not in table, table

    c.restart(victim)
    wait_for(lambda: json.loads(cli.run(["cluster", "describe", "-b", bs, "--output", "json"]).check().stdout)
             ["offline_partitions"] == 0, 60, "the restarted broker's partitions to come back")


@pytest.mark.cluster
@needs_zk
@pytest.mark.timeout_s(300)
def test_local_cluster_script_up_status_down(tmp_path):
    ports = set()
    kafka = _port_block(2, ports)
    ports |= set(range(kafka, kafka + 2))
    http = _port_block(2, ports)
    ports |= set(range(http, http + 2))
    zk = _port_block(3, ports)
    d = tmp_path / "lc"
    env = dict(os.environ, SLUICE_BIN=sluice_bin(), SLUICE_ZK_TICK_MS="500",
               SLUICE_LOCAL_CLUSTER_START_TIMEOUT="60", SLUICE_LOCAL_CLUSTER_STOP_TIMEOUT="30")

    def run(*args, timeout=180):
        return subprocess.run(["bash", str(LOCAL_CLUSTER), *args], capture_output=True, text=True,
                              timeout=timeout, env=env)

    pids: list[int] = []
    try:
        up = run("up", "2", "--dir", str(d), "--racks", "--port", str(kafka), "--http-port", str(http),
                 "--zk-port", str(zk), "--override", "zookeeper.session.timeout.ms=4000")
        pids = [int((d / f"broker-{i}" / "pid").read_text()) for i in (1, 2) if (d / f"broker-{i}" / "pid").exists()]
        if (d / "zk" / "zk-1.pid").exists():
            pids.append(int((d / "zk" / "zk-1.pid").read_text()))
        assert up.returncode == 0, up.stdout + up.stderr
        bootstrap = up.stdout.strip().splitlines()[-1]
        assert bootstrap == f"127.0.0.1:{kafka},127.0.0.1:{kafka + 1}", up.stdout
        assert len(pids) == 3 and all(_process_running(p) for p in pids), pids
        for i in (1, 2):
            assert (d / f"broker-{i}" / "broker.log").stat().st_size > 0
            assert (d / f"broker-{i}" / "data").is_dir()
        brokers = json.loads(cli.run(["cluster", "brokers", "-b", bootstrap, "--output", "json"]).check().stdout)
        assert [(b["id"], b["rack"]) for b in brokers] == [(1, "r1"), (2, "r2")], brokers

        again = run("up", "2", "--dir", str(d), "--port", str(kafka), "--http-port", str(http),
                    "--zk-port", str(zk))
        assert again.returncode != 0 and "already runs" in again.stderr, again

        st = run("status", "--dir", str(d))
        assert st.returncode == 0 and st.stdout.count("running (pid") == 2, st.stdout
        assert f"BOOTSTRAP_SERVERS={bootstrap}" in st.stdout, st.stdout

        down = run("down", "--dir", str(d))
        assert down.returncode == 0, down.stdout + down.stderr
        assert not any(_process_running(p) for p in pids), pids
        assert run("status", "--dir", str(d)).stdout.count("stopped") == 2
        assert run("down", "--dir", str(d), "--racks").returncode == 2
    finally:
        if any(_process_running(p) for p in pids):
            run("down", "--dir", str(d))
        for p in pids:  # last resort, by PID
            if _process_running(p):
                os.kill(p, 9)
