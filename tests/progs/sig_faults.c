/* Synchronous faults in app code reach its handlers, which recover without longjmp by
 * editing the context: they move RIP past the faulting instruction (its length known from
 * labels around it) or, for a jump into a page that is not executable, return to the
 * caller. Each fault is checked for its signal, si_code, si_addr, the RIP in the context
 * and the trap number and page-fault error code in the sigcontext: SIGSEGV SEGV_MAPERR
 * (address 1, NULL, an unmapped page between mappings), SEGV_ACCERR (PROT_NONE read, write
 * to a read-only page, execution of a non-executable page), a non-canonical address (a
 * general protection fault: SI_KERNEL, si_addr 0); SIGBUS BUS_ADRERR past the end of a
 * mapped file; SIGFPE FPE_INTDIV for a divide by zero and for INT64_MIN / -1; SIGILL
 * ILL_ILLOPN for ud2; SIGTRAP for int3. */
#include "testlib.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

/* x86 trap numbers and page-fault error code bits, as in the sigcontext. */
#define TRAP_DE 0
#define TRAP_BP 3
#define TRAP_UD 6
#define TRAP_GP 13
#define TRAP_PF 14
#define PF_WRITE 2
#define PF_USER 4
#define PF_INSTR 16

/* ---- Faulting instructions between labels ----------------------------------------------- */

extern char load_start[], load_end[], store_start[], store_end[], div_start[], div_end[],
    idiv_start[], idiv_end[], ud2_start[], ud2_end[], int3_end[], call_site_end[];

__attribute__((noinline)) static void load_byte(const volatile void *address) {
    __asm__ volatile("mov %0, %%rdi\n"
                     ".globl load_start, load_end\n"
                     "load_start: movb (%%rdi), %%al\n"
                     "load_end:\n"
                     :
                     : "r"(address)
                     : "rdi", "rax", "memory");
}

__attribute__((noinline)) static void store_byte(volatile void *address) {
    __asm__ volatile("mov %0, %%rdi\n"
                     ".globl store_start, store_end\n"
                     "store_start: movb $1, (%%rdi)\n"
                     "store_end:\n"
                     :
                     : "r"(address)
                     : "rdi", "memory");
}

__attribute__((noinline)) static void divide_by_zero(void) {
    __asm__ volatile("mov $7, %%eax\n"
                     "xor %%edx, %%edx\n"
                     "xor %%ecx, %%ecx\n"
                     ".globl div_start, div_end\n"
                     "div_start: divq %%rcx\n"
                     "div_end:\n" ::
                         : "rax", "rcx", "rdx", "cc");
}

__attribute__((noinline)) static void divide_overflow(void) {
    __asm__ volatile("movabs $0x8000000000000000, %%rax\n"
                     "cqo\n"
                     "mov $-1, %%rcx\n"
                     ".globl idiv_start, idiv_end\n"
                     "idiv_start: idivq %%rcx\n"
                     "idiv_end:\n" ::
                         : "rax", "rcx", "rdx", "cc");
}

__attribute__((noinline)) static void undefined_instruction(void) {
    __asm__ volatile(".globl ud2_start, ud2_end\n"
                     "ud2_start: ud2\n"
                     "ud2_end:\n");
}

__attribute__((noinline)) static void breakpoint(void) {
    __asm__ volatile("int3\n"
                     ".globl int3_end\n"
                     "int3_end:\n");
}

