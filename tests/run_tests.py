#!/usr/bin/env python3
"""Runs the enclos test suite and prints one summary line: "N passed, N failed[, N skipped]".

Kinds of tests (each check counts as one test):
  unit/NAME          a unit test or standalone fuzz program in build/tests/unit; passes on exit 0
  progs/NAME.BUILD   a test program of tests/progs in one of its four builds, run natively and
                     under enclos: stdout, stderr and exit status must be equal, and the native
                     run must match tests/integration/expected/NAME.txt
  busybox/NAME       a busybox applet from tests/integration/busybox.tests, native vs enclos
  bad_input/NAME     enclos refuses a bad program or manifest with one stderr line and the
                     right exit status (tests/bad_input/cases.txt)

Environment:
  ENCLOS          launcher command for the "under enclos" runs (default: "build/enclos run");
                  ENCLOS=env compares native with native, to test the suite itself
  ENCLOS_OPTS     extra launcher options, inserted after ENCLOS (e.g. --pal=sgx-sim)
  ENCLOS_BIN      the enclos binary for bad_input tests (default: build/enclos)
  ENCLOS_STDERR_FILTER  a regular expression: stderr lines of enclos runs that match it are
                  dropped before the comparison (e.g. the runtime's own log lines)
  TESTS_NO_INSTALL=1    never run tests/setup.sh to install missing tools
"""

import argparse
import concurrent.futures
import difflib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

# The runner leaves no __pycache__ in the source tree (it loads tests/bad_input/make_inputs.py).
sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
TEST_BUILD = os.path.join(BUILD, "tests")
SCRATCH_ROOT = os.path.join(TEST_BUILD, "scratch")
# One scratch tree per runner, so that runners started at the same time do not collide.
SCRATCH = os.path.join(SCRATCH_ROOT, str(os.getpid()))
PROGS_SRC = os.path.join(ROOT, "tests", "progs")
PROGS_BIN = os.path.join(TEST_BUILD, "progs")
EXPECTED = os.path.join(ROOT, "tests", "integration", "expected")
FIXTURES = os.path.join(ROOT, "tests", "integration", "fixtures")
BUSYBOX_TESTS = os.path.join(ROOT, "tests", "integration", "busybox.tests")
BAD_INPUT = os.path.join(ROOT, "tests", "bad_input")
BUSYBOX = "/bin/busybox"
VARIANTS = ["glibc-static", "glibc-static-pie", "musl-static", "musl-static-pie"]
FIXED_ENV = {
    "PATH": "/usr/bin:/bin",
    "LC_ALL": "C",
    "TZ": "UTC",
    "HOME": "/nonexistent",
}
# Scratch directories get this mtime after setup, so that listings showing ".." are stable.
FIXED_MTIME = 1600000000
DIFF_LINES = 40


class Result:
    def __init__(self, status, detail=""):
        self.status = status  # "pass", "fail" or "skip"
        self.detail = detail


class Run:
    """What one process did: its output, exit status and whether it timed out."""

    def __init__(self, stdout, stderr, returncode, timed_out, seconds):
        self.stdout = stdout
        self.stderr = stderr
        self.returncode = returncode
        self.timed_out = timed_out
        self.seconds = seconds

    def status_line(self):
        if self.timed_out:
            return "[timed out]"
        if self.returncode < 0:
            try:
                return "[killed by %s]" % signal.Signals(-self.returncode).name
            except ValueError:
                return "[killed by signal %d]" % -self.returncode
        return "[exit %d]" % self.returncode

    def transcript(self, stderr_filter=None):
        """Everything the comparison looks at, as one text."""
        text = self.stdout.decode("utf-8", "backslashreplace")
        if text and not text.endswith("\n"):
            text += "\n[no newline at end of stdout]\n"
        stderr = self.stderr.decode("utf-8", "backslashreplace")
        if stderr_filter is not None:
            stderr = "".join(
                line for line in stderr.splitlines(True) if not stderr_filter.search(line)
            )
        if stderr:
            text += "[stderr]\n" + stderr
            if not stderr.endswith("\n"):
                text += "\n"
        return text + self.status_line() + "\n"


