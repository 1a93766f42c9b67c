"""Go standard-library test binaries natively and under enclos: `go_stdlib/PKG`.

tests/run_tests.py loads this file (Suite.add_go_stdlib_tests) and passes itself as
`runner`. For each package of packages.txt, tests/tests.mk builds `go test -c` into
build/tests/go-stdlib/PKG.test (PKG with '/' as '_'). The runner runs it as `go test` does,
with `-test.short -test.v` and the package directory as cwd (a fresh copy of
GOROOT/src/PKG in the scratch tree, so that runs cannot change GOROOT or each other) and
TMPDIR in the scratch tree, once natively and once under enclos. It compares the outcome
of every test and subtest (the `--- PASS:`, `--- FAIL:` and `--- SKIP:` lines), not the
raw output, which holds timings. The package passes when the outcomes are the same, apart
from the tests listed in expected_differences.txt ('PKG TEST  reason'), which may fail
under enclos (with their subtests) while they pass natively.

expected_counts.txt holds the native counts ('PKG PASS FAIL SKIP'): a native run with a
different number of tests in all means a host or build problem, not an enclos one (say, a
binary that dies early both times and so looks equal). `run_tests.py --update-expected`
rewrites the file from native runs.
"""

import os
import re
import shutil
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(HERE, "packages.txt")
EXPECTED_COUNTS = os.path.join(HERE, "expected_counts.txt")
EXPECTED_DIFFERENCES = os.path.join(HERE, "expected_differences.txt")
OUTCOME = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+) \(", re.MULTILINE)
KINDS = ("PASS", "FAIL", "SKIP")
SHOWN_NAMES = 15

_lock = threading.Lock()
_goroot = []


def read_lines(path):
    """The non-comment lines of a file, split into words."""
    if not os.path.exists(path):
        return []
    with open(path) as listing:
        return [line.split("#", 1)[0].split() for line in listing if line.split("#", 1)[0].strip()]


def goroot():
    """GOROOT as `go env GOROOT` says, else as the test binaries were built for."""
    with _lock:
        if not _goroot:
            root = None
            if shutil.which("go"):
                result = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True)
                root = result.stdout.strip() or None
            _goroot.append(root or "/usr/lib/go")
        return _goroot[0]


def outcomes(run):
    """{test name: PASS, FAIL or SKIP}; a name seen twice keeps its last outcome."""
    text = run.stdout.decode("utf-8", "backslashreplace")
    return {name: kind for kind, name in OUTCOME.findall(text)}


def last_started(run):
    """The test that was running when the output ended, for a run that crashed or hung."""
    text = run.stdout.decode("utf-8", "backslashreplace")
    started = re.findall(r"^=== (?:RUN|CONT) +(\S+)", text, re.MULTILINE)
    return started[-1] if started else None


def ended_normally(run):
    """Whether the test binary got to its final PASS or FAIL line."""
    text = run.stdout.decode("utf-8", "backslashreplace")
    return not run.timed_out and re.search(r"^(PASS|FAIL)$", text, re.MULTILINE) is not None


def counts(results):
    return tuple(sum(1 for kind in results.values() if kind == k) for k in KINDS)


def describe(results):
    return "%d pass, %d fail, %d skip" % counts(results)


def expected_differences(package):
    """{top-level test name: reason} for this package."""
    listed = {}
    for words in read_lines(EXPECTED_DIFFERENCES):
        if len(words) >= 2 and words[0] == package:
            listed[words[1]] = " ".join(words[2:])
    return listed


def write_expected_counts(package, native_counts):
    with _lock:
        lines = []
        if os.path.exists(EXPECTED_COUNTS):
            with open(EXPECTED_COUNTS) as old:
                lines = [line for line in old if line.split()[:1] != [package]]
        if not lines:
            lines = ["# Native outcomes of the Go standard-library tests: PKG PASS FAIL SKIP\n",
                     "# (stdlib_tests.py; run_tests.py --update-expected rewrites them).\n"]
        lines.append("%s %d %d %d\n" % ((package,) + native_counts))
        header = [line for line in lines if line.startswith("#")]
        body = sorted(line for line in lines if not line.startswith("#"))
        with open(EXPECTED_COUNTS, "w") as out:
            out.writelines(header + body)


def prepare_run(suite, binary, package, directory):
    """A fresh copy of the package directory and a TMPDIR under `directory`; returns the
    cwd, argv, TMPDIR and timeout of one run of the test binary."""
    shutil.rmtree(directory, ignore_errors=True)
    cwd = os.path.join(directory, "src", package)
    shutil.copytree(os.path.join(goroot(), "src", package), cwd, symlinks=True)
    tmp = os.path.join(directory, "tmp")
    os.makedirs(tmp)
    timeout = suite.timeout
    # The test binary's own timeout ends it before the runner's, with a trace of the
    # running tests.
    argv = [binary, "-test.short", "-test.v", "-test.timeout=%ds" % max(1, timeout - 10)]
    return cwd, argv, tmp, timeout


