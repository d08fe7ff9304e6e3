/* Baseline for "exec /bin/true": posix_spawn + waitpid, ROUNDS rounds of ITERS; prints ns_per_op per round.
 * usage: spawn_true ITERS ROUNDS */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: spawn_true ITERS ROUNDS\n"); return 2; }
    int iters = atoi(argv[1]), rounds = atoi(argv[2]);
    char *args[] = {"/bin/true", 0};
    for (int r = 0; r < rounds; r++) {
        long long start = now_ns();
        for (int i = 0; i < iters; i++) {
            pid_t pid;
            int rc = posix_spawn(&pid, "/bin/true", 0, 0, args, environ);
            if (rc) { fprintf(stderr, "posix_spawn: %d\n", rc); return 1; }
            int st;
            if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); return 1; }
        }
        printf("%lld\n", (now_ns() - start) / iters);
    }
    return 0;
}