def run_process(argv, cwd, env, timeout, stdin_path=None):
    start = time.monotonic()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        if stdin_path:
            stdin.close()
        message = ("cannot start %s: %s\n" % (argv[0], error.strerror)).encode()
        return Run(b"", message, 127, False, 0.0)
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        stdout, stderr = process.communicate()
    finally:
        if stdin_path:
            stdin.close()
    return Run(stdout, stderr, process.returncode, timed_out, time.monotonic() - start)


def diff_excerpt(expected, actual, expected_name, actual_name):
    lines = list(
        difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), expected_name, actual_name
        )
    )
    excerpt = "".join(line if line.endswith("\n") else line + "\n" for line in lines[:DIFF_LINES])
    if len(lines) > DIFF_LINES:
        excerpt += "... (%d more diff lines)\n" % (len(lines) - DIFF_LINES)
    return excerpt


VARIANT_DIFFERENCES = os.path.join(ROOT, "tests", "sgx", "differences.txt")


def load_variant_differences():
    """tests/sgx/differences.txt: checks that may fail under a configuration (sgx-sim's
    enclave rules), one per line: VARIANTS<TAB>TEST-NAME-PART<TAB>CHECK LABEL<TAB>WHY. The
    label "*" stands for the whole test: when it fails there, it is reported as skipped."""
    rows = []
    if os.path.exists(VARIANT_DIFFERENCES):
        with open(VARIANT_DIFFERENCES) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    variants, part, label, why = line.rstrip("\n").split("\t")
                    rows.append((variants.split(","), part, label, why))
    return rows


def accept_variant_differences(native_text, enclos_text, allowed):
    """The reasons when the enclos run differs from the native one only by the allowed
    checks failing (and the check count and exit status that follow from it); else None."""
    native_lines, enclos_lines = native_text.splitlines(), enclos_text.splitlines()
    if len(native_lines) != len(enclos_lines):
        return None
    failed, reasons, total = 0, [], None
    for a, b in zip(native_lines, enclos_lines):
        if a == b:
            m = re.match(r"^== all (\d+) checks passed$", a)
            if m:
                total = int(m.group(1))
            continue
        rule = next((r for r in allowed if a.startswith(r[2] + ":") and b.startswith(r[2] + ":")
                     and " FAIL" in b), None)
        if rule:
            failed += 1
            if rule[3] not in reasons:
                reasons.append(rule[3])
            continue
        m = re.match(r"^== all (\d+) checks passed$", a)
        if m and b == "== %d of %s checks failed" % (failed, m.group(1)):
            total = int(m.group(1))
            continue
        if a == "[exit 0]" and b == "[exit 1]":
            continue
        return None
    return reasons if failed and total else None


