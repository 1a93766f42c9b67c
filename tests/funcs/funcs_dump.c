/* funcs_dump: prints what function discovery (common/func_discovery.h) finds in an ELF file,
 * for tests/funcs/funcs_tests.py and for people.
 *
 *   funcs_dump [--raw] [--source=gopclntab,symtab,dynsym,eh_frame] [--names] [--gaps] FILE
 *
 * Output: header lines starting with '#' (one per source: its state and message; the merge
 * figures; the code and gap byte counts), then one line per range:
 *   START END SOURCES FLAGS [NAME]
 * START/END in hex, SOURCES like "gopclntab+symtab", FLAGS like "split,extended" or "-".
 * With --gaps, "gap START END" lines follow. Exit status 0, or 1 when the file is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/func_discovery.h"

static int read_file(void *ctx, uint64_t offset, void *buf, size_t len) {
    int fd = *(int *)ctx;
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf = (char *)buf + n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static unsigned parse_sources(const char *list) {
    unsigned bits = 0;
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *word = strtok(copy, ","); word; word = strtok(NULL, ",")) {
        unsigned bit = 0;
        for (unsigned b = 1; b <= FUNC_SRC_EH_FRAME; b <<= 1)
            if (strcmp(word, func_source_name(b)) == 0)
                bit = b;
        if (!bit) {
            fprintf(stderr, "funcs_dump: unknown source '%s'\n", word);
            exit(2);
        }
        bits |= bit;
    }
    return bits;
}

static void print_sources(unsigned bits) {
    const char *sep = "";
    for (unsigned b = 1; b <= FUNC_SRC_EH_FRAME; b <<= 1) {
        if (bits & b) {
            printf("%s%s", sep, func_source_name(b));
            sep = "+";
        }
    }
    if (!*sep)
        printf("-");
}

static void print_flags(unsigned flags) {
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{FUNC_END_GUESSED, "guessed"}, {FUNC_END_DISAGREE, "disagree"},
                 {FUNC_EXTENDED, "extended"},   {FUNC_SPLIT, "split"},
                 {FUNC_CLIPPED, "clipped"},     {FUNC_ZERO_SIZE, "zero-size"}};
    const char *sep = "";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (flags & names[i].bit) {
            printf("%s%s", sep, names[i].name);
            sep = ",";
        }
    }
    if (!*sep)
        printf("-");
}

int main(int argc, char **argv) {
    struct func_options options = {0};
    int names = 0, gaps = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            options.raw = true;
        else if (strncmp(argv[i], "--source=", 9) == 0)
            options.sources = parse_sources(argv[i] + 9);
        else if (strcmp(argv[i], "--names") == 0)
            names = 1;
        else if (strcmp(argv[i], "--gaps") == 0)
            gaps = 1;
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: funcs_dump [--raw] [--source=LIST] [--names] [--gaps] FILE\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: funcs_dump [--raw] [--source=LIST] [--names] [--gaps] FILE\n");
        return 2;
    }
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "funcs_dump: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct elf_reader reader = {.ctx = &fd, .read = read_file, .size = (uint64_t)st.st_size};
    struct func_list list;
    char err[160];
    int rc = func_discover(&reader, &options, &list, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "funcs_dump: %s: %s\n", path, err);
        func_list_free(&list);
        close(fd);
        return 1;
    }
    static const char *states[] = {"not asked", "absent", "used", "failed"};
    for (unsigned i = 0; i < FUNC_SOURCE_COUNT; i++) {
        const struct func_source_report *r = &list.report[i];
        printf("# source %s: %s, %zu ranges: %s\n", func_source_name(1u << i), states[r->state],
               r->count, r->message);
    }
    if (list.report[FUNC_SOURCE_GOPCLNTAB].state == FUNC_STATE_USED)
        printf("# go magic=0x%08x nfunc=%llu text_start=0x%llx\n", list.go.magic,
               (unsigned long long)list.go.nfunc, (unsigned long long)list.go.text_start);
    const struct func_merge_stats *m = &list.merge;
    if (options.raw) {
        printf("# raw: %zu ranges, unmerged\n", list.count);
    } else {
        printf("# merge: %zu ranges, outside_code=%zu empty=%zu vetoed_starts=%zu "
               "end_disagreements=%zu splits=%zu extended=%zu guessed_ends=%zu\n",
               list.count, m->outside_code, m->empty, m->vetoed_starts, m->end_disagreements,
               m->splits, m->extended, m->guessed_ends);
        printf("# code: %llu bytes, %llu in %zu gaps\n", (unsigned long long)list.code_bytes,
               (unsigned long long)list.gap_bytes, list.gap_count);
    }
    for (size_t i = 0; i < list.count; i++) {
        const struct func_range *f = &list.funcs[i];
        printf("%llx %llx ", (unsigned long long)f->start, (unsigned long long)f->end);
        print_sources(f->sources);
        printf(" ");
        print_flags(f->flags);
        if (names) {
            char name[512];
            if (func_name(&reader, &list, f, name, sizeof(name)) >= 0)
                printf(" %s", name);
        }
        printf("\n");
    }
    if (gaps)
        for (size_t i = 0; i < list.gap_count; i++)
            printf("gap %llx %llx\n", (unsigned long long)list.gaps[i].start,
                   (unsigned long long)list.gaps[i].end);
    func_list_free(&list);
    close(fd);
    return 0;
}
