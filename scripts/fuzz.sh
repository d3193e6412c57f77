#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time (default 60 s; the
# small single-format decoders listed in `half_budget` get half of it: their coverage levels off
# within seconds, and CI runs every target after two full builds and the whole suite).
# Targets with seeds from fuzz_seeds start from them (a read-only second corpus directory).
# Usage: scripts/fuzz.sh [seconds] [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${2:-$root/build-fuzz}
half_budget=" offsets_topic_fuzz consumer_protocol_fuzz "
# Undefined behaviour is a finding: without this UBSan reports and carries on, and the run passes.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DSLUICE_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" ${SLUICE_BUILD_JOBS:+-j$SLUICE_BUILD_JOBS} fuzzers
seeds=$build/fuzz-seeds
rm -rf "$seeds"
if [ -x "$build/fuzz/fuzz_seeds" ]; then "$build/fuzz/fuzz_seeds" "$seeds"; fi
status=0
for f in "$build"/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  t=$seconds
  case "$half_budget" in *" $name "*) t=$(( (seconds + 1) / 2 )) ;; esac
  corpus=$(mktemp -d)
  seed_dir=()
  [ -d "$seeds/$name" ] && seed_dir=("$seeds/$name")
  echo "fuzz: $name for ${t}s"
  if ! "$f" -max_total_time="$t" -max_len=65536 -rss_limit_mb=2048 "$corpus" "${seed_dir[@]}" >"$corpus.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -50 "$corpus.log"; status=1
  else
    grep -E "^Done|stat::number_of_executed_units" "$corpus.log" | tail -1 || true
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $status