def explain_difference(native_text, enclos_text):
    """A diff excerpt; when it is cut short, also the end of the enclos run, where its
    errors and exit status are."""
    excerpt = diff_excerpt(native_text, enclos_text, "native", "enclos")
    detail = "native and enclos runs differ\n" + excerpt
    if "more diff lines" in excerpt:
        tail = enclos_text.splitlines()[-12:]
        detail += "end of the enclos run:\n" + "\n".join(tail) + "\n"
    return detail


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class Suite:
    def __init__(self, options):
        self.options = options
        self.launcher = shlex.split(os.environ.get("ENCLOS", "")) or [
            os.path.join(BUILD, "enclos"),
            "run",
        ]
        # Runs happen in scratch directories: a relative launcher path means this cwd.
        if os.sep in self.launcher[0]:
            self.launcher[0] = os.path.abspath(self.launcher[0])
        self.launcher += shlex.split(os.environ.get("ENCLOS_OPTS", ""))
        self.enclos_bin = os.path.abspath(
            os.environ.get("ENCLOS_BIN") or os.path.join(BUILD, "enclos")
        )
        pattern = os.environ.get("ENCLOS_STDERR_FILTER")
        self.stderr_filter = re.compile(pattern) if pattern else None
        self.timeout = options.timeout
        self.tests = []  # (name, function)
        self.variant = ""  # "", "unpatched", "sgx-edmm" or "sgx1"

    # ---- environment ------------------------------------------------------------------

    def env(self, extra=None):
        env = dict(FIXED_ENV)
        # The runtime's own knobs pass through, so a developer can turn on its logging.
        env.update({k: v for k, v in os.environ.items() if k.startswith("ENCLOS_LOG")})
        if extra:
            env.update(extra)
        return env

    def launcher_problem(self):
        program = self.launcher[0]
        if os.sep in program:
            if not os.access(program, os.X_OK):
                return "launcher %s is missing (run make)" % program
        elif shutil.which(program) is None:
            return "launcher %s is not on PATH" % program
        return None

    def compare_runs(self, native, enclos, name=""):
        """Compares a native and an enclos run; returns a Result."""
        problem = self.launcher_problem()
        if problem:
            return Result("fail", problem)
        native_text = native.transcript()
        enclos_text = enclos.transcript(self.stderr_filter)
        if native_text == enclos_text:
            return Result("pass", "%.1fs native, %.1fs enclos" % (native.seconds, enclos.seconds))
        allowed = [d for d in load_variant_differences()
                   if self.variant in d[0] and d[1] in name]
        whole = next((d for d in allowed if d[2] == "*"), None)
        if whole:
            return Result("skip", "cannot hold under %s: %s" % (self.variant, whole[3]))
        if allowed:
            accepted = accept_variant_differences(native_text, enclos_text, allowed)
            if accepted:
                return Result("pass", "as native but for what %s cannot do: %s"
                              % (self.variant, "; ".join(accepted)))
        return Result("fail", explain_difference(native_text, enclos_text))

    # ---- unit tests -------------------------------------------------------------------

    def add_unit_tests(self):
        sources = []
        for directory, prefix in (("unit", "test_"), ("fuzz", "fuzz_")):
            path = os.path.join(ROOT, "tests", directory)
            if os.path.isdir(path):
                sources += sorted(
                    name[:-2]
                    for name in os.listdir(path)
                    if name.startswith(prefix) and name.endswith(".c")
                )
        for name in sources:
            self.tests.append(("unit/" + name, lambda name=name: self.run_unit(name)))

    def run_unit(self, name):
        binary = os.path.join(TEST_BUILD, "unit", name)
        if not os.access(binary, os.X_OK):
            return Result("fail", "%s is not built (make unit-build)" % binary)
        scratch = fresh_dir(os.path.join(SCRATCH, "unit", name))
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        env["TMPDIR"] = scratch
        # Unit tests run from the repository root, where their data (e.g. a corpus) lives.
        run = run_process([binary], ROOT, env, self.timeout)
        if run.returncode == 0 and not run.timed_out:
            shutil.rmtree(scratch, ignore_errors=True)
            return Result("pass", "%.1fs" % run.seconds)
        output = (run.stdout + run.stderr).decode("utf-8", "backslashreplace").splitlines()
        tail = "\n".join(output[-DIFF_LINES:])
        return Result("fail", "%s\n%s" % (run.status_line(), tail))

    # ---- test programs -----------------------------------------------------------------

    def add_progs(self):
        names = sorted(
            name[:-2] for name in os.listdir(PROGS_SRC) if name.endswith(".c")
        )
        for name in names:
            for variant in VARIANTS:
                self.tests.append(
                    (
                        "progs/%s.%s" % (name, variant),
                        lambda name=name, variant=variant: self.run_prog(name, variant),
                    )
                )

    def run_prog(self, name, variant):
        binary = os.path.join(PROGS_BIN, "%s.%s" % (name, variant))
        if not os.access(binary, os.X_OK):
            if variant.startswith("musl") and shutil.which("musl-gcc") is None:
                return Result("skip", "musl-gcc is not installed (apt-get install musl-tools)")
            return Result("fail", "%s is not built (make test-progs)" % binary)
        scratch = os.path.join(SCRATCH, "progs", "%s.%s" % (name, variant))
        argv = [binary, "."]
        native = run_process(argv, fresh_dir(os.path.join(scratch, "native")), self.env(),
                             self.timeout)
        native_text = native.transcript()
        expected_path = os.path.join(EXPECTED, name + ".txt")
        if self.options.update_expected:
            # The first build writes the file; the others are checked by the next plain run.
            if variant == VARIANTS[0]:
                os.makedirs(EXPECTED, exist_ok=True)
                with open(expected_path, "w") as out:
                    out.write(native_text)
        elif os.path.exists(expected_path):
            with open(expected_path) as expected_file:
                expected_text = expected_file.read()
            if native_text != expected_text:
                return Result(
                    "fail",
                    "the native run differs from %s (a test or host problem, not enclos)\n"
                    % os.path.relpath(expected_path, ROOT)
                    + diff_excerpt(expected_text, native_text, "expected", "native"),
                )
        enclos = run_process(self.launcher + argv, fresh_dir(os.path.join(scratch, "enclos")),
                             self.env(), self.timeout)
        result = self.compare_runs(native, enclos, "progs/%s.%s" % (name, variant))
        if result.status == "pass":
            shutil.rmtree(scratch, ignore_errors=True)
        return result

    # ---- busybox -----------------------------------------------------------------------

    def add_busybox(self):
        for test in parse_busybox_tests(BUSYBOX_TESTS):
            self.tests.append(("busybox/" + test["name"], lambda test=test: self.run_busybox(test)))

    def run_busybox(self, test):
        if not os.access(BUSYBOX, os.X_OK):
            return Result("skip", "%s is missing (apt-get install busybox-static)" % BUSYBOX)
        scratch = os.path.join(SCRATCH, "busybox", safe_name(test["name"]))
        timeout = test.get("timeout", self.timeout)
        transcripts = []
        runs = []
        for mode in ("native", "enclos"):
            directory = fresh_dir(os.path.join(scratch, mode))
            host_env = self.env({"FIXTURES": FIXTURES})
            for command in test["setup"]:
                setup = run_process(["/bin/sh", "-ec", command], directory, host_env, timeout)
                if setup.returncode != 0:
                    return Result(
                        "fail",
                        "setup failed: %s\n%s" % (command, setup.transcript()),
                    )
            os.utime(directory, (FIXED_MTIME, FIXED_MTIME))
            argv = [test.get("program", BUSYBOX)] + test["run"]
            if mode == "enclos":
                argv = self.launcher + argv
            stdin_path = os.path.join(directory, test["stdin"]) if test.get("stdin") else None
            run = run_process(argv, directory, self.env(test["env"]), timeout, stdin_path)
            if test.get("sort_output"):
                run.stdout = b"".join(sorted(run.stdout.splitlines(True)))
            text = run.transcript(self.stderr_filter if mode == "enclos" else None)
            if test.get("check"):
                check = run_process(["/bin/sh", "-ec", test["check"]], directory, host_env,
                                    timeout)
                text += "[check]\n" + check.transcript()
            transcripts.append(text)
            runs.append(run)
        problem = self.launcher_problem()
        if problem:
            return Result("fail", problem)
        if transcripts[0] == transcripts[1]:
            shutil.rmtree(scratch, ignore_errors=True)
            return Result("pass", "%.1fs native, %.1fs enclos" % (runs[0].seconds, runs[1].seconds))
        return Result("fail", explain_difference(transcripts[0], transcripts[1]))

    # ---- bad input ---------------------------------------------------------------------

    def add_bad_input(self):
        for case in parse_bad_input_cases(os.path.join(BAD_INPUT, "cases.txt")):
            self.tests.append(("bad_input/" + case["name"], lambda case=case: self.run_bad(case)))

    def run_bad(self, case):
        if not os.access(self.enclos_bin, os.X_OK):
            return Result("fail", "%s is missing (run make)" % self.enclos_bin)
        hello = os.path.join(PROGS_BIN, "hello.glibc-static")
        if not os.access(hello, os.X_OK):
            return Result("fail", "%s is not built (make test-progs)" % hello)
        scratch = fresh_dir(os.path.join(SCRATCH, "bad_input", safe_name(case["name"])))
        make_inputs = load_module(os.path.join(BAD_INPUT, "make_inputs.py"))
        make_inputs.make_all(scratch, hello, BAD_INPUT)
        argv = [self.enclos_bin] + [hello if word == "HELLO" else word for word in case["args"]]
        run = run_process(argv, scratch, self.env(), self.timeout)
        stderr = run.stderr.decode("utf-8", "backslashreplace")
        problems = []
        if run.timed_out or run.returncode != case["exit"]:
            problems.append("want [exit %d], got %s" % (case["exit"], run.status_line()))
        if stderr.count("\n") != 1 or not stderr.endswith("\n"):
            problems.append("want exactly one line on stderr, got %d" % stderr.count("\n"))
        if case["word"].lower() not in stderr.lower():
            problems.append("stderr does not mention %r" % case["word"])
        if run.stdout:
            problems.append("want nothing on stdout")
        if problems:
            return Result(
                "fail",
                "; ".join(problems)
                + "\n$ "
                + " ".join(shlex.quote(word) for word in argv)
                + "\n"
                + run.transcript(),
            )
        shutil.rmtree(scratch, ignore_errors=True)
        return Result("pass", stderr.strip())

    # ---- command line and manifests ------------------------------------------------------

    def add_cli_tests(self):
        """cli/NAME: enclos's command line, manifests and their errors, --stats, tracing,
        --catch=seccomp (tests/cli/cli_tests.py, which uses this runner's helpers)."""
        cli_tests = load_module(os.path.join(ROOT, "tests", "cli", "cli_tests.py"))
        self.tests += cli_tests.make_tests(self, sys.modules[__name__])

    # ---- Go ------------------------------------------------------------------------------

    def add_go_tests(self):
        """go/NAME: static Go programs natively vs under enclos, and sgx.max_threads with a
        Go program (tests/go/go_tests.py, which uses this runner's helpers)."""
        go_tests = load_module(os.path.join(ROOT, "tests", "go", "go_tests.py"))
        self.tests += go_tests.make_tests(self, sys.modules[__name__])

    def add_esbuild_tests(self):
        """esbuild/NAME: esbuild's static binary from npm (a current Go toolchain's output)
        natively vs under enclos (tests/esbuild/esbuild_tests.py)."""
        esbuild_tests = load_module(os.path.join(ROOT, "tests", "esbuild", "esbuild_tests.py"))
        self.tests += esbuild_tests.make_tests(self, sys.modules[__name__])

    def add_module_tests(self, relpath):
        """Tests defined by a tests/KIND/KIND_tests.py module (make_tests(suite, runner)),
        when that module exists."""
        path = os.path.join(ROOT, "tests", relpath)
        if os.path.exists(path):
            self.tests += load_module(path).make_tests(self, sys.modules[__name__])

    def add_go_stdlib_tests(self):
        """go_stdlib/PKG: Go standard-library test binaries, outcomes natively vs under
        enclos (tests/go_stdlib/stdlib_tests.py)."""
        stdlib_tests = load_module(os.path.join(ROOT, "tests", "go_stdlib", "stdlib_tests.py"))
        self.tests += stdlib_tests.make_tests(self, sys.modules[__name__])


