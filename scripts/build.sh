#!/usr/bin/env bash
# Configures and builds Sluice with CMake + Ninja (ccache when present).
# Usage: scripts/build.sh [build-dir] [extra cmake args...]   (default build dir: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
ninja -C "$build" ${SLUICE_BUILD_JOBS:+-j$SLUICE_BUILD_JOBS}
