#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# Concurrency (R-CONC-1..4, R-SIG-2): many containers through their whole lifecycle at once,
# racing creates of one id, start against delete --force, list and state against delete, and
# processes that exit at once. Every command runs under `timeout`: a hang fails the case, and
# the leak check after each case proves nothing is left.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# Seconds any one command may take before it counts as hung.
HANG=20

# ocirun with this file's root, killed (status 124) when it hangs.
ocirun_t() {
    timeout "$HANG" "$OCIRUN" --root "$T_ROOT" "$@"
}

# Runs CMD... (a command or function) in the background; its exit status goes to
# $T_CASE_DIR/rc.NAME and its stderr to $T_CASE_DIR/err.NAME.
bg() {
    local name=$1
    shift
    ( rc=0; "$@" >/dev/null 2>"$T_CASE_DIR/err.$name" || rc=$?; echo "$rc" >"$T_CASE_DIR/rc.$name" ) &
}

# The exit statuses of the background commands named PREFIX*, sorted and counted: "N xRC ...".
statuses() {
    cat "$T_CASE_DIR"/rc."$1"* | sort -n | uniq -c | awk '{ printf "%s%dx%s", sep, $1, $2; sep = " " } END { print "" }'
}

# One container's whole lifecycle; the status of the first step that fails.
lifecycle() {
    local b=$1 id=$2
    ocirun_t create --bundle "$b" "$id" && ocirun_t start "$id" && ocirun_t exec "$id" true &&
        ocirun_t kill "$id" KILL && wait_until 10 has_status "$id" stopped && ocirun_t delete "$id"
}

case_parallel_lifecycles() {
    local b i ids=()
    b=$(make_bundle many sleep 1000)
    for i in $(seq 1 50); do
        ids+=("$(new_id "many$i")")
    done
    for i in "${!ids[@]}"; do
        t_defer oci delete --force "${ids[i]}"
        bg "life$i" lifecycle "$b" "${ids[i]}"
    done
    wait
    assert_eq "50x0" "$(statuses life)" "exit statuses of 50 parallel lifecycles (124: hung)" ||
        { tail -n 3 "$T_CASE_DIR"/err.life* >&2; return 1; }
    assert_eq "[]" "$(oci list --format json | jq -c '[(. // [])[] | select(.id | startswith($p))]' --arg p "$T_ID_PREFIX")"
}

case_same_id_creates() {
    local b id round i winners
    b=$(make_bundle same probe sleep 1000)
    for round in 1 2 3; do
        id=$(new_id "same$round")
        t_defer oci delete --force "$id"
        rm -f "$T_CASE_DIR"/rc.* "$T_CASE_DIR"/err.*
        for i in $(seq 1 10); do
            bg "create$i" ocirun_t create --bundle "$b" "$id"
        done
        wait
        assert_eq "1x0 9x1" "$(statuses create)" "round $round: one create wins, nine fail"
        winners=$(grep -lx 0 "$T_CASE_DIR"/rc.create*)
        for i in $(seq 1 10); do
            [ "$T_CASE_DIR/rc.create$i" = "$winners" ] && continue
            assert_contains "$(cat "$T_CASE_DIR/err.create$i")" "already exists" "round $round: a loser's message"
        done
        # The losers touched nothing of the winner's: it is intact, starts and runs.
        assert_eq created "$(status_of "$id")"
        [ -p "$T_ROOT/$id/exec.fifo" ] || { echo "round $round: the winner's exec.fifo is gone" >&2; return 1; }
        oci start "$id"
        assert_eq running "$(status_of "$id")"
        oci exec "$id" true
        oci delete --force "$id"
    done
}

