# Cluster mode acceptance (issue 5): real ZooKeeper, real broker processes, real clients.
#
#  * kill -9 of partition leaders every few seconds for CLUSTER_CHAOS_S (default 120 s) under an
#    idempotent acks=all producer: a history check finds 0 acknowledged writes lost, 0 duplicates,
#    per-key order kept; leadership moves are timed and printed;
#  * a leader frozen (SIGSTOP) past its session is replaced; when it returns it truncates what it
#    alone had and rejoins the ISR, and no acknowledged write is lost;
#  * a 3-node ZooKeeper ensemble loses a node and the cluster keeps working;
#  * rack-aware placement puts each partition's 3 replicas on 3 racks;
#  * a controlled shutdown (SIGTERM) of a leader causes no produce errors;
#  * ElectLeaders (over the wire: librdkafka 2.0 has no admin call for it) moves leadership back
#    to the preferred replicas.
from __future__ import annotations

import json
import os
import random
import struct
import threading
import time

import pytest

from harness import zookeeper
from harness.rawkafka import RawConnection
from harness.wire import Reader, compact_string, uvarint
from harness.zk_cluster import ZkCluster, wait_until

confluent_kafka = pytest.importorskip("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

pytestmark = pytest.mark.skipif(bool(zookeeper.missing()), reason=zookeeper.missing() or "zookeeper")

CHAOS_S = float(os.environ.get("CLUSTER_CHAOS_S", "120"))


@pytest.fixture
def cluster_factory(tmp_path):
    made: list[ZkCluster] = []

    def make(**kw) -> ZkCluster:
        c = ZkCluster(tmp_path / f"cluster-{len(made)}", **kw)
        made.append(c)
        return c.start()

    yield make
    for c in made:
        c.stop()


class LiveAdmin:
    """Metadata queries sent only to brokers that are running and not frozen. One AdminClient
    bootstrapped with every broker keeps asking the one it is connected to; after a kill -9 or a
    SIGSTOP of that broker its metadata requests time out, which is the client's view, not the
    cluster's. The client is rebuilt whenever the set of live brokers changes."""

    def __init__(self, cluster: ZkCluster):
        self.cluster = cluster
        self.key = ""
        self.admin: AdminClient | None = None

    def client(self) -> AdminClient:
        key = self.cluster.live_bootstrap()
        if self.admin is None or key != self.key:
            self.admin = AdminClient({"bootstrap.servers": key})
            self.key = key
        return self.admin

    def list_topics(self, topic: str, timeout: float = 10):
        return self.client().list_topics(topic, timeout=timeout)

    def create_topics(self, *a, **kw):
        return self.client().create_topics(*a, **kw)


def create_topic(cluster: ZkCluster, name: str, partitions: int, rf: int, config: dict | None = None):
    admin = LiveAdmin(cluster)
    fs = admin.create_topics([NewTopic(name, partitions, rf, config=config or {})], operation_timeout=30)
    fs[name].result(60)
    wait_until(lambda: all(l >= 0 for l in leaders(admin, name).values()) and len(leaders(admin, name)) == partitions,
               30, what=f"leaders of {name}")
    return admin


def leaders(admin: LiveAdmin, topic: str) -> dict[int, int]:
    md = admin.list_topics(topic, timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None and not t.partitions:
        return {}
    return {p.id: p.leader for p in t.partitions.values()}


def isrs(admin: LiveAdmin, topic: str) -> dict[int, list[int]]:
    md = admin.list_topics(topic, timeout=10)
    return {p.id: sorted(p.isrs) for p in md.topics[topic].partitions.values()}


class History:
    """Acknowledged writes per partition (offset → value) from the producer's delivery reports."""

    def __init__(self):
        self.acked: dict[int, list[tuple[int, str]]] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def on_delivery(self, err, msg):
        if err is not None:
            with self.lock:
                self.errors.append(str(err))
            return
        with self.lock:
            self.acked.setdefault(msg.partition(), []).append((msg.offset(), msg.value().decode()))

    def total(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.acked.values())


class SteadyProducer:
    """An idempotent acks=all producer writing keyed values 0, 1, 2, ... at a steady rate."""

    KEYS = 60

    def __init__(self, bootstrap: str, topic: str, history: History, rate: int = 2000):
        self.p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                           "linger.ms": 5, "message.timeout.ms": 180000, "retry.backoff.ms": 100})
        self.topic = topic
        self.history = history
        self.rate = rate
        self.stop_flag = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        start = time.monotonic()
        while not self.stop_flag.is_set():
            due = int((time.monotonic() - start) * self.rate)
            while self.sent < due and not self.stop_flag.is_set():
                v = str(self.sent)
                try:
                    self.p.produce(self.topic, key=str(self.sent % self.KEYS).encode(), value=v.encode(),
                                   on_delivery=self.history.on_delivery)
                except BufferError:
                    self.p.poll(0.05)
                    continue
                self.sent += 1
            self.p.poll(0.01)

    def start(self):
        self.thread.start()
        return self

    def finish(self, timeout_s: float = 180) -> int:
        self.stop_flag.set()
        self.thread.join(30)
        return self.p.flush(timeout_s)


