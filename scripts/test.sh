#!/bin/bash
# The whole test suite (as root): installs missing packages, builds (build/, and
# build-fp/ with fault points for the attack suite's races), runs the unit,
# integration and attack tests, and ends with the line
#   N passed, N failed, N skipped
# Extra arguments go to `meson test` (e.g. --suite unit).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
if [ -d build ]; then
    meson setup --reconfigure build >/dev/null
else
    meson setup build >/dev/null
fi
ninja -C build
# The attack suite's race cases pause the runtime at named points: a second build with the
# fault points compiled in (never the one to install). Without it those cases skip.
if [ -d build-fp ]; then
    meson setup --reconfigure build-fp -Dfault_points=true -Dtests=false >/dev/null
else
    meson setup build-fp -Dfault_points=true -Dtests=false >/dev/null
fi
ninja -C build-fp runtime/ocirun

status=0
meson test -C build --print-errorlogs "$@" || status=$?
python3 tests/summarize.py build || status=1
exit "$status"
