#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # cases are called through t_case (which sets T_CASE_DIR); scripts for the container
# Rootless ocirun: an unprivileged user made for this file (with /etc/subuid and /etc/subgid
# ranges, removed again at exit) runs containers from its own copy of the rootfs, with a
# clean environment and its own XDG_RUNTIME_DIR: the id mappings (its own ids, and ranges
# through newuidmap/newgidmap), the lifecycle and exec, /sys and the cgroupfs read-only inside
# (T-ROOTLESS-1, CVE-2023-25809), devices bound from the host, the cgroup policy without
# delegation, the state root, and rootless Podman with ocirun as its runtime.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs

# --- can this host run rootless containers at all? -----------------------------------------------

for cmd in useradd userdel usermod setpriv unshare; do
    command -v "$cmd" >/dev/null || t_skip_all "$cmd is not installed (passwd / util-linux)"
done
if [ -r /proc/sys/kernel/unprivileged_userns_clone ] &&
    [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
    t_skip_all "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)"
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ]; then
    t_skip_all "user namespaces are disabled (user.max_user_namespaces = 0)"
fi
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ]; then
    t_skip_all "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)"
fi

t_setup_file

# --- the unprivileged user ------------------------------------------------------------------------

rl_exit() {
    local rc=$?
    rl_remove_user
    (exit "$rc")
    t_cleanup_file
}
trap rl_exit EXIT

rl_create_user "ocirl$$"
t_diag "user $RL_USER: uid $RL_UID, gid $RL_GID, subordinate ids $RL_SUB_START+$RL_SUB_COUNT"

# The user must reach its own directory inside the file's temp dir, and nothing else there.
chmod 711 "$T_TMP"
mkdir -p "$RL_HOME" "$RL_XDG" "$RL_DIR/bundles"
cp -a "$ROOTFS" "$RL_ROOTFS"
chown -R "$RL_UID:$RL_GID" "$RL_DIR"
chmod 700 "$RL_DIR" "$RL_XDG"
t_add_state_root "$RL_ROOT"

# Unprivileged user namespaces may still be refused (a seccomp or LSM policy): ask the kernel.
if ! userns_err=$(cd / && as_user unshare --user --map-root-user true 2>&1); then
    t_skip_all "an unprivileged user cannot create a user namespace here: $userns_err"
fi

