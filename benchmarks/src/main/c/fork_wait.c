/* Baseline for "fork + _exit + waitpid": touches RSS_MB of heap first, so fork copies as many page-table
 * entries as the JVM it is compared with, and, given MAPS, makes its mappings as many as the JVM's (fork copies
 * one VMA per mapping: a JVM has hundreds, this program a handful), then times ROUNDS rounds of ITERS
 * fork/_exit/waitpid each and prints one line per round: "ns_per_op". Given THREADS, that many threads fork at
 * once (ITERS in all per round) and a line is the round's wall time per fork: the inverse of forks per second.
 * usage: fork_wait RSS_MB ITERS ROUNDS [MAPS [THREADS]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *fork_loop(void *count) {
    for (long i = 0; i < (long) count; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); exit(1); }
        if (pid == 0) _exit(0);
        int st;
        if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); exit(1); }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) { fprintf(stderr, "usage: fork_wait RSS_MB ITERS ROUNDS [MAPS [THREADS]]\n"); return 2; }
    size_t mb = strtoul(argv[1], 0, 10);
    int iters = atoi(argv[2]), rounds = atoi(argv[3]);
    char *heap = malloc(mb << 20);
    if (mb && !heap) { perror("malloc"); return 1; }
    memset(heap, 1, mb << 20);
    if (argc >= 5) {
        /* One page each, touched, protections alternating so that neighbours never merge into one VMA. */
        int want = atoi(argv[4]);
        FILE *maps = fopen("/proc/self/maps", "r");
        int have = 0;
        for (int c; maps && (c = fgetc(maps)) != EOF; ) have += c == '\n';
        if (maps) fclose(maps);
        long page = sysconf(_SC_PAGESIZE);
        for (int i = have; i < want; i++) {
            char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) { perror("mmap"); return 1; }
            p[0] = 1;
            if (i % 2 && mprotect(p, page, PROT_READ) != 0) { perror("mprotect"); return 1; }
        }
    }
    int threads = argc == 6 ? atoi(argv[5]) : 1;
    if (threads < 1 || threads > 64) { fprintf(stderr, "THREADS must be 1 to 64\n"); return 2; }
    for (int r = 0; r < rounds; r++) {
        long long start = now_ns();
        if (threads == 1) {
            fork_loop((void *) (long) iters);
        } else {
            pthread_t t[64];
            for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fork_loop, (void *) (long) (iters / threads));
            for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        }
        printf("%lld\n", (now_ns() - start) / (iters / threads * threads));
    }
    return heap[0] == 1 ? 0 : 1;
}
