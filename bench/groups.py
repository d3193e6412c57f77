#!/usr/bin/python3
"""Consumer-group benchmarks against a running broker (normally started by bench/groups.sh).

  groups.py --bootstrap HOST:PORT rebalance [--members 10,100] [--per-process 10] [--reps 3]
  groups.py --bootstrap HOST:PORT commit [--committers 8] [--seconds 5] [--label fsync]
  groups.py fsync-probe --dir DIR [--seconds 3]

rebalance: N members of one fresh group (threads, --per-process members per process, each with
  its own librdkafka consumer) subscribe to one topic at once. Measured:
    first join = from the last subscribe() call to the on_assign that completes a consistent
                 assignment (all N members assigned, partitions disjoint and covering the topic);
    join       = one more member (a new process, its consumer already connected) subscribes to
                 the stable group: from its subscribe() to the consistent assignment over N+1
                 members. Split into "detect" (subscribe -> first on_revoke of an old member: the
                 old members learn of the rebalance from a heartbeat, so this is bounded by
                 heartbeat.interval.ms) and "protocol" (first revoke -> last on_assign).
  "rounds" = the most on_assign calls one member got during the first join (1 = straight into
  the final generation; 2 = an earlier generation was completed without it, or with it but
  without the others, and the group had to rebalance again).
  Times use CLOCK_MONOTONIC, which is system-wide, so they compare across processes.

commit: synchronous OffsetCommit (Consumer.commit(offsets=[...], asynchronous=False), explicit
  offsets, no subscription: generation -1 commits) in a loop for --seconds:
    single     1 committer
    N groups   N committers, each its own group (group ids picked to hash to distinct
               __consumer_offsets partitions)
    N same     N committers in one group, each committing its own partition
  Reports commits/s (total) and per-commit latency p50/p99/max.

fsync-probe: append 100 bytes + fdatasync in a loop in DIR (the broker's file system): the
  disk's fsyncs/s and fdatasync latency, the bound for fsync-mode commits.

Benchmarks, not tests: nothing here asserts on timings. Every wait is bounded.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import random
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

OFFSETS_PARTITIONS = 50  # broker default offsets.topic.num.partitions


def now() -> float:
    return time.monotonic()


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_topic(bootstrap: str, topic: str, partitions: int, timeout: float = 30.0) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    md = admin.list_topics(timeout=timeout)
    if topic in md.topics and not md.topics[topic].error:
        have = len(md.topics[topic].partitions)
        if have != partitions:
            raise SystemExit(f"topic {topic} exists with {have} partitions, want {partitions}")
        return
    fut = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                              request_timeout=timeout)[topic]
    try:
        fut.result(timeout=timeout)
    except KafkaException as e:
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            raise
    deadline = now() + timeout
    while now() < deadline:  # wait until metadata shows every partition
        md = admin.list_topics(topic=topic, timeout=5)
        t = md.topics.get(topic)
        if t and not t.error and len(t.partitions) == partitions:
            return
        time.sleep(0.2)
    raise SystemExit(f"topic {topic} not visible with {partitions} partitions after {timeout}s")


# ---------------------------------------------------------------------------------------------
# rebalance

def consumer_conf(bootstrap: str, group: str, heartbeat_ms: int, session_ms: int) -> dict:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "latest",
        "heartbeat.interval.ms": heartbeat_ms,
        "session.timeout.ms": session_ms,
        "partition.assignment.strategy": "range",  # eager: every member revokes and is re-assigned
        "log_level": 3,
        **({"debug": os.environ["GROUPS_BENCH_DEBUG"], "log_level": 7}
           if os.environ.get("GROUPS_BENCH_DEBUG") else {}),
    }


def member_process(bootstrap, group, topic, ids, heartbeat_ms, session_ms, go, stop, events):
    """Runs len(ids) members, one thread each. Reports ready/subscribed/assign/revoke/closed."""

    def run(mid):
        try:
            c = Consumer(consumer_conf(bootstrap, group, heartbeat_ms, session_ms))
        except Exception as e:  # noqa: BLE001
            events.put(("error", mid, now(), repr(e)))
            return

        def on_assign(consumer, parts):
            events.put(("assign", mid, now(), sorted(p.partition for p in parts)))

        def on_revoke(consumer, parts):
            events.put(("revoke", mid, now(), sorted(p.partition for p in parts)))

        # Let the consumer connect and find its coordinator before the clock starts.
        c.poll(0.5)
        events.put(("ready", mid, now(), None))
        if go.wait(120):
            events.put(("subscribing", mid, now(), None))
            c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
            events.put(("subscribed", mid, now(), None))
            while not stop.is_set():
                msg = c.poll(0.05)
                if msg is not None and msg.error():
                    events.put(("error", mid, now(), str(msg.error())))
        try:
            c.close()
        except Exception as e:  # noqa: BLE001
            events.put(("error", mid, now(), "close: " + repr(e)))
        events.put(("closed", mid, now(), None))

    threads = [threading.Thread(target=run, args=(mid,), daemon=True) for mid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60 + 120 + 600)  # bounded; the parent kills us if we linger past its own deadline


class Group:
    """The parent's view of one group's members, fed by the workers' events."""

    def __init__(self, events: mp.Queue, partitions: int):
        self.events = events
        self.partitions = partitions
        self.assignment: dict[int, list[int] | None] = {}
        self.seen: dict[str, dict[int, float]] = {}
        self.log: list[tuple] = []
        self.errors: list[str] = []

    def pump(self, timeout: float) -> tuple | None:
        try:
            ev = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        kind, mid, t, data = ev
        self.log.append(ev)
        self.seen.setdefault(kind, {})[mid] = t
        if kind == "assign":
            self.assignment[mid] = data
        elif kind == "revoke":
            self.assignment[mid] = None
        elif kind == "error":
            self.errors.append(f"member {mid}: {data}")
        return ev

    def wait_count(self, kind: str, members: set[int], deadline: float) -> bool:
        while now() < deadline:
            if members <= set(self.seen.get(kind, {})):
                return True
            self.pump(0.2)
        return members <= set(self.seen.get(kind, {}))

    def consistent(self, members: set[int]) -> bool:
        owned: list[int] = []
        for m in members:
            a = self.assignment.get(m)
            if not a:
                return False
            owned.extend(a)
        return len(owned) == self.partitions and set(owned) == set(range(self.partitions))

    def wait_consistent(self, members: set[int], deadline: float) -> float | None:
        """Time of the event that made the assignment consistent over exactly `members`."""
        while now() < deadline:
            ev = self.pump(0.2)
            if ev and ev[0] == "assign" and self.consistent(members):
                return ev[2]
        return None