# Creates the user's bundle NAME from `ocirun spec --rootless` run as the user, on its rootfs
# copy, running ARGS...; prints its path.
make_user_bundle() {
    local name=$1
    shift
    local dir=$RL_DIR/bundles/$name args
    rm -rf "$dir"
    as_user mkdir -p "$dir"
    (cd "$dir" && as_user "$OCIRUN" spec --rootless)
    # jq 1.6 parses options even after --args: the args go in as named strings (as make_bundle).
    local jqargs=() i=0 a
    for a in "$@"; do
        jqargs+=(--arg "$i" "$a")
        i=$((i + 1))
    done
    args=$(jq -cn "${jqargs[@]}" '[$ARGS.named | to_entries[] | {k: (.key | tonumber), v: .value}]
                                  | sort_by(.k) | map(.v)')
    # shellcheck disable=SC2016 # jq variables
    edit_config "$dir" '
        .root = {path: $root, readonly: true}
        | .process.terminal = false
        | .process.args = $args
        | .process.env += ["OCIRUN_TEST_TAG=" + $tag]' \
        --arg root "$RL_ROOTFS" --argjson args "$args" --arg tag "$T_ID_PREFIX"
    chown -R "$RL_UID:$RL_GID" "$dir"
    echo "$dir"
}

# Fields 2.. of /proc/PID/status line KEY (Uid, Gid).
status_ids() {
    awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# --- cases ------------------------------------------------------------------------------------------

case_run_output_and_exit_code() {
    local b id
    b=$(make_user_bundle run sh -c 'echo "hello from uid $(id -u)"; echo to-stderr >&2; exit 3')
    id=$(new_id run)
    t_defer uoci delete --force "$id"
    assert_exit 3 uoci run --bundle "$b" "$id"
    assert_eq "hello from uid 0" "$OUT"
    assert_contains "$ERR" to-stderr
    # run removed it again
    [ ! -e "$RL_ROOT/$id" ] || { echo "run left $RL_ROOT/$id behind" >&2; false; }
}

case_ids_mapped_to_the_user() {
    local b id out pid
    b=$(make_user_bundle ids sh -c 'probe ids; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; sleep 1000')
    id=$(new_id ids)
    t_defer uoci delete --force "$id"
    uoci run --detach --bundle "$b" "$id" >"$T_CASE_DIR/out" 2>&1 </dev/null
    wait_until 10 grep -q deny "$T_CASE_DIR/out"
    out=$(cat "$T_CASE_DIR/out")
    assert_eq 0 "$(probe_get "$out" uid)"
    assert_eq 0 "$(probe_get "$out" gid)"
    # One mapping each, of the user's own ids; setgroups denied, as the kernel requires.
    assert_eq "0 $RL_UID 1" "$(grep -E '^ *0 ' <<<"$out" | head -1 | tr -s ' ' | sed 's/^ //')"
    assert_eq "0 $RL_GID 1" "$(grep -E '^ *0 ' <<<"$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')"
    # Outside, the container's root is the user.
    pid=$("$OCIRUN" --root "$RL_ROOT" state "$id" | jq -r .pid)
    assert_eq "$RL_UID $RL_UID $RL_UID $RL_UID" "$(status_ids "$pid" Uid)"
    assert_eq "$RL_GID $RL_GID $RL_GID $RL_GID" "$(status_ids "$pid" Gid)"
    [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

case_lifecycle() {
    local b id pid
    b=$(make_user_bundle life sleep 1000)
    id=$(new_id life)
    t_defer uoci delete --force "$id"
    uoci create --bundle "$b" "$id" >/dev/null 2>&1 </dev/null
    # The state lives in the user's runtime dir, owned by it.
    [ -d "$RL_ROOT/$id" ] || { echo "no state dir $RL_ROOT/$id" >&2; false; }
    assert_eq "$RL_USER" "$(stat -c %U "$RL_ROOT/$id")"
    assert_eq created "$(uoci state "$id" | jq -r .status)"
    uoci start "$id"
    assert_eq running "$(uoci state "$id" | jq -r .status)"
    assert_contains "$(uoci list --format json | jq -r '.[].id')" "$id"
    pid=$(uoci state "$id" | jq -r .pid)
    assert_eq "$RL_UID" "$(stat -c %u "/proc/$pid")"
    uoci kill "$id" KILL
    wait_until 10 eval '[ "$(uoci state "$id" | jq -r .status)" = stopped ]'
    uoci delete "$id"
    [ ! -e "$RL_ROOT/$id" ] || { echo "delete left $RL_ROOT/$id behind" >&2; false; }
    assert_fails uoci state "$id"
}

case_exec() {
    local b id pid out
    b=$(make_user_bundle exec sleep 1000)
    id=$(new_id exec)
    t_defer uoci delete --force "$id"
    uoci run --detach --bundle "$b" "$id" >/dev/null 2>&1 </dev/null
    pid=$(uoci state "$id" | jq -r .pid)
    out=$(uoci exec "$id" sh -c 'probe ids; probe ns')
    assert_eq 0 "$(probe_get "$out" uid)"
    local t
    for t in user pid mnt ipc uts cgroup; do
        assert_eq "$(readlink "/proc/$pid/ns/$t")" "$(probe_get "$out" "ns_$t")" "exec is in the container's $t namespace"
    done
    # Inside the pid namespace, the init is pid 1.
    assert_contains "$(uoci exec "$id" ps -o pid,args)" "1 sleep 1000"
    assert_exit 7 uoci exec "$id" sh -c 'exit 7'
    # kill --all without a cgroup of its own: every process of its pid namespace.
    uoci exec --detach --pid-file "$RL_DIR/exec.pid" "$id" sleep 999
    local epid
    epid=$(cat "$RL_DIR/exec.pid")
    assert_eq "$RL_UID" "$(stat -c %u "/proc/$epid")"
    uoci kill --all "$id" KILL
    wait_until 10 eval '[ "$(uoci state "$id" | jq -r .status)" = stopped ]'
    wait_until 10 eval '[ ! -e "/proc/$epid" ] || grep -q "^State:.*Z" "/proc/$epid/status"'
    rm -f "$RL_DIR/exec.pid"
}

# D1/D2 hold without root: the init runs from the sealed copy of ocirun, and the container's
# processes (init and exec) get stdio and nothing else of ocirun's.
case_sealed_and_no_fd_leaks() {
    local b id pid out
    b=$(make_user_bundle fds probe fds)
    id=$(new_id fds)
    t_defer uoci delete --force "$id"
    out=$(exec 7</etc/hostname 8<"$RL_DIR"; uoci run --bundle "$b" "$id")
    assert_eq 3 "$(grep -c '^fd=' <<<"$out")" "fds seen: $out"
    assert_not_contains "$out" hostname

    b=$(make_user_bundle sealed probe sleep 1000)
    id=$(new_id sealed)
    t_defer uoci delete --force "$id"
    uoci create --bundle "$b" "$id" >/dev/null 2>&1 </dev/null
    pid=$(uoci state "$id" | jq -r .pid)
    # Without root no overlayfs can be mounted for the view: the sealed memfd copy.
    assert_sealed_exe "$pid" memfd >/dev/null
    uoci start "$id"
    out=$(exec 7</etc/hostname; uoci exec "$id" probe fds)
    assert_eq 3 "$(grep -c '^fd=' <<<"$out")" "fds seen by exec: $out"
    uoci kill "$id" KILL
}

# T-ROOTLESS-1: with /sys bound from the host, every cgroup mount inside is read-only and
# writes to it fail: with the config as `spec --rootless` writes it, without its
# /sys/fs/cgroup mount (runc <= 1.1.4's template, the CVE's case 2), and without a cgroup
# namespace (case 1).
cgroupfs_check_script='
grep -E " /sys(/fs/cgroup[^ ]*)? " /proc/self/mountinfo | while read -r _ _ _ _ mp opts _; do
    echo "mount $mp $opts"
done
mkdir /sys/fs/cgroup/ocirl-x 2>/dev/null && echo "WROTE mkdir"
for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks; do
    [ -e "$f" ] && (echo $$ >"$f") 2>/dev/null && echo "WROTE $f"
done
touch /sys/ocirl-x 2>/dev/null && echo "WROTE /sys"
echo checked'

check_cgroupfs_readonly() {
    local name=$1 filter=$2 b id out line
    b=$(make_user_bundle "$name" sh -c "$cgroupfs_check_script")
    edit_config "$b" "$filter"
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id "$name")
    t_defer uoci delete --force "$id"
    out=$(uoci run --bundle "$b" "$id")
    echo "$out"
    assert_contains "$out" checked
    assert_not_contains "$out" WROTE
    grep -q '^mount /sys/fs/cgroup' <<<"$out" || { echo "no cgroup mount seen" >&2; false; }
    while read -r line; do
        case $(cut -d' ' -f3 <<<"$line") in
            ro | ro,*) ;;
            *) echo "not read-only: $line" >&2; return 1 ;;
        esac
    done < <(grep '^mount ' <<<"$out")
    [ ! -e /sys/fs/cgroup/ocirl-x ] && [ ! -e /sys/fs/cgroup/unified/ocirl-x ]
}

case_cgroupfs_readonly_spec() {
    check_cgroupfs_readonly cgro-spec '.'
}

case_cgroupfs_readonly_old_template() {
    check_cgroupfs_readonly cgro-old 'del(.mounts[] | select(.destination == "/sys/fs/cgroup"))'
}

case_cgroupfs_readonly_no_cgroupns() {
    check_cgroupfs_readonly cgro-nons 'del(.linux.namespaces[] | select(.type == "cgroup"))
                                       | del(.mounts[] | select(.destination == "/sys/fs/cgroup"))'
}

case_devices() {
    local b id out
    b=$(make_user_bundle dev sh -c '
        echo discarded >/dev/null && echo null-ok
        head -c 4 /dev/zero | od -An -tx1
        stat -c "%n %F %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty')
    id=$(new_id dev)
    t_defer uoci delete --force "$id"
    out=$(uoci run --bundle "$b" "$id")
    echo "$out"
    assert_contains "$out" null-ok
    assert_eq "00 00 00 00" "$(sed -n 2p <<<"$out" | tr -s ' ' | sed 's/^ //; s/ $//')"
    assert_contains "$out" "/dev/null character special file 1:3"
    assert_contains "$out" "/dev/zero character special file 1:5"
    assert_contains "$out" "/dev/urandom character special file 1:9"
}

case_newuidmap_ranges() {
    if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
        skip "newuidmap/newgidmap are not installed (uidmap package)"
    fi
    local b id out pid maps
    # The user's own ids as 0, its subordinate range from 1.
    maps=$(jq -nc --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_SUB_START" --argjson n "$RL_SUB_COUNT" \
        '{u: [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: $n}],
          g: [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $s, size: $n}]}')
    b=$(make_user_bundle ranges sh -c '
        cat /proc/self/uid_map /proc/self/setgroups
        touch /dev/shm/f && chown 1000:1000 /dev/shm/f && stat -c "owner %u:%g" /dev/shm/f
        probe ids')
    # shellcheck disable=SC2016 # jq variables
    edit_config "$b" '.linux.uidMappings = $m.u | .linux.gidMappings = $m.g
                      | .process.user = {uid: 0, gid: 0, additionalGids: [5]}
                      | .process.capabilities |= map_values(. + ["CAP_CHOWN"])' --argjson m "$maps"
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id ranges)
    t_defer uoci delete --force "$id"
    out=$(uoci run --bundle "$b" "$id")
    echo "$out"
    assert_contains "$(tr -s ' ' <<<"$out")" " 1 $RL_SUB_START $RL_SUB_COUNT"
    assert_contains "$out" allow "newgidmap leaves setgroups allowed"
    assert_contains "$out" "owner 1000:1000"
    assert_eq 5 "$(probe_get "$out" groups)"

    # A process as uid 1000 inside is subordinate id start+999 outside.
    # shellcheck disable=SC2016
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000} | .process.args = ["sleep", "1000"]'
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id ranges2)
    t_defer uoci delete --force "$id"
    uoci run --detach --bundle "$b" "$id" >/dev/null 2>&1 </dev/null
    pid=$(uoci state "$id" | jq -r .pid)
    assert_eq "$((RL_SUB_START + 999))" "$(status_ids "$pid" Uid | cut -d' ' -f1)"
    assert_eq "$((RL_SUB_START + 999))" "$(status_ids "$pid" Gid | cut -d' ' -f1)"
    uoci kill "$id" KILL

    # Ranges the user was not given: newuidmap refuses, and the create fails cleanly.
    edit_config "$b" '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}] | .process.args = ["true"]'
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id ranges3)
    assert_fails uoci run --bundle "$b" "$id"
    assert_contains "$ERR" newuidmap
    [ ! -e "$RL_ROOT/$id" ]
}

