/* Prints glibc's wait-status macros for every 16-bit raw status, one line each:
 *   raw WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG WCOREDUMP WIFSTOPPED WSTOPSIG WIFCONTINUED
 * Regenerate the fixture with:
 *   gcc -O2 -o /tmp/wait_macros c/wait_macros.c && /tmp/wait_macros | gzip -9n > resources/glibc-wait-macros.txt.gz
 */
#include <stdio.h>
#include <sys/wait.h>

int main(void) {
    for (int s = 0; s <= 0xffff; s++) {
        printf("%x %d %d %d %d %d %d %d %d\n", s, WIFEXITED(s) != 0, WEXITSTATUS(s), WIFSIGNALED(s) != 0,
               WTERMSIG(s), WCOREDUMP(s) != 0, WIFSTOPPED(s) != 0, WSTOPSIG(s), WIFCONTINUED(s) != 0);
    }
    return 0;
}
