#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# shellcheck disable=SC2016 # the jq programs use jq variables
# Hooks: the six kinds run in order, each in its namespaces (createContainer and startContainer
# in the container's, the rest in the runtime's), with the state on stdin and their own args and
# env; a timeout kills a hook; a failing hook fails its step (create, start) and cleans up, and
# a failing poststop only warns.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# The recording hook, for sh (the host's and busybox's alike): `sh -c "$RECORD" NAME KIND LOGDIR`
# appends "KIND mnt=<mount ns> pid=<pid ns> status=<state's status> statepid=<state's pid>
# argv0=NAME var=<$HOOK_VAR>" to LOGDIR/log and keeps the state (stdin) in LOGDIR/KIND.json and
# the environment in LOGDIR/KIND.env. sed, not jq: startContainer runs in the container.
# shellcheck disable=SC2016 # for sh
RECORD='kind=$1 dir=$2
state=$(cat)
status=$(printf "%s" "$state" | tr -d "\n" | sed -n "s/.*\"status\": *\"\([a-z]*\)\".*/\1/p")
spid=$(printf "%s" "$state" | tr -d "\n" | sed -n "s/.*\"pid\": *\([0-9]*\).*/\1/p")
printf "%s\n" "$state" >"$dir/$kind.json"
env >"$dir/$kind.env"
echo "$kind mnt=$(readlink /proc/self/ns/mnt) pid=$(readlink /proc/self/ns/pid) status=$status statepid=$spid argv0=$0 var=${HOOK_VAR-unset}" >>"$dir/log"'

# The recording hook of KIND as a JSON object; it logs to LOGDIR.
record_hook() {
    local kind=$1 logdir=$2
    # shellcheck disable=SC2016
    jq -cn --arg kind "$kind" --arg dir "$logdir" --arg script "$RECORD" '{
        path: "/bin/sh", args: ["sh", "-c", $script, ("rec-" + $kind), $kind, $dir],
        env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", ("HOOK_VAR=var-" + $kind)]}'
}

