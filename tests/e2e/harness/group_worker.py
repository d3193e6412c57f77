# Consumer-group worker processes and the test-side view of what they did.
#
# Run as a program (`/usr/bin/python3 group_worker.py '<json>'`), this is one OS process holding
# one or more group consumers (confluent-kafka on librdkafka, or kafka-python) that writes every
# event to a JSON-lines file: assignments and revocations as the client's rebalance callbacks
# report them (with the generation and member id the client holds), the records it consumed,
# commits, and its shutdown. SIGTERM closes the consumers cleanly (LeaveGroup unless static);
# SIGKILL is what the tests use for crashes. js/group_worker.js is the kafkajs counterpart and
# writes the same events.
#
# Imported by the tests, it gives `WorkerPool` (spawn/stop/kill by PID, always cleaned up by
# the `group_workers` fixture) and the readers/checkers over the event files.
#
# Event lines (every one has "t": wall-clock seconds and "ev"; "m" is the member's index within
# the process):
#   {"ev":"start","pid":n}
#   {"ev":"assign","m":i,"inc":bool,"tps":[[topic,p],..],"gen":g|null,"mid":id|null}
#       inc=false: the member's assignment is now exactly tps; inc=true: tps were added
#   {"ev":"revoke"|"lost","m":i,"tps":[..],"gen":..,"mid":..}   tps were taken away
#   {"ev":"recs","m":i,"r":[[topic,p,offset,key],..]}            written before the commit
#   {"ev":"committed","m":i,"offsets":[[topic,p,next_offset],..]}  a synchronous commit succeeded
#   {"ev":"error","m":i,"what":..}
#   {"ev":"closed","m":i}
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Worker program.
# ---------------------------------------------------------------------------------------------


class EventLog:
    """Appends JSON lines; each write reaches the kernel at once, so a SIGKILL loses nothing
    that was written."""

    def __init__(self, path: str):
        self._f = open(path, "a", buffering=1)
        self._lock = threading.Lock()

    def write(self, ev: str, **fields) -> None:
        d = {"t": time.time(), "ev": ev}
        d.update(fields)
        line = json.dumps(d, separators=(",", ":")) + "\n"
        with self._lock:
            self._f.write(line)
            self._f.flush()


def _key(k) -> str | None:
    if k is None:
        return None
    return k.decode("utf-8", "replace") if isinstance(k, (bytes, bytearray)) else str(k)


def _cgmd(consumer) -> tuple[int | None, str | None]:
    """(generation, member id) librdkafka holds, from its serialized ConsumerGroupMetadata:
    "CGMDv2:" int32 generation (host order), group id NUL, member id NUL, ..."""
    try:
        b = consumer.consumer_group_metadata()
    except Exception:  # noqa: BLE001 - best effort, the callers log None
        return None, None
    if not isinstance(b, (bytes, bytearray)) or not b.startswith(b"CGMDv2:") or len(b) < 11:
        return None, None
    gen = int.from_bytes(b[7:11], sys.byteorder, signed=True)
    parts = bytes(b[11:]).split(b"\0")
    member = parts[1].decode(errors="replace") if len(parts) > 1 else None
    return gen, member


