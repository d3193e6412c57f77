#!/usr/bin/env bash
# Consumer-group benchmarks: starts its own broker(s) on loopback, runs bench/groups.py, stops
# them by PID (also on error or Ctrl-C). See bench/README.md, "Consumer groups".
#
#   bench/groups.sh [--members 10,100] [--reps 5] [--per-process 10] [--heartbeat-ms 3000,300]
#                   [--seconds 5] [--committers 8] [--out FILE.jsonl] [--only rebalance|commit]
#
# Broker binary: $SLUICE_BIN, else build/src/sluice. Python: $PYTHON, else /usr/bin/python3
# (Debian's, with python3-confluent-kafka).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${SLUICE_BIN:-$root/build/src/sluice}"
py="${PYTHON:-/usr/bin/python3}"

members=10,100 reps=5 per_process=10 heartbeat_ms=3000,300 seconds=5 committers=8 out="" only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --members) members="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --per-process) per_process="$2"; shift 2 ;;
    --heartbeat-ms) heartbeat_ms="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --committers) committers="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "groups.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ -x "$bin" ]] || { echo "groups.sh: broker binary not found: $bin (set SLUICE_BIN)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-groups-bench.XXXXXX")"
[[ -n "$out" ]] || out="$work/results.jsonl"
broker_pid=""

stop_broker() {
  [[ -n "$broker_pid" ]] || return 0
  if kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do  # 20 s
      kill -0 "$broker_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$broker_pid" 2>/dev/null; then
      echo "groups.sh: broker $broker_pid did not stop in 20 s, SIGKILL" >&2
      kill -KILL "$broker_pid" 2>/dev/null || true
    fi
  fi
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}

cleanup() {
  local rc=$?
  stop_broker
  rm -rf "$work/data-"*
  echo "groups.sh: logs and results in $work" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_broker NAME [key=value ...]: sets $broker_pid and $bootstrap
start_broker() {
  local name="$1"; shift
  local port; port="$(free_port)"
  local data="$work/data-$name"
  mkdir -p "$data"
  local args=(broker --override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$data"
              --override group.initial.rebalance.delay.ms=0)
  for kv in "$@"; do args+=(--override "$kv"); done
  echo "\$ $bin ${args[*]}" >"$work/broker-$name.log"
  "$bin" "${args[@]}" >>"$work/broker-$name.log" 2>&1 &
  broker_pid=$!
  bootstrap="127.0.0.1:$port"
  for _ in $(seq 1 300); do  # 30 s
    if ! kill -0 "$broker_pid" 2>/dev/null; then
      echo "groups.sh: broker exited during start:" >&2; tail -20 "$work/broker-$name.log" >&2
      broker_pid=""; return 1
    fi
    if "$py" -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.5).close()" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "groups.sh: broker not listening on $bootstrap after 30 s" >&2
  return 1
}

# run_py ARGS...: groups.py with an overall bound (kills only its own process group)
run_py() {
  timeout --kill-after=30 1800 "$py" "$here/groups.py" --json "$out" "$@"
}

echo "== machine"
grep -m1 'model name' /proc/cpuinfo || true
echo "cores: $(nproc)"
echo "broker: $bin ($("$bin" --version 2>/dev/null || echo '?'))"
echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "uptime before: $(uptime)"

start_broker fsync sluice.log.flush.mode=fsync
data_fsync="$work/data-fsync"
echo "== broker (fsync) pid $broker_pid on $bootstrap"
run_py fsync-probe --dir "$data_fsync" --seconds 3 --threads "1,$committers"
if [[ "$only" != commit ]]; then
  for hb in ${heartbeat_ms//,/ }; do
    run_py --bootstrap "$bootstrap" rebalance --members "$members" --reps "$reps" \
      --per-process "$per_process" --heartbeat-ms "$hb"
  done
fi
if [[ "$only" != rebalance ]]; then
  run_py --bootstrap "$bootstrap" commit --committers "$committers" --seconds "$seconds" --label fsync
  stop_broker
  start_broker pagecache sluice.log.flush.mode=pagecache
  echo "== broker (pagecache) pid $broker_pid on $bootstrap"
  run_py --bootstrap "$bootstrap" commit --committers "$committers" --seconds "$seconds" --label pagecache
fi
stop_broker
echo "uptime after: $(uptime)"
echo "JSON results: $out"
