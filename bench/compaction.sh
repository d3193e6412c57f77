#!/usr/bin/env bash
# Log-compaction benchmark: cleaner throughput (MB/s read by a cleaner pass) and produce latency
# (p99) on another topic while the cleaner runs, against a baseline without cleaning. Starts its
# own broker on a free port with a temporary data dir and stops it at the end.
#
#   bench/compaction.sh [--sluice PATH] [--records N] [--keys N] [--value-size B] [--out DIR]
#
# Needs python3 with confluent-kafka (keyed records: `sluice bench` sends none).
set -euo pipefail

sluice=""
records=2000000
keys=100000
value_size=100
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sluice) sluice="$2"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --value-size) value_size="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "compaction.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$sluice" ]]; then
  for c in "$root"/build/src/sluice "$root"/build-*/src/sluice; do [[ -x "$c" ]] && { sluice="$c"; break; }; done
fi
[[ -x "$sluice" ]] || { echo "compaction.sh: no sluice binary; pass --sluice PATH" >&2; exit 2; }
out="${out:-$(mktemp -d -t sluice-bench-compaction.XXXXXX)}"
mkdir -p "$out"
data="$out/data"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bootstrap="127.0.0.1:$port"
pid=""
stop_broker() { if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap stop_broker EXIT

start_broker() {  # $1 = log.cleaner.enable
  "$sluice" broker --override "log.dirs=$data" --override "listeners=PLAINTEXT://127.0.0.1:$port" \
    --override "log.cleaner.enable=$1" --override "log.cleaner.backoff.ms=500" \
    >>"$out/broker.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "compaction.sh: broker did not start; see $out/broker.log" >&2
  exit 1
}

p99() {  # produce latency p99 (ms) of `sluice bench produce` on a delete-policy topic
  "$sluice" bench produce -b "$bootstrap" --topic "plain-$1" --partitions 1 --num-records 60000 \
    --record-size 100 --throughput 30000 --acks all --json "$out/produce-$1.json" >"$out/produce-$1.txt" 2>&1
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d))' "$out/produce-$1.json"
}

echo "== filling a compacted topic: $records updates over $keys keys, ${value_size} B values (cleaner off)"
start_broker false
/usr/bin/python3 - "$bootstrap" "$records" "$keys" "$value_size" <<'PY'
import sys, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, n, keys, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = AdminClient({"bootstrap.servers": bootstrap})
a.create_topics([NewTopic("compacted", 1, 1, config={"cleanup.policy": "compact", "segment.bytes": str(64 << 20),
                                                   "min.cleanable.dirty.ratio": "0.01"})])["compacted"].result(30)
p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
              "queue.buffering.max.messages": 1000000, "acks": "all"})
pad = b"x" * size
t = time.monotonic()
for i in range(n):
    while True:
        try:
            p.produce("compacted", key=b"key-%08d" % (i % keys), value=pad); break
        except BufferError:
            p.poll(0.05)
    if i % 10000 == 0: p.poll(0)
p.flush(120)
print(f"filled in {time.monotonic() - t:.1f} s")
PY
echo "== baseline produce latency (cleaner off)"
base=$(p99 baseline)
stop_broker

echo "== cleaner on: produce latency while the first pass runs"
start_broker true
during=$(p99 cleaning)
for _ in $(seq 1 600); do grep -q "log cleaner: compacted-0" "$out/broker.log" && break; sleep 0.5; done
stop_broker
pass=$(grep "log cleaner: compacted-0" "$out/broker.log" | head -1)
echo
echo "cleaner pass: ${pass#*log cleaner: }"
/usr/bin/python3 - "$base" "$during" <<'PY'
import json, sys
def get(d, *names):
    for n in names:
        for k, v in d.items():
            if n in k: return v
    return None
for label, raw in (("baseline", sys.argv[1]), ("while cleaning", sys.argv[2])):
    d = json.loads(raw)
    flat = {}
    def walk(x, pre=""):
        if isinstance(x, dict):
            for k, v in x.items(): walk(v, f"{pre}{k}.")
        else: flat[pre[:-1]] = x
    walk(d)
    p99 = {k: v for k, v in flat.items() if "p99" in k and "p99." not in k.replace("p99.9", "")}
    print(f"produce 60k x 100 B at 30k/s (2 s), acks=all, {label}: " + ", ".join(f"{k}={v}" for k, v in p99.items()))
PY
echo "(details in $out)"
