/* The limit for a process-table snapshot: what forkj's snapshot reads, read by C with nothing else done.
 * Lists /proc with getdents64, then per process opens and reads /proc/PID/stat and, unless its flags show a kernel
 * thread (PF_KTHREAD), /proc/PID/status (openat on the /proc descriptor, one read each into a reused buffer), as
 * forkj's reader does; parses nothing else.
 * Prints the ns per scan, averaged over N scans, once per round.
 * usage: proc_scan N ROUNDS */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct linux_dirent64 { unsigned long long d_ino; long long d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static char buf[16384];
static char dents[65536];
static volatile long sink;

static ssize_t read_file(int proc, const char *pid, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "%s/%s", pid, name);
    int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0) sink += buf[n - 1];
    close(fd);
    return n;
}

/* Field 9 (flags) of a stat line in buf: the 7th field after the last ')'. */
static int kernel_thread(ssize_t n) {
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    for (int field = 2; field < 9 && p; field++) p = strchr(p + 1, ' ');
    return p && (strtoul(p + 1, NULL, 10) & 0x00200000) != 0;
}

static int scan(void) {
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, proc, dents, sizeof dents);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *) (dents + off);
            if (d->d_name[0] >= '1' && d->d_name[0] <= '9') {
                ssize_t n = read_file(proc, d->d_name, "stat");
                if (n > 0 && !kernel_thread(n)) read_file(proc, d->d_name, "status");
                count++;
            }
            off += d->d_reclen;
        }
    }
    close(proc);
    return count;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: proc_scan N ROUNDS\n"); return 2; }
    int n = atoi(argv[1]), rounds = atoi(argv[2]);
    for (int i = 0; i < 3; i++) scan();
    for (int r = 0; r < rounds; r++) {
        long long t = now_ns();
        for (int i = 0; i < n; i++) scan();
        printf("%lld\n", (now_ns() - t) / n);
    }
    return 0;
}
