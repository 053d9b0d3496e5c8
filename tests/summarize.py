#!/usr/bin/env python3
"""Counts the results of the last `meson test` run from BUILD_DIR/meson-logs/testlog.json.

    tests/summarize.py BUILD_DIR

TAP tests count by their lines: `ok` passes, `not ok` fails, a `# SKIP` directive skips, and a
`# TODO` counts as skipped (known unfinished; it neither proves nor breaks anything). A TAP test
that meson judged FAIL, ERROR or TIMEOUT without a single `not ok` line (a crash, a bail out, a
timeout between cases) counts as one failure more; `1..0 # SKIP` counts as one skip. A test
without TAP counts once, by meson's result.

Prints the counts per suite, then as its last line exactly `N passed, N failed, N skipped`.
Exits 1 if anything failed or nothing passed: a run that executed no test is a defect too.
"""
import json
import os
import re
import sys
from collections import OrderedDict

TAP_LINE = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*-?\s*([^#]*?)\s*(?:#\s*(.*))?$')
FAILED_RESULTS = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS'}


def suites_by_test(build_dir):
    """The suite and protocol of each test, which meson 1.0's testlog.json does not record."""
    path = os.path.join(build_dir, 'meson-info', 'intro-tests.json')
    try:
        with open(path, encoding='utf-8') as f:
            tests = json.load(f)
    except (OSError, ValueError):
        return {}, {}
    suites, protocols = {}, {}
    for t in tests:
        names = [s.split(':', 1)[-1] for s in t.get('suite', [])]
        suites[t['name']] = names[0] if names else 'default'
        protocols[t['name']] = t.get('protocol', 'exitcode')
    return suites, protocols


class Counts:
    def __init__(self):
        self.passed = self.failed = self.skipped = self.todo = 0
        self.failures = []

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.todo += other.todo
        self.failures += other.failures


def count_tap(name, stdout, result):
    c = Counts()
    plan_skip = False
    for line in stdout.splitlines():
        if re.match(r'^1\.\.0\b.*#\s*skip', line, re.IGNORECASE):
            plan_skip = True
            continue
        m = TAP_LINE.match(line)
        if not m:
            continue
        status, number, description, directive = m.groups()
        directive = (directive or '').strip()
        if re.match(r'skip', directive, re.IGNORECASE):
            c.skipped += 1
        elif re.match(r'todo', directive, re.IGNORECASE):
            c.skipped += 1
            c.todo += 1
        elif status == 'ok':
            c.passed += 1
        else:
            c.failed += 1
            c.failures.append(f'{name}: not ok {number or ""} - {description}'.replace('  ', ' '))
    if result in FAILED_RESULTS and c.failed == 0:
        c.failed += 1
        c.failures.append(f'{name}: {result} without a failing TAP line')
    elif plan_skip and c.passed + c.failed + c.skipped == 0:
        c.skipped += 1
    return c


def count_plain(name, result):
    c = Counts()
    if result in ('OK', 'EXPECTEDFAIL'):
        c.passed = 1
    elif result == 'SKIP':
        c.skipped = 1
    else:
        c.failed = 1
        c.failures.append(f'{name}: {result}')
    return c


def main(argv):
    if len(argv) != 2:
        print('usage: summarize.py BUILD_DIR', file=sys.stderr)
        return 2
    build_dir = argv[1]
    log = os.path.join(build_dir, 'meson-logs', 'testlog.json')
    try:
        with open(log, encoding='utf-8') as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        print(f'summarize: cannot read {log}: {e.strerror} (did `meson test` run?)', file=sys.stderr)
        print('0 passed, 1 failed, 0 skipped')
        return 1
    except ValueError as e:
        print(f'summarize: {log} is not one JSON object per line: {e}', file=sys.stderr)
        print('0 passed, 1 failed, 0 skipped')
        return 1

    suites, protocols = suites_by_test(build_dir)
    per_suite = OrderedDict()
    for entry in entries:
        name = entry.get('name', '?')
        # meson names a test `project:suite / name` when there is more than one test,
        # plain `name` otherwise.
        suite = None
        if ' / ' in name:
            suite, name = name.split(' / ', 1)
            suite = suite.split(':', 1)[-1]
        result = entry.get('result', 'ERROR')
        stdout = entry.get('stdout') or ''
        protocol = protocols.get(name)
        if protocol is None:  # no introspection data: judge by the output
            is_tap = re.search(r'^(ok|not ok)\b|^1\.\.\d', stdout, re.MULTILINE) is not None
        else:
            is_tap = protocol == 'tap'
        c = count_tap(name, stdout, result) if is_tap else count_plain(name, result)
        per_suite.setdefault(suite or suites.get(name, 'default'), Counts()).add(c)

    total = Counts()
    for suite, c in per_suite.items():
        todo = f' (of which todo {c.todo})' if c.todo else ''
        print(f'suite {suite} - passed {c.passed}, failed {c.failed}, skipped {c.skipped}{todo}')
        total.add(c)
    for failure in total.failures:
        print(f'  FAILED {failure}')
    print(f'{total.passed} passed, {total.failed} failed, {total.skipped} skipped')
    return 1 if total.failed > 0 or total.passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
