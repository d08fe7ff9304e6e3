/* Baseline for getpid/getppid: the raw syscall (glibc caches nothing since 2.25, but syscall() makes it
 * explicit), ROUNDS rounds of ITERS calls; prints ns_per_call per round.
 * usage: getpid_loop ITERS ROUNDS [getppid] */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: getpid_loop ITERS ROUNDS [getppid]\n"); return 2; }
    long nr = argc > 3 && strcmp(argv[3], "getppid") == 0 ? SYS_getppid : SYS_getpid;
    long iters = atol(argv[1]);
    int rounds = atoi(argv[2]);
    volatile long sink = 0;
    for (int r = 0; r < rounds; r++) {
        long long start = now_ns();
        for (long i = 0; i < iters; i++) sink += syscall(nr);
        printf("%.1f\n", (double) (now_ns() - start) / iters);
    }
    return sink == 0;
}