case_start_against_delete() {
    local b id round rc_start rc_delete
    b=$(make_bundle race sleep 1000)
    for round in $(seq 1 10); do
        id=$(new_id "race$round")
        t_defer oci delete --force "$id"
        rm -f "$T_CASE_DIR"/rc.* "$T_CASE_DIR"/err.*
        oci create --bundle "$b" "$id"
        bg start ocirun_t start "$id"
        bg delete ocirun_t delete --force "$id"
        wait
        rc_start=$(cat "$T_CASE_DIR/rc.start")
        rc_delete=$(cat "$T_CASE_DIR/rc.delete")
        assert_eq 0 "$rc_delete" "round $round: delete --force (start: $rc_start): $(cat "$T_CASE_DIR/err.delete")"
        [ "$rc_start" != 124 ] || { echo "round $round: start hung" >&2; return 1; }
        # start either ran first (0) or found the container gone or dying (an error, not a hang).
        if [ "$rc_start" != 0 ]; then
            [ -s "$T_CASE_DIR/err.start" ] || { echo "round $round: start failed ($rc_start) silently" >&2; return 1; }
        fi
        assert_fails oci state "$id"
        assert_contains "$ERR" "does not exist"
    done
}

case_list_against_delete() {
    local b i ids=() rounds=0
    b=$(make_bundle listing sleep 1000)
    for i in $(seq 1 10); do
        ids+=("$(new_id "list$i")")
        t_defer oci delete --force "${ids[-1]}"
        oci create --bundle "$b" "${ids[-1]}"
    done
    for i in "${!ids[@]}"; do
        bg "del$i" ocirun_t delete --force "${ids[i]}"
    done
    # list and state while the deletes run: never an error other than "does not exist".
    while [ "$(find "$T_CASE_DIR" -maxdepth 1 -name "rc.del*" | wc -l)" -lt 10 ]; do
        ocirun_t list --format json | jq -e 'type == "array" or . == null' >/dev/null
        if ! ocirun_t state "${ids[0]}" >/dev/null 2>"$T_CASE_DIR/state.err"; then
            assert_contains "$(cat "$T_CASE_DIR/state.err")" "does not exist"
        fi
        rounds=$((rounds + 1))
    done
    wait
    assert_eq "10x0" "$(statuses del)"
    echo "list/state rounds during the deletes: $rounds"
}

case_fast_exits() {
    local b id i rc
    b=$(make_bundle fast true)
    for i in $(seq 1 10); do
        id=$(new_id "fast$i")
        t_defer oci delete --force "$id"
        rc=0
        ocirun_t run --bundle "$b" "$id" >/dev/null || rc=$?
        assert_eq 0 "$rc" "run $i of a process that exits at once (124: hung)"
    done
    b=$(make_bundle fast3 sh -c 'exit 3')
    id=$(new_id fast3)
    t_defer oci delete --force "$id"
    rc=0
    ocirun_t run --bundle "$b" "$id" >/dev/null || rc=$?
    assert_eq 3 "$rc" "run returns the exit status of a process that exits at once"

    b=$(make_bundle host sleep 1000)
    id=$(new_id host)
    t_defer oci delete --force "$id"
    oci run --detach --bundle "$b" "$id"
    for i in $(seq 1 10); do
        rc=0
        ocirun_t exec "$id" true || rc=$?
        assert_eq 0 "$rc" "exec $i of a process that exits at once (124: hung)"
    done
    rc=0
    ocirun_t exec "$id" sh -c 'exit 7' || rc=$?
    assert_eq 7 "$rc" "exec returns the exit status"
    # Ten at once, detached and not.
    for i in $(seq 1 5); do
        bg "ex$i" ocirun_t exec "$id" true
        bg "exd$i" ocirun_t exec --detach "$id" true
    done
    wait
    assert_eq "10x0" "$(statuses ex)" "parallel execs (124: hung)"
}

t_case "50 containers created, started, exec'd, killed and deleted in parallel" case_parallel_lifecycles
t_case "10 racing creates of one id: one wins, the winner stays intact" case_same_id_creates
t_case "start racing delete --force: no hang, nothing left" case_start_against_delete
t_case "list and state racing delete: only 'does not exist'" case_list_against_delete
t_case "processes that exit at once never hang run or exec" case_fast_exits
t_done
