#!/usr/bin/env bash
# Many-partitions benchmark (issue 4): for each partition count, starts its own broker on loopback
# with a fresh data directory, creates the partitions with CreateTopics (bench/partitions.py), and
# records creation time, idle RSS and open fds, clean shutdown time (SIGTERM -> exit), clean
# restart time (exec -> Metadata lists every partition), RSS/fds after the restart, and a second
# shutdown. The broker is stopped by PID, every wait is bounded. Prints one markdown table row per
# run on stdout (the header first); broker logs stay in the work directory.
#
#   bench/partitions.sh [--counts 1000,20000] [--per-topic 100] [--batch 10] [--nofile N]
#
# --per-topic: partitions per topic (100: 200 topics for 20,000; a count >= the partition count
# makes one big topic). --nofile: the broker's RLIMIT_NOFILE (soft and hard; raising the hard
# limit needs root); default: the shell's hard limit. Every broker also hosts the 50 partitions of
# __consumer_offsets, included in the "partitions" column.
# Broker binary: $SLUICE_BIN, else build/src/sluice. Python: $PYTHON, else /usr/bin/python3.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${SLUICE_BIN:-$root/build/src/sluice}"
py="${PYTHON:-/usr/bin/python3}"

counts=1000,20000 per_topic=100 batch=10 nofile="$(ulimit -Hn)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --counts) counts="$2"; shift 2 ;;
    --per-topic) per_topic="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --nofile) nofile="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "partitions.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ -x "$bin" ]] || { echo "partitions.sh: broker binary not found: $bin (set SLUICE_BIN)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-partitions-bench.XXXXXX")"
broker_pid="" port="" data="" log=""

now() { date +%s.%N; }
elapsed() { "$py" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$broker_pid/status" 2>/dev/null || echo '?'; }
fds() { ls "/proc/$broker_pid/fd" 2>/dev/null | wc -l; }

# stop_broker: SIGTERM, wait up to 300 s (then SIGKILL); prints the seconds to exit.
stop_broker() {
  [[ -n "$broker_pid" ]] || { echo "-"; return 0; }
  local t0 t1
  t0="$(now)"
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 1 3000); do
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$broker_pid" 2>/dev/null; then
    echo "partitions.sh: broker $broker_pid did not stop in 300 s, SIGKILL" >&2
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  wait "$broker_pid" 2>/dev/null || true
  t1="$(now)"
  broker_pid=""
  elapsed "$t0" "$t1"
}

cleanup() {
  local rc=$?
  [[ -z "$broker_pid" ]] || stop_broker >/dev/null
  rm -rf "$work/data-"*
  echo "partitions.sh: broker logs in $work" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_broker: starts on $port with $data (reused across restarts), sets $broker_pid.
start_broker() {
  local args=(broker --override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$data")
  echo "\$ $bin ${args[*]}" >>"$log"
  (ulimit -Hn "$nofile" 2>/dev/null; ulimit -Sn "$nofile" 2>/dev/null; exec "$bin" "${args[@]}") \
    >>"$log" 2>&1 &
  broker_pid=$!
}

# wait_ready EXPECTED: until Metadata lists >= EXPECTED partitions (bounded); prints JSON.
wait_ready() {
  timeout --kill-after=10 310 "$py" "$here/partitions.py" wait --bootstrap "127.0.0.1:$port" \
    --expect "$1" --timeout 300 2>/dev/null
}
json() { "$py" -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
secs() { "$py" -c "import json,sys; print(f\"{json.loads(sys.argv[1])['seconds']:.2f}\")" "$1"; }

echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores," \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), data on" \
  "$(df -hT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2" "$1}')" >&2
echo "# broker: $bin; git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); RLIMIT_NOFILE $nofile" >&2
echo "# uptime before: $(uptime)" >&2

echo "| partitions | per topic | create s | RSS idle MB | fds idle | shutdown s | restart s | RSS restart MB | fds restart | 2nd shutdown s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in ${counts//,/ }; do
  port="$(free_port)"
  data="$work/data-$n"
  log="$work/broker-$n.log"
  mkdir -p "$data"
  start_broker
  ready="$(wait_ready 50)" || { echo "partitions.sh: broker did not start: $ready" >&2; tail -5 "$log" >&2; exit 1; }
  created="$(timeout --kill-after=10 1800 "$py" "$here/partitions.py" create --bootstrap "127.0.0.1:$port" \
    --partitions "$n" --per-topic "$per_topic" --batch "$batch")" || {
    echo "partitions.sh: creation failed: $created" >&2; tail -5 "$log" >&2; }
  sleep 3  # idle
  rss1="$(rss_mb)" fd1="$(fds)"
  down1="$(stop_broker)"
  t0="$(now)"
  start_broker
  ready="$(wait_ready $((n + 50)))" || { echo "partitions.sh: restart not ready: $ready" >&2; tail -5 "$log" >&2; }
  t1="$(now)"
  sleep 3
  rss2="$(rss_mb)" fd2="$(fds)"
  down2="$(stop_broker)"
  echo "| $((n + 50)) | $per_topic | $(secs "$created") | $rss1 | $fd1 | $down1 | $(elapsed "$t0" "$t1") | $rss2 | $fd2 | $down2 |"
  rm -rf "$data"
done
echo "# uptime after: $(uptime)" >&2