# A bundle running ARGS... (default: a line to the log) with the recording hook for all six
# kinds. The log dir, $T_CASE_DIR/hooks, is bind-mounted at /mnt: startContainer runs in the
# container after pivot_root and logs to /mnt; the others see the host's paths.
# Prints the bundle's path.
hooked_bundle() {
    local name=$1 b logdir=$T_CASE_DIR/hooks kind
    shift
    [ $# -gt 0 ] || set -- sh -c 'echo process >>/mnt/process'
    mkdir -p "$logdir"
    b=$(make_bundle "$name" "$@")
    edit_config "$b" '.mounts += [{destination: "/mnt", type: "bind", source: $dir, options: ["rbind"]}]
                      | .hooks = {}' --arg dir "$logdir"
    for kind in prestart createRuntime createContainer poststart poststop; do
        # shellcheck disable=SC2016
        edit_config "$b" '.hooks[$kind] += [$hook]' --arg kind "$kind" \
            --argjson hook "$(record_hook "$kind" "$logdir")"
    done
    # shellcheck disable=SC2016
    edit_config "$b" '.hooks.startContainer = [$hook]' --argjson hook "$(record_hook startContainer /mnt)"
    echo "$b"
}

# The hook kinds in LOG, in order, on one line.
kinds_in() {
    [ -f "$1" ] || return 0
    awk '{ printf "%s%s", sep, $1; sep = " " } END { print "" }' "$1"
}

# The value of FIELD (mnt, pid, status, statepid, argv0, var) in KIND's line of LOG.
field_of() {
    local log=$1 kind=$2 field=$3
    awk -v k="$kind" -v f="$field" '$1 == k { for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) { print substr($i, length(f) + 2); exit } }' "$log"
}

# A hook object (JSON) that runs sh -c SCRIPT on the host (or in the container for the container
# kinds), with the test tag in its environment so that the leak check finds it if it lingers.
# It reads the state first: a hook that exits without reading it may kill ocirun by SIGPIPE
# (see case_hook_ignores_stdin), which is not what the other cases test.
sh_hook() {
    # shellcheck disable=SC2016
    jq -cn --arg script "cat >/dev/null; $1" --arg tag "OCIRUN_TEST_TAG=$T_ID_PREFIX" \
        '{path: "/bin/sh", args: ["sh", "-c", $script], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", $tag]}'
}

case_order_and_namespaces() {
    local b id log=$T_CASE_DIR/hooks/log pid host_mnt host_pid c_mnt c_pid
    b=$(hooked_bundle order)
    id=$(new_id order)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id"
    assert_eq "prestart createRuntime createContainer" "$(kinds_in "$log")" "after create"
    pid=$(pid_of "$id")
    c_mnt=$(readlink "/proc/$pid/ns/mnt")
    c_pid=$(readlink "/proc/$pid/ns/pid")
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    assert_eq "prestart createRuntime createContainer startContainer poststart" "$(kinds_in "$log")" "after start"
    assert_eq process "$(cat "$T_CASE_DIR/hooks/process")" "the process ran"
    oci delete "$id"
    assert_eq "prestart createRuntime createContainer startContainer poststart poststop" "$(kinds_in "$log")" \
        "after delete"

    host_mnt=$(readlink /proc/self/ns/mnt)
    host_pid=$(readlink /proc/self/ns/pid)
    if [ "$c_mnt" = "$host_mnt" ] || [ "$c_pid" = "$host_pid" ]; then
        echo "the container has no mount/pid namespace of its own" >&2
        false
    fi
    local kind
    for kind in prestart createRuntime poststart poststop; do
        assert_eq "$host_mnt" "$(field_of "$log" "$kind" mnt)" "$kind runs in the runtime's mount namespace"
        assert_eq "$host_pid" "$(field_of "$log" "$kind" pid)" "$kind runs in the runtime's pid namespace"
    done
    for kind in createContainer startContainer; do
        assert_eq "$c_mnt" "$(field_of "$log" "$kind" mnt)" "$kind runs in the container's mount namespace"
        assert_eq "$c_pid" "$(field_of "$log" "$kind" pid)" "$kind runs in the container's pid namespace"
    done
}

# Several hooks of one kind run in the order given.
case_order_within_kind() {
    local b id log=$T_CASE_DIR/log
    b=$(make_bundle within true)
    edit_config "$b" '.hooks = {createRuntime: [$a, $b, $c]}' \
        --argjson a "$(sh_hook "echo one >>$log")" \
        --argjson b "$(sh_hook "echo two >>$log")" \
        --argjson c "$(sh_hook "echo three >>$log")"
    id=$(new_id within)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id"
    assert_eq "$(printf 'one\ntwo\nthree')" "$(cat "$log")"
}

case_state_on_stdin() {
    local b id dir=$T_CASE_DIR/hooks pid kind status
    b=$(hooked_bundle state probe sleep 1000)
    id=$(new_id state)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null
    pid=$(pid_of "$id")
    oci start "$id"
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
    for kind in prestart createRuntime createContainer startContainer poststart poststop; do
        jq -e . "$dir/$kind.json" >/dev/null || { echo "$kind got no JSON state on stdin:" >&2; cat "$dir/$kind.json" >&2; false; }
        assert_eq "$id" "$(jq -r .id "$dir/$kind.json")" "$kind: id"
        assert_eq "$b" "$(jq -r .bundle "$dir/$kind.json")" "$kind: bundle"
        [ -n "$(jq -r '.ociVersion // empty' "$dir/$kind.json")" ] || { echo "$kind: no ociVersion" >&2; false; }
    done
    for kind in prestart createRuntime createContainer; do
        assert_eq creating "$(jq -r .status "$dir/$kind.json")" "$kind: status"
    done
    # The spec leaves startContainer's status open (runc says created): before the process runs.
    status=$(jq -r .status "$dir/startContainer.json")
    [ "$status" = created ] || [ "$status" = running ] ||
        { echo "startContainer: status $status, expected created or running" >&2; false; }
    assert_eq running "$(jq -r .status "$dir/poststart.json")" "poststart: status"
    assert_eq stopped "$(jq -r .status "$dir/poststop.json")" "poststop: status"
    # The pid is the container process's as the host sees it.
    for kind in prestart createRuntime createContainer startContainer poststart; do
        assert_eq "$pid" "$(jq -r .pid "$dir/$kind.json")" "$kind: pid"
    done
    # The recording hook's own parse of stdin agrees.
    assert_eq "$pid" "$(field_of "$dir/log" createRuntime statepid)"
    assert_eq creating "$(field_of "$dir/log" createRuntime status)"
}

case_args_env() {
    local b id dir=$T_CASE_DIR/hooks kind
    b=$(hooked_bundle argsenv)
    # args[0] is the program's argv[0], not its path.
    # shellcheck disable=SC2016
    edit_config "$b" '.hooks.prestart += [{path: "/bin/sh", args: ["custom-argv0", "-c", "cat >/dev/null; echo \"$0|$1|$2|$X\" >" + $out, "zero", "a b", ""],
                                           env: ["X=1=2"]}]' --arg out "$T_CASE_DIR/argv"
    id=$(new_id argsenv)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
    assert_eq 'zero|a b||1=2' "$(cat "$T_CASE_DIR/argv")" "args after argv[0] and env"
    for kind in prestart createRuntime createContainer startContainer poststart poststop; do
        assert_eq "rec-$kind" "$(field_of "$dir/log" "$kind" argv0)" "$kind: argv[0]"
        assert_eq "var-$kind" "$(field_of "$dir/log" "$kind" var)" "$kind: env"
        # The environment is the hook's env, not the runtime's.
        assert_not_contains "$(cat "$dir/$kind.env")" "OCIRUN=" "$kind: the runtime's environment leaked"
        assert_not_contains "$(cat "$dir/$kind.env")" "OCIRUN_TEST_TAG=" "$kind: the process's environment leaked"
        assert_contains "$(cat "$dir/$kind.env")" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "$kind: PATH"
    done
    # sh -c with "custom-argv0" as argv[0]: $0 is custom-argv0.
    # shellcheck disable=SC2016
    edit_config "$b" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["custom-argv0", "-c", "cat >/dev/null; echo $0 >" + $out]}]}' \
        --arg out "$T_CASE_DIR/argv0"
    oci create --bundle "$b" "$id"
    assert_eq custom-argv0 "$(cat "$T_CASE_DIR/argv0")"
}

