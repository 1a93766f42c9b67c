"""Tests of the enclos command line and manifests: `cli/...` in the runner's output.

tests/run_tests.py loads this file (Suite.add_cli_tests) and passes itself as `runner`, so
that these tests share its helpers, scratch tree and options. The tests:

  cli/help, cli/version, cli/list-syscalls      the informational commands
  cli/usage/NAME                                 a bad command line: one stderr line, 125/127
  cli/args/NAME                                  how enclos finds PROGRAM and passes ARGS
  cli/manifest/NAME                              runs of tests/cli/manifests/NAME.toml over the
                                                 tree make_tree.sh builds
  cli/manifest-error/NAME                        tests/cli/manifest_errors/NAME.toml is refused
  cli/stats/NAME, cli/trace/NAME                 --stats tables and --log-level=trace lines
  cli/catch-seccomp/PROG.BUILD                   test programs under --catch=seccomp vs native

Where Linux can show what a run must print, the test runs the same program natively with
the same argv, environment or stack limit and compares. Runs whose file tree only a chroot
and a bind mount reproduce compare with tests/cli/expected/NAME.txt; as root,
`python3 tests/cli/cli_tests.py --write-expected` rewrites those files from native runs in
a private mount namespace (unshare --root)."""

import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFESTS = os.path.join(HERE, "manifests")
MANIFEST_ERRORS = os.path.join(HERE, "manifest_errors")
EXPECTED = os.path.join(HERE, "expected")
MAKE_TREE = os.path.join(HERE, "make_tree.sh")

PROBE = "probe"
SECCOMP_PROGS = ("hello", "files", "mmap", "rawsys")
# The probe's "mprotect N" makes N unchanging calls and one that changes a page.
MPROTECT_PAGES = 64

# Runs under a manifest whose output only a chroot reproduces: test name, manifest, ARGS.
TREE_RUNS = [
    ("tree", "tree.toml", []),
    (
        "start-dir",
        "start_dir.toml",
        [
            "cwd",
            "cat", "rel.txt",
            "cat", "../note.txt",
            "ls", "..",
            "ls", "../../..",
            "cat", "../../../../outside.txt",
            "cat", "../../etc/motd",
        ],
    ),
]

# A bad command line: name, arguments after the enclos binary (PROBE stands for the probe,
# DIR for a directory), exit status, text the one stderr line must contain.
USAGE_ERRORS = [
    ("no-command", [], 125, "missing command"),
    ("unknown-command", ["frobnicate"], 125, "'frobnicate'"),
    ("run-without-program", ["run"], 125, "missing PROGRAM"),
    ("options-without-program", ["run", "--stats", "--log-level=trace"], 125, "missing PROGRAM"),
    ("unknown-option", ["run", "--bogus", "PROBE"], 125, "'--bogus'"),
    ("unknown-short-option", ["run", "-x", "PROBE"], 125, "'-x'"),
    ("bad-log-level", ["run", "--log-level=bogus", "PROBE"], 125, "'bogus'"),
    ("empty-log-level", ["run", "--log-level=", "PROBE"], 125, "--log-level"),
    ("bad-catch", ["run", "--catch=ptrace", "PROBE"], 125, "'ptrace'"),
    ("manifest-option-without-file", ["run", "-m"], 125, "-m"),
    ("manifest-file-missing", ["run", "--manifest=absent.toml"], 125, "absent.toml"),
    ("manifest-is-directory", ["run", "-m", "DIR"], 125, "DIR"),
    ("program-not-found", ["run", "/no-such-dir/program"], 127, "/no-such-dir/program"),
    ("program-not-in-path", ["run", "no-such-program-xyz"], 127, "no-such-program-xyz"),
    ("program-is-directory", ["run", "DIR"], 125, "DIR"),
]


class Failed(Exception):
    """The test failed; the message is the detail the runner prints."""


class Skipped(Exception):
    pass


def first_lines(text, count=20):
    if not text:
        return "(nothing)"
    lines = text.splitlines()
    shown = "\n".join(lines[:count])
    if len(lines) > count:
        shown += "\n... (%d more lines)" % (len(lines) - count)
    return shown


def link_program(program, path):
    """Another name for a program that the test executes natively. Not a copy: a file just
    written may fail to execute with ETXTBSY while a parallel test forks (the child holds
    the writing fd until its exec)."""
    try:
        os.link(program, path)
    except OSError:
        os.symlink(program, path)


