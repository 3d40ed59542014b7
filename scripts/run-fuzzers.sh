#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each, starting from the seed
# corpus in fuzz/corpus/<target>/ (copied to a scratch dir, so runs never
# modify the checkout). Fails when any target finds a crash, leak, timeout or
# sanitizer report; the failing inputs and every log are kept in
# DIR/artifacts/ (reproduce with: DIR/<target> DIR/artifacts/<file>).
#
#   scripts/run-fuzzers.sh DIR SECONDS
set -euo pipefail
dir="${1:?usage: run-fuzzers.sh DIR SECONDS}"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
artifacts="$dir/artifacts"
mkdir -p "$artifacts"

status=0
for target in "$dir"/*_fuzz; do
  name="$(basename "$target")"
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [ -d "$root/fuzz/corpus/$name" ]; then cp -r "$root/fuzz/corpus/$name/." "$corpus/"; fi
  echo "== $name: ${seconds}s"
  log="$artifacts/$name.log"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$target" "$corpus" \
       -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=4096 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$name-" 2>"$log"; then
    tail -50 "$log"
    echo "FAIL $name (input and log in $artifacts/)"
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log" | tail -2
  fi
done
exit $status
