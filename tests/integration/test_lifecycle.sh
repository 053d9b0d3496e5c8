#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# The container lifecycle through the CLI: create, start, state, kill, delete, run, list, and
# the state document itself.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

STATE_SCHEMA=$T_SRC_DIR/tests/data/oci-runtime-spec-v1.3.0/schema/state-schema.json

# A bundle whose process waits for a signal and reports it on stdout.
signal_bundle() {
    make_bundle "$1" probe signal-wait
}

case_lifecycle() {
    local b id out=$T_CASE_DIR/container.out st pid
    b=$(signal_bundle life)
    id=$(new_id life)
    oci create --bundle "$b" "$id" >"$out" 2>>"$T_CASE_DIR/create.err"
    t_defer oci delete --force "$id"

    st=$(oci state "$id")
    assert_eq created "$(jq -r .status <<<"$st")"
    assert_eq "$id" "$(jq -r .id <<<"$st")"
    assert_eq "$b" "$(jq -r .bundle <<<"$st")"
    pid=$(jq -r .pid <<<"$st")
    [ "$pid" -gt 0 ] || { echo "created container has pid $pid" >&2; false; }
    kill -0 "$pid"
    [ -d "/proc/$pid" ]
    # The init is held before the user process: the probe has not run yet.
    sleep 0.3
    assert_eq "" "$(cat "$out")" "the process ran before start"

    oci start "$id"
    st=$(oci state "$id")
    assert_eq running "$(jq -r .status <<<"$st")"
    assert_eq "$pid" "$(jq -r .pid <<<"$st")" "start keeps the init pid"
    wait_until 10 file_has_line "$out" ready

    kill -USR1 "$pid"
    wait_until 10 has_status "$id" stopped
    st=$(oci state "$id")
    assert_eq 0 "$(jq -r .pid <<<"$st")" "a stopped container has pid 0"
    assert_eq "$b" "$(jq -r .bundle <<<"$st")"
    assert_eq "$(printf 'ready\nsignal=10')" "$(cat "$out")"

    oci delete "$id"
    assert_fails oci state "$id"
    assert_eq "" "$(state_dirs)" "the state dir is gone"
    [ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" != S ]
}

case_state_unknown() {
    local id
    id=$(new_id nosuch)
    assert_fails oci state "$id"
    assert_contains "$ERR" "does not exist"
    assert_eq "" "$OUT"
}

case_create_existing_id() {
    local b b2 id out=$T_CASE_DIR/container.out pid
    b=$(make_bundle first probe pid)
    b2=$(make_bundle second probe exit 3)
    id=$(new_id dup)
    oci create --bundle "$b" "$id" >"$out" 2>>"$T_CASE_DIR/create.err"
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")

    assert_fails oci create --bundle "$b2" "$id"
    assert_contains "$ERR" "container ID already exists"
    # The first container is intact: same state, same init, and it still starts.
    local st
    st=$(oci state "$id")
    assert_eq created "$(jq -r .status <<<"$st")"
    assert_eq "$pid" "$(jq -r .pid <<<"$st")"
    assert_eq "$b" "$(jq -r .bundle <<<"$st")"
    kill -0 "$pid"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    assert_eq "$(printf 'pid=1\nppid=0')" "$(cat "$out")"
    oci delete "$id"
}

# Each create leaves a live init behind, however quickly `ocirun create` exits.
case_create_init_survives() {
    local b id i pid
    b=$(make_bundle survive probe sleep 1000)
    for i in $(seq 40); do
        id=$(new_id survive)
        T_CREATE_RACE_RETRY=0 oci create --bundle "$b" "$id" >/dev/null 2>&1
        t_defer oci delete --force "$id"
        assert_eq created "$(status_of "$id")" "create number $i"
        pid=$(pid_of "$id")
        kill -0 "$pid"
        oci delete --force "$id"
    done
}

# A foreground run that is killed once its container runs takes the container with it only if
# the init still had its parent-death signal: it must not (runc's behaviour).
case_run_killed_container_stays() {
    local b id run_pid pid
    b=$(make_bundle runkill probe sleep 1000)
    id=$(new_id runkill)
    t_defer oci delete --force "$id"
    "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id" >/dev/null 2>&1 &
    run_pid=$!
    wait_until 10 has_status "$id" running || { echo "never running: $(oci state "$id" 2>&1)" >&2; return 1; }
    pid=$(pid_of "$id")
    kill -KILL "$run_pid"
    wait "$run_pid" 2>/dev/null || true
    sleep 0.2
    kill -0 "$pid" || { echo "the container's init died with run" >&2; return 1; }
    assert_eq running "$(status_of "$id")"
    oci delete --force "$id"
}

case_create_race() {
    local b id i rc1=0 rc2=0 p1 p2
    b=$(make_bundle race probe sleep 1000)
    id=$(new_id race)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >"$T_CASE_DIR/c1.out" 2>"$T_CASE_DIR/c1.err" &
    p1=$!
    oci create --bundle "$b" "$id" >"$T_CASE_DIR/c2.out" 2>"$T_CASE_DIR/c2.err" &
    p2=$!
    wait "$p1" || rc1=$?
    wait "$p2" || rc2=$?
    for i in 1 2; do
        echo "create $i:"
        cat "$T_CASE_DIR/c$i.err"
    done
    if { [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]; } || { [ "$rc1" -ne 0 ] && [ "$rc2" -ne 0 ]; }; then
        echo "expected exactly one create to succeed, exit codes: $rc1 $rc2" >&2
        false
    fi
    assert_contains "$(cat "$T_CASE_DIR/c1.err" "$T_CASE_DIR/c2.err")" "already exists"
    # The winner's container is whole.
    assert_eq created "$(status_of "$id")"
    kill -0 "$(pid_of "$id")"
    assert_eq 1 "$(oci list -q | grep -cxF -- "$id")"
    oci start "$id"
    assert_eq running "$(status_of "$id")"
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
}

# kill SIGNAL as a name, a SIG name and a number: the container's process reports what it got.
case_kill_signal_forms() {
    local spec expect b id out
    b=$(signal_bundle killforms)
    for spec in USR1:10 SIGUSR1:10 10:10 TERM:15 SIGHUP:1 2:2 default:15; do
        expect=${spec#*:}
        spec=${spec%%:*}
        id=$(new_id "kill")
        out=$T_CASE_DIR/$id.out
        oci create --bundle "$b" "$id" >"$out" 2>>"$T_CASE_DIR/create.err"
        t_defer oci delete --force "$id"
        oci start "$id"
        wait_until 10 file_has_line "$out" ready
        if [ "$spec" = default ]; then
            oci kill "$id"
        else
            oci kill "$id" "$spec"
        fi
        wait_until 10 has_status "$id" stopped
        assert_eq "$(printf 'ready\nsignal=%s' "$expect")" "$(cat "$out")" "kill $spec"
        oci delete "$id"
    done
}

case_kill_sigkill_forms() {
    local spec b id pid
    b=$(make_bundle sleeper probe sleep 1000)
    for spec in KILL SIGKILL 9; do
        id=$(new_id "kill")
        oci create --bundle "$b" "$id" >/dev/null 2>&1
        t_defer oci delete --force "$id"
        oci start "$id"
        pid=$(pid_of "$id")
        assert_eq running "$(status_of "$id")"
        oci kill "$id" "$spec"
        wait_until 10 has_status "$id" stopped
        [ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ] ||
            { echo "kill $spec: pid $pid still runs" >&2; false; }
        oci delete "$id"
    done
}

case_kill_bad_signal() {
    local b id
    b=$(make_bundle badsig probe sleep 1000)
    id=$(new_id badsig)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    oci start "$id"
    assert_fails oci kill "$id" NOSUCHSIGNAL
    assert_contains "$ERR" "NOSUCHSIGNAL"
    assert_fails oci kill "$id" 99
    assert_eq running "$(status_of "$id")"
    oci delete --force "$id"
}

# The init is a shell (pid 1 of its namespace, which ignores an unhandled signal from outside);
# kill --all reaches its children as well.
case_kill_all() {
    local b id dir=$T_TMP/killall-out
    mkdir -p "$dir"
    b=$(make_bundle killall sh -c 'probe signal-wait >/mnt/a & probe signal-wait >/mnt/b & wait')
    # shellcheck disable=SC2016
    edit_config "$b" '.mounts += [{destination: "/mnt", type: "bind", source: $dir, options: ["rbind", "rw"]}]' \
        --arg dir "$dir"
    id=$(new_id killall)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    oci start "$id"
    wait_until 10 file_has_line "$dir/a" ready
    wait_until 10 file_has_line "$dir/b" ready
    # Without --all only the init is signalled, and it ignores USR1.
    oci kill "$id" USR1
    sleep 0.5
    assert_eq ready "$(cat "$dir/a")"
    assert_eq running "$(status_of "$id")"
    oci kill --all "$id" USR1
    wait_until 10 has_status "$id" stopped
    assert_eq "$(printf 'ready\nsignal=10')" "$(cat "$dir/a")"
    assert_eq "$(printf 'ready\nsignal=10')" "$(cat "$dir/b")"
    oci delete "$id"
}

case_delete_running() {
    local b id pid
    b=$(make_bundle delrun probe sleep 1000)
    id=$(new_id delrun)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    oci start "$id"
    pid=$(pid_of "$id")
    assert_fails oci delete "$id"
    assert_contains "$ERR" "running"
    assert_eq running "$(status_of "$id")"
    kill -0 "$pid"
    oci delete --force "$id"
    assert_fails oci state "$id"
    wait_until 5 test ! -d "/proc/$pid"
    assert_eq "" "$(state_dirs)"
}

case_delete_missing() {
    local id
    id=$(new_id missing)
    assert_exit 0 oci delete --force "$id"
    assert_fails oci delete "$id"
    assert_contains "$ERR" "does not exist"
}

case_delete_created() {
    local b id pid out=$T_CASE_DIR/container.out
    b=$(make_bundle delcreated probe write /dev/stdout started)
    id=$(new_id delcreated)
    oci create --bundle "$b" "$id" >"$out" 2>>"$T_CASE_DIR/create.err"
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    kill -0 "$pid"
    oci delete "$id"
    assert_fails oci state "$id"
    wait_until 5 test ! -d "/proc/$pid"
    assert_eq "" "$(cat "$out")" "the process of a deleted created container never runs"
    assert_eq "" "$(state_dirs)"
}

case_list() {
    local b id1 id2 out json
    b=$(make_bundle list probe sleep 1000)
    id1=$(new_id list)
    id2=$(new_id list)
    oci create --bundle "$b" "$id1" >/dev/null 2>&1
    t_defer oci delete --force "$id1"
    oci create --bundle "$b" "$id2" >/dev/null 2>&1
    t_defer oci delete --force "$id2"
    oci start "$id2"

    out=$(oci list)
    assert_eq "ID PID STATUS BUNDLE CREATED OWNER" "$(head -n1 <<<"$out" | tr -s ' ')"
    local row
    row=$(awk -v id="$id1" '$1 == id' <<<"$out")
    assert_eq "$(pid_of "$id1") created $b" "$(awk '{print $2, $3, $4}' <<<"$row")"
    row=$(awk -v id="$id2" '$1 == id' <<<"$out")
    assert_eq "$(pid_of "$id2") running $b" "$(awk '{print $2, $3, $4}' <<<"$row")"
    assert_eq 3 "$(wc -l <<<"$out")"

    json=$(oci list --format json)
    assert_eq 2 "$(jq length <<<"$json")"
    assert_eq created "$(jq -r --arg id "$id1" '.[] | select(.id == $id) | .status' <<<"$json")"
    assert_eq running "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .status' <<<"$json")"
    assert_eq "$b" "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .bundle' <<<"$json")"
    assert_eq "$(pid_of "$id2")" "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .pid' <<<"$json")"

    assert_eq "$(printf '%s\n' "$id1" "$id2" | sort)" "$(oci list -q | sort)"

    oci delete --force "$id1"
    oci delete --force "$id2"
    assert_eq "[]" "$(oci list --format json | jq -c ". // []")" "no containers listed (runc prints null)"
}

case_run_exit_code() {
    local b id
    b=$(make_bundle runexit probe exit 7)
    id=$(new_id runexit)
    t_defer oci delete --force "$id"
    assert_exit 7 oci run --bundle "$b" "$id"
    assert_fails oci state "$id"
    assert_eq "" "$(state_dirs)" "run removes the container"
    # The exit code of a shell through PATH, and 0.
    b=$(make_bundle runexit0 sh -c 'echo hi')
    id=$(new_id runexit)
    assert_exit 0 oci run --bundle "$b" "$id"
    assert_eq hi "$OUT"
}

# run forwards the signals it gets to the container's process.
case_run_forwards_signals() {
    local b id sig num out pid rc
    b=$(signal_bundle runsig)
    for sig in TERM:15 USR1:10 HUP:1; do
        num=${sig#*:}
        sig=${sig%%:*}
        id=$(new_id runsig)
        out=$T_CASE_DIR/$id.out
        t_defer oci delete --force "$id"
        "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id" >"$out" 2>>"$T_CASE_DIR/create.err" &
        pid=$!
        wait_until 10 file_has_line "$out" ready
        kill "-$sig" "$pid"
        rc=0
        wait "$pid" || rc=$?
        assert_eq "$(printf 'ready\nsignal=%s' "$num")" "$(cat "$out")" "run got SIG$sig"
        assert_eq 0 "$rc" "the probe exits 0 after the signal"
        assert_fails oci state "$id"
    done
}

case_run_detach() {
    local b id pid
    b=$(make_bundle detach probe sleep 1000)
    id=$(new_id detach)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null 2>&1
    assert_eq running "$(status_of "$id")"
    pid=$(pid_of "$id")
    sleep 0.5
    kill -0 "$pid"
    assert_eq running "$(status_of "$id")"
    assert_eq "probe sleep 1000" "$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ $//')"
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
}

case_pid_file() {
    local b id pidfile=$T_TMP/pidfile.$$
    b=$(make_bundle pidfile probe sleep 1000)
    id=$(new_id pidfile)
    oci create --bundle "$b" --pid-file "$pidfile" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    t_defer rm -f "$pidfile"
    [ -s "$pidfile" ]
    assert_eq "$(pid_of "$id")" "$(tr -d '\n' <"$pidfile")"
    kill -0 "$(cat "$pidfile")"
    # run -d writes it too.
    local id2
    id2=$(new_id pidfile)
    rm -f "$pidfile"
    oci run -d --bundle "$b" --pid-file "$pidfile" "$id2" >/dev/null 2>&1
    t_defer oci delete --force "$id2"
    assert_eq "$(pid_of "$id2")" "$(tr -d '\n' <"$pidfile")"
    assert_eq "probe sleep 1000" "$(tr '\0' ' ' <"/proc/$(cat "$pidfile")/cmdline" | sed 's/ $//')"
    oci delete --force "$id"
    oci delete --force "$id2"
}

# Checks the keys and value types of one state document.
check_state_doc() {
    local st=$1 status=$2
    assert_eq '["bundle","created","id","ociVersion","owner","pid","rootfs","status"]' \
        "$(jq -c 'keys' <<<"$st")" "state keys"
    assert_eq '"ociVersion","id","pid","status","bundle","rootfs","created","owner"' \
        "$(jq -c 'keys_unsorted' <<<"$st" | tr -d '[]')" "state key order"
    assert_eq "$status" "$(jq -r .status <<<"$st")"
    jq -e '(.status | IN("creating", "created", "running", "stopped"))
           and (.pid | type == "number" and . >= 0 and floor == .)
           and (.ociVersion | test("^1\\.[0-9]+\\.[0-9]+"))
           and (.id | type == "string") and (.bundle | startswith("/"))
           and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))' <<<"$st" >/dev/null ||
        { echo "state document does not check out: $st" >&2; false; }
}

case_state_document() {
    local b id st
    b=$(make_bundle statedoc probe sleep 1000)
    id=$(new_id statedoc)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    check_state_doc "$(oci state "$id")" created
    oci start "$id"
    check_state_doc "$(oci state "$id")" running
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    st=$(oci state "$id")
    check_state_doc "$st" stopped
    assert_eq "$ROOTFS" "$(jq -r .rootfs <<<"$st")"
    oci delete "$id"
}

case_state_annotations() {
    local b id st
    b=$(make_bundle annotations probe sleep 1000)
    edit_config "$b" '.annotations = {"org.example.key": "value", "org.example.empty": ""}'
    id=$(new_id annotations)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    st=$(oci state "$id")
    assert_eq '{"org.example.empty":"","org.example.key":"value"}' "$(jq -cS .annotations <<<"$st")"
    assert_eq '"annotations","bundle","created","id","ociVersion","owner","pid","rootfs","status"' \
        "$(jq -c keys <<<"$st" | tr -d '[]')"
    oci delete --force "$id"
}

# shellcheck disable=SC2016 # python
validate_state_py='
import json, sys, os, jsonschema
schema_path = sys.argv[1]
with open(schema_path) as f: schema = json.load(f)
with open(os.path.join(os.path.dirname(schema_path), "defs.json")) as f: defs = json.load(f)
def inline(node):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("defs.json#/definitions/"):
            return inline(defs["definitions"][ref.split("/")[-1]])
        return {k: inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v) for v in node]
    return node