def read_all(bootstrap: str, topic: str, partitions: int, want: dict[int, int], timeout_s: float = 90):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{time.time()}", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, i, 0) for i in range(partitions)])
    got: dict[int, list[tuple[int, str]]] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            if all(len(got.get(p, [])) >= n for p, n in want.items()):
                break
            continue
        if m.error():
            continue
        got.setdefault(m.partition(), []).append((m.offset(), m.value().decode()))
    c.close()
    return got


def check_history(history: History, got: dict[int, list[tuple[int, str]]]) -> dict:
    lost = dup = reordered = 0
    for part, acks in history.acked.items():
        read = got.get(part, [])
        by_offset = dict(read)
        values = [v for _, v in read]
        dup += len(values) - len(set(values))
        lost += sum(1 for o, v in acks if by_offset.get(o) != v)
        last: dict[int, int] = {}
        for v in values:
            k = int(v) % SteadyProducer.KEYS
            if last.get(k, -1) > int(v):
                reordered += 1
            last[k] = int(v)
    return {"acked": history.total(), "read": sum(len(v) for v in got.values()), "lost": lost,
            "duplicates": dup, "reordered": reordered, "producer_errors": len(history.errors)}


@pytest.mark.timeout_s(CHAOS_S + 420)
def test_kill9_of_leaders_loses_no_acknowledged_write(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=1)
    admin = create_topic(c, "chaos", 6, 3, {"min.insync.replicas": "2"})
    history = History()
    producer = SteadyProducer(c.bootstrap, "chaos", history).start()
    moves: list[float] = []
    kills = 0
    end = time.monotonic() + CHAOS_S
    rng = random.Random(7)
    try:
        while time.monotonic() < end:
            time.sleep(rng.uniform(3, 6))
            try:
                led = leaders(admin, "chaos")
            except Exception:  # noqa: BLE001 - metadata may be briefly unavailable
                continue
            candidates = sorted({l for l in led.values() if l > 0})
            if not candidates:
                continue
            victim = rng.choice(candidates)
            victim_parts = [p for p, l in led.items() if l == victim]
            killed_at = time.monotonic()
            c.kill9(victim)
            kills += 1
            # Leadership of the victim's partitions moves when its session expires.
            try:
                wait_until(lambda: all(leaders(admin, "chaos").get(p, victim) not in (victim, -1) for p in victim_parts),
                           30, step_s=0.05, what=f"leaders of broker {victim}'s partitions to move")
                moves.append(time.monotonic() - killed_at)
            except AssertionError:
                moves.append(float("inf"))
            time.sleep(rng.uniform(0.5, 2))
            c.restart(victim)
    finally:
        producer.finish()
    want = {p: len(a) for p, a in history.acked.items()}
    got = read_all(c.bootstrap, "chaos", 6, want)
    result = check_history(history, got)
    finite = sorted(m for m in moves if m != float("inf"))
    result.update({"kills": kills, "leader_move_s": {
        "n": len(moves), "p50": round(finite[len(finite) // 2], 2) if finite else None,
        "max": round(max(moves), 2) if moves else None}})
    print("cluster chaos:", json.dumps(result))
    assert kills >= max(1, int(CHAOS_S // 10))
    assert result["acked"] > 0
    assert result["lost"] == 0, result
    assert result["duplicates"] == 0, result
    assert result["reordered"] == 0, result
    assert all(m < 30 for m in moves), result


@pytest.mark.timeout_s(300)
def test_frozen_leader_is_replaced_truncates_and_rejoins(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=1)
    admin = create_topic(c, "frozen", 3, 3, {"min.insync.replicas": "2"})
    history = History()
    producer = SteadyProducer(c.bootstrap, "frozen", history, rate=1000).start()
    try:
        time.sleep(2)
        old = leaders(admin, "frozen")[0]
        c.sigstop(old)
        # Replaced after its session times out; the producer keeps going on the new leader.
        wait_until(lambda: leaders(admin, "frozen").get(0, old) not in (old, -1), 30, what="a new leader")
        time.sleep(3)
        c.sigcont(old)
        # It returns as a follower, truncates what only it had and rejoins every ISR.
        wait_until(lambda: all(old in i for i in isrs(admin, "frozen").values()), 60, what="the old leader in the ISR")
        time.sleep(2)
    finally:
        producer.finish()
    got = read_all(c.bootstrap, "frozen", 3, {p: len(a) for p, a in history.acked.items()})
    result = check_history(history, got)
    print("frozen leader:", json.dumps(result))
    assert result["acked"] > 0 and result["lost"] == 0 and result["duplicates"] == 0, result
    # Every replica of partition 0 ends with the same bytes.
    wait_until(lambda: len({(b.partition_dir("frozen", 0) / "00000000000000000000.log").stat().st_size
                            for b in c.brokers.values()}) == 1, 30, what="replicas of frozen-0 to converge")
    logs = {(b.partition_dir("frozen", 0) / "00000000000000000000.log").read_bytes() for b in c.brokers.values()}
    assert len(logs) == 1


@pytest.mark.timeout_s(300)
def test_three_node_zookeeper_survives_the_loss_of_a_node(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=3)
    create_topic(c, "zk3", 3, 3)
    c.zk.kill9(2)
    time.sleep(2)
    # Topic creation needs ZooKeeper: still possible with 2 of 3 nodes.
    admin = create_topic(c, "zk3-after", 3, 3)
    history = History()
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "enable.idempotence": True})
    for i in range(300):
        p.produce("zk3-after", key=str(i % 10).encode(), value=str(i).encode(), on_delivery=history.on_delivery)
    assert p.flush(60) == 0
    assert history.total() == 300 and not history.errors
    # A broker killed now still loses its leaderships through the remaining ensemble.
    victim = leaders(admin, "zk3-after")[0]
    c.kill9(victim)
    wait_until(lambda: leaders(admin, "zk3-after").get(0, victim) not in (victim, -1), 30, what="failover")
    got = read_all(c.bootstrap, "zk3-after", 3, {pp: len(a) for pp, a in history.acked.items()})
    assert check_history(history, got)["lost"] == 0


@pytest.mark.timeout_s(240)
def test_rack_aware_placement_spreads_replicas_over_racks(cluster_factory):
    # Brokers 1,2 in rack a, 3,4 in b, 5,6 in c: a rack-unaware walk over consecutive ids would put
    # two replicas in one rack.
    c = cluster_factory(brokers=6, zk_nodes=1, racks=["a", "a", "b", "b", "c", "c"])
    admin = create_topic(c, "racked", 12, 3)
    md = admin.list_topics("racked", timeout=10)
    rack_of = {b.id: r for b, r in zip(sorted(md.brokers.values(), key=lambda b: b.id), ["a", "a", "b", "b", "c", "c"])}
    for p in md.topics["racked"].partitions.values():
        assert len(p.replicas) == 3
        assert len({rack_of[r] for r in p.replicas}) == 3, (p.id, p.replicas)


@pytest.mark.timeout_s(300)
def test_controlled_shutdown_causes_no_produce_errors(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=1)
    admin = create_topic(c, "cs", 6, 3, {"min.insync.replicas": "2"})
    history = History()
    producer = SteadyProducer(c.bootstrap, "cs", history, rate=1000).start()
    try:
        time.sleep(2)
        victim = leaders(admin, "cs")[0]
        code = c.broker(victim).stop()
        assert code == 0, c.broker(victim).log_tail()
        assert "controlled shutdown: done" in c.broker(victim).log_text()
        time.sleep(3)
        assert all(l not in (victim, -1) for l in leaders(admin, "cs").values())
        c.restart(victim)
        time.sleep(2)
    finally:
        assert producer.finish() == 0
    assert history.errors == []
    got = read_all(c.bootstrap, "cs", 6, {p: len(a) for p, a in history.acked.items()})
    result = check_history(history, got)
    assert result["lost"] == 0 and result["duplicates"] == 0, result


def elect_preferred_leaders(host: str, port: int, topic: str, partitions: list[int]) -> dict[int, int]:
    """ElectLeaders v1 (election type PREFERRED) over the wire: partition → error code."""
    t = topic.encode()
    body = struct.pack(">bi", 0, 1) + struct.pack(">h", len(t)) + t + struct.pack(">i", len(partitions))
    body += b"".join(struct.pack(">i", p) for p in partitions) + struct.pack(">i", 30000)
    with RawConnection(host, port, timeout=60) as conn:
        resp = conn.request(43, 1, body, timeout=60)
    r = Reader(resp)
    r.i32()  # throttle
    assert r.i16() == 0
    out = {}
    for _ in range(r.i32()):
        r.take(r.i16())  # topic
        for _ in range(r.i32()):
            pid, err = r.i32(), r.i16()
            n = r.i16()
            if n > 0:
                r.take(n)
            out[pid] = err
    return out


@pytest.mark.timeout_s(300)
def test_elect_leaders_moves_leadership_back_to_preferred_replicas(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=1, overrides={"auto.leader.rebalance.enable": "false"})
    admin = create_topic(c, "pref", 6, 3)
    md = admin.list_topics("pref", timeout=10)
    preferred = {p.id: p.replicas[0] for p in md.topics["pref"].partitions.values()}
    victim = preferred[0]
    c.kill9(victim)
    wait_until(lambda: all(l != victim and l >= 0 for l in leaders(admin, "pref").values()), 30, what="failover")
    c.restart(victim)
    wait_until(lambda: all(victim in i for i in isrs(admin, "pref").values()), 60, what="the broker back in sync")
    moved = [p for p, l in leaders(admin, "pref").items() if l != preferred[p]]
    assert moved, "no leadership to move back"
    b = c.broker(1 if victim != 1 else 2)
    answer = elect_preferred_leaders(b.host, b.port, "pref", list(range(6)))
    for p in range(6):
        assert answer[p] == (0 if p in moved else 84), (p, answer)  # none, or ELECTION_NOT_NEEDED
    wait_until(lambda: leaders(admin, "pref") == preferred, 10, what="preferred leaders in metadata")


def alter_reassignment(host: str, port: int, topic: str, partition: int, replicas: list[int] | None) -> tuple[int, int]:
    """AlterPartitionReassignments v0 (flexible) over the wire: (top-level error, partition error)."""
    body = struct.pack(">i", 30000) + uvarint(2) + compact_string(topic) + uvarint(2) + struct.pack(">i", partition)
    if replicas is None:
        body += uvarint(0)
    else:
        body += uvarint(len(replicas) + 1) + b"".join(struct.pack(">i", r) for r in replicas)
    body += uvarint(0) + uvarint(0) + uvarint(0)  # tags: partition, topic, request
    with RawConnection(host, port, timeout=60) as conn:
        resp = conn.request(45, 0, body, header_version=2, flexible_response=True, timeout=60)
    r = Reader(resp)
    r.i32()
    top = r.i16()
    r.compact_string()
    errors = []

    def part(pr):
        pr.i32()
        errors.append(pr.i16())
        pr.compact_string()
        pr.skip_tags()

    def topic_(tr):
        tr.compact_string()
        tr.compact_array(part)
        tr.skip_tags()

    r.compact_array(topic_)
    return top, errors[0] if errors else -1


@pytest.mark.timeout_s(300)
def test_partition_reassignment_moves_a_replica_with_its_data(cluster_factory):
    c = cluster_factory(brokers=3, zk_nodes=1)
    admin = create_topic(c, "mv", 1, 2)
    history = History()
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "enable.idempotence": True})
    for i in range(500):
        p.produce("mv", key=str(i % 10).encode(), value=str(i).encode(), on_delivery=history.on_delivery)
    assert p.flush(60) == 0
    old = admin.list_topics("mv", timeout=10).topics["mv"].partitions[0].replicas
    newcomer = next(b for b in (1, 2, 3) if b not in old)
    target = [newcomer, old[0]]
    leaving = old[1]
    b = c.broker(newcomer)
    assert alter_reassignment(b.host, b.port, "mv", 0, target) == (0, 0)
    assert alter_reassignment(b.host, b.port, "mv", 0, [newcomer, 99])[1] == 39  # INVALID_REPLICA_ASSIGNMENT

    def moved():
        part = admin.list_topics("mv", timeout=10).topics["mv"].partitions[0]
        return sorted(part.replicas) == sorted(target) and sorted(part.isrs) == sorted(target)

    wait_until(moved, 60, what="the reassignment to complete")
    # The new replica has every record; the old one is deleted.
    wait_until(lambda: not c.broker(leaving).partition_dir("mv", 0).exists(), 30, what="the old replica's removal")
    assert c.broker(newcomer).partition_dir("mv", 0).exists()
    for i in range(500, 600):
        p.produce("mv", key=str(i % 10).encode(), value=str(i).encode(), on_delivery=history.on_delivery)
    assert p.flush(60) == 0
    # Reading from the moved partition (its leader may be the newcomer) finds every write.
    got = read_all(c.bootstrap, "mv", 1, {0: 600})
    result = check_history(history, got)
    assert result["acked"] == 600 and result["lost"] == 0 and result["duplicates"] == 0, result
    # No reassignment to cancel now.
    assert alter_reassignment(b.host, b.port, "mv", 0, None)[1] == 85  # NO_REASSIGNMENT_IN_PROGRESS
