/* From the command line to the app's first instruction. */
#include "loader/loader.h"
#include "loader/cli.h"
#include "libos/libos.h"
#include "libos/memory.h"
#include "libos/fd.h"
#include "libos/thread.h"
#include "libos/fs/mount.h"
#include "loader/manifest.h"
#include <linux/fcntl.h>
#include "pal/pal.h"
#include "common/alloc.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/string.h"
#include "libos/file_hash.h"
#include <asm/stat.h>
#include <linux/stat.h>

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

static char g_host_cwd[4096];

/* Reads the whole manifest file into a runtime buffer. */
static char *read_manifest(const char *path, size_t *len) {
    long h = pal_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (h < 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s: cannot read the manifest (%s)", path,
                    libos_errno_name(-h));
    size_t cap = 4096, n = 0;
    char *buf = rt_malloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= (16u << 20))
                loader_fail(EXIT_ENCLOS_FAILURE, "%s: manifest larger than 16 MiB", path);
            cap *= 2;
            buf = rt_realloc(buf, cap);
        }
        long r = pal_read((int)h, buf + n, cap - n);
        if (r < 0)
            loader_fail(EXIT_ENCLOS_FAILURE, "%s: cannot read the manifest (%s)", path,
                        libos_errno_name(-r));
        if (r == 0)
            break;
        n += (size_t)r;
    }
    pal_close((int)h);
    *len = n;
    return buf;
}

/* A manifest's host paths may be relative to the directory enclos started in. */
static const char *host_absolute(const char *path) {
    if (path[0] == '/')
        return path;
    size_t n = strlen(g_host_cwd) + strlen(path) + 2;
    char *abs = rt_malloc(n);
    fmt_snprintf(abs, n, "%s/%s", g_host_cwd, path);
    return abs;
}

/* The app's environment: the manifest's variables, over the host's when asked. */
static char **build_env(const struct manifest *m, bool use_host, char **host_envp) {
    size_t host_count = 0;
    if (use_host)
        while (host_envp[host_count])
            host_count++;
    char **env = rt_calloc(host_count + m->env_count + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < host_count; i++) {
        bool overridden = false;
        for (size_t k = 0; k < m->env_count; k++) {
            size_t l = strlen(m->env[k].name);
            if (!strncmp(host_envp[i], m->env[k].name, l) && host_envp[i][l] == '=')
                overridden = true;
        }
        if (!overridden)
            env[n++] = host_envp[i];
    }
    for (size_t k = 0; k < m->env_count; k++) {
        size_t l = strlen(m->env[k].name) + strlen(m->env[k].value) + 2;
        env[n] = rt_malloc(l);
        fmt_snprintf(env[n++], l, "%s=%s", m->env[k].name, m->env[k].value);
    }
    env[n] = NULL;
    return env;
}

/* The files a signed manifest trusts must be what was signed: each is hashed now. */
static void check_trusted_files(const char *manifest_path, const struct manifest *m) {
    for (size_t i = 0; i < m->trusted_hash_count; i++) {
        /* Relative paths are relative to the manifest's directory, as enclos sign took them. */
        const char *path = m->trusted_hash_paths[i];
        if (path[0] != '/') {
            const char *dir_end = strrchr(manifest_path, '/');
            size_t dir_len = dir_end ? (size_t)(dir_end - manifest_path) : 1;
            size_t n = dir_len + strlen(path) + 2;
            char *joined = rt_malloc(n);
            fmt_snprintf(joined, n, "%.*s/%s", (int)dir_len, dir_end ? manifest_path : ".", path);
            path = host_absolute(joined);
        }
        char hex[65];
        uint64_t size;
        const char *why = libos_hash_host_file(path, hex, &size);
        if (why)
            loader_fail(EXIT_ENCLOS_FAILURE, "%s: trusted file %s cannot be read (%s)",
                        manifest_path, path, why);
        if (strcmp(hex, m->trusted_hashes[i]) != 0)
            loader_fail(EXIT_ENCLOS_FAILURE,
                        "%s: trusted file %s changed since 'enclos sign' (SHA-256 %s, signed %s); "
                        "sign again",
                        manifest_path, path, hex, m->trusted_hashes[i]);
    }
}

/* The PAL's settings: the command line's over the manifest's. */
static void configure_pal(const struct cli_options *opt, const struct manifest *m) {
    struct pal_config cfg = {
        .pal = opt->pal ? opt->pal : manifest_pal_name(m->pal),
        .manifest_path = opt->manifest,
        .max_threads = opt->max_threads ? opt->max_threads : m->max_threads,
        .enclave_size = opt->enclave_size ? opt->enclave_size : m->enclave_size,
        .edmm = opt->edmm >= 0 ? opt->edmm != 0 : m->edmm_enable,
        .edmm_preheat_size = opt->preheat_given ? opt->edmm_preheat_size : m->edmm_preheat_size,
        .edmm_lazyfree_threshold =
            opt->lazyfree_given ? opt->edmm_lazyfree_threshold : m->edmm_lazyfree_threshold,
        .stats = opt->stats,
    };
    if (opt->profile && strcmp(cfg.pal, "direct") != 0)
        loader_fail(EXIT_ENCLOS_FAILURE,
                    "profile runs programs on the direct PAL; drop --pal=%s (or the manifest's "
                    "loader.pal) to profile",
                    cfg.pal);
    char err[512];
    long r = pal_configure(&cfg, err, sizeof(err));
    if (r < 0)
        loader_fail(EXIT_ENCLOS_FAILURE, "%s", err);
}

