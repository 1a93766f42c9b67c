/* Exit status through the raw exit syscall (not exit_group): in a single-threaded process
 * the last thread's exit ends the process with that status. */
#include "testlib.h"

int main(int argc, char **argv) {
    tl_start(argc, argv, "exit_status");
    printf("exiting with raw exit(7)\n");
    fflush(stdout);
    RAW(SYS_exit, 7);
    printf("FAIL: still running after exit\n");
    return 1;
}
