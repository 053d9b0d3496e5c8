#!/bin/bash
# Runs a test of this tree against the ASan + UBSan build in build-asan and adds one TAP case:
# no sanitizer report. Reports go to files (log_path), so a report from a process whose failure
# a test expects (an error case, a child that exits) is not hidden by that test passing.
#
#   tests/sanitize/run.sh unit
#   tests/sanitize/run.sh integration tests/integration/test_lifecycle.sh
#
# ASAN_BUILD is the sanitizer build (default build-asan in the source tree:
# meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false). Without it the test
# reports a skip with the reason.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${ASAN_BUILD:-$src/build-asan}
kind=$1

case $kind in
    unit) binary=$build/tests/unit/unit_tests ;;
    integration) binary=$build/runtime/ocirun ;;
    *) echo "usage: run.sh unit | integration FILE" >&2; exit 2 ;;
esac
if [ ! -x "$binary" ]; then
    echo "1..0 # SKIP no sanitizer build at $build (meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false)"
    exit 0
fi

reports=$(mktemp -d /tmp/ocirun-asan.XXXXXX)
chmod 0777 "$reports"   # processes that changed their uid write reports too
trap 'rm -rf "$reports"' EXIT
# abort_on_error=0 + exitcode: a failed check is a plain non-zero exit. The init and exec
# children leave by _exit, so leak checks apply to the ocirun commands themselves.
# detect_stack_use_after_return would need a fake stack the clone3 children do not expect.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:exitcode=66:detect_stack_use_after_return=0:${ASAN_OPTIONS_EXTRA:-}"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1:exitcode=67"

out=$(mktemp /tmp/ocirun-asan-out.XXXXXX)
rc=0
if [ "$kind" = unit ]; then
    OCIRUN_SOURCE_ROOT=$src "$binary" >"$out" 2>/dev/null || rc=$?
else
    OCIRUN=$binary ROOTFS=${ROOTFS:-$build/tests/rootfs/rootfs} bash "$2" >"$out" || rc=$?
fi
plan=$(grep -E '^1\.\.[0-9]+' "$out" | tail -n 1)
grep -vE '^1\.\.[0-9]+' "$out"
rm -f "$out"
n=${plan#1..}
n=${n%% *}
n=$((${n:-0} + 1))
found=$(find "$reports" -type f | sort)
if [ -z "$found" ]; then
    echo "ok $n - no ASan, LSan or UBSan report"
else
    echo "not ok $n - sanitizer reports from $(echo "$found" | wc -l) process(es)"
    for f in $found; do
        grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9] ' "$f" | head -n 30 | sed 's/^/# /'
    done
    rc=1
fi
echo "1..$n"
exit $rc
