#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages trustcse needs to build, run and test.
# Usage: scripts/install-deps.sh [--test]   (--test adds the tools the test suite drives)
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
      libsqlite3-dev libssl-dev libexpected-dev libspdlog-dev libfmt-dev libcli11-dev
      libtomlplusplus-dev libjemalloc-dev libcbor-dev libcoap3-dev libmosquitto-dev
      libsystemd-dev prometheus-cpp-dev libcsv-dev
      # the clients README.md's examples use, and the broker of its MQTT recipe
      curl openssl libcoap3-bin mosquitto mosquitto-clients)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libgtest-dev libgmock-dev libbenchmark-dev python3 clang libclang-rt-14-dev sqlite3 systemd python3-prometheus-client python3-websockets
        jq)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