def _confluent_member(args: dict, idx: int, log: EventLog, stop: threading.Event) -> None:
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    commit = args.get("commit", "auto")
    conf = {
        "bootstrap.servers": args["bootstrap"],
        "group.id": args["group"],
        "client.id": f"{args.get('name', 'w')}-{idx}",
        "session.timeout.ms": args.get("session_ms", 6000),
        "heartbeat.interval.ms": args.get("heartbeat_ms", 1000),
        "partition.assignment.strategy": args.get("strategy", "range"),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": commit == "auto",
        "auto.commit.interval.ms": 500,
        "enable.auto.offset.store": False,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 1000,
        "fetch.wait.max.ms": 200,
        "queued.min.messages": 1000,
    }
    if args.get("instance_id"):
        iid = args["instance_id"]
        conf["group.instance.id"] = iid if args.get("members", 1) == 1 else f"{iid}-{idx}"
    conf.update(args.get("conf") or {})
    c = Consumer(conf)
    incremental = conf["partition.assignment.strategy"] == "cooperative-sticky"

    def tps(parts):
        return [[p.topic, p.partition] for p in parts]

    def on_assign(consumer, parts):
        gen, mid = _cgmd(consumer)
        log.write("assign", m=idx, inc=incremental, tps=tps(parts), gen=gen, mid=mid)

    def on_revoke(consumer, parts):
        gen, mid = _cgmd(consumer)
        log.write("revoke", m=idx, inc=incremental, tps=tps(parts), gen=gen, mid=mid)

    def on_lost(consumer, parts):
        gen, mid = _cgmd(consumer)
        log.write("lost", m=idx, inc=incremental, tps=tps(parts), gen=gen, mid=mid)

    c.subscribe(list(args["topics"]), on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    record = args.get("record", True)
    max_records = args.get("max_records")  # then commit synchronously and consume no more
    taken = 0
    holding = False
    try:
        while not stop.is_set():
            msgs = c.consume(num_messages=500, timeout=0.2)
            if holding:
                continue
            recs = []
            nxt: dict[tuple[str, int], int] = {}
            for m in msgs:
                err = m.error()
                if err is not None:
                    log.write("error", m=idx, what=str(err))
                    continue
                if max_records is not None and taken >= max_records:
                    break
                taken += 1
                recs.append([m.topic(), m.partition(), m.offset(), _key(m.key())])
                nxt[(m.topic(), m.partition())] = m.offset() + 1
            if recs and record:
                log.write("recs", m=idx, r=recs)
            if nxt:
                offs = [TopicPartition(t, p, o) for (t, p), o in nxt.items()]
                try:
                    if commit == "auto":
                        c.store_offsets(offsets=offs)
                    elif commit == "manual":
                        c.commit(offsets=offs, asynchronous=False)
                        log.write("committed", m=idx,
                                  offsets=[[t, p, o] for (t, p), o in sorted(nxt.items())])
                except KafkaException as e:
                    log.write("error", m=idx, what=f"commit: {e}")
            if max_records is not None and taken >= max_records:
                holding = True
                log.write("holding", m=idx, taken=taken)
    finally:
        c.close()
        log.write("closed", m=idx)


def _kafka_python_member(args: dict, idx: int, log: EventLog, stop: threading.Event) -> None:
    from kafka import ConsumerRebalanceListener, KafkaConsumer

    c = KafkaConsumer(
        bootstrap_servers=args["bootstrap"], group_id=args["group"],
        client_id=f"{args.get('name', 'w')}-{idx}",
        session_timeout_ms=args.get("session_ms", 6000),
        heartbeat_interval_ms=args.get("heartbeat_ms", 1000),
        auto_offset_reset="earliest", enable_auto_commit=args.get("commit", "auto") == "auto",
        auto_commit_interval_ms=500, max_poll_records=500, fetch_max_wait_ms=200,
        reconnect_backoff_ms=50, reconnect_backoff_max_ms=1000)

    def gen_mid():
        g = getattr(c._coordinator, "_generation", None)  # noqa: SLF001 - no public accessor
        return (getattr(g, "generation_id", None), getattr(g, "member_id", None))

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            gen, mid = gen_mid()
            log.write("revoke", m=idx, inc=False, tps=[[tp.topic, tp.partition] for tp in revoked],
                      gen=gen, mid=mid)

        def on_partitions_assigned(self, assigned):
            gen, mid = gen_mid()
            log.write("assign", m=idx, inc=False,
                      tps=[[tp.topic, tp.partition] for tp in assigned], gen=gen, mid=mid)

    c.subscribe(topics=list(args["topics"]), listener=Listener())
    try:
        while not stop.is_set():
            batch = c.poll(timeout_ms=200)
            recs = []
            for tp, rs in batch.items():
                for r in rs:
                    recs.append([tp.topic, tp.partition, r.offset, _key(r.key)])
            if recs:
                # Written before the next poll(), where kafka-python's auto-commit runs.
                log.write("recs", m=idx, r=recs)
    finally:
        c.close()
        log.write("closed", m=idx)


def worker_main(argv: list[str]) -> int:
    args = json.loads(argv[1])
    log = EventLog(args["out"])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.write("start", pid=os.getpid())
    body = {"confluent": _confluent_member, "kafka-python": _kafka_python_member}[args["client"]]
    failures: list[str] = []

    def run(i: int) -> None:
        try:
            body(args, i, log, stop)
        except BaseException as e:  # noqa: BLE001 - reported in the event file
            failures.append(repr(e))
            log.write("error", m=i, what=f"member crashed: {e!r}")

    members = int(args.get("members", 1))
    if members == 1:
        run(0)
    else:
        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(members)]
        for i, t in enumerate(threads):
            t.start()
            if args.get("stagger_ms"):
                time.sleep(args["stagger_ms"] / 1000)
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(0.2)
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------
# Test side: processes and their event files.
# ---------------------------------------------------------------------------------------------

WORKER_PYTHON = os.environ.get("SLUICE_E2E_WORKER_PYTHON", "/usr/bin/python3")
JS_WORKER = Path(__file__).resolve().parent.parent / "js" / "group_worker.js"
STOP_TIMEOUT_S = 20.0


