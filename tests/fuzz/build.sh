#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) with clang, ASan and UBSan in build-fuzz
# (or DIR): tests/fuzz/build.sh [DIR]. tests/fuzz/run.sh runs them.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$src/build-fuzz}
command -v clang++ >/dev/null || { echo "build.sh: clang++ is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" >/dev/null
else
    CC=clang CXX=clang++ meson setup "$dir" "$src" -Dfuzz=true -Dtests=false -Dwerror=false \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$dir" fuzz