def parse_busybox_tests(path):
    tests = []
    current = None
    with open(path) as definitions:
        for number, raw_line in enumerate(definitions, 1):
            line = raw_line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            where = "%s:%d" % (os.path.relpath(path, ROOT), number)
            if keyword == "test":
                current = {"name": rest.strip(), "setup": [], "env": {}, "run": None}
                tests.append(current)
                continue
            if current is None:
                raise SystemExit("%s: %s before any test line" % (where, keyword))
            if keyword == "setup":
                current["setup"].append(rest)
            elif keyword == "run":
                current["run"] = shlex.split(rest)
            elif keyword == "stdin":
                current["stdin"] = rest.strip()
            elif keyword == "env":
                name, _, value = rest.partition("=")
                current["env"][name.strip()] = value
            elif keyword == "check":
                current["check"] = rest
            elif keyword == "program":
                current["program"] = rest.strip()
            elif keyword == "sort-output":
                current["sort_output"] = True
            elif keyword == "timeout":
                current["timeout"] = int(rest)
            else:
                raise SystemExit("%s: unknown keyword %r" % (where, keyword))
    for test in tests:
        if test["run"] is None:
            raise SystemExit("%s: test %s has no run line" % (path, test["name"]))
    return tests


def parse_bad_input_cases(path):
    cases = []
    with open(path) as definitions:
        for raw_line in definitions:
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            fields = [field.strip() for field in line.split("|")]
            if len(fields) != 4:
                raise SystemExit("%s: want NAME | EXIT | WORD | ARGS, got %r" % (path, line))
            cases.append(
                {
                    "name": fields[0],
                    "exit": int(fields[1]),
                    "word": fields[2],
                    "args": shlex.split(fields[3]),
                }
            )
    return cases


