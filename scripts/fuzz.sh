#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time (default 60 s).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=$root/build-fuzz
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DSLUICE_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" fuzzers
status=0
for f in "$build"/fuzz/*_fuzz; do
  [ -x "$f" ] || continue
  corpus=$(mktemp -d)
  echo "fuzz: $(basename "$f") for ${seconds}s"
  if ! "$f" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 "$corpus" >"$corpus.log" 2>&1; then
    echo "fuzz: $(basename "$f") FAILED"; tail -50 "$corpus.log"; status=1
  else
    grep -E "^Done|stat::number_of_executed_units" "$corpus.log" | tail -1 || true
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $status
