#!/usr/bin/env bash
# Installs the Debian 12 packages that auditlog's build, tests, benchmarks and
# fuzzers need. Idempotent: installs only what is missing, and runs
# `apt-get update` only when something is. Needs root (or sudo).
#
#   scripts/install-deps.sh           everything for build, test, bench, fuzz
#   scripts/install-deps.sh --check   list what is missing, install nothing
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache make clang-format
  # server, crypto, gzip request bodies
  libboost1.81-dev libssl-dev libsodium-dev zlib1g-dev
  # JSON
  libsimdjson-dev nlohmann-json3-dev
  # storage
  libzstd-dev liblz4-dev libroaring-dev libxxhash-dev liburing-dev libsqlite3-dev
  # queries: IANA time zones for calendar histograms
  tzdata
  # enrichment: user agents (uap-core regexes) and GeoIP
  libre2-dev libyaml-cpp-dev uap-core libmaxminddb-dev mmdb-bin libmaxmind-db-writer-perl
  # CLI, logs, SDK
  libcli11-dev libfmt-dev libspdlog-dev libcurl4-openssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  # server tests: HTTP load (wrk) and a command-line client
  wrk curl python3
  # libFuzzer (clang 14 cannot compile libstdc++ 12's <ranges>)
  clang-16 libclang-rt-16-dev
)

check_only=0
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
[ "$check_only" -eq 1 ] && exit 1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
