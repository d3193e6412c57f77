#!/usr/bin/env bash
# Side-by-side benchmark (issue 4): physical limits of this machine, Sluice, Redis 7 Streams and
# NATS JetStream, same workloads, one command. See bench/README.md, "Side by side: compare.sh".
#
#   bench/compare.sh [--quick] [--out-dir DIR] [--date YYYY-MM-DD] [--no-install] [--keep-work]
#
#   --quick       reduced counts (~1 minute): a smoke run; its results say "quick"
#   --out-dir     where compare-<date>.md/.png/.jsonl go (default: bench/results)
#   --no-install  do not run apt-get (fail if something is missing)
#   --keep-work   keep the temporary directory (server data and logs) instead of deleting the data
#
# Broker binary: $SLUICE_BIN, else build/src/sluice (built with scripts/build.sh, Release, when
# missing). Installs with apt-get (sudo when not root): redis-server nats-server libnats-dev
# libhiredis-dev iperf3 python3-matplotlib gcc libc6-dev time. Every server it starts listens on
# 127.0.0.1 only and is stopped by PID at the end, also on error or Ctrl-C; every wait is bounded.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
py="${PYTHON:-/usr/bin/python3}"  # Debian's python3, where python3-matplotlib is
quick=0 out_dir="$here/results" day="$(date -u +%F)" install=1 keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out-dir) out_dir="$2"; shift 2 ;;
    --date) day="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --keep-work) keep=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Workload sizes. Full: the issue's counts. Quick: a tenth (smoke run).
if [[ $quick == 1 ]]; then
  n100=100000 n1k=20000 e2e_secs=2 disk_mb=256 fsync_secs=1 iperf_secs=2 bound=120
else
  n100=1000000 n1k=200000 e2e_secs=5 disk_mb=1024 fsync_secs=3 iperf_secs=5 bound=300
fi
partitions=6 e2e_low_rate=5000

log() { echo "compare.sh: $*" >&2; }
t_start=$(date +%s)

# ---------------------------------------------------------------- packages (idempotent)
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v nats-server >/dev/null || need+=(nats-server)
[[ -f /usr/include/nats/nats.h ]] || need+=(libnats-dev)
[[ -f /usr/include/hiredis/hiredis.h ]] || need+=(libhiredis-dev)
command -v iperf3 >/dev/null || need+=(iperf3)
[[ -x "$py" ]] && "$py" -c 'import matplotlib' 2>/dev/null || need+=(python3-matplotlib)
command -v cc >/dev/null || need+=(gcc libc6-dev)
[[ -x /usr/bin/time ]] || need+=(time)
if [[ ${#need[@]} -gt 0 ]]; then
  [[ $install == 1 ]] || { log "missing packages: ${need[*]} (run without --no-install)"; exit 2; }
  log "installing ${need[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -q >/dev/null
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive timeout 900 \
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# ---------------------------------------------------------------- Sluice binary
bin="${SLUICE_BIN:-$root/build/src/sluice}"
if [[ ! -x "$bin" ]]; then
  log "$bin missing: building it (scripts/build.sh, Release)"
  "$root/scripts/install-deps.sh"
  SLUICE_BUILD_JOBS="${SLUICE_BUILD_JOBS:-2}" timeout 3600 "$root/scripts/build.sh" "$root/build" \
    -DCMAKE_BUILD_TYPE=Release
  bin="$root/build/src/sluice"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# ---------------------------------------------------------------- work dir, cleanup
work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-compare.XXXXXX")"
mkdir -p "$work/json" "$work/logs" "$work/bin"
server_pids=()

stop_pid() {  # stop_pid PID: TERM, wait up to 20 s, then KILL
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not stop in 20 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do stop_pid "$pid"; done
  server_pids=()
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_servers
  if [[ $keep == 0 ]]; then
    rm -rf "$work/sluice-data" "$work/redis" "$work/nats" "$work/disk"
  fi
  log "work directory (logs, raw JSON): $work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PID PORT NAME: until 127.0.0.1:PORT accepts (30 s at most) while PID lives
wait_port() {
  local pid="$1" port="$2" name="$3"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { log "$name exited during start:"; tail -20 "$work/logs/$name.log" >&2; return 1; }
    if "$py" -c "import socket; socket.create_connection(('127.0.0.1',$port),0.5).close()" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "$name not listening on 127.0.0.1:$port after 30 s"
  return 1
}

proc_cpu() {  # CPU seconds (user+system) of a running process, 0 if gone
  "$py" - "$1" <<'EOF' 2>/dev/null || echo 0
import os, sys
f = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
EOF
}

runs="$work/runs.tsv"
printf 'name\tsystem\tworkload\trc\tserver_cpu_s\tclient_wall_s\tclient_user_s\tclient_sys_s\tload1\n' >"$runs"

# run_case NAME SYSTEM WORKLOAD SERVER_PID CMD...: runs CMD bounded, records its CPU and the server's
run_case() {
  local name="$1" system="$2" workload="$3" spid="$4"; shift 4
  local c0 c1 rc=0 load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  c0="$(proc_cpu "$spid")"
  log "$name"
  /usr/bin/time -f '%e %U %S' -o "$work/logs/$name.time" \
    timeout --kill-after=10 "$bound" "$@" >"$work/logs/$name.out" 2>"$work/logs/$name.err" || rc=$?
  c1="$(proc_cpu "$spid")"
  local t; t="$(tail -1 "$work/logs/$name.time" 2>/dev/null || echo '0 0 0')"
  [[ "$t" =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+$ ]] || t="0 0 0"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$system" "$workload" "$rc" \
    "$("$py" -c "print(round($c1-$c0,3))")" ${t// /$'\t'} "$load" >>"$runs"
  if [[ $rc != 0 ]]; then
    log "$name failed (exit $rc):"; tail -5 "$work/logs/$name.err" >&2 || true
  fi
  return 0
}

json_get() {  # json_get FILE KEY [DEFAULT]
  "$py" -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], sys.argv[3]))" \
    "$1" "$2" "${3:-0}" 2>/dev/null || echo "${3:-0}"
}

# log_consume NAME: a consume run's two rates: the whole run (client start-up included) and the
# fetch rate from the first record to the last (Kafka's consumer-perf-test fetch.MB.sec)
log_consume() {
  "$py" - "$work/json/$1.json" <<'EOF' >&2 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))
