/* A program that dies of SIGSEGV by writing through a null pointer, after printing a line:
 * the exit status (a signal death) and the output before the fault must be as natively. */
#include "testlib.h"

int main(int argc, char **argv) {
    tl_start(argc, argv, "segv");
    printf("writing through a null pointer\n");
    fflush(stdout);
    volatile int *null_pointer = NULL;
    *null_pointer = 1;
    printf("FAIL: still running after the fault\n");
    return 1;
}
