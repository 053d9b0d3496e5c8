#!/bin/bash
# Runs each libFuzzer target of a fuzz build for a while from the seed corpus and reports TAP:
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]      (default $FUZZ_SECONDS, else 30)
#
# FUZZ_BUILD is the fuzz build dir (default build-fuzz in the source tree; make it with
# tests/fuzz/build.sh). New inputs go to a temp corpus, so the seeds in tests/fuzz/corpus stay
# as committed; a crash leaves its input in FUZZ_ARTIFACTS (default a temp dir, printed) for
# `fuzz_X <file>` to replay. Without the build the file reports a skip with the reason.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
seconds=${1:-${FUZZ_SECONDS:-30}}
targets=(config state)

for t in "${targets[@]}"; do
    if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
        echo "1..0 # SKIP no fuzz build at $build (tests/fuzz/build.sh makes one; it needs clang)"
        exit 0
    fi
done

artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d /tmp/ocirun-fuzz.XXXXXX)}
mkdir -p "$artifacts"
failed=0 n=0
for t in "${targets[@]}"; do
    n=$((n + 1))
    work=$(mktemp -d /tmp/ocirun-fuzz-corpus.XXXXXX)
    log=$artifacts/fuzz_$t.log
    # detect_leaks: a parser that leaks on bad input is a bug too.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/fuzz_$t-" "$work" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -n 1)
    rm -rf "$work"
    if [ $rc -eq 0 ]; then
        echo "ok $n - fuzz_$t: ${runs:-finished} in ${seconds}s, no crash"
    else
        failed=1
        echo "not ok $n - fuzz_$t: exit $rc (input and log in $artifacts)"
        grep -E 'ERROR|runtime error|SUMMARY|^a |Test unit written' "$log" | head -n 20 | sed 's/^/# /'
    fi
done
echo "1..$n"
[ -z "${FUZZ_ARTIFACTS:-}" ] && [ $failed -eq 0 ] && rm -rf "$artifacts"
exit $failed