# Without delegation the user may not create cgroups: a container without limits stays in the
# user's cgroup (a debug line says so); limits or an explicit cgroupsPath are an error, as
# with runc's rootless cgroup managers.
case_cgroups_not_delegated() {
    local b id own
    own=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' /proc/self/cgroup)
    if [ -n "$own" ] && as_user test -w "/sys/fs/cgroup/pids$own"; then
        skip "the user may write to its cgroup here ($own): cgroups are delegated"
    fi
    b=$(make_user_bundle cg true)
    id=$(new_id cg)
    t_defer uoci delete --force "$id"
    assert_exit 0 uoci --debug run --bundle "$b" "$id"
    assert_contains "$ERR" "no cgroup is delegated"
    [ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$id" 2>/dev/null)" ]

    edit_config "$b" '.linux.resources = {pids: {limit: 10}}'
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id cglimit)
    assert_fails uoci run --bundle "$b" "$id"
    assert_contains "$ERR" "limits need a cgroup"
    [ ! -e "$RL_ROOT/$id" ]

    edit_config "$b" 'del(.linux.resources) | .linux.cgroupsPath = "/ocirl/explicit"'
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id cgpath)
    assert_fails uoci run --bundle "$b" "$id"
    assert_contains "$ERR" "linux.cgroupsPath"
    [ ! -e "$RL_ROOT/$id" ]
}

