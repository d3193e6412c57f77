#!/usr/bin/env bash
# Installs every Debian package Sluice needs to build, test and benchmark. Idempotent: packages
# already present are skipped, so re-running costs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libssl-dev libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libisal-dev
  libzookeeper-mt-dev librdkafka-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  kcat python3 python3-confluent-kafka python3-kafka python3-pytest zookeeper
  python3-snappy python3-lz4 python3-zstandard
)
# Node.js + npm (for the kafkajs tests): install Debian's only when no node/npm is present, since
# some machines carry a vendor build of nodejs that already bundles npm and conflicts with Debian's.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
