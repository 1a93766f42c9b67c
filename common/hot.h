/* The syscall fast path kept on as few pages as possible. On hosts where every syscall
 * flushes the TLB (no PCID, page-table isolation: this VM), each distinct page touched
 * between two host calls costs a page walk, about 8-14 ns here (far more when the page
 * tables are out of the cache), and a passthrough syscall used to touch some sixteen pages
 * the native one does not; now about six (docs/benchmarks.md). The test
 * patching/fast-path-layout keeps it so.
 *
 * HOT_PATH: the passthrough read/write path, which GCC places in .text.hot and
 * common/hot.ld gathers first in a page-aligned output section: it fits one page.
 * WARM_PATH: other frequent calls (futex, epoll, the LibOS-local ones), on the pages after.
 * HOT_DATA: the runtime globals every syscall reads, gathered into one page-aligned output
 * section ahead of .data. */
#ifndef COMMON_HOT_H
#define COMMON_HOT_H

#define HOT_PATH __attribute__((hot))
#define WARM_PATH __attribute__((hot, section(".text.warm")))
#define HOT_DATA __attribute__((section(".data.hot")))

#endif