def run_package(suite, runner, package):
    binary = os.path.join(runner.TEST_BUILD, "go-stdlib", package.replace("/", "_") + ".test")
    if not os.access(binary, os.X_OK):
        if shutil.which("go") is None:
            return runner.Result("skip", "go is not installed (apt-get install golang-go)")
        return runner.Result("fail", "%s is not built (make go-stdlib)" % binary)
    problem = suite.launcher_problem()
    if problem:
        return runner.Result("fail", problem)
    scratch = os.path.join(runner.SCRATCH, "go_stdlib", runner.safe_name(package))
    runs = {}
    for mode in ("native", "enclos"):
        cwd, argv, tmp, timeout = prepare_run(suite, binary, package,
                                              os.path.join(scratch, mode))
        if mode == "enclos":
            argv = suite.launcher + argv
        runs[mode] = runner.run_process(argv, cwd, suite.env({"TMPDIR": tmp}), timeout)
        with open(os.path.join(scratch, mode + ".out"), "wb") as log:
            log.write(runs[mode].stdout + b"[stderr]\n" + runs[mode].stderr)
    native, enclos = outcomes(runs["native"]), outcomes(runs["enclos"])
    summary = "native %s %s; enclos %s %s" % (
        describe(native), runs["native"].status_line(),
        describe(enclos), runs["enclos"].status_line())

    problems = []
    native_counts = counts(native)
    if suite.options.update_expected:
        write_expected_counts(package, native_counts)
    else:
        want = [words for words in read_lines(EXPECTED_COUNTS) if words[0] == package]
        if want and sum(int(n) for n in want[0][1:4]) != sum(native_counts):
            problems.append(
                "the native run has %d outcomes, %s expects %s (PASS FAIL SKIP): a host or "
                "build problem, not enclos" % (sum(native_counts),
                                              os.path.relpath(EXPECTED_COUNTS, runner.ROOT),
                                              " ".join(want[0][1:4])))
    if not ended_normally(runs["native"]):
        problems.append("the native run ended %s during %s (a host problem, not enclos)" % (
            runs["native"].status_line(), last_started(runs["native"]) or "start-up"))

    listed = expected_differences(package)
    tolerated, differing = [], []
    for name in sorted(set(native) | set(enclos)):
        if native.get(name) == enclos.get(name):
            continue
        if "/" in name and (name in native) != (name in enclos):
            # go test sometimes drops a subtest's result line: os/signal's TestNohup runs
            # t.Run in goroutines and returns once their functions are done, which can be
            # before their reports reach it (seen in native and in enclos runs). A subtest
            # that fails fails its parent, so a passing subtest whose line one run lacks,
            # while that run's parent passed, is no difference.
            lacking = native if name not in native else enclos
            present = native.get(name) or enclos.get(name)
            if present == "PASS" and lacking.get(name.rsplit("/", 1)[0]) == "PASS":
                continue
        top = name.split("/", 1)[0]
        if top in listed and native.get(name) in ("PASS", "SKIP") and enclos.get(name) == "FAIL":
            tolerated.append(name)
        else:
            differing.append("%s: native %s, enclos %s" % (
                name, native.get(name, "missing"), enclos.get(name, "missing")))
    if differing:
        problems.append("%d outcomes differ" % len(differing))
    elif not tolerated and runs["native"].returncode != runs["enclos"].returncode:
        problems.append("same outcomes but different exit status")
    if not ended_normally(runs["enclos"]):
        problems.append("the enclos run ended %s during %s" % (
            runs["enclos"].status_line(), last_started(runs["enclos"]) or "start-up"))

    if problems:
        detail = "; ".join(problems) + "\n" + summary + "\n"
        detail += "".join("  %s\n" % line for line in differing[:SHOWN_NAMES])
        if len(differing) > SHOWN_NAMES:
            detail += "  ... %d more\n" % (len(differing) - SHOWN_NAMES)
        tail = runs["enclos"].transcript().splitlines()[-12:]
        detail += "end of the enclos run (all of it in %s):\n%s" % (
            os.path.relpath(os.path.join(scratch, "enclos.out"), runner.ROOT), "\n".join(tail))
        return runner.Result("fail", detail)
    unused = sorted(set(listed) - {name.split("/", 1)[0] for name in tolerated})
    shutil.rmtree(scratch, ignore_errors=True)
    if tolerated:
        summary += "; %d expected differences (%s)" % (
            len(tolerated), ", ".join(sorted({name.split("/", 1)[0] for name in tolerated})))
    if unused:
        summary += "; listed in expected_differences.txt but equal now: %s" % ", ".join(unused)
    return runner.Result("pass", summary)


def make_tests(suite, runner):
    return [
        ("go_stdlib/" + words[0], lambda package=words[0]: run_package(suite, runner, package))
        for words in read_lines(PACKAGES)
    ]
