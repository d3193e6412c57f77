#!/usr/bin/env bash
# README command 1: install what is needed, build, and start a single broker on 127.0.0.1:9092
# with its embedded default (data in ./sluice-data). Extra arguments go to `sluice broker`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
exec "$root/build/src/sluice" broker "$@"