def start_members(ctx, bootstrap, group, topic, ids, per_process, hb, sess, go, stop, events):
    procs = []
    for i in range(0, len(ids), per_process):
        p = ctx.Process(target=member_process,
                        args=(bootstrap, group, topic, ids[i:i + per_process], hb, sess, go, stop,
                              events), daemon=True)
        p.start()
        procs.append(p)
    return procs


def stop_processes(procs, timeout: float) -> None:
    deadline = now() + timeout
    for p in procs:
        p.join(max(0.1, deadline - now()))
    for p in procs:
        if p.is_alive():
            log(f"  worker pid {p.pid} still alive after {timeout}s: terminating")
            p.terminate()
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)


def rebalance_once(args, n: int, topic: str, rep: int) -> dict:
    ctx = mp.get_context("fork")
    events = ctx.Queue()
    go, stop = ctx.Event(), ctx.Event()
    join_go = ctx.Event()
    group = f"bench-rebalance-{n}-{rep}-{uuid.uuid4().hex[:8]}"
    g = Group(events, args.partitions)
    members = list(range(n))
    procs = start_members(ctx, args.bootstrap, group, topic, members, args.per_process,
                          args.heartbeat_ms, args.session_ms, go, stop, events)
    joiner = start_members(ctx, args.bootstrap, group, topic, [n], 1, args.heartbeat_ms,
                           args.session_ms, join_go, stop, events)
    result: dict = {"members": n, "rep": rep, "group": group}
    try:
        if not g.wait_count("ready", set(members) | {n}, now() + 60):
            raise RuntimeError(f"members not ready: {len(g.seen.get('ready', {}))}/{n + 1}")
        go.set()
        if not g.wait_count("subscribed", set(members), now() + 30):
            raise RuntimeError("members did not subscribe")
        sub = g.seen["subscribed"]
        t_all_sub = max(sub[m] for m in members)
        t_first_sub = min(sub[m] for m in members)
        t_done = g.wait_consistent(set(members), now() + args.timeout)
        if t_done is None:
            raise RuntimeError(f"first join of {n} members did not complete in {args.timeout}s")
        result["first_join_s"] = t_done - t_all_sub
        result["first_join_from_first_subscribe_s"] = t_done - t_first_sub
        per_member: dict[int, int] = {}
        for e in g.log:
            if e[0] == "assign":
                per_member[e[1]] = per_member.get(e[1], 0) + 1
        # generations some member went through before the final one (1 = straight to it)
        result["first_join_assign_rounds"] = max(per_member.values())
        # Settle, then join at a random phase of the members' heartbeat cycle (their heartbeats
        # are phase-locked to the first assignment, so a fixed pause would fix "detect").
        settle_until = now() + args.settle_s + random.uniform(0, args.heartbeat_ms / 1000.0)
        while now() < settle_until:
            g.pump(0.1)
        if not g.consistent(set(members)):
            raise RuntimeError("group did not stay stable before the join")
        mark = len(g.log)
        join_go.set()
        if not g.wait_count("subscribed", {n}, now() + 30):
            raise RuntimeError("joiner did not subscribe")
        t_join = g.seen["subscribed"][n]
        t_done = g.wait_consistent(set(members) | {n}, now() + args.timeout)
        if t_done is None:
            raise RuntimeError(f"join rebalance with {n + 1} members did not complete in {args.timeout}s")
        revokes = [e[2] for e in g.log[mark:] if e[0] == "revoke" and e[1] != n]
        t_rev = min(revokes) if revokes else t_done
        result["join_s"] = t_done - t_join
        result["join_detect_s"] = t_rev - t_join
        result["join_protocol_s"] = t_done - t_rev
    finally:
        stop.set()
        go.set()
        join_go.set()
        t_stop = now()
        everyone = set(members) | {n}
        g.wait_count("closed", everyone, now() + 60)
        result["close_all_s"] = now() - t_stop
        stop_processes(procs + joiner, 30)
        if getattr(args, "timeline", False):
            t0 = g.seen.get("subscribed", {}).get(0, 0.0)
            for kind, mid, t, data in g.log:
                if kind not in ("ready", "closed"):
                    log(f"    {(t - t0) * 1e3:9.1f} ms  member {mid:3d} {kind} "
                        f"{'' if data is None else (len(data) if isinstance(data, list) else data)}")
        if g.errors:
            result["client_errors"] = g.errors[:5]
            result["client_error_count"] = len(g.errors)
    return result


