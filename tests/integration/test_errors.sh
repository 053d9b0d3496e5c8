#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# Failing creates: the message says what is wrong, and nothing is left behind (no state dir,
# no mount, no process: the leak check around each case, plus an empty --root), so that the
# same id then works with a good config.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# After a failed create of ID: nothing under --root, and ID works with a good bundle.
assert_clean_then_works() {
    local id=$1 good out
    assert_eq "" "$(state_dirs)" "the failed create left state behind"
    assert_eq "" "$(awk -v a="$T_TMP" -v b="$ROOTFS" 'index($5, a) || index($5, b)' /proc/self/mountinfo)" \
        "the failed create left mounts behind"
    assert_eq "" "$(_t_test_pids)" "the failed create left processes behind"
    assert_fails oci state "$id"
    good=$(make_bundle "good-$id" probe pid)
    out=$(oci run --bundle "$good" "$id")
    assert_eq "$(printf 'pid=1\nppid=0')" "$out"
    assert_eq "" "$(state_dirs)"
}

case_syntax_error() {
    local b id
    b=$(make_bundle syntax)
    id=$(new_id syntax)
    t_defer oci delete --force "$id"
    printf '{\n  "ociVersion": "1.0.0",\n  "process": {\n    "args": ["x",]\n  }\n}\n' >"$b/config.json"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "config.json:4:"
    [[ $ERR =~ config\.json:4:[0-9]+ ]] || { echo "no LINE:COL in: $ERR" >&2; false; }
    assert_clean_then_works "$id"
}

case_wrong_type() {
    local b id
    b=$(make_bundle wrongtype)
    id=$(new_id wrongtype)
    t_defer oci delete --force "$id"
    edit_config "$b" '.process.user.uid = "zero"'
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "process.user.uid"
    assert_clean_then_works "$id"

    edit_config "$b" '.process.user.uid = 0 | .linux.namespaces[0].type = 7'
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "linux.namespaces[0].type"
    assert_clean_then_works "$id"
}

case_missing_config() {
    local b id
    b=$T_TMP/bundles/noconfig
    mkdir -p "$b"
    id=$(new_id noconfig)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "config.json"
    assert_fails oci create --bundle "$T_TMP/no/such/bundle" "$id"
    assert_contains "$ERR" "$T_TMP/no/such/bundle"
    assert_clean_then_works "$id"
}

case_missing_rootfs() {
    local b id
    b=$(make_bundle norootfs)
    id=$(new_id norootfs)
    t_defer oci delete --force "$id"
    edit_config "$b" '.root.path = "/nonexistent/rootfs"'
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "/nonexistent/rootfs"
    assert_contains "$ERR" "no such file"
    assert_clean_then_works "$id"
}

case_missing_executable() {
    local b id
    b=$(make_bundle noexe /bin/no-such-program)
    id=$(new_id noexe)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "/bin/no-such-program"
    assert_contains "$ERR" "no such file"
    assert_clean_then_works "$id"

    b=$(make_bundle nopath no-such-program)
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "no-such-program"
    assert_contains "$ERR" "not found in \$PATH"
    assert_clean_then_works "$id"

    # A directory is not an executable.
    b=$(make_bundle isdir /etc)
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "/etc"
    assert_clean_then_works "$id"
}

case_bad_mount() {
    local b id
    b=$(make_bundle badmount)
    id=$(new_id badmount)
    t_defer oci delete --force "$id"
    # shellcheck disable=SC2016
    edit_config "$b" '.mounts += [{destination: "/mnt", type: "bind", source: $src, options: ["rbind"]}]' \
        --arg src "$T_TMP/no-such-source"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "$T_TMP/no-such-source"
    assert_contains "$ERR" "/mnt"
    assert_clean_then_works "$id"

    # A mount that fails late (unknown filesystem type), after the others were mounted.
    edit_config "$b" '.mounts |= map(select(.destination != "/mnt"))
                      | .mounts += [{destination: "/mnt", type: "no-such-fs", source: "x"}]'
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "/mnt"
    assert_clean_then_works "$id"
}

case_invalid_ids() {
    local b bad
    b=$(make_bundle badids probe pid)
    for bad in ../x a/b . .. "" "with space" "$(printf 'x%.0s' $(seq 1025))/y"; do
        assert_fails oci create --bundle "$b" "$bad"
        assert_contains "$ERR" "container ID" "create '$bad'"
        assert_eq "" "$(state_dirs)" "create '$bad' left state"
        assert_fails oci state "$bad"
        assert_fails oci delete "$bad"
    done
    # Nothing was made beside the state root either.
    [ ! -e "$T_TMP/x" ] && [ ! -e "$T_ROOT/a" ]
    local id
    id=$(new_id "ok_+.-")
    t_defer oci delete --force "$id"
    assert_clean_then_works "$id"
}

case_hook_path() {
    local b id kind
    b=$(make_bundle badhook)
    id=$(new_id badhook)
    t_defer oci delete --force "$id"
    for kind in prestart createRuntime createContainer; do
        # shellcheck disable=SC2016
        edit_config "$b" '.hooks = {($kind): [{path: "/no/such/hook", args: ["hook"]}]}' --arg kind "$kind"
        assert_fails oci create --bundle "$b" "$id"
        assert_contains "$ERR" "/no/such/hook" "$kind hook"
        assert_clean_then_works "$id"
    done
}

case_unknown_command_and_flag() {
    assert_fails oci no-such-command
    assert_contains "$ERR" "no-such-command"
    assert_fails oci create --no-such-flag x
    assert_contains "$ERR" "no-such-flag"
    assert_eq "" "$(state_dirs)"
}

t_case "config.json syntax error names config.json:LINE:COL" case_syntax_error
t_case "config.json wrong type names the JSON path" case_wrong_type
t_case "missing config.json or bundle is reported" case_missing_config
t_case "missing rootfs is reported" case_missing_rootfs
t_case "missing executable: no such file / not found in \$PATH" case_missing_executable
t_case "bad mounts fail the create and are undone" case_bad_mount
t_case "invalid container ids are refused" case_invalid_ids
t_case "a hook with a bad path fails the create" case_hook_path
t_case "unknown command or flag is a usage error" case_unknown_command_and_flag
t_done