# createContainer hooks run with the runtime's bounding set, startContainer hooks with the
# container's, however early the init drops it.
case_hook_bounding_sets() {
    local b id host
    b=$(make_bundle bset sh -c 'grep CapBnd /proc/self/status >/mnt/process')
    mkdir -p "$T_CASE_DIR/caps"
    edit_config "$b" '.mounts += [{destination: "/mnt", type: "bind", source: $dir, options: ["rbind"]}]
                      | .process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
                      | .hooks = {createContainer: [$cc], startContainer: [$sc]}' --arg dir "$T_CASE_DIR/caps" \
        --argjson cc "$(sh_hook "grep CapBnd /proc/self/status >$T_CASE_DIR/caps/createContainer")" \
        --argjson sc "$(sh_hook "grep CapBnd /proc/self/status >/mnt/startContainer")"
    id=$(new_id bset)
    t_defer oci delete --force "$id"
    oci run --bundle "$b" "$id" >/dev/null
    host=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
    assert_eq "$host" "$(awk '{ print $2 }' "$T_CASE_DIR/caps/createContainer")" "createContainer: the runtime's bounding set"
    assert_eq 0000000000000020 "$(awk '{ print $2 }' "$T_CASE_DIR/caps/startContainer")" "startContainer: the container's"
    assert_eq 0000000000000020 "$(awk '{ print $2 }' "$T_CASE_DIR/caps/process")" "the process: the container's"
}

# A hook that runs past its timeout is killed and fails the step.
case_timeout() {
    local b id start elapsed
    b=$(make_bundle timeout true)
    # The hook process is sleep itself, tagged, so the leak check sees it if it is not killed.
    # shellcheck disable=SC2016
    edit_config "$b" '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], env: [$tag], timeout: 1}],
                                poststop: [$rec]}' \
        --arg tag "OCIRUN_TEST_TAG=$T_ID_PREFIX" --argjson rec "$(sh_hook "echo poststop >>$T_CASE_DIR/log")"
    id=$(new_id timeout)
    t_defer oci delete --force "$id"
    start=$SECONDS
    assert_fails timeout 25 "$OCIRUN" --root "$T_ROOT" create --bundle "$b" "$id"
    elapsed=$((SECONDS - start))
    [ "$RC" -ne 124 ] || { echo "create waited for the hook past its timeout" >&2; false; }
    [ "$elapsed" -le 10 ] || { echo "create took ${elapsed}s with a 1s hook timeout" >&2; false; }
    assert_contains "$ERR" createRuntime
    assert_contains "$ERR" "timed out"
    assert_eq "" "$(state_dirs)" "a state dir was left"
    assert_eq poststop "$(cat "$T_CASE_DIR/log")" "poststop after the failed create"
    [ -z "$(pgrep -x -f 'sleep 30' | while read -r p; do grep -lF "OCIRUN_TEST_TAG=$T_ID_PREFIX" "/proc/$p/environ" 2>/dev/null; done)" ] ||
        { echo "the timed-out hook still runs" >&2; false; }

    # In the container too: a startContainer hook past its timeout fails start.
    # shellcheck disable=SC2016
    edit_config "$b" '.hooks = {startContainer: [{path: "/bin/sleep", args: ["sleep", "30"], env: [$tag], timeout: 1}]}
                      | .process.args = ["sh", "-c", "echo ran"]' --arg tag "OCIRUN_TEST_TAG=$T_ID_PREFIX"
    oci create --bundle "$b" "$id" >"$T_CASE_DIR/container.out"
    start=$SECONDS
    assert_fails timeout 25 "$OCIRUN" --root "$T_ROOT" start "$id"
    elapsed=$((SECONDS - start))
    [ "$RC" -ne 124 ] || { echo "start waited for the hook past its timeout" >&2; false; }
    [ "$elapsed" -le 10 ] || { echo "start took ${elapsed}s with a 1s hook timeout" >&2; false; }
    assert_contains "$ERR" startContainer
    sleep 0.5
    assert_eq "" "$(cat "$T_CASE_DIR/container.out")" "the process ran after its startContainer hook failed"
    oci delete --force "$id"
}

