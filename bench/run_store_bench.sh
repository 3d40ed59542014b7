#!/usr/bin/env bash
# The embedded store's measurements for bench/RESULTS.md (issue #3), repeated
# RUNS times, with medians at the end:
#   1. store_bench: durable Append throughput, batches of 1/100/1000, 1 and 4
#      appender threads, and the bare WAL write+sync baseline;
#   2. store_load: the generated workload of N events loaded, flushed and
#      compacted; bytes/event, RSS, recovery time;
#   3. store_load --no-flush: WAL_EVENTS events left in the WAL, then replayed
#      by Open, with the default memtable budget (128 MiB: such a WAL cannot
#      arise under it, so replay flushes as it goes) and with 1 GiB (a store
#      with that budget can leave a WAL this large; replay keeps it in memory
#      and the flush runs after Open), warm page cache; and cold, after
#      dropping the page cache, when run as root with DROP_CACHES=1.
#
#   bench/run_store_bench.sh [N]          N events for step 2 (default 1000000)
#
# Environment: BUILD (default build/release), GEN (the peer benchmark's
# gen_events.py; default ../shared/bench/gen_events.py), WORK (scratch for the
# generated files and the stores; default ${TMPDIR:-/tmp}/al_store_bench; it
# must be on the disk being measured, not tmpfs), RUNS (3), WAL_EVENTS
# (1800000: ~1 GB of WAL), STEPS (default "micro load replay"), KEEP_DATA=1
# keeps the generated NDJSON files.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
BUILD=${BUILD:-build/release}
GEN=${GEN:-../shared/bench/gen_events.py}
WORK=${WORK:-${TMPDIR:-/tmp}/al_store_bench}
RUNS=${RUNS:-3}
WAL_EVENTS=${WAL_EVENTS:-1800000}
STEPS=${STEPS:-micro load replay}
mkdir -p "$WORK/results"
OUT="$WORK/results"
trap 'rm -rf "$WORK/store" "$WORK/pristine"' EXIT

generate() {  # count file
  if [ ! -s "$2" ]; then
    echo "generating $1 events -> $2" >&2
    python3 "$GEN" --count "$1" --seed 42 --jobs 1 > "$2.part" && mv "$2.part" "$2"
  fi
}

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet -- src 2>/dev/null || echo ' +local changes in src/')" \
  | tee "$OUT/commit.txt"

for step in $STEPS; do
  case $step in
    micro)
      generate 20000 "$WORK/events_20000.ndjson"
      for run in $(seq 1 "$RUNS"); do
        echo "== store_bench run $run ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
        # Sustained appends run 10 s each, so that a dozen flushes or more fall
        # inside the measurement (a memtable holds ~200k events); the rest 2 s.
        AL_BENCH_DIR="$WORK" AL_BENCH_NDJSON="$WORK/events_20000.ndjson" \
          "$BUILD/bench/micro/store_bench" --benchmark_min_time=10 \
          --benchmark_filter='BM_AppendDurable/' \
          --benchmark_out="$OUT/store_bench_run$run.json" --benchmark_out_format=json
        AL_BENCH_DIR="$WORK" AL_BENCH_NDJSON="$WORK/events_20000.ndjson" \
          "$BUILD/bench/micro/store_bench" --benchmark_min_time=2 \
          --benchmark_filter='-BM_AppendDurable/' \
          --benchmark_out="$OUT/store_bench_short_run$run.json" --benchmark_out_format=json
      done
      ;;
    load)
      generate "$N" "$WORK/events_$N.ndjson"
      for run in $(seq 1 "$RUNS"); do
        echo "== store_load $N run $run ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
        rm -rf "$WORK/store"
        "$BUILD/bench/store_load" --input "$WORK/events_$N.ndjson" --dir "$WORK/store" --reopen \
          > "$OUT/load_${N}_run$run.json"
        # RSS of a fresh process holding the store (recovery only).
        "$BUILD/bench/store_load" --dir "$WORK/store" > "$OUT/open_${N}_run$run.json"
      done
      ;;
    replay)
      generate "$WAL_EVENTS" "$WORK/events_$WAL_EVENTS.ndjson"
      for run in $(seq 1 "$RUNS"); do
        echo "== store_load --no-flush $WAL_EVENTS run $run ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
        rm -rf "$WORK/store" "$WORK/pristine"
        "$BUILD/bench/store_load" --input "$WORK/events_$WAL_EVENTS.ndjson" --dir "$WORK/pristine" \
          --no-flush > "$OUT/replay_load_run$run.json"
        # Open() on a copy of the WAL-only store: with the default memtable
        # budget (replay flushes segments whenever it fills: real recovery),
        # and with a budget the WAL cannot fill (reading and decoding the WAL
        # into the memtable only); warm (files in the page cache) and, as root
        # with DROP_CACHES=1, cold.
        caches=warm
        [ "${DROP_CACHES:-0}" = 1 ] && [ "$(id -u)" = 0 ] && caches="warm cold"
        for budget in 128 1024; do
          for cache in $caches; do
            rm -rf "$WORK/store" && cp -a "$WORK/pristine" "$WORK/store" && sync
            [ "$cache" = cold ] && echo 3 > /proc/sys/vm/drop_caches
            "$BUILD/bench/store_load" --dir "$WORK/store" --memtable-mb "$budget" \
              > "$OUT/replay_${budget}_${cache}_run$run.json"
          done
        done
      done
      rm -rf "$WORK/pristine"
      ;;
  esac
