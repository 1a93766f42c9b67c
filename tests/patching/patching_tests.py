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

    return [("patching/" + name, lambda n=name, p=path, a=args: check(n, p, a))
            for name, path, args in cases]
