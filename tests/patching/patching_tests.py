"""patching/NAME: load-time syscall patching over real binaries (tests/run_tests.py loads
this file). Each program runs under `enclos run --stats`; the table's line for its object
must count as many syscall sites as objdump finds `syscall`/`sysenter` instructions in its
code (every site found), at least 99% of them patched, and one `left` line, with its
reason, for each site left to the kernel catch. The program's own output and status must
match its native run."""

import os
import re
import subprocess

OBJECT_LINE = re.compile(r"^  patched (\S+): (\d+) syscall sites, (\d+) patched, (\d+) left")
LEFT_LINE = re.compile(r"^    left (0x[0-9a-f]+) in (.+): (.+)$")
SITE_INSN = re.compile(r"^\s*[0-9a-f]+:\t0f (05|34)\s+\t(syscall|sysenter)\s*$")


def objdump_sites(path):
    out = subprocess.run(["objdump", "-d", path], capture_output=True)
    count = 0
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        if SITE_INSN.match(line):
            count += 1
    return count


def make_tests(suite, runner):
    build = runner.BUILD
    cases = [
        ("go-hello", os.path.join(build, "tests", "go", "hello"), []),
        ("go-hello-stripped", os.path.join(build, "tests", "go", "hello.stripped"), []),
        ("esbuild", os.path.join(build, "esbuild", "package", "bin", "esbuild"), ["--version"]),
        ("busybox", "/bin/busybox", ["true"]),
    ]
    for variant in ("glibc-static", "glibc-static-pie", "musl-static", "musl-static-pie"):
        cases.append(("hello." + variant,
                      os.path.join(build, "tests", "progs", "hello." + variant), None))
        cases.append(("patch_jump." + variant,
                      os.path.join(build, "tests", "progs", "patch_jump." + variant), None))

    def check(name, path, args):
        if "--syscall-patching=off" in suite.launcher:
            return runner.Result("skip", "this run has syscall patching off")
        if not os.path.exists(path):
            if "esbuild" in path:
                return runner.Result("skip", "esbuild not fetched (tests/esbuild/fetch.sh)")
            return runner.Result("fail", "%s is missing (make test-progs / go)" % path)
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "patching", name))
        argv = [os.path.abspath(path)] + (args if args is not None else [scratch])
        native = runner.run_process(argv, scratch, suite.env(), suite.timeout)
        enclos = runner.run_process(suite.launcher + ["--stats"] + argv, scratch, suite.env(),
                                    suite.timeout)
        if native.stdout != enclos.stdout or native.returncode != enclos.returncode:
            return runner.Result("fail", "output or status differs from native:\n"
                                 + enclos.transcript())
        stderr = enclos.stderr.decode("utf-8", "replace").splitlines()
        base = os.path.basename(path)
        obj = None
        left = []
        for i, line in enumerate(stderr):
            m = OBJECT_LINE.match(line)
            if m and m.group(1) == base:
                obj = tuple(int(x) for x in m.group(2, 3, 4))
                for follow in stderr[i + 1:]:
                    lm = LEFT_LINE.match(follow)
                    if not lm:
                        break
                    left.append(follow.strip())
        if obj is None:
            return runner.Result("fail", "no 'patched %s:' line in --stats:\n%s"
                                 % (base, "\n".join(stderr[-20:])))
        found, patched, left_count = obj
        expected = objdump_sites(path)
        problems = []
        if found != expected:
            problems.append("found %d sites, objdump shows %d" % (found, expected))
        if found != patched + left_count:
            problems.append("%d found is not %d patched + %d left" % (found, patched, left_count))
        if len(left) != left_count:
            problems.append("%d sites left but %d 'left' lines" % (left_count, len(left)))
        if found and patched * 100 < found * 99:
            problems.append("only %d of %d sites patched (want 99%%)" % (patched, found))
        if problems:
            return runner.Result("fail", "; ".join(problems) + "\n" + "\n".join(left[:20]))
        return runner.Result("pass", "%d sites (objdump: %d), %d patched, %d left"
                             % (found, expected, patched, left_count))

    def check_layout():
        # Once, in the plain run: the layout is the binaries', not the run's.
        if any(a.startswith("--pal") or a == "--syscall-patching=off" for a in suite.launcher):
            return runner.Result("skip", "checked in the direct, patched run")
        # The direct PAL's runtime: under sgx-sim every PAL call also goes through its
        # OCALL wrapper, which models an enclave exit and is not on the hot page.
        problem = fast_path_layout_problem(os.path.join(build, "enclos"))
        if problem:
            return runner.Result("fail", problem)
        return runner.Result("pass", "fast path on one code page and one data page")

    return [("patching/" + name, lambda n=name, p=path, a=args: check(n, p, a))
            for name, path, args in cases] + [("patching/fast-path-layout", check_layout)]


# What a passthrough read or write runs and reads (docs/syscall-patching.md, "The fast
# path"): common/hot.ld must keep each group on one 4 KiB page. A HOT_PATH function or
# HOT_DATA array grown too big shows here instead of as a slower benchmark.
FAST_PATH_CODE = ["libos_patched_syscall_entry", "libos_return_to_app", "libos_handle_syscall",
                  "libos_handle_patched_syscall", "libos_before_return_to_app", "sys_write",
                  "sys_read", "do_write", "do_read", "fd_get", "file_put", "uaccess_ok",
                  "pal_read_then", "pal_write_then", "rw_done",
                  "libos_syscall_continue", "syscall_complete"]
FAST_PATH_DATA = ["g_handler_offsets", "g_slots", "g_initial_slots", "g_fd_lock", "g_vmas",
                  "g_libos_config", "g_log_level", "g_stop_requester", "host_file_ops",
                  "g_pal_count_host_calls", "g_pal_gate_unchecked"]


def fast_path_layout_problem(binary):
    if not os.path.exists(binary):
        return "missing (make)"
    out = subprocess.run(["nm", "-S", binary], capture_output=True, text=True).stdout
    extent = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            extent[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    for group, names in (("code", FAST_PATH_CODE), ("data", FAST_PATH_DATA)):
        missing = [n for n in names if n not in extent]
        if missing:
            return "%s symbols not found: %s" % (group, ", ".join(missing))
        pages = {}
        for n in names:
            start, size = extent[n]
            for page in range(start >> 12, (start + max(size, 1) - 1 >> 12) + 1):
                pages.setdefault(page, []).append(n)
        if len(pages) > 1:
            return "fast-path %s spans %d pages: %s" % (group, len(pages), "; ".join(
                "%#x: %s" % (p << 12, ", ".join(v)) for p, v in sorted(pages.items())))
    return None
