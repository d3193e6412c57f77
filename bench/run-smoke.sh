#!/usr/bin/env bash
# Runs every `sluice bench` mode briefly against a running broker: a smoke test of the broker's
# produce/fetch paths and of the bench tool itself. Exits non-zero if any run fails.
#
#   bench/run-smoke.sh [--bootstrap-server HOST:PORT] [--sluice PATH] [--out DIR] [--records N]
#                      [--topic NAME]   (default: a fresh topic, created and deleted by the script)
set -euo pipefail

bootstrap=127.0.0.1:9092
sluice=""
out=""
records=20000
topic=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --bootstrap-server|-b) bootstrap="$2"; shift 2 ;;
    --sluice) sluice="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --topic) topic="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run-smoke.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$sluice" ]]; then
  # Prefer a build in the tree, then whatever is on PATH.
  for candidate in "$root"/build/sluice "$root"/build-*/sluice; do
    if [[ -x "$candidate" ]]; then sluice="$candidate"; break; fi
  done
  sluice="${sluice:-$(command -v sluice || true)}"
fi
if [[ -z "$sluice" || ! -x "$sluice" ]]; then
  echo "run-smoke.sh: no sluice binary found; pass --sluice PATH" >&2
  exit 2
fi
if [[ -z "$out" ]]; then out="$(mktemp -d -t sluice-bench-smoke.XXXXXX)"; fi
mkdir -p "$out"

own_topic=0
if [[ -z "$topic" ]]; then topic="bench-smoke-$(date +%s)-$$"; own_topic=1; fi
e2e_records=$(( records / 4 > 0 ? records / 4 : 1 ))
failed=0

run() {
  local name="$1"; shift
  echo "== $name: $sluice $*" >&2
  if "$sluice" "$@" --bootstrap-server "$bootstrap" --json "$out/$name.json"; then
    echo "== $name: ok" >&2
  else
    echo "== $name: FAILED (exit $?)" >&2
    failed=1
  fi
}

run produce bench produce --topic "$topic" --partitions 3 --num-records "$records" \
  --record-size 100 --reporting-interval 1000
run produce-lz4-2p bench produce --topic "$topic" --num-records "$records" --record-size 512 \
  --compression lz4 --producers 2 --acks 1 --reporting-interval 1000
# Both produce runs wrote $records records; reading that many back is enough.
run consume bench consume --topic "$topic" --num-records "$records" --consumers 2 \
  --timeout-ms 10000 --reporting-interval 1000
run e2e bench e2e --topic "$topic" --num-records "$e2e_records" --throughput 2000 \
  --timeout-ms 10000 --reporting-interval 1000

if [[ $own_topic == 1 ]]; then
  "$sluice" topic delete --topic "$topic" --if-exists --bootstrap-server "$bootstrap" \
    >/dev/null 2>&1 || echo "run-smoke.sh: note: could not delete topic $topic" >&2
fi

echo "results: $out" >&2
exit "$failed"
