#!/bin/bash
# The whole test suite (as root): installs missing packages, builds, runs the
# unit, integration, engine, attack, robustness and VM tests, and ends with the line
#   N passed, N failed, N skipped
# Extra arguments go to `meson test` (e.g. --suite unit).
#
# Besides build/, it sets up the builds the robustness suites drive (each suite
# skips with the reason when its build is missing):
#   build-fp    fault points compiled in (suite faults; the attack suite's races
#               pause the runtime at them); never the build to install
#   build-asan  ASan + UBSan (suite asan: the unit tests and a few integration files)
#   build-fuzz  clang libFuzzer targets (suite fuzz: a short run of each)
# OCIRUN_CI_SKIP="fp asan fuzz" leaves any of them out.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

# setup DIR [MESON OPTIONS...]: configures DIR, or reconfigures it with the options.
setup() {
    local dir=$1
    shift
    if [ -d "$dir" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

wanted() {
    [[ " ${OCIRUN_CI_SKIP:-} " != *" $1 "* ]]
}

timed() {
    local start=$SECONDS
    "$@"
    echo "test.sh: '$*' took $((SECONDS - start))s"
}

setup build
ninja -C build

# The extra builds use clang at -O0 when it is there (deps.sh installs it): on two cores
# without ccache they compile in 77 s (build-fp) and 164 s (build-asan with the unit tests),
# against 264 s and 256 s with g++. A new dir takes the compiler; an old one keeps its own.
setup_extra() {
    if command -v clang++ >/dev/null; then
        CC=clang CXX=clang++ setup "$@"
    else
        setup "$@"
    fi
}
if wanted fp; then
    setup_extra build-fp -Dfault_points=true -Dtests=false -Dbuildtype=debug
    timed ninja -C build-fp runtime/ocirun
fi
if wanted asan; then
    setup_extra build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
    timed ninja -C build-asan runtime/ocirun tests/unit/unit_tests
fi
if wanted fuzz && command -v clang++ >/dev/null; then
    timed tests/fuzz/build.sh build-fuzz
fi

status=0
meson test -C build --print-errorlogs "$@" || status=$?
python3 tests/summarize.py build || status=1
exit "$status"