# The cgroup hierarchies' mount points: /sys/fs/cgroup on a unified host, else every v1
# hierarchy and the cgroup2 one of a hybrid host.
cgroup_mounts() {
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
        echo /sys/fs/cgroup
    else
        awk '($3 == "cgroup" || $3 == "cgroup2") && $2 ~ "^/sys/fs/cgroup/[^/]+$" { print $2 }' /proc/self/mounts
    fi
}

# A cgroup delegated to the user, as systemd's Delegate=yes does: root makes DELEG (owned by
# the user) with a child `runner` holding the process that runs ocirun. The container's
# cgroup, its id relative to ocirun's own, then lands inside it, with its limits applied.
case_cgroups_delegated() {
    local deleg=${T_ID_PREFIX}deleg mounts=() m b id out
    mapfile -t mounts < <(cgroup_mounts)
    [ ${#mounts[@]} -gt 0 ] || skip "no cgroup hierarchy is mounted under /sys/fs/cgroup"
    for m in "${mounts[@]}"; do
        mkdir "$m/$deleg" "$m/$deleg/runner"
        t_defer rmdir "$m/$deleg"
        t_defer rmdir "$m/$deleg/runner"
        if [ -f "$m/cpuset.cpus" ] && [ "$(stat -fc %T "$m")" != cgroup2fs ]; then
            # A v1 cpuset takes no process until it has cpus and mems.
            cat "$m/cpuset.cpus" >"$m/$deleg/cpuset.cpus"
            cat "$m/cpuset.mems" >"$m/$deleg/cpuset.mems"
            cat "$m/cpuset.cpus" >"$m/$deleg/runner/cpuset.cpus"
            cat "$m/cpuset.mems" >"$m/$deleg/runner/cpuset.mems"
        fi
        chown -R "$RL_UID:$RL_GID" "$m/$deleg"
        if [ "$(stat -fc %T "$m")" = cgroup2fs ] && [ -w "$m/$deleg/cgroup.subtree_control" ]; then
            # Controllers for the container's cgroup, a sibling of the runner (no process
            # may sit in a cgroup that has controllers for its children).
            echo +pids >"$m/$deleg/cgroup.subtree_control" 2>/dev/null || true
        fi
    done
    b=$(make_user_bundle deleg sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max 2>/dev/null; true')
    edit_config "$b" '.linux.resources = {pids: {limit: 42}}'
    chown "$RL_UID:$RL_GID" "$b/config.json"
    id=$(new_id deleg)
    t_defer uoci delete --force "$id"
    # The runner moves itself into the delegated cgroups, then becomes the user.
    out=$(
        for m in "${mounts[@]}"; do
            echo "$BASHPID" >"$m/$deleg/runner/cgroup.procs"
        done
        as_user "$OCIRUN" --debug run --bundle "$b" "$id" 2>&1 || echo "run failed: $?"
    )
    echo "$out"
    assert_not_contains "$out" "run failed"
    assert_not_contains "$out" "no cgroup is delegated"
    assert_contains "$out" 42 "the pids limit applies inside"
    # run's delete removed the container's cgroups again.
    [ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -name "$id" 2>/dev/null)" ]
}

case_state_root() {
    local b id
    # No XDG_RUNTIME_DIR and no /run/user/<uid> (no login session made one): a clear error.
    [ ! -e "/run/user/$RL_UID" ] || skip "/run/user/$RL_UID exists"
    assert_fails as_user env -u XDG_RUNTIME_DIR "$OCIRUN" list
    assert_contains "$ERR" "XDG_RUNTIME_DIR is not set"
    assert_fails as_user env XDG_RUNTIME_DIR= "$OCIRUN" list
    assert_contains "$ERR" "XDG_RUNTIME_DIR is not set"
    # spec needs no state.
    as_user env -u XDG_RUNTIME_DIR "$OCIRUN" spec --rootless --bundle "$RL_HOME"
    rm -f "$RL_HOME/config.json"
    # --root overrides.
    as_user mkdir -p "$RL_DIR/altroot"
    b=$(make_user_bundle altroot true)
    id=$(new_id altroot)
    as_user env -u XDG_RUNTIME_DIR "$OCIRUN" --root "$RL_DIR/altroot" run --bundle "$b" "$id"
    # Nothing left but the emptied directory the delete keeps for the next create.
    assert_eq "" "$(find "$RL_DIR/altroot" -mindepth 1 ! -path "$RL_DIR/altroot/.~spare")"
    rmdir "$RL_DIR/altroot/.~spare" "$RL_DIR/altroot"
}

# Rootless Podman with ocirun as its runtime: Podman runs it as root of its own user
# namespace (euid 0, but nothing on the host is ours).
case_podman() {
    command -v podman >/dev/null || skip "podman is not installed"
    command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || [ -x /usr/bin/conmon ] ||
        skip "conmon is not installed"
    local pd=$RL_DIR/podman conf out hard_nofile nofile
    as_user mkdir -p "$pd" "$RL_HOME/.config/containers"
    # default_ulimits within the host's hard limit: raising it needs CAP_SYS_RESOURCE.
    hard_nofile=$(ulimit -Hn)
    nofile=1024
    [ "$hard_nofile" = unlimited ] || [ "$hard_nofile" -ge 1024 ] || nofile=$hard_nofile
    conf=$RL_HOME/.config/containers
    cat >"$conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "ocirun"
[engine.runtimes]
ocirun = ["$OCIRUN"]
EOF
    cat >"$conf/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$pd/storage"
runroot = "$RL_XDG/containers"
EOF
    chown -R "$RL_UID:$RL_GID" "$RL_HOME"
    # Podman leaves a pause process holding its user namespace: end it by its pid.
    t_defer rl_podman_cleanup

    local podman_err
    if ! podman_err=$(user_podman info 2>&1 >/dev/null); then
        skip "rootless podman does not work here: $(tail -1 <<<"$podman_err")"
    fi
    tar -C "$RL_ROOTFS" -cf "$pd/rootfs.tar" .
    chown "$RL_UID:$RL_GID" "$pd/rootfs.tar"
    user_podman import "$pd/rootfs.tar" localhost/ocirun-rootless:test >/dev/null
    assert_eq "$OCIRUN" "$(user_podman info --format '{{.Host.OCIRuntime.Path}}')"

    # If the same run fails with crun too, it is the host, not ocirun: skip with its error.
    _t_capture user_podman run --rm localhost/ocirun-rootless:test \
        sh -c 'echo hello from podman; id -u; cat /proc/self/uid_map; exit 3'
    if [ "$RC" -ne 3 ] && command -v crun >/dev/null; then
        local crun_err
        if ! crun_err=$(user_podman --runtime crun run --rm localhost/ocirun-rootless:test true 2>&1); then
            skip "rootless podman cannot run containers here (crun fails too): $(tail -1 <<<"$crun_err")"
        fi
    fi
    echo "$OUT"
    echo "$ERR" >&2
    assert_eq 3 "$RC" "podman run's exit code is the container's"
    assert_eq "hello from podman" "$(head -1 <<<"$OUT")"
    assert_eq 0 "$(sed -n 2p <<<"$OUT")"
    # Podman's namespace maps its root to the user and the rest from the subordinate ids.
    assert_contains "$(tr -s ' ' <<<"$OUT")" " 0 $RL_UID 1"
    # --rm removed the container from ocirun's state as well.
    assert_eq "" "$(user_podman ps -aq)"
}

# podman as the user, from its home.
user_podman() {
    (cd "$RL_HOME" && as_user podman "$@")
}

rl_podman_cleanup() {
    user_podman rm -af >/dev/null 2>&1
    local pidfile=$RL_XDG/libpod/tmp/pause.pid pid
    if [ -f "$pidfile" ]; then
        pid=$(cat "$pidfile")
        [ -n "$pid" ] && [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" = "$RL_UID" ] && kill -KILL "$pid" 2>/dev/null
    fi
    return 0
}

t_case "run as an unprivileged user: output and exit code" case_run_output_and_exit_code
t_case "uid 0 inside is the user outside; one mapping of its own ids, setgroups denied" case_ids_mapped_to_the_user
t_case "create/start/state/list/kill/delete as the user, state in its XDG_RUNTIME_DIR" case_lifecycle
t_case "exec joins every namespace of the container and returns the exit code" case_exec
t_case "the init runs from the sealed copy; no fds of ocirun's reach init or exec" case_sealed_and_no_fd_leaks
t_case "T-ROOTLESS-1: /sys and the cgroupfs are read-only inside (spec --rootless)" case_cgroupfs_readonly_spec
t_case "T-ROOTLESS-1: ... without a /sys/fs/cgroup mount (runc <= 1.1.4 template)" case_cgroupfs_readonly_old_template
t_case "T-ROOTLESS-1: ... without a cgroup namespace" case_cgroupfs_readonly_no_cgroupns
t_case "devices are usable (bound from the host)" case_devices
t_case "uid/gid ranges through newuidmap/newgidmap" case_newuidmap_ranges
t_case "no delegated cgroup: runs without one; limits or a cgroupsPath are errors" case_cgroups_not_delegated
t_case "a delegated cgroup is used, with the limits applied" case_cgroups_delegated
t_case "state root: XDG_RUNTIME_DIR, a clear error without it, --root" case_state_root
t_case "rootless podman run --rm with ocirun as its runtime" case_podman
t_done