print(f"compare.sh:   whole run {r.get('consume_mb_per_s', 0):.1f} MB/s; fetch rate (first record to last) "
      f"{r.get('fetch_mb_per_s', 0):.1f} MB/s, first record after {r.get('first_record_ms', 0):.0f} ms")
EOF
}

# ---------------------------------------------------------------- machine
"$py" - "$work" "$bin" "$quick" <<'EOF' >"$work/machine.json"
import json, os, platform, subprocess, sys
work, binpath, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""
cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
mem = int(open("/proc/meminfo").read().split()[1]) // 1024
src = sh(f"df --output=source {work} | tail -1")
fstype = sh(f"df --output=fstype {work} | tail -1")
dev = os.path.basename(src)
disk = sh(f"lsblk -dno NAME,SIZE,ROTA,MODEL /dev/{dev} 2>/dev/null") or src
build_type = ""
cache = os.path.join(os.path.dirname(os.path.dirname(binpath)), "CMakeCache.txt")
if os.path.exists(cache):
    for line in open(cache):
        if line.startswith("CMAKE_BUILD_TYPE:"):
            build_type = line.split("=", 1)[1].strip()
print(json.dumps({
    "cpu": cpu, "cores": os.cpu_count(), "ram_mib": mem, "disk": disk, "fs": f"{src} ({fstype})",
    "kernel": platform.release(), "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
    "load_before": open("/proc/loadavg").read().split()[:3],
    "top_before": sh("ps -eo pcpu,comm --sort=-pcpu | sed -n '2,6p'"),
    "sluice_bin": binpath, "sluice_build_type": build_type, "quick": quick,
}))
EOF
git -C "$root" rev-parse --short HEAD >"$work/commit" 2>/dev/null || echo '?' >"$work/commit"
{
  echo "sluice=$("$bin" --version 2>/dev/null | head -1 || echo '?'), repository HEAD $(cat "$work/commit") at run time"
  echo "librdkafka=$(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null || echo '?')"
  echo "redis=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
  echo "hiredis=$(dpkg-query -W -f='${Version}' libhiredis-dev 2>/dev/null || echo '?')"
  echo "nats-server=$(nats-server --version | sed 's/^nats-server: *//')"
  echo "nats.c=$(dpkg-query -W -f='${Version}' libnats-dev 2>/dev/null || echo '?')"
  echo "iperf3=$(iperf3 --version 2>/dev/null | head -1 | awk '{print $2}')"
} >"$work/versions.txt"
log "machine: $("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["cpu"], d["cores"], "cores, load", *d["load_before"])' "$work/machine.json")"

# ---------------------------------------------------------------- peer clients
cc_flags=(-O2 -Wall -Wextra -std=gnu11)
cc "${cc_flags[@]}" -o "$work/bin/redis_bench" "$here/peers/redis_bench.c" -lhiredis -lpthread
cc "${cc_flags[@]}" -o "$work/bin/nats_bench" "$here/peers/nats_bench.c" -lnats -lpthread