/* Calls code at `target`; a handler that "returns" from the fault lands after the call. */
__attribute__((noinline)) static void call_into(void *target) {
    __asm__ volatile("lea -128(%%rsp), %%rsp\n"
                     "call *%0\n"
                     ".globl call_site_end\n"
                     "call_site_end:\n"
                     "lea 128(%%rsp), %%rsp\n"
                     :
                     : "r"(target)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

/* ---- The handler ------------------------------------------------------------------------ */

enum recovery { SKIP, RETURN_TO_CALLER, CONTINUE };

static struct {
    enum recovery recovery;
    unsigned long start, end; /* the faulting instruction, for SKIP */
    int count, signo, code;
    unsigned long address, rip, trapno, err;
    bool rip_matched;
} fault;

static sigjmp_buf escape;

static void fault_handler(int signo, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *gregs = uc->uc_mcontext.gregs;
    fault.count++;
    fault.signo = signo;
    fault.code = info->si_code;
    fault.address = (unsigned long)info->si_addr;
    fault.rip = gregs[REG_RIP];
    fault.trapno = gregs[REG_TRAPNO];
    fault.err = gregs[REG_ERR];
    switch (fault.recovery) {
    case SKIP:
        fault.rip_matched = fault.rip == fault.start;
        if (!fault.rip_matched)
            siglongjmp(escape, 1); /* stepping blindly would fault again and again */
        gregs[REG_RIP] += fault.end - fault.start;
        break;
    case RETURN_TO_CALLER:
        gregs[REG_RIP] = *(greg_t *)gregs[REG_RSP];
        gregs[REG_RSP] += 8;
        fault.rip_matched = gregs[REG_RIP] == (greg_t)call_site_end;
        break;
    case CONTINUE:
        break;
    }
}

static void install(int signo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        tl_die("sigaction");
}

static const char *code_name(int signo, int code) {
    static char other[32];
    if (code == SI_KERNEL)
        return "SI_KERNEL";
    if (signo == SIGSEGV && code == SEGV_MAPERR)
        return "SEGV_MAPERR";
    if (signo == SIGSEGV && code == SEGV_ACCERR)
        return "SEGV_ACCERR";
    if (signo == SIGBUS && code == BUS_ADRERR)
        return "BUS_ADRERR";
    if (signo == SIGFPE && code == FPE_INTDIV)
        return "FPE_INTDIV";
    if (signo == SIGILL && code == ILL_ILLOPN)
        return "ILL_ILLOPN";
    snprintf(other, sizeof(other), "code %d", code);
    return other;
}

static void prepare(enum recovery recovery, const char *start, const char *end) {
    memset(&fault, 0, sizeof(fault));
    fault.recovery = recovery;
    fault.start = (unsigned long)start;
    fault.end = (unsigned long)end;
}

/* Prints the checks of one fault, labelled "WHAT: ...". */
static void expect_fault(const char *what, int signo, const char *code, unsigned long address,
                         long trapno, long err) {
    char label[160];
    snprintf(label, sizeof(label), "%s: one signal, recovered", what);
    EXPECT_VAL(label, fault.count, 1);
    snprintf(label, sizeof(label), "%s: signal", what);
    EXPECT_VAL(label, fault.signo, signo);
    snprintf(label, sizeof(label), "%s: si_code", what);
    EXPECT_STR(label, code_name(fault.signo, fault.code), code);
    snprintf(label, sizeof(label), "%s: si_addr", what);
    EXPECT_TRUE(label, fault.address == address);
    if (fault.recovery != CONTINUE) {
        snprintf(label, sizeof(label), "%s: RIP in the context", what);
        EXPECT_TRUE(label, fault.rip_matched);
    }
    snprintf(label, sizeof(label), "%s: trap number", what);
    EXPECT_VAL(label, fault.trapno, trapno);
    if (err >= 0) {
        /* The present bit depends on whether the page was ever touched: not compared. */
        snprintf(label, sizeof(label), "%s: page-fault error code (user, write, fetch)", what);
        EXPECT_VAL(label, fault.err & (PF_USER | PF_WRITE | PF_INSTR), err);
    }
}

/* ---- The checks ------------------------------------------------------------------------- */

static void check_segv(void) {
    long page = sysconf(_SC_PAGESIZE);
    install(SIGSEGV);
    char *area = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        tl_die("mmap");
    /* Pages: 0 read-write, 1 PROT_NONE, 2 unmapped, 3 read-only. */
    mprotect(area + page, page, PROT_NONE);
    munmap(area + 2 * page, page);
    mprotect(area + 3 * page, page, PROT_READ);

    EXPECT_VAL("the faulting load is 2 bytes long", load_end - load_start, 2);
    EXPECT_VAL("the faulting store is 3 bytes long", store_end - store_start, 3);

    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte(BAD_PTR);
    expect_fault("load from address 1", SIGSEGV, "SEGV_MAPERR", 1, TRAP_PF, PF_USER);

    prepare(SKIP, store_start, store_end);
    if (sigsetjmp(escape, 1) == 0)
        store_byte(NULL);
    expect_fault("store to NULL", SIGSEGV, "SEGV_MAPERR", 0, TRAP_PF, PF_USER | PF_WRITE);

    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte(area + 2 * page + 40);
    expect_fault("load from an unmapped page between mappings", SIGSEGV, "SEGV_MAPERR",
                 (unsigned long)(area + 2 * page + 40), TRAP_PF, PF_USER);

    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte(area + page + 8);
    expect_fault("load from a PROT_NONE page", SIGSEGV, "SEGV_ACCERR",
                 (unsigned long)(area + page + 8), TRAP_PF, PF_USER);

    prepare(SKIP, store_start, store_end);
    if (sigsetjmp(escape, 1) == 0)
        store_byte(area + 3 * page + 100);
    expect_fault("store to a read-only page", SIGSEGV, "SEGV_ACCERR",
                 (unsigned long)(area + 3 * page + 100), TRAP_PF, PF_USER | PF_WRITE);
    EXPECT_VAL("the read-only page is unchanged", area[3 * page + 100], 0);

    /* A `ret` placed in a readable page that is not executable: the call faults at it. */
    mprotect(area + 3 * page, page, PROT_READ | PROT_WRITE);
    area[3 * page] = (char)0xc3;
    mprotect(area + 3 * page, page, PROT_READ);
    prepare(RETURN_TO_CALLER, NULL, NULL);
    if (sigsetjmp(escape, 1) == 0)
        call_into(area + 3 * page);
    expect_fault("call into a page without PROT_EXEC", SIGSEGV, "SEGV_ACCERR",
                 (unsigned long)(area + 3 * page), TRAP_PF, PF_USER | PF_INSTR);
    EXPECT_TRUE("call into a page without PROT_EXEC: RIP was the target",
                fault.rip == (unsigned long)(area + 3 * page));

    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte((void *)0x8000000000000000ul);
    expect_fault("load from a non-canonical address", SIGSEGV, "SI_KERNEL", 0, TRAP_GP, -1);

    munmap(area, 2 * page);
    munmap(area + 3 * page, page);
}

static void check_sigbus(void) {
    long page = sysconf(_SC_PAGESIZE);
    install(SIGBUS);
    int fd = open("shrinking", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 2 * page) != 0)
        tl_die("shrinking file");
    char *map = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        tl_die("mmap of the file");
    if (ftruncate(fd, page) != 0)
        tl_die("ftruncate");
    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte(map + 16);
    EXPECT_VAL("load inside the file: no signal", fault.count, 0);
    prepare(SKIP, load_start, load_end);
    if (sigsetjmp(escape, 1) == 0)
        load_byte(map + page + 16);
    expect_fault("load past the end of a mapped file", SIGBUS, "BUS_ADRERR",
                 (unsigned long)(map + page + 16), TRAP_PF, -1);
    munmap(map, 2 * page);
    close(fd);
    unlink("shrinking");
}

static void check_arithmetic_and_traps(void) {
    install(SIGFPE);
    prepare(SKIP, div_start, div_end);
    if (sigsetjmp(escape, 1) == 0)
        divide_by_zero();
    expect_fault("divide by zero", SIGFPE, "FPE_INTDIV", (unsigned long)div_start, TRAP_DE, -1);

    prepare(SKIP, idiv_start, idiv_end);
    if (sigsetjmp(escape, 1) == 0)
        divide_overflow();
    expect_fault("INT64_MIN / -1", SIGFPE, "FPE_INTDIV", (unsigned long)idiv_start, TRAP_DE, -1);

    install(SIGILL);
    prepare(SKIP, ud2_start, ud2_end);
    if (sigsetjmp(escape, 1) == 0)
        undefined_instruction();
    expect_fault("ud2", SIGILL, "ILL_ILLOPN", (unsigned long)ud2_start, TRAP_UD, -1);

    /* int3 is a trap: RIP is already past it and the handler just returns. */
    install(SIGTRAP);
    prepare(CONTINUE, NULL, NULL);
    breakpoint();
    expect_fault("int3", SIGTRAP, "SI_KERNEL", 0, TRAP_BP, -1);
    EXPECT_TRUE("int3: RIP in the context is after it", fault.rip == (unsigned long)int3_end);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "sig_faults");
    tl_start_watchdog(10);
    check_segv();
    check_sigbus();
    check_arithmetic_and_traps();
    return tl_finish();
}