def cmd_rebalance(args) -> dict:
    sizes = [int(x) for x in args.members.split(",")]
    if args.partitions < max(sizes) + 1:
        raise SystemExit("--partitions must be at least max(members)+1 so every member owns one")
    topic = args.topic or f"bench-groups-{args.partitions}p"
    ensure_topic(args.bootstrap, topic, args.partitions)
    out = {"topic": topic, "partitions": args.partitions, "heartbeat_ms": args.heartbeat_ms,
           "session_ms": args.session_ms, "per_process": args.per_process, "runs": []}
    for n in sizes:
        for rep in range(args.reps):
            log(f"rebalance: {n} members, rep {rep + 1}/{args.reps}")
            r = rebalance_once(args, n, topic, rep)
            log("  " + json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                                   for k, v in r.items() if k != "group"}))
            out["runs"].append(r)
    print(f"\nrebalance: topic {topic} ({args.partitions} partitions), range assignor, "
          f"heartbeat.interval.ms={args.heartbeat_ms}, {args.per_process} members/process")
    print("| members | heartbeat | reps | first join p50 | first join max | rounds max "
          "| join (+1) p50 | join max | detect p50 | protocol p50 | protocol max |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    summary = {}
    for n in sizes:
        rs = [r for r in out["runs"] if r["members"] == n]
        fj = [r["first_join_s"] for r in rs]
        js = [r["join_s"] for r in rs]
        de = [r["join_detect_s"] for r in rs]
        pr = [r["join_protocol_s"] for r in rs]
        rounds = max(r["first_join_assign_rounds"] for r in rs)
        summary[n] = {"first_join_p50_s": pct(fj, 50), "first_join_max_s": max(fj),
                      "first_join_assign_rounds_max": rounds,
                      "join_p50_s": pct(js, 50), "join_max_s": max(js),
                      "detect_p50_s": pct(de, 50), "protocol_p50_s": pct(pr, 50),
                      "protocol_max_s": max(pr)}
        print(f"| {n} | {args.heartbeat_ms} ms | {len(rs)} | {pct(fj, 50) * 1e3:.0f} ms "
              f"| {max(fj) * 1e3:.0f} ms | {rounds} "
              f"| {pct(js, 50) * 1e3:.0f} ms | {max(js) * 1e3:.0f} ms "
              f"| {pct(de, 50) * 1e3:.0f} ms | {pct(pr, 50) * 1e3:.0f} ms | {max(pr) * 1e3:.0f} ms |")
    out["summary"] = summary
    return out


# ---------------------------------------------------------------------------------------------
# commit

def java_hash(s: str) -> int:
    """Java's String.hashCode (over UTF-16 code units), as a signed 32-bit int."""
    b = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(b), 2):
        h = (31 * h + ((b[i] << 8) | b[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def offsets_partition(group: str, partitions: int = OFFSETS_PARTITIONS) -> int:
    return (java_hash(group) & 0x7FFFFFFF) % partitions  # Kafka's Utils.abs(hashCode) % n


def distinct_groups(prefix: str, n: int) -> list[str]:
    out, used, i = [], set(), 0
    while len(out) < n:
        g = f"{prefix}-{i}"
        p = offsets_partition(g)
        if p not in used:
            used.add(p)
            out.append(g)
        i += 1
    return out


def commit_run(bootstrap: str, topic: str, groups: list[str], seconds: float) -> dict:
    """One thread per entry of `groups` (one consumer each), committing partition i of the topic."""
    n = len(groups)
    consumers = [Consumer({"bootstrap.servers": bootstrap, "group.id": g,
                           "enable.auto.commit": False, "log_level": 3}) for g in groups]
    lat: list[list[float]] = [[] for _ in range(n)]
    errors: list[str] = []
    barrier = threading.Barrier(n + 1, timeout=60)
    stop_at = [0.0]

    def run(i: int):
        c = consumers[i]
        off = 1
        try:  # warm-up: coordinator lookup, connection
            c.commit(offsets=[TopicPartition(topic, i, off)], asynchronous=False)
        except KafkaException as e:
            errors.append(f"warm-up {i}: {e}")
        barrier.wait()
        while True:
            t = time.perf_counter()
            if t >= stop_at[0]:
                break
            off += 1
            try:
                c.commit(offsets=[TopicPartition(topic, i, off)], asynchronous=False)
            except KafkaException as e:
                errors.append(f"commit {i}: {e}")
                if len(errors) > 100:
                    break
                continue
            lat[i].append(time.perf_counter() - t)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 3600  # placeholder until everyone warmed up
    barrier.wait()
    start = time.perf_counter()
    stop_at[0] = start + seconds
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - start
    for c in consumers:
        c.close()
    all_lat = [x for l in lat for x in l]
    return {"committers": n, "groups": len(set(groups)),
            "offsets_partitions": sorted({offsets_partition(g) for g in groups}),
            "commits": len(all_lat), "elapsed_s": elapsed,
            "commits_per_s": len(all_lat) / elapsed,
            "lat_ms": {"p50": pct(all_lat, 50) * 1e3, "p99": pct(all_lat, 99) * 1e3,
                       "max": max(all_lat) * 1e3 if all_lat else float("nan"),
                       "mean": sum(all_lat) / len(all_lat) * 1e3 if all_lat else float("nan")},
            "errors": errors[:5], "error_count": len(errors)}


def cmd_commit(args) -> dict:
    n = args.committers
    topic = args.topic or f"bench-commit-{n}p"
    ensure_topic(args.bootstrap, topic, max(n, 1))
    tag = uuid.uuid4().hex[:6]
    runs = {}
    log(f"commit [{args.label}]: single")
    runs["single"] = commit_run(args.bootstrap, topic, [f"bench-commit-{tag}-single"], args.seconds)
    log(f"commit [{args.label}]: {n} groups")
    runs[f"{n} groups"] = commit_run(args.bootstrap, topic, distinct_groups(f"bench-commit-{tag}", n),
                                     args.seconds)
    log(f"commit [{args.label}]: {n} in one group")
    runs[f"{n} same group"] = commit_run(args.bootstrap, topic, [f"bench-commit-{tag}-shared"] * n,
                                         args.seconds)
    print(f"\ncommit [{args.label}]: synchronous OffsetCommit, {args.seconds:g} s per row")
    print("| mode | committers | __consumer_offsets partitions | commits/s | p50 | p99 | max | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        lm = r["lat_ms"]
        print(f"| {args.label} | {name} | {len(r['offsets_partitions'])} | {r['commits_per_s']:,.0f} "
              f"| {lm['p50']:.2f} ms | {lm['p99']:.2f} ms | {lm['max']:.2f} ms | {r['error_count']} |")
        for e in r["errors"]:
            log(f"  error: {e}")
    return {"label": args.label, "seconds": args.seconds, "runs": runs}


# ---------------------------------------------------------------------------------------------
# fsync probe

def fsync_loop(path: str, seconds: float, lat: list, start_evt: threading.Event) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    buf = b"x" * 100
    try:
        os.write(fd, buf)
        os.fdatasync(fd)
        start_evt.wait(30)
        end = time.perf_counter() + seconds
        while True:
            t = time.perf_counter()
            if t >= end:
                break
            os.write(fd, buf)
            os.fdatasync(fd)  # releases the GIL
            lat.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)


def cmd_fsync_probe(args) -> dict:
    out = {"dir": args.dir, "runs": []}
    print(f"\nfsync probe ({args.dir}): append 100 B + fdatasync in a loop, {args.seconds:g} s, "
          f"one file per thread")
    print("| threads | fsyncs/s (total) | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    for n in [int(x) for x in args.threads.split(",")]:
        lats = [[] for _ in range(n)]
        go = threading.Event()
        ts = [threading.Thread(target=fsync_loop,
                               args=(os.path.join(args.dir, f"fsync-probe-{os.getpid()}-{i}.bin"),
                                     args.seconds, lats[i], go), daemon=True) for i in range(n)]
        for t in ts:
            t.start()
        time.sleep(0.2)
        go.set()
        for t in ts:
            t.join(args.seconds + 60)
        lat = [x for l in lats for x in l]
        r = {"threads": n, "fsyncs": len(lat), "fsyncs_per_s": len(lat) / args.seconds,
             "lat_ms": {"p50": pct(lat, 50) * 1e3, "p99": pct(lat, 99) * 1e3,
                        "max": max(lat) * 1e3, "mean": sum(lat) / len(lat) * 1e3}}
        out["runs"].append(r)
        print(f"| {n} | {r['fsyncs_per_s']:,.0f} | {r['lat_ms']['p50']:.2f} ms "
              f"| {r['lat_ms']['p99']:.2f} ms | {r['lat_ms']['max']:.2f} ms |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default="127.0.0.1:9092")
    ap.add_argument("--json", help="append the results as one JSON line to this file")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rebalance")
    r.add_argument("--members", default="10,100")
    r.add_argument("--per-process", type=int, default=10)
    r.add_argument("--reps", type=int, default=3)
    r.add_argument("--partitions", type=int, default=200)
    r.add_argument("--topic")
    r.add_argument("--heartbeat-ms", type=int, default=3000, help="librdkafka default 3000")
    r.add_argument("--session-ms", type=int, default=45000, help="librdkafka default 45000")
    r.add_argument("--settle-s", type=float, default=1.0)
    r.add_argument("--timeline", action="store_true", help="print every member event (stderr)")
    r.add_argument("--timeout", type=float, default=120.0, help="bound on each rebalance wait")
    c = sub.add_parser("commit")
    c.add_argument("--committers", type=int, default=8)
    c.add_argument("--seconds", type=float, default=5.0)
    c.add_argument("--label", default="fsync")
    c.add_argument("--topic")
    f = sub.add_parser("fsync-probe")
    f.add_argument("--dir", required=True)
    f.add_argument("--seconds", type=float, default=3.0)
    f.add_argument("--threads", default="1,8", help="comma list of concurrent syncing threads")
    args = ap.parse_args()
    fn = {"rebalance": cmd_rebalance, "commit": cmd_commit, "fsync-probe": cmd_fsync_probe}[args.cmd]
    res = fn(args)
    sys.stdout.flush()
    if args.json:
        with open(args.json, "a") as fh:
            fh.write(json.dumps({"cmd": args.cmd, "result": res}, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