case_create_runtime_fails() {
    local b id log=$T_CASE_DIR/hooks/log
    b=$(hooked_bundle crfail)
    edit_config "$b" '.hooks.createRuntime = [$bad] + .hooks.createRuntime' \
        --argjson bad "$(sh_hook 'echo the-hook-said-no >&2; exit 3')"
    id=$(new_id crfail)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" createRuntime
    assert_contains "$ERR" the-hook-said-no "the hook's output in the error"
    assert_contains "$ERR" "exit status 3"
    assert_eq "" "$(state_dirs)" "a state dir was left"
    assert_fails oci state "$id"
    assert_eq "prestart poststop" "$(kinds_in "$log")" "the hooks that ran"
    # A hook whose path does not exist fails create the same way.
    : >"$log"
    edit_config "$b" '.hooks.createRuntime = [{path: "/no/such/hook"}]'
    assert_fails oci create --bundle "$b" "$id"
    [ "$RC" -ne 141 ] || { echo "create died of SIGPIPE: a hook that cannot run never reads the state (see case_hook_ignores_stdin)" >\&2; false; }
    assert_contains "$ERR" /no/such/hook
    assert_eq "" "$(state_dirs)"
    assert_eq "prestart poststop" "$(kinds_in "$log")"
}

case_create_container_fails() {
    local b id log=$T_CASE_DIR/hooks/log
    b=$(hooked_bundle ccfail)
    edit_config "$b" '.hooks.createContainer += [$bad]' --argjson bad "$(sh_hook 'exit 4')"
    id=$(new_id ccfail)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" createContainer
    assert_eq "" "$(state_dirs)" "a state dir was left"
    assert_eq "prestart createRuntime createContainer poststop" "$(kinds_in "$log")"
}

case_start_container_fails() {
    local b id log=$T_CASE_DIR/hooks/log pid
    b=$(hooked_bundle scfail)
    edit_config "$b" '.hooks.startContainer += [$bad]' --argjson bad "$(sh_hook 'echo sc-said-no >&2; exit 5')"
    id=$(new_id scfail)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id"
    pid=$(pid_of "$id")
    assert_fails oci start "$id"
    assert_contains "$ERR" startContainer
    assert_contains "$ERR" sc-said-no
    sleep 0.5
    [ ! -e "$T_CASE_DIR/hooks/process" ] || { echo "the process ran after its startContainer hook failed" >&2; false; }
    assert_eq "prestart createRuntime createContainer startContainer" "$(kinds_in "$log")" "poststart must not run"
    # The container is not running; delete cleans up and runs poststop.
    wait_until 10 test ! -d "/proc/$pid"
    assert_fails has_status "$id" running
    oci delete --force "$id"
    assert_eq "prestart createRuntime createContainer startContainer poststop" "$(kinds_in "$log")"
}