# ---------------------------------------------------------------- (a) physical limits
mkdir -p "$work/disk"
log "limits: disk sequential write, ${disk_mb} MiB with and without fdatasync"
"$py" - "$work/disk" "$disk_mb" "$fsync_secs" <<'EOF' >"$work/limits.json"
import json, os, sys, time
d, mb, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
buf = b"\x5a" * (1 << 20)
def seq(path, sync):
    os.sync()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    t = time.monotonic()
    for _ in range(mb):
        os.write(fd, buf)
    if sync:
        os.fdatasync(fd)
    el = time.monotonic() - t
    os.close(fd)
    os.unlink(path)
    os.sync()  # no dirty pages left behind for the next measurement
    return mb / el
out = {}
# best of two: a limit is what the hardware can do; the machine may be shared
out["disk_write_fsync_mb_s"] = max(seq(os.path.join(d, "seq-sync"), True) for _ in range(2))
out["disk_write_nofsync_mb_s"] = max(seq(os.path.join(d, "seq-nosync"), False) for _ in range(2))
# fsync rate: append 100 B + fdatasync in a loop (one file), as a log append with acks=all would
path = os.path.join(d, "fsync")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
rec, lat = b"x" * 100, []
end = time.monotonic() + secs
while time.monotonic() < end:
    t = time.monotonic()
    os.write(fd, rec)
    os.fdatasync(fd)
    lat.append(time.monotonic() - t)