void loader_main(int argc, char **argv, char **envp) {
    struct cli_options opt;
    cli_parse(argc, argv, &opt);
    if (opt.log_level >= 0)
        g_log_level = (enum log_level)opt.log_level;
    if (pal_host_getcwd(g_host_cwd, sizeof(g_host_cwd)) < 0)
        str_copy(g_host_cwd, "/", sizeof(g_host_cwd));

    struct manifest m;
    manifest_defaults(&m);
    if (opt.manifest) {
        /* A PAL that measured the manifest hands over the bytes it measured. */
        const struct pal_host_info *hi = pal_host_info();
        size_t len = hi->manifest_size;
        char *text = hi->manifest ? (char *)hi->manifest : read_manifest(opt.manifest, &len);
        char err[512];
        if (manifest_parse(text, len, opt.manifest, &m, err, sizeof(err)) < 0)
            loader_fail(EXIT_ENCLOS_FAILURE, "%s", err);
        if (!hi->manifest)
            rt_free(text);
        if (opt.log_level < 0)
            g_log_level = m.log_level;
    }
    configure_pal(&opt, &m);
    if (opt.manifest)
        check_trusted_files(opt.manifest, &m);

    g_libos_config.stats = opt.stats;
    pal_set_unsafe_gate(opt.unsafe_gate);
    pal_count_host_calls(opt.stats);
    g_libos_config.catch_kind = opt.catch_kind;
    g_libos_config.syscall_patching =
        opt.syscall_patching >= 0 ? opt.syscall_patching != 0 : m.syscall_patching;
    g_libos_config.drained_reads =
        opt.drained_reads >= 0 ? opt.drained_reads != 0 : m.drained_reads;
    g_libos_config.stack_size = m.stack_size;
    g_libos_config.brk_max_size = m.brk_max_size;
    g_libos_config.profile = opt.profile;

    fs_init();
    long r;
    if (opt.manifest && m.mount_count) {
        for (size_t i = 0; i < m.mount_count; i++) {
            const char *host = host_absolute(m.mounts[i].host_path);
            struct stat st;
            if (pal_stat(host, &st, true) < 0)
                loader_fail(EXIT_ENCLOS_FAILURE,
                            "%s:%d: fs.mounts: host path '%s' does not exist; create it or fix "
                            "the uri",
                            opt.manifest, m.mounts[i].line, m.mounts[i].host_path);
            r = mount_add(m.mounts[i].path, host);
            if (r < 0)
                loader_fail(EXIT_ENCLOS_FAILURE, "%s:%d: cannot mount '%s' at '%s' (%s)",
                            opt.manifest, m.mounts[i].line, m.mounts[i].host_path, m.mounts[i].path,
                            libos_errno_name(-r));
        }
    } else {
        mount_add("/", "/");
    }
    if (opt.manifest) {
        const char *dir = m.start_dir ? m.start_dir : "/";
        r = fs_set_cwd(dir);
        if (r < 0)
            loader_fail(EXIT_ENCLOS_FAILURE,
                        "%s: fs.start_dir '%s' is not a directory the app "
                        "can see (%s); check fs.mounts",
                        opt.manifest, dir, libos_errno_name(-r));
    } else {
        fs_set_cwd_from_host();
    }
    fd_init_std();

    /* The program and its arguments: from the command line, or the manifest's entrypoint
     * and argv with any command-line ARGS replacing argv[1:]. */
    const char *program;
    int app_argc;
    char **app_argv;
    char **app_envp;
    if (opt.manifest) {
        program = m.entrypoint;
        size_t base = m.argv ? m.argc : 1;
        app_argc = opt.app_argc ? (int)opt.app_argc + 1 : (int)base;
        app_argv = rt_calloc((size_t)app_argc + 1, sizeof(char *));
        app_argv[0] = m.argv ? m.argv[0] : m.entrypoint;
        for (int i = 1; i < app_argc; i++)
            app_argv[i] = opt.app_argc ? opt.app_argv[i - 1] : m.argv[i];
        app_envp = build_env(&m, m.insecure_use_host_env, envp);
    } else {
        program = find_program(opt.app_argv[0], envp);
        app_argc = opt.app_argc;
        app_argv = opt.app_argv;
        app_envp = envp;
    }

    static char host_path[4096];
    r = fs_translate(program, host_path, sizeof(host_path));
    if (r < 0)
        loader_fail(EXIT_PROGRAM_NOT_FOUND, "%s: program not found%s", program,
                    opt.manifest ? " (check libos.entrypoint and fs.mounts)" : "");
    const char *elf_program =
        loader_follow_scripts(program, host_path, sizeof(host_path), &app_argc, &app_argv,
                              opt.manifest ? " or fs.mounts" : "");
    struct loaded_image img;
    loader_load_elf(host_path, elf_program, &img);
    loader_start_image(&img, elf_program, program, app_argc, app_argv, app_envp);
}

void loader_start_image(const struct loaded_image *img, const char *exe_path, const char *execfn,
                        int argc, char **argv, char **envp) {
    fs_set_exe_path(exe_path);
    /* Linux names the process after the file execve was given (its last component). */
    const char *base = strrchr(execfn, '/');
    libos_thread_set_name(base ? base + 1 : execfn);
    libos_brk_init(img->brk_start, g_libos_config.brk_max_size);
    uint64_t sp = loader_build_stack(img, argc, argv, envp, execfn, g_libos_config.stack_size);
    struct pal_context *ctx = &pal_tcb()->app;
    memset(ctx, 0, sizeof(*ctx));
    ctx->rsp = sp;
    ctx->rip = img->start;
    ctx->rflags = 0x202;
}