def read_events(path: Path) -> list[dict]:
    """The events of one worker file. A last line cut by SIGKILL is skipped."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    except FileNotFoundError:
        pass
    return out


class Worker:
    """One worker OS process. Signalled by its own PID only."""

    def __init__(self, name: str, cmd: list[str], out: Path, log_path: Path, cwd: Path | None):
        self.name = name
        self.out = out
        self.log_path = log_path
        self.cmd = cmd
        with open(log_path, "ab") as lf:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         cwd=cwd)
        self.started = time.time()
        self.killed_at: float | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def events(self) -> list[dict]:
        return read_events(self.out)

    def _signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def kill9(self) -> None:
        self.killed_at = time.time()
        self._signal(signal.SIGKILL)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM (clean close: commit, LeaveGroup), bounded wait, then SIGKILL."""
        self._signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            return None

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(lines[-n:])


class WorkerPool:
    """Starts workers in a directory; cleanup() stops every one of them by PID."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workers: list[Worker] = []

    def spawn(self, client: str, name: str, **args) -> Worker:
        out = self.workdir / f"{name}.{len(self.workers)}.events.jsonl"
        log_path = self.workdir / f"{name}.{len(self.workers)}.log"
        args = dict(args, out=str(out), name=name, client=client)
        if client == "kafkajs":
            from .clients import NODE
            cmd = [NODE, str(JS_WORKER), json.dumps(args)]
            cwd = JS_WORKER.parent
        else:
            cmd = [WORKER_PYTHON, str(Path(__file__).resolve()), json.dumps(args)]
            cwd = None
        w = Worker(name, cmd, out, log_path, cwd)
        self.workers.append(w)
        return w

    def cleanup(self) -> None:
        for w in self.workers:
            if w.alive():
                w._signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for w in self.workers:
            try:
                w.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                w._signal(signal.SIGKILL)
                try:
                    w.proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass

    def report(self) -> str:
        parts = []
        for w in self.workers:
            parts.append(f"--- worker {w.name} pid {w.pid} rc {w.proc.poll()} ---\n{w.log_tail()}")
        return "\n".join(parts)


try:
    import pytest

    @pytest.fixture(name="group_workers")
    def group_workers_fixture(tmp_path):
        """A WorkerPool for one test; every process it started is stopped afterwards."""
        pool = WorkerPool(tmp_path)
        yield pool
        pool.cleanup()
except ImportError:  # the worker program does not need pytest
    pass


# -- views over events --------------------------------------------------------------------------

Tp = tuple  # (topic, partition)


def owned(events: list[dict], until: float | None = None) -> dict[int, set]:
    """Each member's (index → set of (topic, partition)) after the events up to `until`.
    A member that closed owns nothing."""
    cur: dict[int, set] = defaultdict(set)
    for e in events:
        if until is not None and e["t"] > until:
            break
        ev = e["ev"]
        if ev == "assign":
            tps = {tuple(x) for x in e["tps"]}
            if e.get("inc"):
                cur[e["m"]] |= tps
            else:
                cur[e["m"]] = tps
        elif ev in ("revoke", "lost"):
            cur[e["m"]] -= {tuple(x) for x in e["tps"]}
        elif ev == "closed":
            cur[e["m"]] = set()
    return cur


def consumed(events: list[dict]) -> dict[tuple[str, int, int], str | None]:
    """(topic, partition, offset) → key of every record a worker reported."""
    out = {}
    for e in events:
        if e["ev"] == "recs":
            for t, p, o, k in e["r"]:
                out[(t, p, o)] = k
    return out


def rebalance_events(events: list[dict], since: float) -> list[dict]:
    return [e for e in events if e["ev"] in ("assign", "revoke", "lost") and e["t"] >= since]


def ownership(workers: list[Worker]) -> dict[tuple[str, int], set]:
    """(worker name, member index) → owned partitions, for the given (live) workers."""
    out = {}
    for w in workers:
        for m, tps in owned(w.events()).items():
            out[(w.name, m)] = tps
    return out


def is_exact_cover(owners: dict, all_tps: set, sizes: set | None = None) -> bool:
    """Every partition owned by exactly one member (and, if given, each member's count in
    `sizes`)."""
    seen: set = set()
    for tps in owners.values():
        if seen & tps:
            return False
        seen |= tps
    if seen != all_tps:
        return False
    return sizes is None or all(len(t) in sizes for t in owners.values())


def wait_until(cond, timeout: float, what: str, interval: float = 0.1, diag=None):
    """Polls `cond()` until it returns a truthy value; fails with `what` (and diag()) after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            extra = ""
            if diag is not None:
                try:
                    extra = "\n" + str(diag())
                except Exception as e:  # noqa: BLE001
                    extra = f"\n(diag failed: {e!r})"
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv))
