#!/bin/sh
# t/fuzz/run-fuzz.sh NAME BINARY FUZZDIR WORKDIR SECONDS
#
# Run one libFuzzer harness: first over every input it ever crashed on
# (FUZZDIR/regressions/NAME), then for SECONDS from its seed corpus
# (FUZZDIR/corpus/NAME, read only; new inputs go to WORKDIR/NAME/corpus)
# with its dictionary (FUZZDIR/dict/NAME.dict).  On a crash, a leak, a
# timeout or running out of memory it prints the input that did it (path,
# hex dump, base64) and exits 1.  Its last line says how fast it ran.
set -u
name=$1 bin=$2 src=$3 work=$4 seconds=$5
dir=$work/$name
mkdir -p "$dir/corpus" || exit 1
rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*

# Each harness's inputs are at most this long (a request head past
# --buffer-size, a uwsgi packet of 64 KiB, a long ini file).
# An ini file may run up to 100000 lines (WEFT_INI_MAX_STEPS), some
# seconds under ASan: its hang limit is longer.
timeout=10
case $name in
    http|chunked) max_len=20000 ;;
    uwsgi)        max_len=65536 ;;
    ini)          max_len=8192 timeout=40 ;;
    *)            max_len=4096 ;;
esac
opts="-timeout=$timeout -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 -artifact_prefix=$dir/"
[ -f "$src/dict/$name.dict" ] && opts="$opts -dict=$src/dict/$name.dict"

report() {  # report LOG: the tail of the log, then each input that failed
    echo "=== fuzz $name FAILED; the end of its log ($1):"
    tail -n 60 "$1"
    for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
        [ -f "$f" ] || continue
        echo "=== the input: $f ($(wc -c < "$f") bytes)"
        od -A x -t x1z -v "$f" | head -n 64
        echo "=== base64:"
        base64 -w 76 "$f"
        echo "=== keep it: cp $f $src/regressions/$name/ (then fix the bug)"
    done
}

# The regressions: each replayed once (a list of files runs each, no fuzzing).
set -- "$src/regressions/$name"/*
if [ -f "$1" ]; then
    if ! "$bin" $opts "$@" > "$dir/regressions.log" 2>&1 < /dev/null; then
        report "$dir/regressions.log"
        exit 1
    fi
    echo "fuzz $name: $# regression inputs replayed"
fi

# shellcheck disable=SC2086
"$bin" $opts -max_total_time="$seconds" "$dir/corpus" "$src/corpus/$name" \
    > "$dir/fuzz.log" 2>&1 < /dev/null
rc=$?
set -- "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
for f; do
    [ -f "$f" ] && rc=1
done
if [ "$rc" -ne 0 ]; then
    report "$dir/fuzz.log"
    exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log" | tail -n 1)
cov=$(grep -E '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9/]*\).*/cov \1, ft \2, corpus \3/p')
echo "fuzz $name: ok, ${runs:-?} runs in ${seconds} s, ${speed:-?} exec/s, ${cov:-}"
