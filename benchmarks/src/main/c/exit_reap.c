/* Baseline for child-exit notification: N children wait in pause(); "latency" kills them one at a time and
 * prints ns from kill() to waitpid() returning, per child; "throughput" kills all N at once and prints the ns
 * until the last is reaped, divided by N.
 * usage: exit_reap latency|throughput N */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
        pids[i] = fork();
        if (pids[i] < 0) { perror("fork"); return 1; }
        if (pids[i] == 0) { for (;;) pause(); }
    }
    usleep(100000); /* let every child reach pause() */
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