done
rm -rf "$WORK/store"
[ "${KEEP_DATA:-0}" = 1 ] || rm -f "$WORK"/events_*.ndjson

python3 - "$OUT" <<'EOF'
import glob, json, os, statistics, sys
out = sys.argv[1]
def med(xs): return statistics.median(xs) if xs else float("nan")
runs = {}
for path in sorted(glob.glob(os.path.join(out, "store_bench_*run*.json"))):
    for b in json.load(open(path))["benchmarks"]:
        runs.setdefault(b["name"], []).append(b)
for name, bs in runs.items():
    rates = [b["items_per_second"] for b in bs]
    print(f"{name:58s} events/s median {med(rates):10.0f}  runs {', '.join(f'{r:.0f}' for r in rates)}")
def rows(pattern):
    return [json.loads(open(p).read()) for p in sorted(glob.glob(os.path.join(out, pattern)))]
for pattern in ["load_*_run*.json"]:
    loads = rows(pattern)
    if not loads: continue
    for key in ["events", "events_per_second", "events_per_second_until_compacted", "load_seconds",
                "flush_seconds", "compact_seconds", "segment_bytes_per_event", "dir_bytes_per_event",
                "peak_rss_bytes", "rss_after_load_bytes", "rss_after_trim_bytes", "open_seconds"]:
        print(f"load {key:36s} median {med([r[key] for r in loads]):14.1f}  runs {[r[key] for r in loads]}")
opens = rows("open_*_run*.json")
if opens:
    print(f"open (fresh process) rss_after_open_bytes median {med([r['rss_after_open_bytes'] for r in opens]):.0f}"
          f"  open_seconds median {med([r['open_seconds'] for r in opens]):.2f}")
loads = rows("replay_load_run*.json")
for budget in ["128", "1024"]:
    for cache in ["warm", "cold"]:
        opens = rows(f"replay_{budget}_{cache}_run*.json")
        if not opens or len(opens) != len(loads): continue
        rates = [l["wal_bytes"] / 1e6 / o["open_seconds"] for l, o in zip(loads, opens)]
        print(f"replay memtable {budget} MiB {cache}: WAL {loads[0]['wal_bytes'] / 1e6:.0f} MB, "
              f"MB/s median {med(rates):.1f}  runs {[round(r, 1) for r in rates]}  "
              f"open s {[o['open_seconds'] for o in opens]}  RSS MiB "
              f"{[round(o['rss_after_open_bytes'] / 2**20) for o in opens]}")
EOF