case_poststart_fails() {
    local b id log=$T_CASE_DIR/hooks/log pid
    b=$(hooked_bundle psfail probe sleep 1000)
    edit_config "$b" '.hooks.poststart = [$bad] + .hooks.poststart' \
        --argjson bad "$(sh_hook 'echo ps-said-no >&2; exit 6')"
    id=$(new_id psfail)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null
    pid=$(pid_of "$id")
    assert_fails oci start "$id"
    assert_contains "$ERR" poststart
    assert_contains "$ERR" ps-said-no
    # The container is killed and deleted, and poststop ran.
    wait_until 10 test ! -d "/proc/$pid"
    assert_fails oci state "$id"
    assert_contains "$ERR" "does not exist"
    assert_eq "" "$(state_dirs)" "a state dir was left"
    assert_eq "prestart createRuntime createContainer startContainer poststop" "$(kinds_in "$log")"
    # As after delete: poststop sees the container stopped, and its cgroup is gone.
    local bugs=() status left
    status=$(jq -r .status "$T_CASE_DIR/hooks/poststop.json")
    [ "$status" = stopped ] || bugs+=("poststop gets status \"$status\", not \"stopped\"")
    left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "$id" 2>/dev/null)
    if [ -n "$left" ]; then
        printf 'left behind:\n%s\n' "$left"
        find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -depth -type d -name "$id" -exec rmdir {} + 2>/dev/null
        bugs+=("the container's cgroup is left behind")
    fi
    if [ ${#bugs[@]} -gt 0 ]; then
        local IFS=';'
        { echo "after a failed poststart: ${bugs[*]}" >\&2; false; }
    fi
}

case_poststop_fails() {
    local b id log=$T_CASE_DIR/hooks/log
    b=$(hooked_bundle pstopfail)
    edit_config "$b" '.hooks.poststop = [$bad] + .hooks.poststop' \
        --argjson bad "$(sh_hook 'echo pstop-said-no >&2; exit 7')"
    id=$(new_id pstopfail)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    assert_exit 0 oci delete "$id"
    assert_contains "$ERR" poststop "a warning"
    assert_contains "$ERR" pstop-said-no
    assert_fails oci state "$id"
    assert_eq "" "$(state_dirs)"
    # The poststop hook after the failing one still ran.
    assert_eq "prestart createRuntime createContainer startContainer poststart poststop" "$(kinds_in "$log")"
}

# A hook need not read the state: one that exits at once (/bin/true) must not take ocirun down
# with SIGPIPE when the state is written to its stdin after it has gone. A race, so many tries.
case_hook_ignores_stdin() {
    local b id i rc died=()
    b=$(make_bundle nostdin true)
    edit_config "$b" '.hooks = {} | reduce ("prestart", "createRuntime", "poststart", "poststop") as $k
                      (.; .hooks[$k] = [range(10) | {path: "/bin/true"}])'
    for i in $(seq 15); do
        id=$(new_id nostdin)
        t_defer oci delete --force "$id"
        rc=0
        oci create --bundle "$b" "$id" || rc=$?
        [ "$rc" -eq 141 ] && died+=("create (prestart/createRuntime hooks)")
        [ "$rc" -eq 0 ] || { oci delete --force "$id" || true; continue; }
        rc=0
        oci start "$id" || rc=$?
        [ "$rc" -eq 141 ] && died+=("start (poststart hooks)")
        [ "$rc" -eq 0 ] || { oci delete --force "$id" || true; continue; }
        wait_until 10 has_status "$id" stopped
        rc=0
        oci delete "$id" || rc=$?
        [ "$rc" -eq 141 ] && died+=("delete (poststop hooks)")
        [ "$rc" -eq 0 ] || [ "$rc" -eq 141 ] || { echo "delete failed: exit $rc" >&2; false; }
        oci delete --force "$id" 2>/dev/null || true
    done
    if [ ${#died[@]} -gt 0 ]; then
        printf 'ocirun died of SIGPIPE (exit 141) in: %s\n' "${died[@]}"
        { echo "ocirun dies of SIGPIPE (exit 141) when a hook exits before it wrote the state to the hook's stdin (${#died[@]} of 45 steps)" >\&2; false; }
    fi
}

t_case "the six hooks run in order, each in its namespaces" case_order_and_namespaces
t_case "hooks of one kind run in the order given" case_order_within_kind
t_case "hooks get the state on stdin" case_state_on_stdin
t_case "hooks get their args and env" case_args_env
t_case "a hook past its timeout is killed and fails the step" case_timeout
t_case "a failing createRuntime hook fails create, leaves nothing, runs poststop" case_create_runtime_fails
t_case "a failing createContainer hook fails create and runs poststop" case_create_container_fails
t_case "a failing startContainer hook fails start" case_start_container_fails
t_case "a failing poststart hook fails start, deletes the container, runs poststop" case_poststart_fails
t_case "a failing poststop hook only warns" case_poststop_fails
t_case "a hook that does not read its stdin does not kill ocirun" case_hook_ignores_stdin
t_case "createContainer hooks keep the runtime's bounding set, startContainer hooks get the container's" case_hook_bounding_sets
t_done
