# Real Kafka clients driven the same way by every test: admin, produce, consume-everything.
#
# confluent-kafka and kcat sit on Debian's librdkafka 2.0.2; kafka-python is 2.0.2 with its API
# version auto-detected (never pinned); kafkajs 2.2.4 runs as node scripts from tests/e2e/js.
# Every loop has a deadline and every subprocess a timeout.
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from . import rawkafka
from .dataset import Consumed, Msg, read_consumed_jsonl, write_jsonl

E2E_DIR = Path(__file__).resolve().parent.parent
JS_DIR = E2E_DIR / "js"
NODE = os.environ.get("SLUICE_E2E_NODE", "/usr/bin/node")
KCAT = shutil.which("kcat") or "/usr/bin/kcat"


class ClientError(AssertionError):
    pass


def _host_port(bootstrap: str) -> tuple[str, int]:
    host, port = bootstrap.rsplit(":", 1)
    return host, int(port)


# ---------------------------------------------------------------------------------------------
# Admin (confluent-kafka AdminClient = librdkafka CreateTopics/DeleteTopics/...).
# ---------------------------------------------------------------------------------------------


def admin(bootstrap: str) -> AdminClient:
    """A new AdminClient. Keep it referenced until its futures resolve: a collected client
    fails them with _DESTROY."""
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})


def create_topic(bootstrap: str, name: str, partitions: int = 1, config: dict | None = None,
                 timeout: float = 30.0, wait_ready: bool = True) -> None:
    a = admin(bootstrap)
    fs = a.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1,
                  config={k: str(v) for k, v in (config or {}).items()})],
        operation_timeout=timeout, request_timeout=timeout)
    fs[name].result(timeout=timeout)
    if wait_ready:
        host, port = _host_port(bootstrap)
        rawkafka.wait_for_leader(host, port, name, partitions, timeout=timeout)


def create_topic_error(bootstrap: str, name: str, partitions: int = 1,
                       timeout: float = 30.0) -> KafkaError | None:
    """Creates a topic and returns the KafkaError it failed with (None on success)."""
    a = admin(bootstrap)
    fs = a.create_topics([NewTopic(name, num_partitions=partitions,
                                                  replication_factor=1)],
                                        operation_timeout=timeout, request_timeout=timeout)
    try:
        fs[name].result(timeout=timeout)
    except Exception as e:  # KafkaException wraps the KafkaError as args[0]
        if e.args and isinstance(e.args[0], KafkaError):
            return e.args[0]
        raise
    return None


def delete_topic(bootstrap: str, name: str, timeout: float = 30.0) -> None:
    a = admin(bootstrap)
    fs = a.delete_topics([name], operation_timeout=timeout,
                                        request_timeout=timeout)
    fs[name].result(timeout=timeout)


def add_partitions(bootstrap: str, name: str, total: int, timeout: float = 30.0) -> None:
    a = admin(bootstrap)
    fs = a.create_partitions([NewPartitions(name, total)],
                                            operation_timeout=timeout, request_timeout=timeout)
    fs[name].result(timeout=timeout)


def topic_names(bootstrap: str, timeout: float = 10.0) -> set[str]:
    return set(admin(bootstrap).list_topics(timeout=timeout).topics)


def partition_count(bootstrap: str, name: str, timeout: float = 10.0) -> int | None:
    md = admin(bootstrap).list_topics(topic=name, timeout=timeout)
    t = md.topics.get(name)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


def topic_config(bootstrap: str, name: str, timeout: float = 30.0) -> dict[str, str]:
    res = ConfigResource(ConfigResource.Type.TOPIC, name)
    a = admin(bootstrap)
    fs = a.describe_configs([res], request_timeout=timeout)
    entries = fs[res].result(timeout=timeout)
    return {k: e.value for k, e in entries.items()}


