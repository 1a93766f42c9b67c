/* The syscall fast path's code kept together. GCC places functions marked hot in
 * .text.hot, which the linker gathers in one run: a passthrough syscall then touches a
 * few code pages instead of one per source file. It matters on hosts where every syscall
 * flushes the TLB (each page touched after a host call costs a page walk). */
#ifndef COMMON_HOT_H
#define COMMON_HOT_H

#define HOT_PATH __attribute__((hot))

#endif
