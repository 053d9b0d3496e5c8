# shellcheck shell=bash
# What the engine tests share on top of tests/integration/lib.sh: a logging wrapper around
# ocirun (every call's argv, to prove which runtime an engine used and with what), the test
# rootfs as an image tarball, and checks on the call log.
#
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# Engines name their containers' cgroups themselves (each file checks them): cgroups other
# tests make under ocirun's default parent are not this file's.
T_LEAK_DEFAULT_CGROUPS=0

CALL_LOG=        # one line per ocirun call: its arguments, space-separated
WRAPPER=         # the wrapper engines are given as their runtime, named "ocirun"

# Skips the file unless COMMAND is installed.
e_require_command() {
    command -v "$1" >/dev/null 2>&1 || t_skip_all "$1 is not installed${2:+ ($2)}"
}

# Writes DIR/ocirun, which appends its arguments to DIR/calls.log and execs the real ocirun
# with EXTRA... before them (e.g. --root DIR: Podman passes none as root, and a state root of
# the test's own keeps it off /run/ocirun). A later --root from the engine wins.
e_make_wrapper() {
    local dir=$1
    shift
    mkdir -p "$dir"
    CALL_LOG=$dir/calls.log
    WRAPPER=$dir/ocirun
    : >"$CALL_LOG"
    {
        echo '#!/bin/sh'
        printf 'printf "%%s\\n" "$*" >>%q\n' "$CALL_LOG"
        printf 'exec %q' "$OCIRUN"
        local a
        for a in "$@"; do printf ' %q' "$a"; done
        echo ' "$@"'
    } >"$WRAPPER"
    chmod 0755 "$WRAPPER"
}

# Writes the test rootfs as an image tarball to FILE, plus /pause (a pod's infra command:
# holds the namespaces until it is signalled, then exits).
e_make_image_tar() {
    local file=$1 extra
    extra=$(mktemp -d "$T_TMP/image-extra.XXXXXX")
    printf '#!/bin/sh\nexec /bin/probe signal-wait\n' >"$extra/pause"
    chmod 0755 "$extra/pause"
    tar -cf "$file" -C "$ROOTFS" . -C "$extra" pause
    rm -rf "$extra"
}

# Succeeds when the call log has a call of COMMAND (create, start, exec, kill...) with ID as one
# of its arguments after the command: the engine ran the container ID on ocirun.
e_called() {
    local command=$1 id=$2
    awk -v c="$command" -v id="$id" '
        { for (i = 1; i <= NF; i++) if ($i == c) { for (j = i + 1; j <= NF; j++) if ($j == id) found = 1; break } }
        END { exit !found }' "$CALL_LOG"
}

# Fails, showing the call log, unless ocirun was called with COMMAND for ID.
assert_called() {
    e_called "$1" "$2" && return 0
    echo "assert_called failed: no 'ocirun $1 ... $2' in the call log:" >&2
    _t_show calls "$(cut -c1-200 "$CALL_LOG" | tail -20)"
    return 1
}