# ---- parsing what enclos prints ------------------------------------------------------

STATS_ROW = re.compile(r"^  (\S+) +(\d+) +(\d+)$")
STATS_TOTAL = re.compile(r"^  total +(\d+)$")
STATS_PATHS = re.compile(r"^  paths: kernel catch (\d+), patched sites (\d+)$")
STATS_HOST = re.compile(r"^  host calls: (\d+) \(memory calls (\d+)\)$")
TRACE_LINE = re.compile(r"^\[(\d+)\] ([a-z0-9_]+)\((.*)\) = (.*)$")


def parse_stats(stderr):
    """The --stats table (libos/exit.c): {"rows": {name: (calls, host calls)}, "total",
    "kernel_catch", "patched", "host_calls"}; Failed when it is missing or malformed."""
    lines = stderr.splitlines()
    if "enclos stats" not in lines:
        raise Failed("no 'enclos stats' table on stderr:\n" + first_lines(stderr))
    at = lines.index("enclos stats") + 1
    if at >= len(lines) or lines[at].split() != ["syscall", "calls", "host", "calls"]:
        raise Failed("the stats table has no header line:\n" + "\n".join(lines[at - 1:]))
    stats = {"rows": {}}
    for line in lines[at + 1:]:
        row = STATS_ROW.match(line)
        total = STATS_TOTAL.match(line)
        paths = STATS_PATHS.match(line)
        host = STATS_HOST.match(line)
        if total:
            stats["total"] = int(total.group(1))
        elif row:
            if "total" in stats:
                raise Failed("a syscall row after the total: %r" % line)
            if row.group(1) in stats["rows"]:
                raise Failed("syscall %s has two rows" % row.group(1))
            stats["rows"][row.group(1)] = (int(row.group(2)), int(row.group(3)))
        elif paths:
            stats["kernel_catch"], stats["patched"] = int(paths.group(1)), int(paths.group(2))
        elif host:
            stats["host_calls"] = int(host.group(1))
    for key in ("total", "kernel_catch", "host_calls"):
        if key not in stats:
            raise Failed("the stats table lacks its %s line:\n%s" % (key, "\n".join(lines[at:])))
    calls = sum(row[0] for row in stats["rows"].values())
    if calls != stats["total"]:
        raise Failed("the calls column adds up to %d, the total line says %d"
                     % (calls, stats["total"]))
    if stats["kernel_catch"] + stats["patched"] != stats["total"]:
        raise Failed("paths: kernel catch %d + patched %d is not the total %d"
                     % (stats["kernel_catch"], stats["patched"], stats["total"]))
    host_column = sum(row[1] for row in stats["rows"].values())
    if stats["host_calls"] < host_column:
        raise Failed("host calls %d, fewer than the host-calls column's sum %d"
                     % (stats["host_calls"], host_column))
    return stats