schema = inline(schema)
for doc in sys.argv[2:]:
    jsonschema.validate(json.loads(doc), schema, cls=jsonschema.Draft4Validator)
print("valid")
'

case_state_schema() {
    python3 -c 'import jsonschema' 2>/dev/null || skip "python3 jsonschema is not installed (jq checks of the state cover the keys)"
    local b id s1 s2 s3
    b=$(make_bundle schema probe sleep 1000)
    id=$(new_id schema)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    s1=$(oci state "$id")
    oci start "$id"
    s2=$(oci state "$id")
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    s3=$(oci state "$id")
    assert_eq valid "$(python3 -c "$validate_state_py" "$STATE_SCHEMA" "$s1" "$s2" "$s3")"
    # The check itself rejects a bad status.
    assert_fails python3 -c "$validate_state_py" "$STATE_SCHEMA" "$(jq -c '.status = "paused-ish"' <<<"$s1")"
    oci delete "$id"
}

t_case "create, start, exit, delete: state follows with the real pid and bundle" case_lifecycle
t_case "state of an unknown id fails" case_state_unknown
t_case "create with an existing id fails and leaves the first container intact" case_create_existing_id
t_case "every create leaves a live init (40 in a row)" case_create_init_survives
t_case "a foreground run killed after the start leaves its container running" case_run_killed_container_stays
t_case "two racing creates with one id: exactly one succeeds" case_create_race
t_case "kill by name, SIG name and number; default TERM" case_kill_signal_forms
t_case "kill KILL, SIGKILL, 9 stop the container" case_kill_sigkill_forms
t_case "kill with an unknown signal fails" case_kill_bad_signal
t_case "kill --all signals every process of the container" case_kill_all
t_case "delete refuses a running container without --force" case_delete_running
t_case "delete --force of a missing id exits 0, delete fails" case_delete_missing
t_case "delete of a created container removes it before it runs" case_delete_created
t_case "list shows the containers as a table, json and ids" case_list
t_case "run returns the exit code and removes the container" case_run_exit_code
t_case "run forwards TERM, USR1 and HUP to the container" case_run_forwards_signals
t_case "run -d detaches and the container keeps running" case_run_detach
t_case "--pid-file holds the init pid" case_pid_file
t_case "state document has exactly the spec's and runc's keys" case_state_document
t_case "state carries the config's annotations" case_state_annotations
t_case "state validates against the spec's state schema" case_state_schema
t_done