_modules = {}
_modules_lock = threading.Lock()


def load_module(path):
    with _modules_lock:
        if path not in _modules:
            spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _modules[path] = module
        return _modules[path]


def remove_stale_scratch():
    """Removes the scratch trees of runners that have ended (a failed run keeps its tree
    until the next run, for a look at what the test left)."""
    if not os.path.isdir(SCRATCH_ROOT):
        return
    for name in os.listdir(SCRATCH_ROOT):
        if not name.isdigit():
            continue
        try:
            os.kill(int(name), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(SCRATCH_ROOT, name), ignore_errors=True)
        except PermissionError:
            pass


def install_missing_tools():
    """busybox-static and musl-tools come from Debian; install them when we can."""
    missing = not os.access(BUSYBOX, os.X_OK) or shutil.which("musl-gcc") is None
    if not missing or os.environ.get("TESTS_NO_INSTALL") or os.geteuid() != 0:
        return
    subprocess.run(["/bin/sh", os.path.join(ROOT, "tests", "setup.sh")], stdout=sys.stderr)


def load_pending():
    """tests/pending.txt: tests whose capability is an open issue. Each line is
    'PATTERN  issue N: what is missing'; a failing test that matches is reported as
    skipped with that reason (it still runs, so the day it passes is seen)."""
    entries = []
    path = os.path.join(ROOT, "tests", "pending.txt")
    if os.path.exists(path):
        with open(path) as listing:
            for line in listing:
                line = line.strip()
                if line and not line.startswith("#"):
                    pattern, _, why = line.partition(" ")
                    entries.append((pattern, why.strip()))
    return entries