class CliTests:
    def __init__(self, suite, runner):
        self.suite = suite
        self.r = runner
        self.scratch_root = None

    # ---- plumbing ---------------------------------------------------------------------

    def tests(self):
        """(name, function of a CliTests) pairs; each test runs on its own instance, so that
        parallel tests do not share a scratch directory."""
        tests = [
            ("cli/help", lambda t: t.test_help()),
            ("cli/version", lambda t: t.test_version()),
            ("cli/list-syscalls", lambda t: t.test_list_syscalls()),
            ("cli/args/options-after-program", lambda t: t.test_options_after_program()),
            ("cli/args/double-dash", lambda t: t.test_double_dash()),
            ("cli/args/path-lookup", lambda t: t.test_path_lookup()),
        ]
        for case in USAGE_ERRORS:
            tests.append(("cli/usage/" + case[0], lambda t, c=case: t.test_usage_error(*c)))
        for name, manifest, args in TREE_RUNS:
            tests.append(("cli/manifest/" + name,
                          lambda t, n=name, m=manifest, a=args: t.test_tree_run(n, m, a)))
        tests += [
            ("cli/manifest/argv", lambda t: t.test_argv("argv.toml", [])),
            ("cli/manifest/argv-replaced-by-args",
             lambda t: t.test_argv("argv.toml", ["argv", "x y", "-m"])),
            ("cli/manifest/argv-default", lambda t: t.test_argv("argv_default.toml", ["argv"])),
            ("cli/manifest/env", lambda t: t.test_env("env.toml")),
            ("cli/manifest/env-none", lambda t: t.test_env("env_none.toml")),
            ("cli/manifest/env-host", lambda t: t.test_env("env_host.toml")),
            ("cli/manifest/stack-big", lambda t: t.test_stack("stack_big.toml", 32768, 65536)),
            ("cli/manifest/stack-default",
             lambda t: t.test_stack("stack_default.toml", 32768, 8192)),
            ("cli/manifest/stack-small", lambda t: t.test_stack("stack_small.toml", 2048, 1024)),
            ("cli/manifest/stack-no-aslr",
             lambda t: t.test_stack("stack_no_aslr.toml", 200000, 262144, no_aslr=True)),
            ("cli/manifest/log-level-trace", lambda t: t.test_manifest_trace()),
            ("cli/manifest/log-level-overridden", lambda t: t.test_manifest_trace_overridden()),
        ]
        for file_name in sorted(os.listdir(MANIFEST_ERRORS)):
            if file_name.endswith(".toml"):
                tests.append(("cli/manifest-error/" + file_name[:-5],
                              lambda t, f=file_name: t.test_manifest_error(f)))
        for variant in ("glibc-static", "musl-static"):
            tests.append(("cli/stats/mprotect." + variant,
                          lambda t, v=variant: t.test_stats_mprotect(v)))
        tests += [
            ("cli/stats/kernel-catch-path", lambda t: t.test_stats_kernel_catch()),
            ("cli/stats/signal-death", lambda t: t.test_stats_signal_death()),
            ("cli/trace/syscalls", lambda t: t.test_trace()),
        ]
        for prog in SECCOMP_PROGS:
            for variant in self.r.VARIANTS:
                tests.append(("cli/catch-seccomp/%s.%s" % (prog, variant),
                              lambda t, p=prog, v=variant: t.test_seccomp(p, v)))
        return [(name, self.wrap(name, function)) for name, function in tests]

    def wrap(self, name, function):
        def run():
            tester = CliTests(self.suite, self.r)
            tester.scratch_root = os.path.join(self.r.SCRATCH, "cli", self.r.safe_name(name))
            try:
                detail = function(tester)
            except Failed as failure:
                return self.r.Result("fail", str(failure))
            except Skipped as skip:
                return self.r.Result("skip", str(skip))
            shutil.rmtree(tester.scratch_root, ignore_errors=True)
            return self.r.Result("pass", detail or "")

        return run

    def scratch(self, *parts):
        return self.r.fresh_dir(os.path.join(self.scratch_root, *parts))

    def enclos(self):
        binary = self.suite.enclos_bin
        if not os.access(binary, os.X_OK):
            raise Failed("%s is missing (run make)" % binary)
        return binary

    def program(self, name, variant="glibc-static"):
        path = os.path.join(self.r.PROGS_BIN, "%s.%s" % (name, variant))
        if not os.access(path, os.X_OK):
            if variant.startswith("musl") and shutil.which("musl-gcc") is None:
                raise Skipped("musl-gcc is not installed (apt-get install musl-tools)")
            raise Failed("%s is not built (make test-progs)" % path)
        return path

    def run(self, argv, cwd, env=None):
        return self.r.run_process(argv, cwd, self.suite.env() if env is None else env,
                                  self.suite.timeout)

    def run_enclos(self, args, cwd, env=None):
        return self.run([self.enclos()] + args, cwd, env)

    def run_native(self, argv, cwd, env=None, argv0=None, stack_kib=None, prefix=()):
        """argv natively; with argv0, the program sees it as argv[0]; with stack_kib, runs
        under that stack limit (both through bash, which adds variables: not for env);
        prefix is a command that runs the rest (setarch)."""
        if argv0 is None and stack_kib is None:
            return self.run(list(prefix) + argv, cwd, env)
        script = ""
        if stack_kib is not None:
            script += "ulimit -s %d && " % stack_kib
        script += 'exec -a "$0" "$@"' if argv0 is not None else 'exec "$@"'
        return self.run(list(prefix) + ["/bin/bash", "-c", script, argv0 or argv[0]] + argv, cwd,
                        env)

    def enclos_text(self, run):
        return run.transcript(self.suite.stderr_filter)

    def expect_same(self, native, enclos, what="native and enclos runs differ"):
        native_text, enclos_text = native.transcript(), self.enclos_text(enclos)
        if native_text != enclos_text:
            raise Failed(what + "\n" + self.r.diff_excerpt(native_text, enclos_text, "native",
                                                          "enclos"))
        return "%.2fs native, %.2fs enclos" % (native.seconds, enclos.seconds)

    def expect_stdout_status(self, native, enclos):
        """Equal stdout and exit status (stderr holds enclos's own tables or trace)."""
        native.stderr = b""
        kept = enclos.stderr
        enclos.stderr = b""
        try:
            self.expect_same(native, enclos, "native and enclos stdout or status differ")
        except Failed as failure:
            tail = kept.decode("utf-8", "backslashreplace").splitlines()[-15:]
            raise Failed(str(failure) + "end of enclos's stderr:\n" + "\n".join(tail))
        finally:
            enclos.stderr = kept

    def make_tree(self, directory):
        """root/ and data/ of the manifests, with the probe as root/bin/probe."""
        setup = self.run(["/bin/sh", MAKE_TREE, directory, self.program(PROBE)], directory)
        if setup.returncode != 0:
            raise Failed("make_tree.sh failed\n" + setup.transcript())

    def manifest_run(self, manifest, args, env=None, options=(), prefix=()):
        """enclos run [OPTIONS] -m MANIFEST ARGS in a scratch directory holding the tree."""
        directory = self.scratch("enclos")
        self.make_tree(directory)
        shutil.copy(os.path.join(MANIFESTS, manifest), directory)
        argv = list(prefix) + [self.enclos(), "run"] + list(options) + ["-m", manifest] + args
        return self.run(argv, directory, env)

    @staticmethod
    def one_line_problems(run, status, prefix, text):
        stderr = run.stderr.decode("utf-8", "backslashreplace")
        problems = []
        if run.timed_out or run.returncode != status:
            problems.append("want [exit %d], got %s" % (status, run.status_line()))
        if run.stdout:
            problems.append("want nothing on stdout")
        if stderr.count("\n") != 1 or not stderr.endswith("\n"):
            problems.append("want exactly one line on stderr, got %d" % stderr.count("\n"))
        elif not stderr.startswith(prefix):
            problems.append("want the line to start with %r" % prefix)
        if text not in stderr:
            problems.append("want the line to contain %r" % text)
        return problems

    # ---- informational commands ----------------------------------------------------------

    def test_help(self):
        directory = self.scratch()
        texts = {}
        for args in (["--help"], ["-h"], ["help"], ["run", "--help"], ["run", "--stats", "-h"]):
            run = self.run_enclos(args, directory)
            if run.returncode != 0 or run.stderr:
                raise Failed("enclos %s: want [exit 0] and no stderr\n%s"
                             % (" ".join(args), run.transcript()))
            texts[" ".join(args)] = run.stdout.decode("utf-8", "backslashreplace")
        if len(set(texts.values())) != 1:
            raise Failed("the help texts differ: %s" % ", ".join(sorted(texts)))
        text = texts["--help"]
        for word in ("Usage: enclos run", "-m, --manifest", "--log-level=", "--stats", "--catch=",
                     "--list-syscalls", "--version", "125", "127"):
            if word not in text:
                raise Failed("--help does not mention %r:\n%s" % (word, text))

    def test_version(self):
        run = self.run_enclos(["--version"], self.scratch())
        if run.returncode != 0 or run.stderr or not re.fullmatch(
            rb"enclos \d+\.\d+\.\d+\S*\n", run.stdout
        ):
            raise Failed("want one line 'enclos X.Y.Z' and [exit 0]\n" + run.transcript())
        return run.stdout.decode().strip()

    def test_list_syscalls(self):
        run = self.run_enclos(["--list-syscalls"], self.scratch())
        if run.returncode != 0 or run.stderr:
            raise Failed("want [exit 0] and no stderr\n" + first_lines(run.transcript()))
        table = {}
        last = -1
        for line in run.stdout.decode("utf-8", "backslashreplace").splitlines():
            match = re.fullmatch(r"(\d+)\t([a-z0-9_]+)\t(full|partial|stub)", line)
            if not match:
                raise Failed("want NUMBER<tab>NAME<tab>full|partial|stub, got %r" % line)
            number, name, level = int(match.group(1)), match.group(2), match.group(3)
            if number <= last or name in table:
                raise Failed("%r: numbers must ascend and names be unique" % line)
            last = number
            table[name] = (number, level)
        # x86-64 numbers of calls every static program makes.
        for name, number in (("read", 0), ("write", 1), ("close", 3), ("mmap", 9),
                             ("mprotect", 10), ("munmap", 11), ("brk", 12), ("openat", 257),
                             ("exit_group", 231), ("arch_prctl", 158)):
            if name not in table or table[name][0] != number:
                raise Failed("want %s as number %d, got %s" % (name, number, table.get(name)))
        for name in ("read", "write"):
            if table[name][1] != "full":
                raise Failed("%s is %s, want full" % (name, table[name][1]))
        return "%d syscalls" % len(table)

    # ---- command-line errors and arguments ----------------------------------------------------

    def test_usage_error(self, name, args, status, text):
        directory = self.scratch()
        os.mkdir(os.path.join(directory, "somedir"))
        words = {"PROBE": self.program(PROBE), "DIR": "./somedir"}
        argv = [words.get(word, word) for word in args]
        run = self.run_enclos(argv, directory)
        problems = self.one_line_problems(run, status, "enclos: ", words.get(text, text))
        if problems:
            raise Failed("; ".join(problems) + "\n$ enclos " + " ".join(argv) + "\n"
                         + run.transcript())
        return run.stderr.decode("utf-8", "backslashreplace").strip()

    def test_options_after_program(self):
        """Everything after PROGRAM is the program's, even what looks like enclos options."""
        probe = self.program(PROBE)
        args = ["argv", "--stats", "--log-level=trace", "-m", "x.toml", "--help"]
        native = self.run_native([probe] + args, self.scratch("native"))
        enclos = self.run_enclos(["run", probe] + args, self.scratch("enclos"))
        return self.expect_same(native, enclos)

    def test_double_dash(self):
        """`--` ends enclos's options: a program named "-probe" is found in PATH."""
        directory = self.scratch()
        bin_dir = os.path.join(directory, "bin")
        os.mkdir(bin_dir)
        link_program(self.program(PROBE), os.path.join(bin_dir, "-probe"))
        env = self.suite.env({"PATH": bin_dir + ":/usr/bin:/bin"})
        native = self.run_native(["-probe", "argv", "--", "-x"], directory, env)
        enclos = self.run_enclos(["run", "--", "-probe", "argv", "--", "-x"], directory, env)
        return self.expect_same(native, enclos)

    def test_path_lookup(self):
        """A PROGRAM without a slash is looked up in PATH (skipping a directory of that
        name), and argv[0] stays as given."""
        directory = self.scratch()
        for sub in ("first", "second"):
            os.mkdir(os.path.join(directory, sub))
        os.mkdir(os.path.join(directory, "first", "found-probe"))
        link_program(self.program(PROBE), os.path.join(directory, "second", "found-probe"))
        path = "%s/first:%s/second:/usr/bin:/bin" % (directory, directory)
        env = self.suite.env({"PATH": path})
        native = self.run_native(["found-probe", "argv", "a"], directory, env)
        enclos = self.run_enclos(["run", "found-probe", "argv", "a"], directory, env)
        return self.expect_same(native, enclos)

    # ---- manifest runs -----------------------------------------------------------------

    def test_tree_run(self, name, manifest, args):
        enclos = self.manifest_run(manifest, args)
        expected_path = os.path.join(EXPECTED, name + ".txt")
        with open(expected_path) as expected_file:
            expected = expected_file.read()
        actual = self.enclos_text(enclos)
        if actual != expected:
            raise Failed("the run differs from %s\n" % os.path.relpath(expected_path)
                         + self.r.diff_excerpt(expected, actual, "expected", "enclos"))

    def test_argv(self, manifest, args):
        with open(os.path.join(MANIFESTS, manifest), "rb") as source:
            config = tomllib.load(source)
        entrypoint = config["libos"]["entrypoint"].removeprefix("file:")
        want = config.get("loader", {}).get("argv", [entrypoint])
        if args:
            want = want[:1] + args
        native = self.run_native([self.program(PROBE)] + want[1:], self.scratch("native"),
                                 argv0=want[0])
        enclos = self.manifest_run(manifest, args)
        return self.expect_same(native, enclos)

    def test_env(self, manifest):
        """The app's environment against a native run given the environment the manifest
        describes: loader.env in order, after the host's when insecure__use_host_env."""
        with open(os.path.join(MANIFESTS, manifest), "rb") as source:
            loader = tomllib.load(source).get("loader", {})
        host_env = self.suite.env({"HOME": "/home/host", "HOST_ONLY": "from the host"})
        manifest_env = loader.get("env", {})
        want = {}
        if loader.get("insecure__use_host_env", False):
            want = {k: v for k, v in host_env.items() if k not in manifest_env}
        want.update(manifest_env)
        native = self.run_native([self.program(PROBE), "env"], self.scratch("native"), want)
        enclos = self.manifest_run(manifest, [], host_env)
        if loader.get("insecure__use_host_env", False):
            # Where an overridden host variable goes is not specified: compare as sets.
            for run in (native, enclos):
                head, _, body = run.stdout.partition(b"\n")
                run.stdout = head + b"\n" + b"".join(sorted(body.splitlines(True)))
        return self.expect_same(native, enclos)

    def test_stack(self, manifest, use_kib, native_limit_kib, no_aslr=False):
        """sys.stack.size against Linux with the same stack limit: the stack use works,
        or both die of SIGSEGV. With no_aslr, both run without address randomization."""
        _, hard = resource.getrlimit(resource.RLIMIT_STACK)
        if hard != resource.RLIM_INFINITY and hard < native_limit_kib * 1024:
            raise Skipped("the native run needs a stack limit of %d KiB; the hard limit is %d"
                          % (native_limit_kib, hard // 1024))
        prefix = ()
        if no_aslr:
            prefix = ("setarch", platform.machine(), "-R")
            check = self.run(list(prefix) + ["/bin/true"], self.scratch())
            if check.returncode != 0:
                raise Skipped("setarch -R does not work here: " + check.transcript().strip())
        args = ["stack", str(use_kib)]
        native = self.run_native([self.program(PROBE)] + args, self.scratch("native"),
                                 stack_kib=native_limit_kib, prefix=prefix)
        enclos = self.manifest_run(manifest, args, prefix=prefix)
        return self.expect_same(native, enclos) + ", " + native.status_line()

    def trace_problems(self, stderr, want_write_len):
        lines = [line for line in stderr.splitlines() if TRACE_LINE.match(line)]
        if not lines:
            return ["no trace lines on stderr"], lines
        problems = []
        tids = {TRACE_LINE.match(line).group(1) for line in lines}
        if len(tids) != 1:
            problems.append("trace lines of a one-thread app name several tids: %s" % tids)
        write = re.compile(r"^\[\d+\] write\(0x1, 0x[0-9a-f]+, %#x(, 0x[0-9a-f]+){3}\) = %#x$"
                           % (want_write_len, want_write_len))
        openat = re.compile(r"^\[\d+\] openat\(0x[0-9a-f]+, 0x[0-9a-f]+, 0x0(, 0x[0-9a-f]+){3}\)"
                            r" = -1 ENOENT \(-2\)$")
        write_at = next((i for i, line in enumerate(lines) if write.match(line)), None)
        openat_at = next((i for i, line in enumerate(lines) if openat.match(line)), None)
        if write_at is None:
            problems.append("no line 'write(0x1, BUF, %#x, ...) = %#x'"
                            % (want_write_len, want_write_len))
        if openat_at is None:
            problems.append("no line 'openat(DIRFD, PATH, 0x0, ...) = -1 ENOENT (-2)'")
        if write_at is not None and openat_at is not None and write_at > openat_at:
            problems.append("the write of the command line comes after the failing openat")
        return problems, lines

    def test_manifest_trace(self):
        args = ["cat", "/no-such-dir/no-such-file"]
        enclos = self.manifest_run("trace.toml", args)
        native = self.run_native([self.program(PROBE)] + args, self.scratch("native"))
        self.expect_stdout_status(native, enclos)
        stderr = enclos.stderr.decode("utf-8", "backslashreplace")
        problems, _ = self.trace_problems(stderr, len("$ cat /no-such-dir/no-such-file\n"))
        if problems:
            raise Failed("; ".join(problems) + "\n" + first_lines(stderr, 40))

    def test_manifest_trace_overridden(self):
        """--log-level on the command line wins over loader.log_level."""
        args = ["cat", "/no-such-dir/no-such-file"]
        enclos = self.manifest_run("trace.toml", args, options=["--log-level=warning"])
        native = self.run_native([self.program(PROBE)] + args, self.scratch("native"))
        return self.expect_same(native, enclos)

    def test_manifest_error(self, file_name):
        source = os.path.join(MANIFEST_ERRORS, file_name)
        with open(source, "rb") as manifest:
            first = manifest.readline().decode()
        match = re.fullmatch(r"# expect: (\d+) \| (\d+|-|\*) \| (.*)\n", first)
        if not match:
            raise Failed("%s: want a first line '# expect: EXIT | LINE|-|* | TEXT'" % file_name)
        status, line, text = int(match.group(1)), match.group(2), match.group(3)
        # LINE: the error names the file and that line; "-": the file alone; "*": neither
        # (errors about the program, which name the program).
        prefix = {"-": "enclos: %s: " % file_name, "*": "enclos: "}.get(
            line, "enclos: %s:%s: " % (file_name, line))
        directory = self.scratch()
        self.make_tree(directory)
        shutil.copy(source, directory)
        run = self.run_enclos(["run", "-m", file_name], directory)
        problems = self.one_line_problems(run, status, prefix, text)
        if problems:
            raise Failed("; ".join(problems) + "\n" + run.transcript())
        return run.stderr.decode("utf-8", "backslashreplace").strip()

    # ---- --stats and tracing ----------------------------------------------------------------

    def test_stats_mprotect(self, variant):
        """N unchanging mprotect calls and one that changes a page: N+1 calls, one host
        call (counted against a run that makes no mprotect call of its own)."""
        probe = self.program(PROBE, variant)
        args = ["mprotect", str(MPROTECT_PAGES)]
        native = self.run_native([probe] + args, self.scratch("native"))
        enclos = self.run_enclos(["run", "--stats", probe] + args, self.scratch("enclos"))
        self.expect_stdout_status(native, enclos)
        baseline = self.run_enclos(["run", "--stats", probe, "cwd"], self.scratch("baseline"))
        stats = parse_stats(enclos.stderr.decode("utf-8", "backslashreplace"))
        base = parse_stats(baseline.stderr.decode("utf-8", "backslashreplace"))
        calls, host = stats["rows"].get("mprotect", (0, 0))
        base_calls, base_host = base["rows"].get("mprotect", (0, 0))
        if (calls - base_calls, host - base_host) != (MPROTECT_PAGES + 1, 1):
            raise Failed("mprotect: %d calls and %d host calls beyond the %d and %d of libc's "
                         "start-up; want %d calls and 1 host call\n%s"
                         % (calls - base_calls, host - base_host, base_calls, base_host,
                            MPROTECT_PAGES + 1, enclos.stderr.decode()))
        # Syscall patching is on by default: the program's own sites are patched.
        if stats["patched"] < MPROTECT_PAGES + 1:
            raise Failed("paths: the patched path counts %d calls, fewer than the program's %d "
                         "mprotect calls\n" % (stats["patched"], MPROTECT_PAGES + 1)
                         + enclos.stderr.decode())
        return "mprotect %d calls, %d host calls (start-up: %d, %d)" % (calls, host, base_calls,
                                                                      base_host)

    def test_stats_kernel_catch(self):
        """With syscall patching off, every syscall is counted on the kernel-catch path,
        under either catch mechanism."""
        details = []
        for catch in ("sud", "seccomp"):
            enclos = self.manifest_run("no_patching.toml", ["cwd"],
                                       options=["--stats", "--catch=" + catch])
            if enclos.returncode != 0 or enclos.stdout != b"$ cwd\n/\n":
                raise Failed("--catch=%s: want '$ cwd', '/' and [exit 0]\n%s"
                             % (catch, enclos.transcript()))
            stats = parse_stats(enclos.stderr.decode("utf-8", "backslashreplace"))
            if stats["kernel_catch"] != stats["total"] or stats["patched"] != 0:
                raise Failed("--catch=%s: paths: kernel catch %d, patched %d; want all %d calls "
                             "on the kernel-catch path" % (catch, stats["kernel_catch"],
                                                           stats["patched"], stats["total"]))
            details.append("%s %d" % (catch, stats["total"]))
        return ", ".join(details)

    def test_stats_signal_death(self):
        """A program that dies of a signal still gets its table, and still dies of it."""
        segv = self.program("segv")
        native = self.run_native([segv, "."], self.scratch("native"))
        enclos = self.run_enclos(["run", "--stats", segv, "."], self.scratch("enclos"))
        self.expect_stdout_status(native, enclos)
        parse_stats(enclos.stderr.decode("utf-8", "backslashreplace"))
        return enclos.status_line()

    def test_trace(self):
        """--log-level=trace: a line per syscall, the same calls the --stats table counts."""
        probe = self.program(PROBE)
        args = ["cat", "/no-such-dir/no-such-file"]
        native = self.run_native([probe] + args, self.scratch("native"))
        enclos = self.run_enclos(["run", "--log-level=trace", "--stats", probe] + args,
                                 self.scratch("enclos"))
        self.expect_stdout_status(native, enclos)
        stderr = enclos.stderr.decode("utf-8", "backslashreplace")
        problems, lines = self.trace_problems(stderr, len("$ cat /no-such-dir/no-such-file\n"))
        stats = parse_stats(stderr)
        traced = {}
        for line in lines:
            name = TRACE_LINE.match(line).group(2)
            traced[name] = traced.get(name, 0) + 1
        for name in sorted(set(traced) | set(stats["rows"])):
            if name in ("exit", "exit_group"):
                continue  # they never return, so they have no result to trace
            counted = stats["rows"].get(name, (0, 0))[0]
            if traced.get(name, 0) != counted:
                problems.append("%s: %d trace lines, %d calls in the stats table"
                                % (name, traced.get(name, 0), counted))
        # Each write goes to the host once; it ends in a continuation after the host call
        # (docs/syscall-patching.md), which must still count it.
        calls, host = stats["rows"].get("write", (0, 0))
        if calls == 0 or host != calls:
            problems.append("write: %d calls, %d host calls in the stats table; want as many "
                            "host calls as calls, at least one" % (calls, host))
        if problems:
            raise Failed("; ".join(problems) + "\n" + first_lines(stderr, 60))
        return "%d trace lines" % len(lines)

    # ---- --catch=seccomp ------------------------------------------------------------------

    def test_seccomp(self, prog, variant):
        binary = self.program(prog, variant)
        native = self.run_native([binary, "."], self.scratch("native"))
        enclos = self.run_enclos(["run", "--catch=seccomp", binary, "."], self.scratch("enclos"))
        return self.expect_same(native, enclos)


def make_tests(suite, runner):
    return CliTests(suite, runner).tests()


def write_expected():
    """Rewrites tests/cli/expected/ from native runs: the tree mounted as the manifest says
    (a bind mount for /data) and the app's root set with unshare --root. Needs root."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(HERE))
    import run_tests

    probe = os.path.join(run_tests.PROGS_BIN, "%s.glibc-static" % PROBE)
    env = dict(run_tests.FIXED_ENV)
    for name, manifest, args in TREE_RUNS:
        with open(os.path.join(MANIFESTS, manifest), "rb") as source:
            config = tomllib.load(source)
        mounts = config["fs"]["mounts"]
        if [m["path"] for m in mounts] != ["/", "/data"]:
            raise SystemExit("%s: write_expected knows only the mounts / and /data" % manifest)
        argv = config.get("loader", {}).get("argv", ["probe"])[1:] if not args else args
        start_dir = config["fs"].get("start_dir", "/")
        directory = run_tests.fresh_dir(os.path.join(run_tests.SCRATCH, "cli-expected", name))
        subprocess.run(["/bin/sh", MAKE_TREE, directory, probe], check=True)
        script = ('mount --bind "$1" "$2" && root=$3 && wd=$4 && shift 4 && '
                  'exec unshare --root="$root" --wd="$wd" /bin/probe "$@"')
        command = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                   "sh", mounts[1]["uri"][5:], "root/data", mounts[0]["uri"][5:], start_dir]
        run = run_tests.run_process(command + argv, directory, env, 60)
        shutil.rmtree(directory, ignore_errors=True)
        path = os.path.join(EXPECTED, name + ".txt")
        with open(path, "w") as out:
            out.write(run.transcript())
        print("wrote %s" % os.path.relpath(path))
    shutil.rmtree(run_tests.SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-expected"]:
        raise SystemExit("usage: %s --write-expected" % sys.argv[0])
    write_expected()
