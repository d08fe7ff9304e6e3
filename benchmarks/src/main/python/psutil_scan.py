"""psutil's view of the process table, timed as SnapshotLoop and proc_scan.c time theirs, so the three run in turn
as pairs: after a warm-up, prints the ns per psutil.process_iter() over N scans, once per round.
Usage: python3 psutil_scan.py N ROUNDS"""
import sys
import time

import psutil

COLUMNS = ['pid', 'ppid', 'status', 'name']  # the columns forkj's snapshot and `ps -eo pid,ppid,stat,comm` give


def scan():
    return len(list(psutil.process_iter(COLUMNS)))


def main():
    n, rounds = int(sys.argv[1]), int(sys.argv[2])
    for _ in range(3):
        scan()
    for _ in range(rounds):
        t = time.perf_counter_ns()
        for _ in range(n):
            scan()
        print((time.perf_counter_ns() - t) // n)


if __name__ == '__main__':
    main()
