#!/bin/bash
# The whole test suite (as root): installs missing packages, builds, runs the
# unit and integration tests, and ends with the line
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

status=0
meson test -C build --print-errorlogs "$@" || status=$?
python3 tests/summarize.py build || status=1
exit "$status"
