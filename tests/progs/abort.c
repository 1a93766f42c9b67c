/* A program that calls abort() after printing a line: it must die of SIGABRT, as natively,
 * with unflushed stdio output lost as natively (abort does not flush). */
#include "testlib.h"

int main(int argc, char **argv) {
    tl_start(argc, argv, "abort");
    printf("calling abort\n");
    fflush(stdout);
    /* Fully buffered and never flushed: abort() discards it on Linux. */
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("this line is never flushed\n");
    abort();
}