def main():
    parser = argparse.ArgumentParser(description="Run the enclos tests.")
    parser.add_argument("--unit", action="store_true", help="unit tests")
    parser.add_argument("--integration", action="store_true",
                        help="test programs, busybox and bad input")
    parser.add_argument("--filter", action="append", default=[],
                        help="run only tests whose name contains this (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=int, default=60, help="seconds per run (default 60)")
    parser.add_argument("--list", action="store_true", help="list the tests and exit")
    parser.add_argument("--verbose", action="store_true", help="print details of passes too")
    parser.add_argument("--patching", choices=("on", "off", "both"),
                        default=os.environ.get("ENCLOS_TEST_PATCHING", "both"),
                        help="run the programs under enclos with syscall patching on (its "
                             "default), off (every syscall through the kernel catch), or both: "
                             "the second pass's tests are named unpatched/... (default: both)")
    parser.add_argument("--pal", choices=("direct", "sgx-sim", "all"),
                        default=os.environ.get("ENCLOS_TEST_PAL", "all"),
                        help="which PALs run the programs: direct, sgx-sim (twice: with EDMM, "
                             "tests named sgx-edmm/..., and without, sgx1/...) or all "
                             "(default: all)")
    parser.add_argument("--update-expected", action="store_true",
                        help="rewrite tests/integration/expected from the native runs")
    options = parser.parse_args()
    if not options.unit and not options.integration:
        options.unit = options.integration = True

    suite = Suite(options)
    # The programs natively and under enclos run once per configuration: on the direct PAL
    # with patching on (the suite's own tests) and off (unpatched/NAME), and on the sgx-sim
    # PAL with EDMM (sgx-edmm/NAME) and without (sgx1/NAME: an enclave of 4 GiB, all of it
    # added at start, with 256 thread slots).
    variants = []
    if not os.environ.get("ENCLOS"):
        if options.pal != "sgx-sim" and options.patching != "on":
            variants.append(("unpatched", ["--syscall-patching=off"]))
        if options.pal != "direct":
            variants.append(("sgx-edmm", ["--pal=sgx-sim", "--edmm=on"]))
            variants.append(("sgx1", ["--pal=sgx-sim", "--edmm=off", "--enclave-size=4G",
                                      "--max-threads=256"]))
    if options.patching == "off":
        suite.launcher.append("--syscall-patching=off")
    others = []
    for prefix, args in variants:
        other = Suite(options)
        other.launcher += args
        other.variant = prefix
        others.append((prefix, other))
    run_direct = options.pal != "sgx-sim" or os.environ.get("ENCLOS")
    if options.unit:
        suite.add_unit_tests()
    if options.integration:
        install_missing_tools()
        for s in ([suite] if run_direct else []) + [o for _, o in others]:
            s.add_go_stdlib_tests()
            s.add_go_tests()
            s.add_progs()
            s.add_busybox()
            s.add_esbuild_tests()
        suite.add_bad_input()
        suite.add_cli_tests()
        # patching/NAME: syscall sites found and patched in real binaries (--stats).
        suite.add_module_tests("patching/patching_tests.py")
        # decoder/NAME: the x86-64 decoder against objdump over whole real binaries.
        suite.add_module_tests("decoder/decoder_tests.py")
        # funcs/NAME: function discovery (gopclntab, symbols, eh_frame) over real binaries.
        suite.add_module_tests("funcs/funcs_tests.py")
        # sgx/NAME: the sgx-sim PAL's counts, thread slots and signing.
        suite.add_module_tests("sgx/sgx_tests.py")
        # profile/NAME: `enclos profile` and the manifest fragment it prints.
        suite.add_module_tests("profile/profile_tests.py")
        # drained/NAME: reads of drained TCP sockets answered without a host call.
        suite.add_module_tests("drained/drained_tests.py")
    phases = [("", suite.tests)]
    for prefix, other in others:
        if other.tests:
            phases.append((prefix, [(prefix + "/" + name, f) for name, f in other.tests]))
    if options.filter:
        phases = [(p, [t for t in tests if any(f in t[0] for f in options.filter)])
                  for p, tests in phases]
    if options.list:
        for _, tests in phases:
            for name, _ in tests:
                print(name)
        return 0

    remove_stale_scratch()
    counts = {"pass": 0, "fail": 0, "skip": 0}
    print_lock = threading.Lock()

    pending = load_pending()

    def run_one(test):
        name, function = test
        try:
            result = function()
        except Exception as error:  # a runner bug must not hide the other results
            result = Result("fail", "runner error: %r" % error)
        waits_for = next((why for pattern, why in pending if pattern in name), None)
        if waits_for and result.status == "fail":
            result = Result("skip", "waits for " + waits_for)
        elif waits_for and result.status == "pass":
            result = Result("pass", "passes now: remove its line from tests/pending.txt")
        with print_lock:
            counts[result.status] += 1
            label = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[result.status]
            first, _, rest = result.detail.partition("\n")
            if result.status == "pass" and not options.verbose:
                print("%s %s" % (label, name), flush=True)
            else:
                print("%s %s: %s" % (label, name, first), flush=True)
                if rest and (result.status == "fail" or options.verbose):
                    for line in rest.splitlines():
                        print("    " + line)
                    sys.stdout.flush()

    # Long tests first, so that the parallel run ends together. The phases run one after
    # the other (their tests share scratch directory names), each in its own directory.
    global SCRATCH
    top_scratch = SCRATCH
    slow = ("bigfile", "sha256sum-50M", "tar-roundtrip-big", "signals", "threads", "go_stdlib")
    for prefix, tests in phases:
        SCRATCH = os.path.join(top_scratch, prefix) if prefix else top_scratch
        ordered = sorted(tests, key=lambda t: not any(s in t[0] for s in slow))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            list(pool.map(run_one, ordered))
    SCRATCH = top_scratch

    if counts["fail"]:
        print("scratch directories of the failed tests: %s" % os.path.relpath(SCRATCH, ROOT))
    else:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    summary = "%d passed, %d failed" % (counts["pass"], counts["fail"])
    if counts["skip"]:
        summary += ", %d skipped" % counts["skip"]
    print(summary)
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