os.close(fd)
os.unlink(path)
lat.sort()
out["fsync_per_s"] = len(lat) / sum(lat)
out["fsync_p50_ms"] = lat[len(lat) // 2] * 1e3
out["fsync_p99_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
print(json.dumps(out))
EOF
rm -rf "$work/disk"
log "limits: loopback TCP (iperf3, 1 stream, ${iperf_secs} s)"
iperf_port="$(free_port)"
iperf3 -s -B 127.0.0.1 -p "$iperf_port" >"$work/logs/iperf3-server.log" 2>&1 &
server_pids+=($!)
iperf_ok=0
for _ in $(seq 1 50); do
  # iperf3 3.12 -J exits 0 even when it could not connect (the server still starting): check the
  # JSON for a result, not the exit code
  if timeout 60 iperf3 -c 127.0.0.1 -p "$iperf_port" -t "$iperf_secs" -J >"$work/iperf3.json" 2>/dev/null &&
     grep -q '"sum_received"' "$work/iperf3.json"; then
    iperf_ok=1; break
  fi
  sleep 0.2
done
stop_servers
if [[ $iperf_ok == 1 ]]; then
  "$py" - "$work/limits.json" "$work/iperf3.json" <<'EOF'
import json, sys
lim = json.load(open(sys.argv[1]))
ip = json.load(open(sys.argv[2]))
lim["tcp_loopback_mb_s"] = ip["end"]["sum_received"]["bits_per_second"] / 8 / 2**20
json.dump(lim, open(sys.argv[1], "w"))
EOF
else
  log "iperf3 did not run: no TCP limit in the results"
fi

# ---------------------------------------------------------------- (b) Sluice
sluice_port="$(free_port)"
mkdir -p "$work/sluice-data"
echo "\$ $bin broker --override listeners=PLAINTEXT://127.0.0.1:$sluice_port --override log.dirs=$work/sluice-data" \
  >"$work/logs/sluice.log"
"$bin" broker --override "listeners=PLAINTEXT://127.0.0.1:$sluice_port" \
  --override "log.dirs=$work/sluice-data" >>"$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
server_pids+=("$sluice_pid")
wait_port "$sluice_pid" "$sluice_port" sluice
sb=("$bin" bench -b "127.0.0.1:$sluice_port" --partitions "$partitions" --linger-ms 5 --timeout-ms 30000
    --reporting-interval 5000)
# End-to-end latency as Kafka's EndToEndLatency tool measures it: linger.ms=0, every record sent at
# once (the e2e mode's own default). Throughput runs keep librdkafka's 5 ms batching.
sb_e2e=("$bin" bench -b "127.0.0.1:$sluice_port" --partitions "$partitions" --linger-ms 0 --timeout-ms 30000
    --reporting-interval 5000)
for acks in all 1; do
  for w in "100 $n100 100b" "1024 $n1k 1kb"; do
    read -r size n tag <<<"$w"
    topic="p-$tag-acks$acks"
    run_case "sluice-acks$acks-produce-$tag" "sluice-acks$acks" "produce-$tag" "$sluice_pid" \
      "${sb[@]}" produce --topic "$topic" --num-records "$n" --record-size "$size" --acks "$acks" \
      --json "$work/json/sluice-acks$acks-produce-$tag.json"
    run_case "sluice-acks$acks-consume-$tag" "sluice-acks$acks" "consume-$tag" "$sluice_pid" \
      "${sb[@]}" consume --topic "$topic" --num-records "$n" --record-size "$size" \
      --json "$work/json/sluice-acks$acks-consume-$tag.json"
    log_consume "sluice-acks$acks-consume-$tag"
  done
done
max100="$(json_get "$work/json/sluice-acksall-produce-100b.json" produce_msgs_per_s 0)"
rate50="$("$py" -c "print(max(1000, int(float('$max100') / 2)))")"
echo "$rate50" >"$work/rate50"
log "e2e rates: $e2e_low_rate and $rate50 msgs/s (50% of Sluice's acks=all 100 B max, $max100)"
for acks in all 1; do
  for rate in "$e2e_low_rate" "$rate50"; do
    tag=$([[ $rate == "$e2e_low_rate" ]] && echo 5k || echo 50pct)
    run_case "sluice-acks$acks-e2e-$tag" "sluice-acks$acks" "e2e-$tag" "$sluice_pid" \
      "${sb_e2e[@]}" e2e --topic "e2e-$tag-acks$acks" --num-records "$((rate * e2e_secs))" --record-size 100 \
      --throughput "$rate" --acks "$acks" --json "$work/json/sluice-acks$acks-e2e-$tag.json"
  done
done
du -sm "$work/sluice-data" | cut -f1 >"$work/sluice-data-mb" || true
stop_servers
rm -rf "$work/sluice-data"

# ---------------------------------------------------------------- (c) peers
# run_peer SYSTEM CLIENT PID PORT: the same workloads with a peer client
run_peer() {
  local system="$1" client="$2" pid="$3" port="$4" w size n tag rate
  local pc=("$work/bin/$client" --port "$port" --partitions "$partitions" --timeout-ms 30000)
  for w in "100 $n100 100b" "1024 $n1k 1kb"; do
    read -r size n tag <<<"$w"
    run_case "$system-produce-$tag" "$system" "produce-$tag" "$pid" \
      "${pc[@]}" produce --topic "p-$tag" --num-records "$n" --record-size "$size" \
      --json "$work/json/$system-produce-$tag.json"
    run_case "$system-consume-$tag" "$system" "consume-$tag" "$pid" \
      "${pc[@]}" consume --topic "p-$tag" --num-records "$n" --record-size "$size" \
      --json "$work/json/$system-consume-$tag.json"
    log_consume "$system-consume-$tag"
  done
  for rate in "$e2e_low_rate" "$rate50"; do
    tag=$([[ $rate == "$e2e_low_rate" ]] && echo 5k || echo 50pct)
    run_case "$system-e2e-$tag" "$system" "e2e-$tag" "$pid" \
      "${pc[@]}" e2e --topic "e2e-$tag" --num-records "$((rate * e2e_secs))" --record-size 100 \
      --throughput "$rate" --json "$work/json/$system-e2e-$tag.json"
  done
}

redis_port="$(free_port)"
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --appendonly yes \
  --appendfsync everysec --save '' --protected-mode yes --daemonize no \
  >"$work/logs/redis.log" 2>&1 &
redis_pid=$!
server_pids+=("$redis_pid")
wait_port "$redis_pid" "$redis_port" redis
run_peer redis redis_bench "$redis_pid" "$redis_port"
stop_servers
rm -rf "$work/redis"

nats_port="$(free_port)"
mkdir -p "$work/nats"
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" >"$work/logs/nats.log" 2>&1 &
nats_pid=$!
server_pids+=("$nats_pid")
wait_port "$nats_pid" "$nats_port" nats
run_peer nats nats_bench "$nats_pid" "$nats_port"
stop_servers
rm -rf "$work/nats"

# ---------------------------------------------------------------- report
"$py" - "$work/machine.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["load_after"] = open("/proc/loadavg").read().split()[:3]
json.dump(d, open(sys.argv[1], "w"))
EOF
echo "$(( $(date +%s) - t_start ))" >"$work/duration_s"
mkdir -p "$out_dir"
suffix=$([[ $quick == 1 ]] && echo "-quick" || echo "")
"$py" "$here/peers/compare_report.py" --work "$work" --date "$day" \
  --md "$out_dir/compare-$day$suffix.md" --png "$out_dir/compare-$day$suffix.png" \
  --jsonl "$out_dir/compare-$day$suffix.jsonl"
log "done in $(cat "$work/duration_s") s: $out_dir/compare-$day$suffix.md"
