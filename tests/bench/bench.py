#!/usr/bin/env python3
"""Side-by-side timing of ocirun, crun and runc on the same bundles.

Every measurement is repeated with the runtimes interleaved (the order rotates
each round), so that load from elsewhere on the machine falls on all of them
alike; the table shows medians and the median of the paired ratios
ocirun/crun and ocirun/runc (one ratio per round). Run as root, through
bench.sh, which installs what is missing.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNTIMES = ("ocirun", "crun", "runc")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Runtime:
    def __init__(self, name, binary, state_root, source=None):
        self.name = name
        self.binary = binary
        self.source = source  # what binary was copied from, if it is a copy
        self.root = state_root
        self.usable = True
        self.why_not = ""

    def argv(self, *args):
        return [self.binary, "--root", self.root, *args]


def spawn_wait(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, exit status, rusage peak RSS, which is not the runtime's own)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    out = devnull if stdout == subprocess.DEVNULL else stdout
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, out, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        os.close(devnull)
    return elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def check(rt, *args):
    r = subprocess.run(rt.argv(*args), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{rt.name} {' '.join(args)}: {r.stderr.strip() or r.returncode}")
    return r.stdout


def timed(rt, *args):
    secs, code, rss = spawn_wait(rt.argv(*args))
    if code != 0:
        # Re-run to show why; the benchmark cannot go on with a failing runtime.
        r = subprocess.run(rt.argv(*args), stdin=subprocess.DEVNULL, capture_output=True, text=True)
        raise RuntimeError(f"{rt.name} {' '.join(args)} exited {code}: {r.stderr.strip()}")
    return secs, rss


def make_bundle(base, name, rootfs, template, args, seccomp=None):
    path = os.path.join(base, name)
    os.makedirs(path)
    cfg = json.loads(json.dumps(template))
    # crun 1.8.1 refuses spec versions it does not know (1.3.0): all three accept 1.0.2.
    cfg["ociVersion"] = "1.0.2"
    cfg["root"] = {"path": rootfs, "readonly": True}
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = args
    cfg["hostname"] = "bench"
    if seccomp is not None:
        cfg["linux"]["seccomp"] = seccomp
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    return path


def crun_refusal(rt, bundle):
    """crun 1.8.1 stops on a hybrid host whose cgroup2 has any controller: try once."""
    cid = "bench-probe-crun"
    r = subprocess.run(rt.argv("run", "--bundle", bundle, cid), stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    subprocess.run(rt.argv("delete", "--force", cid), capture_output=True)
    if r.returncode == 0:
        return ""
    return r.stderr.strip() or f"exit {r.returncode}"


def cgroup_layout():
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ")
            mounts[left.split()[4]] = right.split()[0]
    if mounts.get("/sys/fs/cgroup") == "cgroup2":
        return "cgroup2 (unified)"
    uni = "/sys/fs/cgroup/unified"
    if mounts.get(uni) == "cgroup2":
        ctl = open(os.path.join(uni, "cgroup.controllers")).read().split()
        return "hybrid (v1 controllers, cgroup2 at %s with controllers: %s)" % (uni, " ".join(ctl) or "none")
    return "cgroup v1"


class Table:
    def __init__(self):
        self.rows = []  # (label, unit, {rt: [values]}, paired)

    def add(self, label, unit, samples, paired=True):
        self.rows.append((label, unit, samples, paired))


def ratio(samples, a, b):
    xs, ys = samples.get(a, []), samples.get(b, [])
    pairs = [x / y for x, y in zip(xs, ys) if y]
    return statistics.median(pairs) if pairs else None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ms":
        return f"{v * 1000:.1f}"
    if unit == "s":
        return f"{v:.2f}"
    if unit == "MiB":
        return f"{v / 1024:.1f}"
    return str(v)


def print_table(table, runtimes, out):
    names = [rt.name for rt in runtimes]
    head = ["measurement", "unit"] + names + ["ocirun/crun", "ocirun/runc"]
    lines = [head]
    for label, unit, samples, _ in table.rows:
        row = [label, unit]
        for n in names:
            vals = samples.get(n)
            row.append(fmt(statistics.median(vals), unit) if vals else "n/a")
        for other in ("crun", "runc"):
            r = ratio(samples, "ocirun", other)
            row.append(f"{r:.2f}" if r is not None else "n/a")
        lines.append(row)
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    for i, r in enumerate(lines):
        out.write("| " + " | ".join(c.ljust(widths[j]) for j, c in enumerate(r)) + " |\n")
        if i == 0:
            out.write("|" + "|".join("-" * (w + 2) for w in widths) + "|\n")


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


class Bench:
    def __init__(self, runtimes, bundles, reps):
        self.runtimes = [rt for rt in runtimes if rt.usable]
        self.b = bundles
        self.reps = reps
        self.table = Table()
        self.seq = 0

    def cid(self, rt, what):
        self.seq += 1
        return f"bench-{rt.name}-{what}-{os.getpid()}-{self.seq}"

    def interleave(self, reps, body):
        samples = {rt.name: [] for rt in self.runtimes}
        for i in range(reps):
            for rt in rotate(self.runtimes, i):
                samples[rt.name].append(body(rt))
        return samples

    def run_row(self, label, bundle, gap=0.0, reps=None):
        def body(rt):
            if gap:
                time.sleep(gap)
            return timed(rt, "run", "--bundle", bundle, self.cid(rt, "run"))[0]

        log(f"{label} ...")
        self.table.add(label, "ms", self.interleave(reps or self.reps, body))

    def rss_row(self, label, bundle):
        # Through /usr/bin/time, a small C program: a child forked (or vforked) from this
        # python would report python's own peak RSS, which the kernel carries over exec.
        log(f"{label} ...")

        def body(rt):
            fd, out = tempfile.mkstemp()
            os.close(fd)
            try:
                argv = ["/usr/bin/time", "-f", "%M", "-o", out] + rt.argv("run", "--bundle", bundle, self.cid(rt, "rss"))
                r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise RuntimeError(f"{rt.name} run: {r.stderr.decode().strip()}")
                return int(open(out).read().split()[-1])
            finally:
                os.unlink(out)

        self.table.add(label, "MiB", self.interleave(self.reps, body))

    def lifecycle_rows(self):
        log("create/state/start/kill/delete ...")
        steps = ("create", "state", "start", "kill", "delete")
        samples = {s: {rt.name: [] for rt in self.runtimes} for s in steps}
        for i in range(self.reps):
            for rt in rotate(self.runtimes, i):
                cid = self.cid(rt, "life")
                t = samples
                t["create"][rt.name].append(timed(rt, "create", "--bundle", self.b["sleep"], cid)[0])
                t["state"][rt.name].append(timed(rt, "state", cid)[0])
                t["start"][rt.name].append(timed(rt, "start", cid)[0])
                t["kill"][rt.name].append(timed(rt, "kill", cid, "KILL")[0])
                deadline = time.monotonic() + 10
                while json.loads(check(rt, "state", cid))["status"] != "stopped":
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{rt.name}: {cid} did not stop")
                    time.sleep(0.005)
                t["delete"][rt.name].append(timed(rt, "delete", cid)[0])
        for s in steps:
            self.table.add(s, "ms", samples[s])

    def exec_row(self):
        log("exec ...")
        ids = {}
        try:
            for rt in self.runtimes:
                ids[rt.name] = self.cid(rt, "exec")
                # The container keeps whatever stdio it is given: nothing to wait on here.
                timed(rt, "run", "--detach", "--bundle", self.b["sleep"], ids[rt.name])
            self.table.add("exec /bin/true", "ms",
                           self.interleave(self.reps, lambda rt: timed(rt, "exec", ids[rt.name], "/bin/true")[0]))
        finally:
            for rt in self.runtimes:
                if rt.name in ids:
                    subprocess.run(rt.argv("delete", "--force", ids[rt.name]), capture_output=True)

    def sequential_row(self, count, reps):
        log(f"{count} sequential runs ...")

        def body(rt):
            start = time.perf_counter()
            for _ in range(count):
                timed(rt, "run", "--bundle", self.b["true"], self.cid(rt, "seq"))
            return time.perf_counter() - start

        self.table.add(f"{count} x run, sequential", "s", self.interleave(reps, body))

    def parallel_row(self, count, reps):
        log(f"{count} parallel runs ...")

        def body(rt):
            devnull = subprocess.DEVNULL
            start = time.perf_counter()
            procs = [subprocess.Popen(rt.argv("run", "--bundle", self.b["true"], self.cid(rt, "par")),
                                      stdin=devnull, stdout=devnull, stderr=subprocess.PIPE)
                     for _ in range(count)]
            errs = [(p.wait(), p.stderr.read()) for p in procs]
            elapsed = time.perf_counter() - start
            for p in procs:
                p.stderr.close()
            bad = [e for c, e in errs if c != 0]
            if bad:
                raise RuntimeError(f"{rt.name}: {len(bad)} of {count} parallel runs failed: {bad[0].decode().strip()}")
            return elapsed

        self.table.add(f"{count} x run, parallel", "s", self.interleave(reps, body))


def binary_facts(rt):
    path = shutil.which(rt.binary) or rt.binary
    size = os.path.getsize(os.path.realpath(path))
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = []
    for line in r.stdout.splitlines():
        name = line.strip().split()[0] if line.strip() else ""
        if name and "vdso" not in name and "ld-linux" not in name:
            libs.append(name)
    # ldd says "statically linked" of a static PIE, "not a dynamic executable" of -static.
    if "not a dynamic executable" in r.stdout + r.stderr or "statically linked" in r.stdout:
        libs = ["none (static)"]
    return path, size, libs


def installed_copy(work, name, path):
    """ocirun is measured as installed: copied in one sequential write, as install(1)
    does. A binary the linker has just written sits in the page cache in small
    pieces, and mapping it at each start costs ~0.3 ms more (measured here: a run,
    which starts ocirun twice, took 0.65 ms longer from the linker's file than from a
    copy of it in the same directory)."""
    target = os.path.join(work, "bin-" + name, "ocirun")
    os.makedirs(os.path.dirname(target))
    shutil.copyfile(path, target)
    os.chmod(target, 0o755)
    return target


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ocirun", required=True)
    p.add_argument("--rootfs", required=True)
    p.add_argument("--seccomp-profile", required=True)
    p.add_argument("--reps", type=int, default=21, help="rounds per measurement (default 21)")
    p.add_argument("--seq-count", type=int, default=100)
    p.add_argument("--seq-reps", type=int, default=3)
    p.add_argument("--par-count", type=int, default=20)
    p.add_argument("--par-reps", type=int, default=7)
    p.add_argument("--gap", type=float, default=0.2, help="idle seconds before each isolated run")
    p.add_argument("--only", default="", help="comma-separated runtimes to measure")
    p.add_argument("--view", default="host", help="what the cgroup mounts are (printed in the header)")
    p.add_argument("--extra", action="append", default=[], metavar="NAME=PATH",
                   help="another ocirun build to measure alongside (e.g. before a change)")
    p.add_argument("--rows", default="run,isolated,seccomp,lifecycle,exec,sequential,parallel,rss",
                   help="comma-separated subset of: %(default)s")
    a = p.parse_args()

    work = tempfile.mkdtemp(prefix="ocirun-bench-", dir="/run")
    runtimes = [Runtime("ocirun", installed_copy(work, "ocirun", a.ocirun), os.path.join(work, "state-ocirun"),
                        os.path.abspath(a.ocirun)),
                Runtime("crun", shutil.which("crun") or "crun", os.path.join(work, "state-crun")),
                Runtime("runc", shutil.which("runc") or "runc", os.path.join(work, "state-runc"))]
    for extra in a.extra:
        name, _, path = extra.partition("=")
        runtimes.append(Runtime(name, installed_copy(work, name, path), os.path.join(work, "state-" + name),
                                os.path.abspath(path)))
    rows = set(a.rows.split(","))
    if a.only:
        keep = a.only.split(",") + [e.partition("=")[0] for e in a.extra]
        for rt in runtimes:
            if rt.name not in keep:
                rt.usable, rt.why_not = False, "not asked for (--only)"

    try:
        subprocess.run([runtimes[0].binary, "spec"], cwd=work, check=True)
        with open(os.path.join(work, "config.json")) as f:
            template = json.load(f)
        os.unlink(os.path.join(work, "config.json"))
        with open(a.seccomp_profile) as f:
            profile = json.load(f)
        rootfs = os.path.abspath(a.rootfs)
        bundles = {
            "true": make_bundle(work, "true", rootfs, template, ["/bin/true"]),
            "sleep": make_bundle(work, "sleep", rootfs, template, ["/bin/sleep", "1000"]),
            "seccomp": make_bundle(work, "seccomp", rootfs, template, ["/bin/true"], profile),
        }
        for rt in runtimes:
            if rt.usable and rt.name == "crun":
                why = crun_refusal(rt, bundles["true"])
                if why:
                    rt.usable, rt.why_not = False, why

        bench = Bench(runtimes, bundles, a.reps)
        if "run" in rows:
            bench.run_row("run, back to back", bundles["true"])
        if "isolated" in rows:
            bench.run_row(f"run, isolated ({int(a.gap * 1000)} ms idle before)", bundles["true"], gap=a.gap)
        if "seccomp" in rows:
            bench.run_row("run, Docker seccomp profile", bundles["seccomp"])
        if "lifecycle" in rows:
            bench.lifecycle_rows()
        if "exec" in rows:
            bench.exec_row()
        if "sequential" in rows:
            bench.sequential_row(a.seq_count, a.seq_reps)
        if "parallel" in rows:
            bench.parallel_row(a.par_count, a.par_reps)
        if "rss" in rows:
            bench.rss_row("peak RSS of run", bundles["true"])
            bench.rss_row("peak RSS of run, seccomp", bundles["seccomp"])

        out = sys.stdout
        u = os.uname()
        out.write(f"\nmachine: {os.cpu_count()} cores, kernel {u.release}; cgroups: {cgroup_layout()}; view: {a.view}\n")
        loadavg = open("/proc/loadavg").read().split()[:3]
        out.write(f"load average at the end: {' '.join(loadavg)}\n")
        out.write(f"rounds: {a.reps} (sequential {a.seq_reps}, parallel {a.par_reps}); medians; ratios are medians "
                  f"of per-round ratios\n")
        for rt in runtimes:
            ver = subprocess.run([rt.binary, "--version"], capture_output=True, text=True).stdout.splitlines()
            out.write(f"{rt.name}: {ver[0] if ver else '?'}")
            out.write(f"  [not measured: {rt.why_not}]\n" if not rt.usable else "\n")
            if not rt.usable and "hybrid" in rt.why_not:
                out.write("  crun 1.8.1 refuses a hybrid host whose cgroup2 mount has a controller; bench.sh --v1-view\n"
                          "  compares all three in a private mount namespace without that mount (host mounts unchanged)\n")
        out.write("\n")
        print_table(bench.table, runtimes, out)
        out.write("\n| binary | size | shared libraries |\n|---|---|---|\n")
        for rt in runtimes:
            path, size, libs = binary_facts(rt)
            shown = f"a copy of {rt.source}" if rt.source else path
            out.write(f"| {rt.name} ({shown}) | {size / 1048576:.1f} MiB | {', '.join(libs) or '-'} |\n")
    finally:
        for rt in runtimes:
            if os.path.isdir(rt.root):
                for cid in os.listdir(rt.root):
                    subprocess.run(rt.argv("delete", "--force", cid), capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