def watermarks(bootstrap: str, topic: str, partition: int, timeout: float = 10.0) -> tuple[int, int]:
    """(log start offset, high watermark) as the broker reports them (ListOffsets)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-e2e-watermarks",
                  "enable.auto.commit": False})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout,
                                       cached=False)
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------
# confluent-kafka (librdkafka).
# ---------------------------------------------------------------------------------------------


def produce_confluent(bootstrap: str, topic: str, msgs: list[Msg], codec: str = "none",
                      conf: dict | None = None, timeout: float = 120.0) -> list[tuple[int, int]]:
    """Produces `msgs` in order and returns each one's (partition, offset) from its delivery
    report. Raises if any delivery failed."""
    cfg = {"bootstrap.servers": bootstrap, "compression.codec": codec, "linger.ms": 5,
           "queue.buffering.max.messages": 500000, "acks": "all"}
    cfg.update(conf or {})
    p = Producer(cfg)
    delivered: list[tuple[int, int] | None] = [None] * len(msgs)
    errors: list[str] = []

    def report(i):
        def cb(err, m):
            if err is not None:
                errors.append(f"#{i}: {err}")
            else:
                delivered[i] = (m.partition(), m.offset())
        return cb

    deadline = time.monotonic() + timeout
    for i, m in enumerate(msgs):
        while True:
            try:
                p.produce(topic, value=m.value, key=m.key, headers=m.headers or None,
                          timestamp=m.timestamp or 0, on_delivery=report(i))
                break
            except BufferError:
                p.poll(0.05)
                if time.monotonic() > deadline:
                    raise ClientError(f"confluent produce: queue full past {timeout}s")
        if i % 1000 == 0:
            p.poll(0)
    while len(p) > 0 and time.monotonic() < deadline:
        p.flush(min(1.0, max(0.0, deadline - time.monotonic())))
    if len(p) > 0:
        raise ClientError(f"confluent produce: {len(p)} messages undelivered after {timeout}s")
    if errors:
        raise ClientError(f"confluent produce: {len(errors)} failed, e.g. {errors[:3]}")
    return delivered  # type: ignore[return-value]


def confluent_record(m) -> Consumed:
    return Consumed(m.partition(), m.offset(), m.key(), m.value(),
                    [(k, v) for k, v in (m.headers() or [])], m.timestamp()[1])


def consume_confluent(bootstrap: str, topic: str, partitions: int, expected: int | None = None,
                      timeout: float = 120.0, start_offsets: dict[int, int] | None = None,
                      conf: dict | None = None) -> list[Consumed]:
    """Reads every partition from its start (or `start_offsets`) to its end (EOF on all
    partitions) and, if `expected` is given, until at least that many arrived."""
    cfg = {"bootstrap.servers": bootstrap, "group.id": f"sluice-e2e-{topic}-{time.monotonic_ns()}",
           "enable.auto.commit": False, "enable.auto.offset.store": False,
           "enable.partition.eof": True, "auto.offset.reset": "earliest"}
    cfg.update(conf or {})
    c = Consumer(cfg)
    got: list[Consumed] = []
    try:
        starts = start_offsets or {}
        c.assign([TopicPartition(topic, p, starts.get(p, -2)) for p in range(partitions)])
        at_eof: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.5):
                err = m.error()
                if err is None:
                    got.append(confluent_record(m))
                    at_eof.discard(m.partition())
                elif err.code() == KafkaError._PARTITION_EOF:
                    at_eof.add(m.partition())
                else:
                    raise ClientError(f"confluent consume error: {err}")
            if len(at_eof) == partitions and (expected is None or len(got) >= expected):
                return got
        raise ClientError(f"confluent consume: {len(got)} of {expected} messages after "
                          f"{timeout}s (EOF on {sorted(at_eof)})")
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------
# kafka-python (api_version deliberately not set: it is auto-detected from ApiVersions).
# ---------------------------------------------------------------------------------------------


def produce_kafka_python(bootstrap: str, topic: str, msgs: list[Msg], codec: str = "none",
                         timeout: float = 300.0) -> list[tuple[int, int]]:
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=bootstrap,
                      compression_type=None if codec == "none" else codec,
                      linger_ms=10, batch_size=256 * 1024, acks=1,
                      request_timeout_ms=30000, max_block_ms=30000)
    try:
        futures = [p.send(topic, key=m.key, value=m.value, headers=list(m.headers),
                          timestamp_ms=m.timestamp) for m in msgs]
        p.flush(timeout=timeout)
        out = []
        for i, f in enumerate(futures):
            if not f.is_done:
                raise ClientError(f"kafka-python produce: message {i} not done after flush")
            if f.failed():
                raise ClientError(f"kafka-python produce: message {i} failed: {f.exception!r}")
            out.append((f.value.partition, f.value.offset))
        return out
    finally:
        p.close(timeout=10)


def consume_kafka_python(bootstrap: str, topic: str, partitions: int,
                         timeout: float = 300.0) -> list[Consumed]:
    """Reads every partition from the beginning up to the high watermark it saw at the start."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", max_poll_records=20000,
                      fetch_max_bytes=16 << 20, max_partition_fetch_bytes=4 << 20)
    try:
        tps = [KTP(topic, p) for p in range(partitions)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        ends = c.end_offsets(tps)
        got: list[Consumed] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.position(tp) >= ends[tp] for tp in tps):
                return got
            for tp, recs in c.poll(timeout_ms=500).items():
                for r in recs:
                    got.append(Consumed(tp.partition, r.offset, r.key, r.value,
                                        [(k, v) for k, v in (r.headers or [])], r.timestamp))
        raise ClientError(f"kafka-python consume: {len(got)} messages after {timeout}s "
                          f"(ends {ends})")
    finally:
        c.close(autocommit=False)


# ---------------------------------------------------------------------------------------------
# kcat (librdkafka CLI): -K key delimiter, -H headers, -z codec; consume with -e -f.
# kcat cannot give each message its own headers or timestamp: headers are the same for every
# message of a run and timestamps are CreateTime taken when kcat reads the line.
# ---------------------------------------------------------------------------------------------

KCAT_HEADERS = [("origin", b"kcat"), ("dup", b"first"), ("dup", b"second")]


def _run(cmd: list[str], timeout: float, **kw) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, timeout=timeout, capture_output=True, **kw)
    except subprocess.TimeoutExpired as e:
        raise ClientError(f"{cmd[0]} timed out after {timeout}s: {cmd}\n"
                          f"stderr: {(e.stderr or b'')[-2000:]!r}") from e


