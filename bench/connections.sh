#!/usr/bin/env bash
# Idle-connections benchmark: produce latency (acks=all, fixed rate) with no extra client
# connections and with --connections idle ones open, plus broker RSS, descriptors and CPU.
#
# Starts its own broker on loopback with a fresh data directory and the HTTP port (for its
# connection count), then bench/connections.py runs `sluice bench produce` without, opens the idle
# sockets (each completes one ApiVersions request, then sits idle), runs the bench with them,
# checks a sample still answers and closes them, --rounds times (pairs close in time). The broker is
# started with a soft RLIMIT_NOFILE of --broker-soft-nofile (default 1024, the usual default) so
# it has to raise its own limit; it is stopped by PID, every wait is bounded. Prints a markdown
# report on stdout; the raw JSON and the broker log stay in the work directory.
#
#   bench/connections.sh [--connections 10000] [--records 50000] [--rate 5000] [--rounds 3]
#                        [--broker-soft-nofile N] [--override key=value ...] [--json FILE]
#
# --override: passed to the broker (e.g. sluice.shards=1).
# Broker/bench binary: $SLUICE_BIN, else build-bench/src/sluice. Python: $PYTHON, else
# /usr/bin/python3.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${SLUICE_BIN:-$root/build-bench/src/sluice}"
py="${PYTHON:-/usr/bin/python3}"

connections=10000 records=50000 rate=5000 rounds=3 soft_nofile=1024 json_out="" overrides=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --broker-soft-nofile) soft_nofile="$2"; shift 2 ;;
    --json) json_out="$2"; shift 2 ;;
    --override) overrides+=(--override "$2"); shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "connections.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ -x "$bin" ]] || { echo "connections.sh: binary not found: $bin (set SLUICE_BIN)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-connections-bench.XXXXXX")"
data="$work/data" log="$work/broker.log"
mkdir -p "$data"
broker_pid=""

stop_broker() {
  [[ -n "$broker_pid" ]] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$broker_pid" 2>/dev/null; then
    echo "connections.sh: broker $broker_pid did not stop in 30 s, SIGKILL" >&2
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
cleanup() {
  local rc=$?
  stop_broker
  rm -rf "$data"
  echo "connections.sh: broker log and JSON in $work" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
args=(broker --override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$data"
      --override "sluice.http.listener=127.0.0.1:0" ${overrides[@]+"${overrides[@]}"})
echo "\$ (ulimit -Sn $soft_nofile) $bin ${args[*]}" >"$log"
(ulimit -Sn "$soft_nofile"; exec "$bin" "${args[@]}") >>"$log" 2>&1 &
broker_pid=$!

# Ready when the HTTP port is bound (after the Kafka listener) — bounded to 30 s.
http_port=""
for _ in $(seq 1 300); do
  http_port="$(sed -n 's#.*metrics and console on http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log" | head -1)"
  [[ -n "$http_port" ]] && break
  kill -0 "$broker_pid" 2>/dev/null || { echo "connections.sh: broker exited:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$http_port" ]] || { echo "connections.sh: broker not ready in 30 s" >&2; tail -20 "$log" >&2; exit 1; }

machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), data on $(df -hT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2" "$1}')"
uptime_before="$(uptime)"
budget=$(( (records / rate + 60) * (2 * rounds + 1) + 300 ))
timeout --kill-after=10 "$budget" "$py" "$here/connections.py" run --bootstrap "127.0.0.1:$port" \
  --broker-pid "$broker_pid" --http-port "$http_port" --sluice "$bin" --connections "$connections" \
  --records "$records" --rate "$rate" --rounds "$rounds" --json-dir "$work" >"$work/result.json"
uptime_after="$(uptime)"
limit_line="$(grep -m1 'open-file limit' "$log" | sed 's/^\[[^]]*\] //' || true)"
[[ -z "$json_out" ]] || cp "$work/result.json" "$json_out"

head="# machine: $machine
# broker: $bin; git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); started with soft RLIMIT_NOFILE $soft_nofile, hard $(ulimit -Hn); overrides: ${overrides[*]:-none}
# broker log: ${limit_line:-no open-file limit line}
# uptime before: $uptime_before
# uptime after:  $uptime_after"
"$py" - "$work/result.json" "$head" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(sys.argv[2])
print()
c = r["config"]
print(f"bench produce: acks=all, linger.ms=0, 1 partition, {c['records']} records of "
      f"{c['record_size']} B at {c['rate']}/s; {c['connections']} idle connections opened in "
      f"{'/'.join(str(x) for x in r['open_seconds'])} s; {r['sample_answered']} of {r['sample_size']} "
      f"sampled idle connections answered ApiVersions after the runs; broker connection count after "
      f"closing them: {r['connections_after_close']}")
print()
print("| run | idle connections | msgs/s | p50 ms | p99 ms | p99.9 ms | max ms | mean ms |")
print("|---|---|---|---|---|---|---|---|")
for b in r["bench"]:
    l = b["latency_ms"]
    idle = c["connections"] if b["label"].startswith("with-") else 0
    print(f"| {b['label']} | {idle} | {b['msgs_per_s']:.0f} | {l['p50']:.2f} | {l['p99']:.2f} | "
          f"{l['p999']:.2f} | {l['max']:.2f} | {l['mean']:.2f} |")
def med(label, key):
    v = sorted(b["latency_ms"][key] for b in r["bench"] if b["label"].startswith(label))
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
print()
print("Medians over the rounds, without / with the idle connections: " + ", ".join(
    f"{k} {med('without-', k):.2f} / {med('with-', k):.2f} ms" for k in ("p50", "p99", "p999", "mean")))
print()
print("| broker state | RSS MB | fds | connections (/v1/status) |")
print("|---|---|---|---|")
for s in r["snapshots"]:
    print(f"| {s['label']} | {s['rss_mb']} | {s['fds']} | {s['broker_connections']} |")
s0, s1 = r["snapshots"][0], r["snapshots"][1]
n = c["connections"]
print()
print(f"Per idle connection: {(s1['rss_mb'] - s0['rss_mb']) * 1024 / n:.2f} KiB of broker RSS, "
      f"{(s1['fds'] - s0['fds']) / n:.2f} fds. Broker CPU over {c['idle_seconds']} s with no traffic: "
      f"{r['idle_cpu_s_before']} s without, {r['idle_cpu_s_with']} s with the idle connections.")
EOF
