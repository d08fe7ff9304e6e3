/* fork + _exit + waitpid round trips from a process with RSS_MB of touched memory.
   Usage: fork_latency RSS_MB COUNT. Prints the mean in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    long mb = atol(argv[1]);
    int count = atoi(argv[2]);
    char *mem = malloc(mb << 20);
    memset(mem, 1, mb << 20);
    double start = now_us();
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
    }
    printf("%.1f\n", (now_us() - start) / count);
    return mem[mb << 19] == 1 ? 0 : 1;
}
