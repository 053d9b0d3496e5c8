#!/bin/bash
# shellcheck disable=SC2317 # the cases are called through t_case
# `ocirun features` and `--version`: documents engines read to learn what the runtime does.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_setup_file

SCHEMA_DIR=$T_SRC_DIR/tests/data/oci-runtime-spec-v1.3.0/schema

case_features_valid() {
    "$OCIRUN" features >"$T_TMP/features.json"
    local rc=0
    python3 "$T_SRC_DIR/tests/integration/check_schema.py" "$SCHEMA_DIR/features-schema.json" \
        "$T_TMP/features.json" || rc=$?
    [ $rc -eq 77 ] && skip "python3 jsonschema is not installed"
    assert_eq 0 "$rc" "features document against features-schema.json"
}

case_features_truthful() {
    local f
    f=$("$OCIRUN" features)
    assert_eq 1.3.0 "$(jq -r .ociVersionMax <<<"$f")"
    assert_eq 6 "$(jq '.hooks | length' <<<"$f")"
    assert_eq true "$(jq .linux.seccomp.enabled <<<"$f")"
    assert_contains "$(jq -c .linux.seccomp.actions <<<"$f")" '"SCMP_ACT_NOTIFY"'
    assert_contains "$(jq -c .linux.seccomp.archs <<<"$f")" '"SCMP_ARCH_X86_64"'
    assert_contains "$(jq -c .mountOptions <<<"$f")" '"rro"'
    assert_eq false "$(jq .linux.apparmor.enabled <<<"$f")"
    # Every capability this kernel knows, and no more.
    assert_eq $(($(cat /proc/sys/kernel/cap_last_cap) + 1)) "$(jq '.linux.capabilities | length' <<<"$f")"
}

case_version() {
    local out
    out=$("$OCIRUN" --version)
    assert_contains "$out" "ocirun version "
    assert_contains "$out" "commit: "
    assert_contains "$out" "spec: 1.3.0"
}

t_case "features validates against the spec's schema" case_features_valid
t_case "features tells what is supported" case_features_truthful
t_case "--version prints version, commit and spec version" case_version
t_done
