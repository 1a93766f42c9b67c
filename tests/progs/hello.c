/* The smoke test: the smallest program that proves enclos can load and run an app. */
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    return 0;
}
