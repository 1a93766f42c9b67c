/* From the command line to the app's first instruction. */
#include "loader/loader.h"
#include "loader/cli.h"
#include "libos/libos.h"
#include "libos/memory.h"
#include "libos/fd.h"
/* Interim: the fs layer headers land with the files work. */
long mount_add(const char *virtual_path, const char *host_path);
long fs_set_cwd(const char *virtual_path);
void fs_set_exe_path(const char *virtual_path);
long path_resolve(int dirfd, const char *path, char *out, size_t size);
long mount_translate(const char *virtual_path, char *out, size_t size);
#define AT_FDCWD_VALUE (-100)
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"
#include <asm/stat.h>
#include <linux/stat.h>

#define DEFAULT_STACK_SIZE (8 * 1024 * 1024ULL)
#define DEFAULT_BRK_MAX (1ULL << 30)

static const char *getenv_from(char **envp, const char *name) {
    size_t n = strlen(name);
    for (; *envp; envp++)
        if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

static bool is_regular_file(const char *path) {
    struct stat st;
    return pal_stat(path, &st, true) == 0 && (st.st_mode & S_IFMT) == S_IFREG;
}

/* A PROGRAM without a slash is looked up in PATH, as a shell would. */
static const char *find_program(const char *name, char **envp) {
    if (strchr(name, '/'))
        return name;
    const char *path = getenv_from(envp, "PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    static char candidate[4096];
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (len + strlen(name) + 2 < sizeof(candidate)) {
            memcpy(candidate, path, len);
            if (!len)
                candidate[len++] = '.';
            candidate[len] = '/';
            str_copy(candidate + len + 1, name, sizeof(candidate) - len - 1);
            if (is_regular_file(candidate))
                return candidate;
        }
        if (!colon)
            break;
        path = colon + 1;
    }
    return name;
}

void loader_main(int argc, char **argv, char **envp) {
    struct cli_options opt;
    cli_parse(argc, argv, &opt);
    if (opt.log_level >= 0)
        g_log_level = (enum log_level)opt.log_level;

    g_libos_config.stats = opt.stats;
    g_libos_config.catch_kind = opt.catch_kind;
    g_libos_config.stack_size = DEFAULT_STACK_SIZE;
    g_libos_config.brk_max_size = DEFAULT_BRK_MAX;

    if (opt.manifest)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: manifests are not supported yet", opt.manifest);

    /* The built-in manifest: the host filesystem as it is, the host cwd, the host env. */
    mount_add("/", "/");
    static char cwd[4096];
    if (pal_host_getcwd(cwd, sizeof(cwd)) < 0)
        str_copy(cwd, "/", sizeof(cwd));
    fs_set_cwd(cwd);
    fd_init_std();

    const char *program = find_program(opt.app_argv[0], envp);
    static char host_path[4096];
    static char virtual_path[4096];
    long r = path_resolve(AT_FDCWD_VALUE, program, virtual_path, sizeof(virtual_path));
    if (r < 0)
        loader_fail(EXIT_PROGRAM_NOT_FOUND, "%s: program not found", program);
    r = mount_translate(virtual_path, host_path, sizeof(host_path));
    if (r < 0)
        loader_fail(EXIT_PROGRAM_NOT_FOUND, "%s: program not found (outside every mount)",
                    program);
    struct loaded_image img;
    loader_load_elf(host_path, program, &img);
    fs_set_exe_path(virtual_path);
    libos_brk_init(img.brk_start, g_libos_config.brk_max_size);

    uint64_t sp = loader_build_stack(&img, opt.app_argc, opt.app_argv, envp, program,
                                     g_libos_config.stack_size);
    struct pal_context *ctx = &pal_tcb()->app;
    memset(ctx, 0, sizeof(*ctx));
    ctx->rsp = sp;
    ctx->rip = img.elf.entry + img.bias;
    ctx->rflags = 0x202;
}
