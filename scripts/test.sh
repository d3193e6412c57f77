#!/usr/bin/env bash
# README command 2: install what is needed, build, and run every test: unit tests and the
# end-to-end suite (real clients, real broker processes) under ctest, then the same unit tests under
# ASan+UBSan, then the fuzzers for a bounded time.
# Env: SLUICE_SKIP_SANITIZE=1 / SLUICE_SKIP_FUZZ=1 to skip those stages when iterating locally.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"

# kafkajs for the JavaScript client tests (npm registry).
if [ -f "$root/tests/e2e/js/package.json" ]; then
  (cd "$root/tests/e2e/js" && npm ci --no-audit --no-fund --silent)
fi

"$root/scripts/build.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure --timeout 2400)

if [ "${SLUICE_SKIP_SANITIZE:-0}" != 1 ]; then
  "$root/scripts/build.sh" "$root/build-asan" -DSLUICE_SANITIZE=ON
  # The e2e suite runs against the normal build above. AcceptBacksOff...FileDescriptorExhaustion
  # deliberately exhausts the process's file descriptors, which the sanitizer runtime itself needs
  # (it then reports garbage); it runs in the normal build.
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --timeout 2400 -E 'e2e|AcceptBacksOffOnFileDescriptorExhaustion')
fi

if [ "${SLUICE_SKIP_FUZZ:-0}" != 1 ] && [ -f "$root/fuzz/CMakeLists.txt" ]; then
  "$root/scripts/fuzz.sh" "${SLUICE_FUZZ_SECONDS:-60}"
fi
