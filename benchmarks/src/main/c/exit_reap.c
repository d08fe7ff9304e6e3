/* Baseline for child-exit notification: N children (`sleep 600`, started with posix_spawnp, as ExitLatency starts
 * its own: a forked copy of this small program exits faster than an exec'd sleep, 284-326 us against 383-457 us
 * per kill + waitpid measured here, which made the old baseline unfair) wait; "latency" kills them one at a time and
 * prints ns from kill() to waitpid() returning, per child; "throughput" kills all N at once and prints the ns
 * until the last is reaped, divided by N.
 * usage: exit_reap latency|throughput N */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: exit_reap latency|throughput N\n"); return 2; }
    int n = atoi(argv[2]);
    pid_t *pids = calloc(n, sizeof *pids);
    for (int i = 0; i < n; i++) {
        char *args[] = {"sleep", "600", NULL};
        int err = posix_spawnp(&pids[i], "sleep", NULL, NULL, args, environ);
        if (err != 0) { fprintf(stderr, "posix_spawnp: %s\n", strerror(err)); return 1; }
    }
    usleep(100000); /* let every child reach its sleep */
    int st;
    if (strcmp(argv[1], "latency") == 0) {
        for (int i = 0; i < n; i++) {
            long long t = now_ns();
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &st, 0);
            printf("%lld\n", now_ns() - t);
        }
    } else {
        long long t = now_ns();
        for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
        for (int i = 0; i < n; i++) waitpid(pids[i], &st, 0);
        printf("%lld\n", (now_ns() - t) / n);
    }
    return 0;
}
