#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# The container's process: user and groups, umask, capabilities, rlimits, no_new_privs,
# oom_score_adj, environment, cwd, the PATH lookup of args[0] and HOME.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# Runs BUNDLE once under a fresh id and prints its stdout.
run_bundle() {
    local id
    id=$(new_id "${2:-proc}")
    t_defer oci delete --force "$id"
    oci run --bundle "$1" "$id"
}

# Whether this process has capability number N in its effective set.
have_cap() {
    local eff
    eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    [ $(((16#$eff >> $1) & 1)) -eq 1 ]
}

case_user_groups() {
    local b out
    b=$(make_bundle user probe ids)
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 100]}'
    out=$(run_bundle "$b")
    assert_eq "$(printf 'uid=1000\ngid=1000\neuid=1000\negid=1000\ngroups=5,100')" "$out"
    # An id that /etc/passwd does not know, without additionalGids: no supplementary groups.
    edit_config "$b" '.process.user = {uid: 4242, gid: 4343}'
    out=$(run_bundle "$b")
    assert_eq "$(printf 'uid=4242\ngid=4343\neuid=4242\negid=4343\ngroups=')" "$out"
    # Root by default, with no supplementary groups.
    b=$(make_bundle root probe ids)
    out=$(run_bundle "$b")
    assert_eq "$(printf 'uid=0\ngid=0\neuid=0\negid=0\ngroups=')" "$out"
}

case_umask() {
    local b
    b=$(make_bundle umask probe umask)
    assert_eq umask=0022 "$(run_bundle "$b")" "the default umask"
    edit_config "$b" '.process.user.umask = 23'
    assert_eq umask=0027 "$(run_bundle "$b")"
    edit_config "$b" '.process.user.umask = 0'
    assert_eq umask=0000 "$(run_bundle "$b")"
}

case_caps_root() {
    local b out
    b=$(make_bundle capsroot probe caps)
    # CAP_CHOWN (0), CAP_KILL (5).
    edit_config "$b" '.process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"],
                                              effective: ["CAP_CHOWN", "CAP_KILL"],
                                              permitted: ["CAP_CHOWN", "CAP_KILL"]}'
    out=$(run_bundle "$b")
    assert_eq 0000000000000021 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000000000021 "$(probe_get "$out" cap_prm)"
    assert_eq 0000000000000021 "$(probe_get "$out" cap_eff)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_inh)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
    # No capabilities at all.
    edit_config "$b" '.process.capabilities = {bounding: [], effective: [], permitted: []}'
    out=$(run_bundle "$b")
    assert_eq 0000000000000000 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_eff)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_prm)"
}

# A set left out of process.capabilities is empty (as runc does), not the host's.
case_caps_absent_sets() {
    local b out
    b=$(make_bundle capsabsent probe caps)
    edit_config "$b" '.process.capabilities = {}'
    out=$(run_bundle "$b")
    assert_eq 0000000000000000 "$(probe_get "$out" cap_bnd)" "capabilities {}"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_eff)" "capabilities {}"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_prm)" "capabilities {}"
    edit_config "$b" '.process.capabilities = {effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
    out=$(run_bundle "$b")
    assert_eq 0000000000000000 "$(probe_get "$out" cap_bnd)" "no bounding set"
}

case_caps_ambient_nonroot() {
    local b out
    b=$(make_bundle capsamb probe caps)
    # CAP_CHOWN (0), CAP_KILL (5), CAP_SETUID (7), CAP_NET_BIND_SERVICE (10).
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000}
        | .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_BIND_SERVICE"],
                                   effective: ["CAP_NET_BIND_SERVICE"],
                                   permitted: ["CAP_NET_BIND_SERVICE"],
                                   inheritable: ["CAP_NET_BIND_SERVICE"],
                                   ambient: ["CAP_NET_BIND_SERVICE"]}'
    out=$(run_bundle "$b")
    assert_eq 00000000000004a1 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000000000400 "$(probe_get "$out" cap_amb)"
    assert_eq 0000000000000400 "$(probe_get "$out" cap_inh)"
    assert_eq 0000000000000400 "$(probe_get "$out" cap_prm)"
    assert_eq 0000000000000400 "$(probe_get "$out" cap_eff)"
    # Without ambient, a non-root process keeps nothing across exec.
    edit_config "$b" 'del(.process.capabilities.ambient)'
    out=$(run_bundle "$b")
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_prm)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_eff)"
    assert_eq 00000000000004a1 "$(probe_get "$out" cap_bnd)"
}

