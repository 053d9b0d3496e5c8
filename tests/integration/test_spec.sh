#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# `ocirun spec`: the default and rootless configs it writes, and that they run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

SCHEMA_DIR=$T_SRC_DIR/tests/data/oci-runtime-spec-v1.3.0/schema

# Points BUNDLE's config at the test rootfs and runs ARGS, with the test tag in the environment.
point_at_rootfs() {
    local bundle=$1
    shift
    local args
    args=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
    # shellcheck disable=SC2016
    edit_config "$bundle" '.root.path = $root | .process.terminal = false | .process.args = $args
                           | .process.env += ["OCIRUN_TEST_TAG=" + $tag]' \
        --arg root "$ROOTFS" --argjson args "$args" --arg tag "$T_ID_PREFIX"
}

case_spec_default_runs() {
    local dir=$T_TMP/spec-default id out
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && oci spec)
    jq -e . "$dir/config.json" >/dev/null
    local cfg
    cfg=$(cat "$dir/config.json")
    assert_eq rootfs "$(jq -r .root.path <<<"$cfg")"
    assert_eq true "$(jq -r .root.readonly <<<"$cfg")"
    assert_eq true "$(jq -r .process.terminal <<<"$cfg")"
    assert_eq '["sh"]' "$(jq -c .process.args <<<"$cfg")"
    assert_eq '["cgroup","ipc","mount","network","pid","uts"]' "$(jq -c '[.linux.namespaces[].type] | sort' <<<"$cfg")"
    assert_eq '"1.3.0"' "$(jq -c .ociVersion <<<"$cfg")"

    point_at_rootfs "$dir" probe all
    id=$(new_id spec)
    t_defer oci delete --force "$id"
    out=$(cd "$dir" && oci run "$id")
    assert_eq 0 "$(probe_get "$out" uid)"
    assert_eq 1 "$(probe_get "$out" pid)"
    assert_eq "$(jq -r .hostname <<<"$cfg")" "$(probe_get "$out" hostname)"
    # CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
    assert_eq 0000000020000420 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000020000420 "$(probe_get "$out" cap_eff)"
    assert_eq 1 "$(probe_get "$out" no_new_privs)"
    assert_eq 1024:1024 "$(probe_get "$out" RLIMIT_NOFILE)"
    local ns
    for ns in ipc mnt net pid uts cgroup; do
        [ "$(probe_get "$out" "ns_$ns")" != "$(readlink "/proc/self/ns/$ns")" ] ||
            { echo "namespace $ns is the host's" >&2; false; }
    done
    assert_eq "$(readlink /proc/self/ns/user)" "$(probe_get "$out" ns_user)"
}

case_spec_no_overwrite() {
    local dir=$T_TMP/spec-exists sum
    rm -rf "$dir"
    mkdir -p "$dir"
    echo '{"mine": true}' >"$dir/config.json"
    sum=$(sha256sum <"$dir/config.json")
    # shellcheck disable=SC2016 # expanded by the inner sh
    assert_fails sh -c 'cd "$1" && "$2" spec' sh "$dir" "$OCIRUN"
    assert_contains "$ERR" "exists"
    assert_eq "$sum" "$(sha256sum <"$dir/config.json")" "config.json was changed"
    # Also through --bundle.
    assert_fails oci spec --bundle "$dir"
    assert_eq "$sum" "$(sha256sum <"$dir/config.json")" "config.json was changed"
}

case_spec_bundle_flag() {
    local dir=$T_TMP/spec-bundle-flag
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd / && oci spec --bundle "$dir")
    jq -e '.process.args == ["sh"]' "$dir/config.json" >/dev/null
    [ ! -e /config.json ]
}

case_spec_rootless() {
    local dir=$T_TMP/spec-rootless cfg id out
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && oci spec --rootless)
    cfg=$(cat "$dir/config.json")
    jq -e '[.linux.namespaces[].type] | index("user") != null' <<<"$cfg" >/dev/null ||
        { echo "no user namespace: $(jq -c .linux.namespaces <<<"$cfg")" >&2; false; }
    jq -e '[.linux.namespaces[].type] | index("network") == null' <<<"$cfg" >/dev/null ||
        { echo "a rootless spec has a network namespace: $(jq -c .linux.namespaces <<<"$cfg")" >&2; false; }
    assert_eq "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1}]" "$(jq -c .linux.uidMappings <<<"$cfg")"
    assert_eq "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1}]" "$(jq -c .linux.gidMappings <<<"$cfg")"
    assert_eq null "$(jq -c .linux.resources <<<"$cfg")" "a rootless spec has no resources"

    # It runs (here as root, so the mapping is root's own uid).
    point_at_rootfs "$dir" sh -c 'probe ids; probe ns; cat /proc/self/uid_map'
    id=$(new_id rootless)
    t_defer oci delete --force "$id"
    out=$(cd "$dir" && oci run "$id")
    assert_eq 0 "$(probe_get "$out" uid)"
    [ "$(probe_get "$out" ns_user)" != "$(readlink /proc/self/ns/user)" ] ||
        { echo "the user namespace is the host's" >&2; false; }
    assert_eq "0 $(id -u) 1" "$(grep -E '^ *0 ' <<<"$out" | tr -s ' ' | sed 's/^ //')"
}

# shellcheck disable=SC2016 # python
validate_config_py='
import json, sys, warnings, jsonschema
warnings.simplefilter("ignore")
d = sys.argv[1]
with open(d + "/config-schema.json") as f: schema = json.load(f)
resolver = jsonschema.RefResolver(base_uri="file://" + d + "/", referrer=schema)
for path in sys.argv[2:]:
    with open(path) as f: doc = json.load(f)
    jsonschema.Draft4Validator(schema, resolver=resolver).validate(doc)
print("valid")
'

case_spec_schema() {
    python3 -c 'import jsonschema; jsonschema.RefResolver' 2>/dev/null ||
        skip "python3 jsonschema (with RefResolver) is not installed"
    local d1=$T_TMP/schema-default d2=$T_TMP/schema-rootless
    rm -rf "$d1" "$d2"
    mkdir -p "$d1" "$d2"
    (cd "$d1" && oci spec)
    (cd "$d2" && oci spec --rootless)
    assert_eq valid "$(python3 -c "$validate_config_py" "$SCHEMA_DIR" "$d1/config.json" "$d2/config.json")"
    jq '.process.user.uid = "zero"' "$d1/config.json" >"$d1/bad.json"
    assert_fails python3 -c "$validate_config_py" "$SCHEMA_DIR" "$d1/bad.json"
}

t_case "spec writes a config.json that parses back and runs" case_spec_default_runs
t_case "spec refuses to overwrite an existing config.json" case_spec_no_overwrite
t_case "spec --bundle writes into that directory" case_spec_bundle_flag
t_case "spec --rootless has a user namespace and uid/gid mappings, and runs" case_spec_rootless
t_case "spec's configs validate against the spec's config schema" case_spec_schema
t_done
