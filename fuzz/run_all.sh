#!/bin/sh
# Runs every fuzz target for SECONDS (default 600) one after another, seeded from
# fuzz/seeds/<target>, logging libFuzzer's output to LOGDIR (default /tmp/cairn-fuzz).
# Usage: fuzz/run_all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-"idx table bundle forged state graphdef image"}
logdir=${LOGDIR:-/tmp/cairn-fuzz}
mkdir -p "$logdir"
for t in $targets; do
    mkdir -p "corpus/$t"
    echo "== $t: $secs s (log $logdir/$t.log)"
    RUSTC_BOOTSTRAP=1 TMPDIR=${TMPDIR:-/dev/shm} cargo fuzz run -s none -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$logdir/$t.log" 2>&1
    echo "exit $?" >>"$logdir/$t.log"
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs|ERROR|panicked|exit " "$logdir/$t.log" | tail -5
done
