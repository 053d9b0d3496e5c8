#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # the cases are called through t_case, which sets T_CASE_DIR; jq and sh -c scripts in single quotes
# The container's own cgroup and what happens through it, on whatever layout the host has
# (v1 or hybrid: one cgroup per hierarchy, /sys/fs/cgroup/<controller>/ocirun/<id>; pure
# cgroup2, e.g. in the test VM of tests/vm/: /sys/fs/cgroup/ocirun/<id>):
#   - where the cgroup is (default path, linux.cgroupsPath), that it goes with the container and
#     that a failed create leaves none;
#   - that the limits of linux.resources are written where the kernel reads them and hold:
#     memory (OOM kill), pids (fork fails), cpu (throttled), devices (open refused);
#   - the commands that act through the cgroup: pause/resume, ps, events --stats, update,
#     kill --all, and exec joining the cgroup.
# Values are checked from the host (the cgroup files) and, where the container sees its own
# cgroup (the default cgroup namespace and mount), from inside.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

t_require_cgroup_layout   # sets LAYOUT: v2, hybrid or v1

# --- where the cgroups are ---------------------------------------------------------------------

# The mountpoints of the host's cgroup hierarchies at or below /sys/fs/cgroup, one a line.
hierarchy_mounts() {
    awk '{ for (i = 7; $i != "-"; i++) ;
           if (($5 == "/sys/fs/cgroup" || $5 ~ "^/sys/fs/cgroup/") && ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2")) print $5 }' \
        /proc/self/mountinfo | sort -u
}

# The directory of the hierarchy that has CONTROLLER: the v1 mount whose options name it, or on
# v2 /sys/fs/cgroup when the root offers it. Fails when the host has no such controller.
ctrl_root() {
    local c=$1 m
    if [ "$LAYOUT" = v2 ]; then
        grep -qw -- "$c" /sys/fs/cgroup/cgroup.controllers 2>/dev/null || return 1
        echo /sys/fs/cgroup
        return 0
    fi
    m=$(awk -v c="$c" '{ for (i = 7; $i != "-"; i++) ;
            if ($(i + 1) != "cgroup" || $5 !~ "^/sys/fs/cgroup/") next
            n = split($(i + 3), o, ","); for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit } }' /proc/self/mountinfo)
    [ -n "$m" ] || return 1
    echo "$m"
}

have_ctrl() {
    ctrl_root "$1" >/dev/null
}

# The directory of container ID's cgroup (default path /ocirun/ID) for CONTROLLER on the host.
cg_dir() {
    local root
    root=$(ctrl_root "$1") || { echo "no $1 controller on this host" >&2; return 1; }
    echo "$root/ocirun/$2"
}

# The same file as the container sees it at /sys/fs/cgroup: the root of each hierarchy there is
# its own cgroup (see test_cgroup_mount.sh), so CONTROLLER's mountpoint is the same path.
inside_file() {
    local root
    root=$(ctrl_root "$1") || return 1
    echo "$root/$2"
}