def produce_kcat(bootstrap: str, topic: str, msgs: list[Msg], codec: str, workdir: Path,
                 timeout: float = 180.0) -> tuple[int, int]:
    """Produces `key\\tvalue` lines; returns the wall-clock range (ms) the run spanned."""
    src = workdir / f"{topic}.kcat-in"
    with open(src, "wb") as f:
        for m in msgs:
            f.write(m.key + b"\t" + m.value + b"\n")
    cmd = [KCAT, "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-D", "\n", "-l", str(src),
           "-X", "linger.ms=5", "-X", "queue.buffering.max.messages=500000",
           "-X", "acks=all"]
    if codec != "none":
        cmd += ["-z", codec]
    for k, v in KCAT_HEADERS:
        cmd += ["-H", f"{k}={v.decode()}"]
    t0 = int(time.time() * 1000) - 1
    res = _run(cmd, timeout)
    t1 = int(time.time() * 1000) + 1
    if res.returncode != 0 or b"ERROR" in res.stderr:
        raise ClientError(f"kcat produce failed ({res.returncode}): {res.stderr[-2000:]!r}")
    return t0, t1


def consume_kcat(bootstrap: str, topic: str, workdir: Path, timeout: float = 180.0) -> list[Consumed]:
    out = workdir / f"{topic}.kcat-out"
    cmd = [KCAT, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-f", r"%p\t%o\t%T\t%K\t%k\t%h\t%s\n"]
    with open(out, "wb") as f:
        try:
            res = subprocess.run(cmd, timeout=timeout, stdout=f, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired as e:
            raise ClientError(f"kcat consume timed out after {timeout}s") from e
    if res.returncode != 0:
        raise ClientError(f"kcat consume failed ({res.returncode}): {res.stderr[-2000:]!r}")
    got = []
    with open(out, "rb") as f:
        for line in f:
            p, o, ts, klen, key, hdrs, value = line.rstrip(b"\n").split(b"\t", 6)
            headers = []
            if hdrs:
                for h in hdrs.split(b","):
                    k, _, v = h.partition(b"=")
                    headers.append((k.decode(), v))
            got.append(Consumed(int(p), int(o), None if int(klen) < 0 else key, value, headers,
                                int(ts)))
    return got


# ---------------------------------------------------------------------------------------------
# kafkajs 2.2.4 (node scripts in tests/e2e/js).
# ---------------------------------------------------------------------------------------------


def kafkajs_available() -> tuple[bool, str]:
    """Makes sure tests/e2e/js/node_modules exists (runs `npm ci` once if not)."""
    if (JS_DIR / "node_modules" / "kafkajs").is_dir():
        return True, ""
    if os.environ.get("SLUICE_E2E_NO_NPM"):
        return False, "tests/e2e/js/node_modules missing and SLUICE_E2E_NO_NPM is set"
    npm = shutil.which("npm")
    if npm is None or not os.path.exists(NODE):
        return False, "node/npm not installed"
    try:
        res = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, timeout=600,
                             capture_output=True)
    except subprocess.TimeoutExpired:
        return False, "npm ci timed out"
    if res.returncode != 0:
        return False, f"npm ci failed: {res.stderr[-1500:]!r}"
    return True, ""


def _run_node(script: str, args: dict, timeout: float) -> dict:
    res = _run([NODE, str(JS_DIR / script), json.dumps(args)], timeout, cwd=JS_DIR)
    if res.returncode != 0:
        raise ClientError(f"{script} failed ({res.returncode}):\n{res.stderr[-3000:].decode(errors='replace')}")
    lines = res.stdout.decode().strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def produce_kafkajs(bootstrap: str, topic: str, msgs: list[Msg], codec: str, workdir: Path,
                    timeout: float = 300.0) -> dict:
    src = workdir / f"{topic}.kafkajs-in.jsonl"
    write_jsonl(msgs, src)
    return _run_node("produce.js", {"brokers": [bootstrap], "topic": topic, "codec": codec,
                                    "input": str(src), "timeoutMs": int(timeout * 1000)},
                     timeout + 30)


def consume_kafkajs(bootstrap: str, topic: str, expected: int, workdir: Path,
                    timeout: float = 300.0) -> list[Consumed]:
    out = workdir / f"{topic}.kafkajs-out.jsonl"
    _run_node("consume.js", {"brokers": [bootstrap], "topic": topic, "expected": expected,
                             "output": str(out), "groupId": f"sluice-e2e-{topic}",
                             "timeoutMs": int(timeout * 1000)}, timeout + 30)
    return read_consumed_jsonl(out)


# ---------------------------------------------------------------------------------------------
# On-disk view (the broker stores RecordBatch v2 verbatim in `<base offset>.log` files).
# ---------------------------------------------------------------------------------------------


def stored_batches(segment: Path, verify_crc: bool = True) -> list[rawkafka.DecodedBatch]:
    return rawkafka.decode_batches(segment.read_bytes(), verify_crc=verify_crc)
