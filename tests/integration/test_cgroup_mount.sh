#!/bin/bash
# shellcheck disable=SC2317 # the cases are called through t_case
# What a container sees at /sys/fs/cgroup with the default config (a cgroup namespace and a
# `cgroup` mount), on whatever layout the host has:
#   - pure cgroup v2 (e.g. in the test VM, tests/vm/): one cgroup2 mount;
#   - v1 or hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified): a tmpfs with one mount
#     per hierarchy, as on the host.
# Either way the mount is read-only when the config says `ro`, and the container's own cgroup is
# the root of what it sees.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

t_require_cgroup_layout   # sets LAYOUT: v2, hybrid or v1

# The cgroup mounts the host has under /sys/fs/cgroup (not /sys/fs/cgroup itself), one line
# each: "MOUNTPOINT TYPE SUPER-OPTIONS", sorted. A superblock's options are the same wherever it
# is mounted, so they name the hierarchy (e.g. "rw,cpu", "rw,name=systemd").
host_hierarchies() {
    awk '{ for (i = 7; $i != "-"; i++) ; if ($5 ~ "^/sys/fs/cgroup/" && ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2")) print $5, $(i + 1), $(i + 3) }' \
        /proc/self/mountinfo | sort
}

# The same from `probe mounts` output inside the container.
probe_hierarchies() {
    sed -n 's|^mount=\(/sys/fs/cgroup/[^ ]*\) type=\([^ ]*\) opts=[^ ]* super=\([^ ]*\) .*|\1 \2 \3|p' <<<"$1" |
        sort
}

# The probe's line for /sys/fs/cgroup itself (there must be exactly one).
cgroup_root_mount() {
    local lines
    lines=$(grep '^mount=/sys/fs/cgroup ' <<<"$1") || true
    if [ "$(grep -c . <<<"$lines")" -ne 1 ]; then
        echo "expected one mount at /sys/fs/cgroup, found:" >&2
        printf '%s\n' "$lines" | sed 's/^/    /' >&2
        return 1
    fi
    printf '%s\n' "$lines"
}

# Mount flags (the per-mount "opts=" field) of the probe line for MOUNTPOINT: ro or rw.
mount_flag() {
    local line
    line=$(grep "^mount=$2 " <<<"$1" | head -n1)
    [ -n "$line" ] || { echo "no mount at $2 in the probe output" >&2; return 1; }
    line=${line#* opts=}
    printf '%s\n' "${line%%,*}" | cut -d' ' -f1
}

# Runs the container with sh -c SCRIPT; CONFIG_FILTER (jq, optional) edits the config first.
# Prints its stdout.
run_sh() {
    local script=$1 filter=${2:-} b id
    b=$(make_bundle cg sh -c "$script")
    [ -z "$filter" ] || edit_config "$b" "$filter"
    id=$(new_id cg)
    t_defer oci delete --force "$id"
    oci run --bundle "$b" "$id"
}

# ocirun makes the first cgroup mount's tmpfs tree itself while the init joins its cgroup (where
# the kernel can mount onto a detached tree, 6.15 and later), and the init attaches it; the init
# makes any further cgroup mount from scratch. Both must show the same hierarchies and flags.
case_second_cgroup_mount() {
    [ "$LAYOUT" != v2 ] || skip "one cgroup2 mount on a pure v2 host, no tree of hierarchies"
    local out first second m b id log=$T_CASE_DIR/log
    b=$(make_bundle cg2 probe mounts)
    # shellcheck disable=SC2016 # jq
    edit_config "$b" \
        '.mounts += [{destination: "/mnt", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "ro"]}]'
    id=$(new_id cg2)
    t_defer oci delete --force "$id"
    out=$(oci --debug --log "$log" run --bundle "$b" "$id")
    # Made ahead where the kernel allows it.
    local major minor
    IFS=. read -r major minor _ <<<"$(uname -r)"
    if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 15 ]; }; then
        assert_contains "$(cat "$log")" "/sys/fs/cgroup was made ahead"
    fi
    first=$(probe_hierarchies "$out")
    second=$(sed -n 's|^mount=/mnt/\([^ ]*\) type=\([^ ]*\) opts=[^ ]* super=\([^ ]*\) .*|/sys/fs/cgroup/\1 \2 \3|p' <<<"$out" |
        sort)
    assert_eq "$(host_hierarchies)" "$first" "the first cgroup mount"
    assert_eq "$first" "$second" "the second cgroup mount"
    assert_eq ro "$(mount_flag "$out" /mnt)"
    for m in $(cut -d' ' -f1 <<<"$second"); do
        assert_eq ro "$(mount_flag "$out" "/mnt/${m#/sys/fs/cgroup/}")" "/mnt/${m#/sys/fs/cgroup/}"
        assert_eq ro "$(mount_flag "$out" "$m")" "$m"
    done
}