# The lines of /proc/PID/cgroup (host view) for the hierarchies mounted under /sys/fs/cgroup,
# the ones the runtime puts a container in: "0::PATH" for cgroup2 (v2 or hybrid), and on v1 and
# hybrid hosts "N:CONTROLLERS:PATH" where a v1 mount has the first controller.
mounted_cgroup_lines() {
    local line ctrls
    while IFS= read -r line; do
        ctrls=${line#*:}
        ctrls=${ctrls%%:*}
        if [ -z "$ctrls" ]; then
            [ "$LAYOUT" = v1 ] && continue
        else
            [ "$LAYOUT" = v2 ] && continue
            have_ctrl "${ctrls%%,*}" || continue
        fi
        printf '%s\n' "$line"
    done <"/proc/$1/cgroup"
}

# Every cgroup directory named ID (or under a directory named ID) anywhere under /sys/fs/cgroup.
cgroups_named() {
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "$1" 2>/dev/null | sort
}

# Value KEY of a flat-keyed cgroup file ("oom_kill 1" lines), 0 when absent.
keyed_value() {
    awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}

# --- containers --------------------------------------------------------------------------------

# Creates a bundle with ARGS... and prints its path; FILTER (jq, may be empty) edits the config.
bundle_with() {
    local name=$1 filter=$2 b
    shift 2
    b=$(make_bundle "$name" "$@")
    [ -z "$filter" ] || edit_config "$b" "$filter"
    echo "$b"
}

# Starts BUNDLE detached under a fresh id (hint HINT) and prints the id. It runs in a command
# substitution, where a t_defer would be lost: the caller defers the delete itself
# (`id=$(start "$b" hint); t_defer oci delete --force "$id"`).
start() {
    local id
    id=$(new_id "${2:-cg}")
    oci run -d --bundle "$1" "$id" >/dev/null
    echo "$id"
}

# The pids of container ID according to `ps --format json`, sorted, one a line.
ps_pids() {
    oci ps --format json "$1" | jq -r '.[]' | sort -n
}

# Succeeds when container ID has at least N processes (for wait_until).
has_procs_ge() {
    [ "$(ps_pids "$1" | grep -c .)" -ge "$2" ]
}

# Succeeds when container ID's processes are exactly PIDS (sorted, one a line).
has_procs() {
    [ "$(ps_pids "$1")" = "$2" ]
}

# Succeeds when FILE has at least N lines with TEXT.
has_lines_ge() {
    [ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

# Succeeds when process PID is gone or a zombie.
is_gone() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
    stat=${stat##*) }
    [ "${stat%% *}" = Z ]
}

# Prints the pid in the file written by exec --pid-file, once it is there.
read_pid_file() {
    wait_until 30 test -s "$1"
    cat "$1"
}

# --- cases: where the cgroup is ------------------------------------------------------------------

# While the container runs, its cgroup is /ocirun/<id> in every hierarchy (and holds the init);
# after delete no cgroup of that name is left anywhere.
case_default_path() {
    local b id pid want line dir
    b=$(make_bundle path probe sleep 1000)
    id=$(start "$b" path)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    if [ "$LAYOUT" = v2 ]; then
        dir=/sys/fs/cgroup/ocirun/$id
    else
        have_ctrl memory || skip "no v1 memory hierarchy on this $LAYOUT host"
        dir=$(ctrl_root memory)/ocirun/$id
    fi
    [ -d "$dir" ] || { echo "no cgroup directory $dir while the container runs" >&2; false; }
    file_has_line "$dir/cgroup.procs" "$pid" || {
        echo "the init (pid $pid) is not in $dir/cgroup.procs:" >&2
        cat "$dir/cgroup.procs" >&2
        false
    }
    # Every hierarchy the init is in (host view of /proc/PID/cgroup): the same path.
    want=/ocirun/$id
    while IFS= read -r line; do
        assert_eq "$want" "${line#*:*:}" "the init's cgroup in /proc/$pid/cgroup line '$line'"
    done < <(mounted_cgroup_lines "$pid")
    # ... and the directory exists in each host hierarchy.
    local m n=0
    for m in $(hierarchy_mounts); do
        [ "$m" = /sys/fs/cgroup ] && [ "$LAYOUT" != v2 ] && continue
        [ -d "$m$want" ] || { echo "no $m$want while the container runs" >&2; false; }
        n=$((n + 1))
    done
    echo "$n hierarchies hold $want"
    oci delete --force "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left after delete"
}

# An absolute linux.cgroupsPath is the path in every hierarchy; the default path is not used.
case_cgroups_path_absolute() {
    local b id pid parent line dir
    parent=/ocirun-test-$T_ID_PREFIX
    b=$(make_bundle abs probe sleep 1000)
    id=$(new_id abs)
    edit_config "$b" '.linux.cgroupsPath = $p' --arg p "$parent/$id"
    # The runtime makes the parent and leaves it (as runc does): remove it after the delete.
    t_defer find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "${parent#/}" -exec rmdir {} +
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    pid=$(pid_of "$id")
    while IFS= read -r line; do
        assert_eq "$parent/$id" "${line#*:*:}" "the init's cgroup in /proc/$pid/cgroup line '$line'"
    done < <(mounted_cgroup_lines "$pid")
    if [ "$LAYOUT" = v2 ]; then
        dir=/sys/fs/cgroup$parent/$id
    else
        dir=$(ctrl_root memory || ctrl_root pids || ctrl_root freezer)$parent/$id
    fi
    file_has_line "$dir/cgroup.procs" "$pid" || { echo "the init (pid $pid) is not in $dir/cgroup.procs" >&2; false; }
    assert_eq "" "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/ocirun/*' -name "$id")" \
        "cgroups at the default path"
    oci delete --force "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left after delete"
}

# A create that fails leaves no cgroup: a missing executable (found late, in the container) and a
# limit the kernel refuses (a CFS quota below its 1 ms minimum).
case_failed_create() {
    local b id
    b=$(make_bundle fail /no/such/executable)
    id=$(new_id fail)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left by a create whose executable is missing"
    assert_fails oci run --bundle "$b" "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left by a run whose executable is missing"
    if ! have_ctrl cpu; then
        echo "no cpu controller: the refused limit is not tried"
        return 0
    fi
    b=$(bundle_with failq '.linux.resources.cpu = {quota: 500, period: 100000}' probe sleep 1000)
    id=$(new_id failq)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "linux.resources.cpu" "the error names the refused resource"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left by a create with a refused limit"
}

# --- cases: limits hold ----------------------------------------------------------------------------

# 32 MiB of memory and no swap: filling a tmpfs (charged to the writer's memory cgroup) with 200
# MiB gets the writer OOM-killed; the cgroup counts the OOM kill and never went over the limit.
case_memory_limit() {
    have_ctrl memory || skip "no memory controller on this host"
    local limit=$((32 << 20)) swap b id out rc dir limit_file swap_file
    # swap = limit: no swap. Where v1 does not account swap (no memory.memsw.*) no swap limit can
    # be set: fine on a host without swap, else the writer would be swapped out, not killed.
    if [ "$LAYOUT" != v2 ] && [ ! -e "$(ctrl_root memory)/memory.memsw.limit_in_bytes" ] && [ "$(grep -c . /proc/swaps)" -gt 1 ]; then
        skip "swap is on and the v1 memory controller does not account it (no memory.memsw.*): swap cannot be forbidden"
    fi
    b=$(make_bundle mem probe sleep 1000)
    swap=$limit
    [ "$LAYOUT" = v2 ] || [ -e "$(ctrl_root memory)/memory.memsw.limit_in_bytes" ] || swap=0
    # /dev/shm big enough that only the memory limit can stop the writer.
    edit_config "$b" '.linux.resources.memory = ({limit: $l} + if $s > 0 then {swap: $s} else {} end)
        | (.mounts[] | select(.destination == "/dev/shm") | .options) |= (map(select(startswith("size=") | not)) + ["size=256m"])' \
        --argjson l "$limit" --argjson s "$swap"
    id=$(start "$b" mem)
    t_defer oci delete --force "$id"
    dir=$(cg_dir memory "$id")
    if [ "$LAYOUT" = v2 ]; then
        limit_file=memory.max swap_file=memory.swap.max
        assert_eq "$limit" "$(cat "$dir/memory.max")" "memory.max"
        [ ! -e "$dir/memory.swap.max" ] || assert_eq 0 "$(cat "$dir/memory.swap.max")" "memory.swap.max (swap = limit: none)"
    else
        limit_file=memory.limit_in_bytes swap_file=memory.memsw.limit_in_bytes
        assert_eq "$limit" "$(cat "$dir/memory.limit_in_bytes")" "memory.limit_in_bytes"
        [ ! -e "$dir/memory.memsw.limit_in_bytes" ] ||
            assert_eq "$limit" "$(cat "$dir/memory.memsw.limit_in_bytes")" "memory.memsw.limit_in_bytes"
    fi
    echo "$limit_file=$(cat "$dir/$limit_file") $swap_file=$(cat "$dir/$swap_file" 2>/dev/null || echo absent)"
    # One exec (they are slow in the VM): the limit as the container sees it at its
    # /sys/fs/cgroup, then the writer.
    rc=0
    out=$(oci exec "$id" sh -c 'echo "limit=$(cat "$1")"; dd if=/dev/zero of=/dev/shm/big bs=1M count=200 2>&1; echo "dd=$?"' \
        sh "$(inside_file memory "$limit_file")") || rc=$?
    echo "exec rc=$rc, output:"
    printf '%s\n' "$out"
    assert_eq "$limit" "$(probe_get "$out" limit)" "$limit_file inside"
    # dd or the shell around it was SIGKILLed (137), never completed.
    assert_not_contains "$out" "dd=0" "dd wrote 200 MiB under a 32 MiB limit"
    if [ "$rc" -ne 137 ]; then
        assert_contains "$out" "dd=137" "dd killed by SIGKILL (the OOM killer)"
    fi
    local oom failcnt
    if [ "$LAYOUT" = v2 ]; then
        oom=$(keyed_value "$dir/memory.events" oom_kill)
        failcnt=$(keyed_value "$dir/memory.events" max)
        cat "$dir/memory.events"
        if [ -e "$dir/memory.peak" ]; then
            [ "$(cat "$dir/memory.peak")" -le "$limit" ] ||
                { echo "memory.peak $(cat "$dir/memory.peak") above the limit $limit" >&2; false; }
        fi
    else
        oom=$(keyed_value "$dir/memory.oom_control" oom_kill)
        failcnt=$(cat "$dir/memory.failcnt")
        cat "$dir/memory.oom_control"
        echo "memory.failcnt=$failcnt memory.max_usage_in_bytes=$(cat "$dir/memory.max_usage_in_bytes")"
        [ "$(cat "$dir/memory.max_usage_in_bytes")" -le "$limit" ] ||
            { echo "memory.max_usage_in_bytes above the limit $limit" >&2; false; }
    fi
    echo "oom_kill=$oom failed charges=$failcnt"
    [ "$oom" -ge 1 ] || { echo "no oom_kill counted in the container's cgroup" >&2; false; }
    oci delete --force "$id"
}

# pids.max 10: a shell forking 20 sleeps gets "can't fork" at the limit.
case_pids_limit() {
    have_ctrl pids || skip "no pids controller on this host"
    local b id dir
    b=$(bundle_with pids '.linux.resources.pids = {limit: 10}' probe sleep 1000)
    id=$(start "$b" pids)
    t_defer oci delete --force "$id"
    dir=$(cg_dir pids "$id")
    assert_eq 10 "$(cat "$dir/pids.max")" "pids.max on the host"
    assert_fails oci exec "$id" sh -c 'echo "max=$(cat "$1")"; for i in $(seq 20); do sleep 5 & done; wait; echo all-forked' \
        sh "$(inside_file pids pids.max)"
    echo "exec rc=$RC stdout=$OUT stderr=$ERR"
    assert_eq 10 "$(probe_get "$OUT" max)" "pids.max inside"
    assert_not_contains "$OUT" all-forked
    [[ $ERR == *"can't fork"* || $ERR == *"Resource temporarily unavailable"* ]] ||
        { echo "no fork failure in the shell's stderr: $ERR" >&2; false; }
    [ "$(cat "$dir/pids.current")" -le 10 ] || { echo "pids.current $(cat "$dir/pids.current") above 10" >&2; false; }
    [ "$(keyed_value "$dir/pids.events" max)" -ge 1 ] || { echo "pids.events counts no refused fork:" >&2; cat "$dir/pids.events" >&2; false; }
    oci delete --force "$id"
}

# cpu shares, quota and period land in cpu.shares/cpu.cfs_* (v1) or cpu.weight/cpu.max (v2), and
# the quota throttles a busy loop.
case_cpu() {
    have_ctrl cpu || skip "no cpu controller on this host"
    local b id dir out
    b=$(bundle_with cpu '.linux.resources.cpu = {shares: 512, quota: 20000, period: 100000}' probe sleep 1000)
    id=$(start "$b" cpu)
    t_defer oci delete --force "$id"
    dir=$(cg_dir cpu "$id")
    # The files as the container sees them, then a second of busy loop under the 20% quota.
    out=$(oci exec "$id" sh -c 'cd "$1" && for f in cpu.max cpu.cfs_quota_us cpu.cfs_period_us cpu.shares; do
                                    [ ! -e "$f" ] || echo "$f=$(cat "$f")"; done
                                timeout 1 sh -c "while :; do :; done"; true' sh "$(ctrl_root cpu)")
    printf '%s\n' "$out"
    if [ "$LAYOUT" = v2 ]; then
        assert_eq "20000 100000" "$(cat "$dir/cpu.max")" "cpu.max"
        # shares 512 -> weight as crun and runc >= 1.3 convert it (quadratic in log2(shares)).
        assert_eq 59 "$(cat "$dir/cpu.weight")" "cpu.weight for shares 512"
        assert_eq "20000 100000" "$(probe_get "$out" cpu.max)" "cpu.max inside"
    else
        [ -e "$dir/cpu.cfs_quota_us" ] || skip "the kernel has no CFS bandwidth control (cpu.cfs_quota_us)"
        assert_eq 20000 "$(cat "$dir/cpu.cfs_quota_us")" "cpu.cfs_quota_us"
        assert_eq 100000 "$(cat "$dir/cpu.cfs_period_us")" "cpu.cfs_period_us"
        assert_eq 512 "$(cat "$dir/cpu.shares")" "cpu.shares"
        assert_eq 20000 "$(probe_get "$out" cpu.cfs_quota_us)" "cpu.cfs_quota_us inside"
        assert_eq 100000 "$(probe_get "$out" cpu.cfs_period_us)" "cpu.cfs_period_us inside"
        assert_eq 512 "$(probe_get "$out" cpu.shares)" "cpu.shares inside"
    fi
    local throttled
    throttled=$(keyed_value "$dir/cpu.stat" nr_throttled)
    cat "$dir/cpu.stat"
    [ "$throttled" -ge 1 ] || { echo "a busy loop under a 20% quota was never throttled" >&2; false; }
    oci delete --force "$id"
}

# Whether this process has capability number N in its bounding set.
have_bounding_cap() {
    local bnd
    bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
    [ $(((16#$bnd >> $1) & 1)) -eq 1 ]
}

# The default device policy (deny all, then the default allow list): the usual character devices
# work, a block device node the container makes itself (CAP_MKNOD) or gets from linux.devices
# cannot be opened; an allow rule in linux.resources.devices lets it through.
case_devices() {
    have_bounding_cap 27 || skip "no CAP_MKNOD here: the container cannot mknod"
    if [ "$LAYOUT" != v2 ]; then
        have_ctrl devices || skip "no v1 devices hierarchy on this $LAYOUT host"
    fi
    local script b out
    script='
        printf "zero=%s\n" "$(head -c1 /dev/zero | wc -c)"
        echo x >/dev/null && echo null=ok
        mknod /dev/sdx b 8 0 && echo mknod=ok
        head -c1 /dev/sdx >/dev/null 2>/dev/shm/err; echo "sdx=$(cat /dev/shm/err)"
        head -c1 /dev/sdy >/dev/null 2>/dev/shm/err; echo "sdy=$(cat /dev/shm/err)"'
    b=$(bundle_with dev '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
        | .linux.devices = [{path: "/dev/sdy", type: "b", major: 8, minor: 0, fileMode: 384, uid: 0, gid: 0}]' \
        sh -c "$script")
    local id
    id=$(new_id dev)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    printf '%s\n' "$out"
    assert_eq 1 "$(probe_get "$out" zero)" "head -c1 /dev/zero"
    assert_eq ok "$(probe_get "$out" null)" "writing /dev/null"
    assert_eq ok "$(probe_get "$out" mknod)" "mknod b 8 0 with CAP_MKNOD (the default rules allow mknod)"
    assert_contains "$(probe_get "$out" sdx)" "Operation not permitted" "opening a block device the container made"
    assert_contains "$(probe_get "$out" sdy)" "Operation not permitted" "opening a linux.devices block device without an allow rule"
    # With an allow rule for 8:0 the device cgroup lets the open through (it may still fail for
    # want of a driver: ENXIO, not EPERM).
    edit_config "$b" '.linux.resources.devices += [{allow: true, type: "b", major: 8, minor: 0, access: "rw"}]'
    id=$(new_id devok)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    printf '%s\n' "$out"
    assert_not_contains "$(probe_get "$out" sdx)" "Operation not permitted" "b 8:0 allowed by a rule"
    assert_not_contains "$(probe_get "$out" sdy)" "Operation not permitted" "b 8:0 allowed by a rule"
    assert_eq 1 "$(probe_get "$out" zero)" "head -c1 /dev/zero with the extra rule"
}

# --- cases: the commands ---------------------------------------------------------------------------

# Lines in the container's /dev/shm/ticks (the init appends one every 0.1 s), read from the host.
ticks() {
    local n
    n=$(wc -l <"/proc/$1/root/dev/shm/ticks" 2>/dev/null) || n=0
    echo "${n:-0}"
}

ticks_above() {
    [ "$(ticks "$1")" -gt "$2" ]
}

# pause freezes the cgroup (the init stops counting, exec is refused), resume thaws it (counting
# goes on), and a paused container can be deleted with --force.
case_pause_resume() {
    local b id pid c1 dir
    [ "$LAYOUT" = v2 ] || have_ctrl freezer || skip "no v1 freezer hierarchy on this $LAYOUT host"
    b=$(make_bundle pause sh -c 'while :; do echo x >>/dev/shm/ticks; sleep 0.1; done')
    id=$(start "$b" pause)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    if [ "$LAYOUT" = v2 ]; then
        dir=/sys/fs/cgroup/ocirun/$id
        [ -e "$dir/cgroup.freeze" ] || skip "this kernel's cgroup2 has no cgroup.freeze (Linux < 5.2)"
    else
        dir=$(cg_dir freezer "$id")
    fi
    wait_until 60 ticks_above "$pid" 2

    oci pause "$id"
    assert_eq paused "$(status_of "$id")"
    if [ "$LAYOUT" = v2 ]; then
        assert_eq 1 "$(cat "$dir/cgroup.freeze")" "cgroup.freeze"
        assert_eq 1 "$(keyed_value "$dir/cgroup.events" frozen)" "frozen in cgroup.events"
    else
        assert_eq FROZEN "$(cat "$dir/freezer.state")" "freezer.state"
    fi
    c1=$(ticks "$pid")
    sleep 1.5
    assert_eq "$c1" "$(ticks "$pid")" "ticks while paused"
    assert_fails oci exec "$id" true
    assert_contains "$ERR" paused "exec into a paused container"
    assert_eq paused "$(status_of "$id")" "after the refused exec"
    # (the loop's `sleep` may be frozen beside it)
    ps_pids "$id" | grep -qxF "$pid" || { echo "ps of the paused container does not list its init $pid" >&2; false; }

    oci resume "$id"
    assert_eq running "$(status_of "$id")"
    if [ "$LAYOUT" = v2 ]; then
        assert_eq 0 "$(cat "$dir/cgroup.freeze")" "cgroup.freeze after resume"
    else
        assert_eq THAWED "$(cat "$dir/freezer.state")" "freezer.state after resume"
    fi
    wait_until 30 ticks_above "$pid" "$c1"
    # resume of a running container is refused.
    assert_fails oci resume "$id"

    oci pause "$id"
    assert_fails oci delete "$id"
    assert_eq paused "$(status_of "$id")" "after delete without --force"
    oci delete --force "$id"
    assert_fails oci state "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left after delete --force of a paused container"
    wait_until 10 is_gone "$pid"
}

# exec'd processes, detached or not, join the container's cgroup in every hierarchy (their
# /proc/PID/cgroup, host view, is the init's); ps --format json lists exactly the container's
# processes, the table ps's header and one line for each.
case_exec_ps() {
    local b id pid epid fg other out want lines
    b=$(make_bundle execps probe sleep 1000)
    id=$(start "$b" execps)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    assert_eq "$pid" "$(ps_pids "$id")" "ps --format json with the init alone"
    local init_cg
    init_cg=$(mounted_cgroup_lines "$pid")
    assert_contains "$init_cg" "/ocirun/$id"
    oci exec -d --pid-file "$T_CASE_DIR/exec.pid" "$id" probe sleep 999
    epid=$(read_pid_file "$T_CASE_DIR/exec.pid")
    assert_eq "$init_cg" "$(mounted_cgroup_lines "$epid")" "/proc/$epid/cgroup of a detached exec"
    oci exec "$id" probe sleep 998 &
    fg=$!
    wait_until 60 has_procs_ge "$id" 3
    other=$(ps_pids "$id" | grep -vxF -e "$pid" -e "$epid")
    assert_eq "$init_cg" "$(mounted_cgroup_lines "$other")" "/proc/$other/cgroup of a foreground exec"

    want=$(printf '%s\n' "$pid" "$epid" "$other" | sort -n)
    assert_eq "$want" "$(ps_pids "$id")" "ps --format json"
    out=$(oci ps "$id")
    printf '%s\n' "$out"
    assert_contains "$(head -n1 <<<"$out")" PID "the header"
    lines=$(tail -n +2 <<<"$out")
    assert_eq 3 "$(grep -c . <<<"$lines")" "lines below the header"
    assert_contains "$lines" "probe sleep 1000"
    assert_contains "$lines" "probe sleep 999"
    assert_contains "$lines" "probe sleep 998"
    local col p
    col=$(head -n1 <<<"$out" | awk '{ for (i = 1; i <= NF; i++) if ($i == "PID") print i }')
    while read -r p; do
        grep -qxF "$p" <<<"$want" || { echo "ps shows pid $p, not one of the container's" >&2; false; }
    done < <(awk -v c="$col" '{ print $c }' <<<"$lines")
    oci delete --force "$id"
    wait "$fg" || true
    assert_fails oci ps --format json "$id"
}

# events --stats prints one JSON object (type stats, the id, memory and pids figures of the
# cgroup); update changes the cgroup files (runc's flags; a LinuxResources on stdin whose zero
# fields leave values alone; a file), and events follows; events --interval streams until the
# container stops.
case_events_update() {
    local b id out mem pids memfile=memory.limit_in_bytes
    [ "$LAYOUT" = v2 ] && memfile=memory.max
    b=$(bundle_with evupd '.linux.resources.memory = {limit: 134217728} | .linux.resources.pids = {limit: 10}
        | .linux.resources.cpu = {shares: 512, quota: 50000, period: 100000}' probe sleep 1000)
    id=$(start "$b" evupd)
    t_defer oci delete --force "$id"

    out=$(oci events --stats "$id")
    printf '%s\n' "$out"
    assert_eq 1 "$(grep -c . <<<"$out")" "events --stats prints one line"
    assert_eq stats "$(jq -r .type <<<"$out")"
    assert_eq "$id" "$(jq -r .id <<<"$out")"
    jq -e '.data | type == "object"' <<<"$out" >/dev/null
    if have_ctrl pids; then
        assert_eq 1 "$(jq -r .data.pids.current <<<"$out")" "data.pids.current (the init alone)"
        assert_eq 10 "$(jq -r .data.pids.limit <<<"$out")" "data.pids.limit"
    fi
    if have_ctrl memory; then
        assert_eq 134217728 "$(jq -r .data.memory.usage.limit <<<"$out")" "data.memory.usage.limit"
        jq -e '.data.memory.usage.usage > 0' <<<"$out" >/dev/null ||
            { echo "data.memory.usage.usage is not above 0" >&2; false; }
    fi

    if have_ctrl memory && have_ctrl pids; then
        mem=$(cg_dir memory "$id")
        pids=$(cg_dir pids "$id")
        assert_eq 134217728 "$(cat "$mem/$memfile")" "$memfile before update"
        assert_eq 10 "$(cat "$pids/pids.max")" "pids.max before update"
        oci update --memory 64m --pids-limit 15 "$id"
        assert_eq 67108864 "$(cat "$mem/$memfile")" "$memfile after update --memory 64m"
        assert_eq 15 "$(cat "$pids/pids.max")" "pids.max after update --pids-limit 15"
        assert_eq 15 "$(oci exec "$id" cat "$(inside_file pids pids.max)")" "pids.max inside after update"
        out=$(oci events --stats "$id")
        assert_eq 67108864 "$(jq -r .data.memory.usage.limit <<<"$out")" "data.memory.usage.limit after update"
        assert_eq 15 "$(jq -r .data.pids.limit <<<"$out")" "data.pids.limit after update"
    else
        echo "no memory or pids controller: update --memory/--pids-limit not checked"
    fi

    if have_ctrl cpu; then
        local cpu shares_before
        cpu=$(cg_dir cpu "$id")
        quota() {
            if [ "$LAYOUT" = v2 ]; then cat "$cpu/cpu.max"; else echo "$(cat "$cpu/cpu.cfs_quota_us") $(cat "$cpu/cpu.cfs_period_us")"; fi
        }
        shares() {
            if [ "$LAYOUT" = v2 ]; then cat "$cpu/cpu.weight"; else cat "$cpu/cpu.shares"; fi
        }
        assert_eq "50000 100000" "$(quota)" "cpu quota and period untouched by update --memory/--pids-limit"
        shares_before=$(shares)
        echo '{"memory": {"limit": 100663296, "reservation": 0, "swap": 0},
               "cpu": {"shares": 0, "quota": 20000, "period": 0},
               "pids": {"limit": 0}}' | oci update --resources - "$id"
        assert_eq "20000 100000" "$(quota)" "quota from stdin, period 0 left alone"
        assert_eq "$shares_before" "$(shares)" "shares 0 left alone"
    else
        echo '{"memory": {"limit": 100663296, "reservation": 0, "swap": 0}, "pids": {"limit": 0}}' |
            oci update --resources - "$id"
    fi
    if have_ctrl memory && have_ctrl pids; then
        assert_eq 100663296 "$(cat "$mem/$memfile")" "$memfile from update --resources -"
        assert_eq 15 "$(cat "$pids/pids.max")" "pids.max: limit 0 left alone"
        echo '{"pids": {"limit": 12}}' >"$T_CASE_DIR/res.json"
        oci update --resources "$T_CASE_DIR/res.json" "$id"
        assert_eq 12 "$(cat "$pids/pids.max")" "pids.max from update --resources FILE"
        echo '{"pids": {"limit": "many"}}' >"$T_CASE_DIR/bad.json"
        assert_fails oci update --resources "$T_CASE_DIR/bad.json" "$id"
        assert_eq 12 "$(cat "$pids/pids.max")" "pids.max after a refused update"
    fi
    assert_fails oci update --pids-limit 5 "no-such-container-$id"

    local ev rc=0
    oci events --interval 200ms "$id" >"$T_CASE_DIR/events" 2>&1 &
    ev=$!
    wait_until 60 has_lines_ge "$T_CASE_DIR/events" '"type":"stats"' 2
    oci kill "$id" KILL
    wait_until 30 has_status "$id" stopped
    wait_until 30 is_gone "$ev" || {
        kill "$ev"
        false
    }
    wait "$ev" || rc=$?
    assert_eq 0 "$rc" "events --interval exits 0 once the container stopped"
    assert_fails oci events --stats "$id"
    assert_fails oci update --pids-limit 5 "$id"
    oci delete --force "$id"
}

# events streams {"type":"oom","id":...} when the kernel OOM-kills in the container's cgroup
# (v1: memory.oom_control through cgroup.event_control; v2: memory.events), and only then.
case_events_oom() {
    have_ctrl memory || skip "no memory controller on this host"
    local limit=$((32 << 20)) swap=$((32 << 20)) b id ev out rc=0
    if [ "$LAYOUT" != v2 ] && [ ! -e "$(ctrl_root memory)/memory.memsw.limit_in_bytes" ]; then
        [ "$(grep -c . /proc/swaps)" -le 1 ] || skip "swap is on and the v1 memory controller does not account it"
        swap=0
    fi
    b=$(bundle_with evoom "" probe sleep 1000)
    edit_config "$b" '.linux.resources.memory = ({limit: $l} + if $s > 0 then {swap: $s} else {} end)' \
        --argjson l "$limit" --argjson s "$swap"
    id=$(start "$b" evoom)
    t_defer oci delete --force "$id"
    oci events --interval 1s "$id" >"$T_CASE_DIR/events" 2>"$T_CASE_DIR/events.err" &
    ev=$!
    t_defer sh -c "kill $ev 2>/dev/null || true"
    # The first stats event comes after the OOM watch is set up.
    wait_until 60 has_lines_ge "$T_CASE_DIR/events" '"type":"stats"' 1
    out=$(oci exec "$id" probe alloc 8)
    assert_eq ok "$out" "8 MiB fit under the limit"
    # Past the limit: the OOM killer ends the allocating process, the container goes on.
    oci exec "$id" probe alloc 200 || rc=$?
    assert_eq 137 "$rc" "probe alloc 200 under a 32 MiB limit: SIGKILL"
    wait_until 30 has_lines_ge "$T_CASE_DIR/events" '"type":"oom"' 1 || {
        cat "$T_CASE_DIR/events" "$T_CASE_DIR/events.err"
        false
    }
    out=$(grep '"type":"oom"' "$T_CASE_DIR/events" | head -n1)
    assert_eq "{\"type\":\"oom\",\"id\":\"$id\"}" "$out" "the oom event as runc prints it"
    assert_eq running "$(status_of "$id")"
    oci delete --force "$id"
    wait_until 30 is_gone "$ev"
}

# kill --all signals every process in the container's cgroup: the exec'd ones die of SIGTERM,
# which the init (no handler, pid namespace init) ignores; kill without --all reaches the init
# only. --all KILL then ends the container.
case_kill_all() {
    local b id pid n
    b=$(make_bundle killall probe sleep 1000)
    id=$(start "$b" killall)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    oci exec -d "$id" probe sleep 998
    oci exec -d "$id" sh -c 'probe sleep 997 & probe sleep 996; wait'
    wait_until 60 has_procs_ge "$id" 5
    n=$(ps_pids "$id" | grep -c .)
    echo "processes: $n"
    oci kill "$id" TERM
    sleep 0.5
    assert_eq "$n" "$(ps_pids "$id" | grep -c .)" "processes after kill TERM without --all"
    oci kill --all "$id" TERM
    wait_until 30 has_procs "$id" "$pid" || {
        echo "left after kill --all TERM:" >&2
        ps_pids "$id" | while read -r p; do echo "  $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2; done
        false
    }
    assert_eq running "$(status_of "$id")" "the init ignores SIGTERM"
    oci exec -d "$id" probe sleep 995
    wait_until 30 has_procs_ge "$id" 2
    oci kill --all "$id" KILL
    wait_until 30 has_status "$id" stopped
    assert_eq "" "$(ps_pids "$id")" "processes after kill --all KILL"
    oci delete "$id"
    assert_eq "" "$(cgroups_named "$id")" "cgroups left after delete"
}

t_case "the container's cgroup is /ocirun/<id> in every hierarchy while it runs, gone after delete" case_default_path
t_case "an absolute linux.cgroupsPath is honoured" case_cgroups_path_absolute
t_case "a failed create leaves no cgroup" case_failed_create
t_case "memory limit 32 MiB, no swap: a 200 MiB tmpfs writer is OOM-killed" case_memory_limit
t_case "pids limit 10: forking 20 sleeps fails" case_pids_limit
t_case "cpu shares, quota and period in the cgroup files, inside too; the quota throttles" case_cpu
t_case "devices: defaults usable, block devices denied unless allowed" case_devices
t_case "pause freezes and resume thaws; exec refused while paused; delete --force of a paused container" case_pause_resume
t_case "exec'd processes join the container's cgroup; ps lists them (json and table)" case_exec_ps
t_case "events --stats; update (flags, --resources - with zeros unchanged, FILE); events --interval" case_events_update
t_case "events streams an oom event when the OOM killer acts in the cgroup" case_events_oom
t_case "kill --all signals every process in the cgroup" case_kill_all
t_done