case_caps_unknown() {
    local b id
    b=$(make_bundle capsbad probe caps)
    edit_config "$b" '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
    id=$(new_id capsbad)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "CAP_NO_SUCH_THING"
}

case_rlimits_lower() {
    local b out
    b=$(make_bundle rlimits probe rlimits)
    edit_config "$b" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
                                          {type: "RLIMIT_CORE", soft: 0, hard: 0},
                                          {type: "RLIMIT_NPROC", soft: 500, hard: 600}]'
    out=$(run_bundle "$b")
    assert_eq 100:200 "$(probe_get "$out" RLIMIT_NOFILE)"
    assert_eq 0:0 "$(probe_get "$out" RLIMIT_CORE)"
    assert_eq 500:600 "$(probe_get "$out" RLIMIT_NPROC)"
    # One not in the config is inherited.
    assert_eq "$(ulimit -S -s):$(ulimit -H -s)" "$(probe_get "$out" RLIMIT_STACK | awk -F: '
        function k(v) { return v == "unlimited" ? v : v / 1024 } { print k($1) ":" k($2) }')"
}

case_rlimits_raise_hard() {
    have_cap 24 && skip "this host has CAP_SYS_RESOURCE: raising a hard limit is allowed here"
    local hard b id
    hard=$(ulimit -H -n)
    [ "$hard" = unlimited ] && skip "the host's hard RLIMIT_NOFILE is unlimited"
    b=$(make_bundle rlimitup probe rlimits)
    # shellcheck disable=SC2016
    edit_config "$b" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: $n, hard: ($n * 2)}]' --argjson n "$hard"
    id=$(new_id rlimitup)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "RLIMIT_NOFILE"
    assert_eq "" "$OUT"
    assert_eq "" "$(state_dirs)"
}

case_no_new_privs() {
    local b
    b=$(make_bundle nnp probe nnp)
    edit_config "$b" '.process.noNewPrivileges = true'
    assert_eq no_new_privs=1 "$(run_bundle "$b")"
    edit_config "$b" '.process.noNewPrivileges = false'
    assert_eq no_new_privs=0 "$(run_bundle "$b")"
    edit_config "$b" 'del(.process.noNewPrivileges)'
    assert_eq no_new_privs=0 "$(run_bundle "$b")"
}

case_oom_score_adj() {
    local b host
    host=$(cat /proc/self/oom_score_adj)
    b=$(make_bundle oom probe oom)
    edit_config "$b" '.process.oomScoreAdj = 500'
    assert_eq oom_score_adj=500 "$(run_bundle "$b")"
    edit_config "$b" '.process.oomScoreAdj = 1000'
    assert_eq oom_score_adj=1000 "$(run_bundle "$b")"
    edit_config "$b" 'del(.process.oomScoreAdj)'
    assert_eq "oom_score_adj=$host" "$(run_bundle "$b")" "inherited when not set"
    assert_eq "$host" "$(cat /proc/self/oom_score_adj)" "ocirun changed its caller's"
}

case_oom_score_adj_lower() {
    have_cap 24 || skip "lowering oom_score_adj below the current value needs CAP_SYS_RESOURCE, which this host lacks"
    local b
    b=$(make_bundle oomlow probe oom)
    edit_config "$b" '.process.oomScoreAdj = -500'
    assert_eq oom_score_adj=-500 "$(run_bundle "$b")"
}

case_env_exact() {
    local b out
    b=$(make_bundle env probe env)
    # shellcheck disable=SC2016
    edit_config "$b" '.process.env = ["PATH=/bin:/usr/bin", "A=1", "B=two words", "EMPTY=", "C=x=y",
                                      "OCIRUN_TEST_TAG=" + $tag]' --arg tag "$T_ID_PREFIX"
    out=$(run_bundle "$b")
    assert_eq "PATH=/bin:/usr/bin
A=1
B=two words
EMPTY=
C=x=y
OCIRUN_TEST_TAG=$T_ID_PREFIX
HOME=/root" "$out"
    # None of ocirun's own environment leaks in.
    assert_not_contains "$out" "OCIRUN="
    assert_not_contains "$out" "ROOTFS="
}