# The default config mounts cgroup with ro: make sure this file tests what it says.
case_default_config() {
    local b
    b=$(make_bundle cfg)
    assert_eq '{"type":"cgroup"}' "$(jq -c '.linux.namespaces[] | select(.type == "cgroup")' "$b/config.json")" \
        "the default config has a cgroup namespace"
    assert_eq cgroup "$(jq -r '.mounts[] | select(.destination == "/sys/fs/cgroup") | .type' "$b/config.json")"
    assert_eq true "$(jq '.mounts[] | select(.destination == "/sys/fs/cgroup") | .options | index("ro") != null' "$b/config.json")"
}

case_layout() {
    local out root
    out=$(run_sh 'probe mounts')
    root=$(cgroup_root_mount "$out")
    if [ "$LAYOUT" = v2 ]; then
        assert_contains "$root" " type=cgroup2 " "/sys/fs/cgroup on a pure v2 host"
        assert_eq "" "$(probe_hierarchies "$out")" "nothing is mounted below /sys/fs/cgroup on v2"
    else
        assert_contains "$root" " type=tmpfs " "/sys/fs/cgroup on a $LAYOUT host"
        assert_eq "$(host_hierarchies)" "$(probe_hierarchies "$out")" "one mount per host hierarchy"
        # Co-mounted controllers (cpu,cpuacct) are reached through their names as on the host.
        local link
        for link in /sys/fs/cgroup/*; do
            [ -L "$link" ] || continue
            assert_contains "$(run_sh "readlink $link")" "$(readlink "$link")" "symlink $link"
        done
    fi
}

case_ro() {
    local out m
    out=$(run_sh 'probe mounts')
    assert_eq ro "$(mount_flag "$out" /sys/fs/cgroup)" "/sys/fs/cgroup with ro in the config"
    for m in $(probe_hierarchies "$out" | cut -d' ' -f1); do
        assert_eq ro "$(mount_flag "$out" "$m")" "$m with ro in the config"
    done
    # Writes fail with EROFS: an existing cgroup file (opened, not written) and, on the v1 tmpfs,
    # a new file.
    if [ "$LAYOUT" = v2 ]; then
        assert_eq error=EROFS "$(run_sh 'probe open-write /sys/fs/cgroup/cgroup.procs')"
    else
        local first
        first=$(host_hierarchies | awk '$2 == "cgroup" { print $1; exit }')
        [ -z "$first" ] || assert_eq error=EROFS "$(run_sh "probe open-write $first/cgroup.procs")"
        assert_eq error=EROFS "$(run_sh 'probe write /sys/fs/cgroup/newfile x')"
    fi
}

case_rw() {
    local out m
    # shellcheck disable=SC2016 # jq
    out=$(run_sh 'probe mounts' \
        '(.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))')
    assert_eq rw "$(mount_flag "$out" /sys/fs/cgroup)" "/sys/fs/cgroup without ro in the config"
    for m in $(probe_hierarchies "$out" | cut -d' ' -f1); do
        assert_eq rw "$(mount_flag "$out" "$m")" "$m without ro in the config"
    done
}

case_proc_self_cgroup() {
    local out
    out=$(run_sh 'cat /proc/self/cgroup')
    if [ "$LAYOUT" = v2 ]; then
        assert_eq "0::/" "$out"
    else
        assert_eq "$(wc -l </proc/self/cgroup)" "$(grep -c . <<<"$out")" "one line per hierarchy"
        local bad
        bad=$(grep -v ':/$' <<<"$out") || true
        assert_eq "" "$bad" "lines not at the namespace root"
    fi
}

# Starts a container that sleeps and prints its id; its init's pid is then $(pid_of ID).
start_sleeper() {
    local b id
    b=$(make_bundle sleeper probe sleep 1000)
    id=$(new_id sleeper)
    oci run -d --bundle "$b" "$id" >/dev/null 2>&1
    echo "$id"
}

# For each hierarchy process PID is in, as the host sees it: "DIR:PATH", DIR being
# the hierarchy's mountpoint below /sys/fs/cgroup ("" for a cgroup2 root) and PATH the init's
# cgroup in it. /proc/PID/cgroup read from outside the namespace shows the host paths.
init_cgroups() {
    local pid=$1 line h path m
    while IFS= read -r line; do
        h=${line#*:}
        path=${h#*:}
        h=${h%%:*}
        if [ -z "$h" ]; then
            # The cgroup2 hierarchy: the root on v2, unified/ on hybrid.
            case $LAYOUT in
                v2) m="" ;;
                hybrid) m=unified ;;
                *) continue ;;
            esac
        else
            # v1: the mountpoint whose super options name these controllers.
            m=$(host_hierarchies | awk -v h="$h" '$2 == "cgroup" {
                    n = split($3, o, ","); for (i = 1; i <= n; i++) if (o[i] == h) { print $1; exit }
                    split(h, c, ","); for (i = 1; i <= n; i++) if (o[i] == c[1]) { print $1; exit } }')
            [ -n "$m" ] || continue # a hierarchy the host does not mount
            m=${m#/sys/fs/cgroup/}
        fi
        printf '%s:%s\n' "$m" "$path"
    done <"/proc/$pid/cgroup"
}

# The root of what the container sees at /sys/fs/cgroup (each hierarchy) is the cgroup its init
# is in: the same directory (device and inode) as that cgroup on the host.
case_root_is_init_cgroup() {
    local id pid dir path inside outside n=0
    id=$(start_sleeper)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    while IFS=: read -r dir path; do
        inside=$(stat -c '%d %i' "/proc/$pid/root/sys/fs/cgroup${dir:+/$dir}")
        outside=$(stat -c '%d %i' "/sys/fs/cgroup${dir:+/$dir}$path")
        assert_eq "$outside" "$inside" "/sys/fs/cgroup${dir:+/$dir} in the container is the init's cgroup $path"
        echo "/sys/fs/cgroup${dir:+/$dir}: the init's cgroup $path (dev, inode: $inside)"
        n=$((n + 1))
    done < <(init_cgroups "$pid")
    [ "$n" -gt 0 ] || { echo "no hierarchy checked" >&2; false; }
    oci delete --force "$id"
}

# The container has a cgroup of its own (not the one of the runtime that created it), so what it
# sees at /sys/fs/cgroup holds its processes only: on cgroup2, cgroup.procs lists no process
# from outside its pid namespace (those would show as pid 0).
case_own_cgroup() {
    local id pid dir path own shared=0 total=0
    id=$(start_sleeper)
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    while IFS=: read -r dir path; do
        own=$(init_cgroups $$ | awk -F: -v d="$dir" '$1 == d { print substr($0, length(d) + 2) }')
        total=$((total + 1))
        [ "$path" != "$own" ] || shared=$((shared + 1))
    done < <(init_cgroups "$pid")
    if [ "$shared" -eq "$total" ]; then
        { echo "ocirun leaves the container in the cgroup(s) of the process that ran create (no cgroup of its own yet)" >\&2; false; }
    fi
    assert_eq 0 "$shared" "hierarchies where the container shares the runtime's cgroup"
    oci delete --force "$id"
    if [ "$LAYOUT" != v1 ]; then
        local procs file=/sys/fs/cgroup/cgroup.procs
        [ "$LAYOUT" = v2 ] || file=/sys/fs/cgroup/unified/cgroup.procs
        procs=$(run_sh "while read -r p; do echo \"\$p\"; done <$file")
        assert_eq 1 "$procs" "the processes in the container's cgroup2 cgroup, as it sees them"
    fi
}

t_case "a second cgroup mount shows what the first does" case_second_cgroup_mount
t_case "the default config has a cgroup namespace and a ro cgroup mount" case_default_config
t_case "/sys/fs/cgroup follows the host layout ($LAYOUT)" case_layout
t_case "/sys/fs/cgroup is read-only when the config says ro; writes get EROFS" case_ro
t_case "/sys/fs/cgroup is read-write without ro in the config" case_rw
t_case "/proc/self/cgroup shows the namespace root" case_proc_self_cgroup
t_case "/sys/fs/cgroup's root is the cgroup of the container's init" case_root_is_init_cgroup
t_case "the container has a cgroup of its own" case_own_cgroup
t_done