case_home() {
    local b
    b=$(make_bundle home probe env)
    assert_eq /root "$(probe_get "$(run_bundle "$b")" HOME)" "root's HOME from /etc/passwd"
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000}'
    assert_eq /home/tester "$(probe_get "$(run_bundle "$b")" HOME)" "uid 1000's HOME from /etc/passwd"
    edit_config "$b" '.process.env += ["HOME=/custom"]'
    local out
    out=$(run_bundle "$b")
    assert_eq /custom "$(probe_get "$out" HOME)" "a configured HOME is kept"
    assert_eq 1 "$(grep -c '^HOME=' <<<"$out")"
    # A uid /etc/passwd does not know gets HOME=/.
    edit_config "$b" '.process.user = {uid: 4242, gid: 4242} | .process.env |= map(select(startswith("HOME=") | not))'
    assert_eq / "$(probe_get "$(run_bundle "$b")" HOME)"
}

case_cwd() {
    local b id
    b=$(make_bundle cwd probe cwd)
    assert_eq cwd=/ "$(run_bundle "$b")"
    edit_config "$b" '.process.cwd = "/usr/bin"'
    assert_eq cwd=/usr/bin "$(run_bundle "$b")"
    edit_config "$b" '.process.cwd = "/no/such/dir"'
    id=$(new_id cwd)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "/no/such/dir"
    assert_eq "" "$OUT"
    assert_eq "" "$(state_dirs)"
}

case_args_path() {
    local b id
    b=$(make_bundle pathlookup probe exit 0)
    id=$(new_id pathlookup)
    t_defer oci delete --force "$id"
    assert_exit 0 oci run --bundle "$b" "$id"
    b=$(make_bundle shexit sh -c "exit 3")
    assert_exit 3 oci run --bundle "$b" "$id"
    # probe is in /bin: not found with a PATH that lacks it.
    b=$(make_bundle nopath probe exit 0)
    edit_config "$b" '.process.env = (.process.env | map(select(startswith("PATH=") | not))) + ["PATH=/usr/bin"]'
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "not found in \$PATH"
    # An absolute path needs no PATH; the arguments arrive as given.
    b=$(make_bundle abs /bin/sh -c 'printf "%s|" "$@"' sh "a b" "" 'c"d')
    edit_config "$b" '.process.env = (.process.env | map(select(startswith("PATH=") | not)))'
    assert_exit 0 oci run --bundle "$b" "$id"
    assert_eq 'a b||c"d|' "$OUT"
    assert_eq "" "$(state_dirs)"
}

# The init runs off its parent's CPU while it sets up; the container gets the CPUs that the
# runtime had, all of them or those it was limited to.
case_cpu_affinity() {
    local b id
    b=$(make_bundle cpus sh -c 'grep Cpus_allowed_list /proc/self/status')
    assert_eq "$(grep Cpus_allowed_list /proc/self/status)" "$(run_bundle "$b")" "the runtime's CPUs"
    id=$(new_id cpus)
    t_defer oci delete --force "$id"
    assert_eq "$(printf 'Cpus_allowed_list:\t0')" "$(taskset -c 0 "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id")" "one CPU"
    if [ "$(nproc)" -ge 3 ]; then
        id=$(new_id cpus)
        t_defer oci delete --force "$id"
        assert_eq "$(printf 'Cpus_allowed_list:\t0-1')" "$(taskset -c 0-1 "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id")" "two CPUs"
    fi
    # A cpuset of its own wins over the runtime's CPUs.
    edit_config "$b" '.linux.resources.cpu.cpus = "0"'
    assert_eq "$(printf 'Cpus_allowed_list:\t0')" "$(run_bundle "$b")" "linux.resources.cpu.cpus"
}

t_case "user uid, gid and additionalGids" case_user_groups
t_case "user umask" case_umask
t_case "capabilities of a root process" case_caps_root
t_case "capability sets left out are empty" case_caps_absent_sets
t_case "ambient capabilities of a non-root process" case_caps_ambient_nonroot
t_case "an unknown capability is refused" case_caps_unknown
t_case "rlimits are applied" case_rlimits_lower
t_case "raising a hard rlimit above the host's fails clearly" case_rlimits_raise_hard
t_case "noNewPrivileges true and false" case_no_new_privs
t_case "oomScoreAdj raised" case_oom_score_adj
t_case "oomScoreAdj lowered" case_oom_score_adj_lower
t_case "env is exactly the configured one plus HOME" case_env_exact
t_case "HOME from /etc/passwd when absent" case_home
t_case "cwd is applied; a missing cwd is an error" case_cwd
t_case "args[0] through PATH, exit codes, arguments as given" case_args_path
t_case "the container gets the runtime's CPUs" case_cpu_affinity
t_done
