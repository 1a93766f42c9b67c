"""Static Go programs natively and under enclos: `go/...` in the runner's output.

tests/run_tests.py loads this file (Suite.add_go_tests) and passes itself as `runner`, so
that these tests share its helpers, scratch tree and options. The tests:

  go/NAME                  a program of tests/go (built into build/tests/go by tests/tests.mk)
                           run natively and under enclos, each in a fresh scratch directory
                           that is its cwd; stdout, stderr and exit status must be equal.
                           tests/go/tests.txt lists them with their environment and filters.
  go/threads200.max_threads8
                           the 200-thread program under max_threads.manifest.toml
                           (sgx.max_threads = 8): enclos must log the line naming
                           sgx.max_threads, the Go runtime must abort with "failed to create
                           new OS thread" and exit status 2, with no hang and no crash.
"""

import os
import re
import shlex
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DEFINITIONS = os.path.join(HERE, "tests.txt")
MAX_THREADS_MANIFEST = os.path.join(HERE, "max_threads.manifest.toml")
MAX_THREADS_LOG = re.compile(r"^enclos.*sgx\.max_threads = 8 reached", re.MULTILINE)
GO_THREAD_FAILURE = "runtime: failed to create new OS thread"


def parse_definitions(path):
    """tests.txt: 'NAME PROGRAM [VAR=VALUE | stderr-lines=N | timeout=S ...]'."""
    tests = []
    with open(path) as definitions:
        for number, raw_line in enumerate(definitions, 1):
            words = shlex.split(raw_line, comments=True)
            if not words:
                continue
            where = "%s:%d" % (path, number)
            if len(words) < 2:
                raise SystemExit("%s: want NAME PROGRAM [OPTION ...]" % where)
            test = {"name": words[0], "program": words[1], "env": {}, "stderr_lines": None,
                    "timeout": None}
            for option in words[2:]:
                key, equals, value = option.partition("=")
                if not equals:
                    raise SystemExit("%s: option %r is not KEY=VALUE" % (where, option))
                if key == "stderr-lines":
                    test["stderr_lines"] = int(value)
                elif key == "timeout":
                    test["timeout"] = int(value)
                elif re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
                    test["env"][key] = value
                else:
                    raise SystemExit("%s: unknown option %r" % (where, key))
            tests.append(test)
    return tests


def keep_stderr_lines(run, count, stderr_filter):
    """Keeps the first `count` lines of a run's stderr, after dropping the lines that the
    runner's stderr filter (ENCLOS_STDERR_FILTER) drops."""
    lines = run.stderr.decode("utf-8", "backslashreplace").splitlines(True)
    if stderr_filter is not None:
        lines = [line for line in lines if not stderr_filter.search(line)]
    run.stderr = "".join(lines[:count]).encode()


def missing_binary(runner, binary):
    if shutil.which("go") is None:
        return runner.Result("skip", "go is not installed (apt-get install golang-go)")
    return runner.Result("fail", "%s is not built (make go-progs)" % binary)


def run_program(suite, runner, test):
    binary = os.path.join(runner.TEST_BUILD, "go", test["program"])
    if not os.access(binary, os.X_OK):
        return missing_binary(runner, binary)
    scratch = os.path.join(runner.SCRATCH, "go", runner.safe_name(test["name"]))
    timeout = test["timeout"] or suite.timeout
    env = suite.env(test["env"])
    native = runner.run_process([binary], runner.fresh_dir(os.path.join(scratch, "native")),
                                env, timeout)
    enclos = runner.run_process(suite.launcher + [binary],
                                runner.fresh_dir(os.path.join(scratch, "enclos")), env, timeout)
    if test["stderr_lines"] is not None:
        keep_stderr_lines(native, test["stderr_lines"], None)
        keep_stderr_lines(enclos, test["stderr_lines"], suite.stderr_filter)
    result = suite.compare_runs(native, enclos)
    if result.status == "pass":
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def run_max_threads(suite, runner):
    binary = os.path.join(runner.TEST_BUILD, "go", "threads200")
    if not os.access(binary, os.X_OK):
        return missing_binary(runner, binary)
    if not os.access(suite.enclos_bin, os.X_OK):
        return runner.Result("fail", "%s is missing (run make)" % suite.enclos_bin)
    scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "go", "threads200.max_threads8"))
    with open(MAX_THREADS_MANIFEST) as template:
        manifest_text = template.read().replace("@GO_BUILD@", os.path.dirname(binary))
    manifest = os.path.join(scratch, "max_threads.manifest.toml")
    with open(manifest, "w") as out:
        out.write(manifest_text)
    # The suite's launcher (its PAL and patching), but the manifest's thread limit.
    argv = [a for a in suite.launcher if not a.startswith("--max-threads")] + ["-m", manifest]
    run = runner.run_process(argv, scratch, suite.env(), suite.timeout)
    stderr = run.stderr.decode("utf-8", "backslashreplace")
    problems = []
    if run.timed_out or run.returncode != 2:
        problems.append("want [exit 2] (the Go runtime's abort), got %s" % run.status_line())
    if not MAX_THREADS_LOG.search(stderr):
        problems.append("no enclos line naming 'sgx.max_threads = 8 reached'")
    if GO_THREAD_FAILURE not in stderr:
        problems.append("the Go runtime did not report %r" % GO_THREAD_FAILURE)
    if problems:
        tail = "\n".join(run.transcript().splitlines()[-20:])
        return runner.Result("fail", "; ".join(problems) + "\n$ " + " ".join(
            shlex.quote(word) for word in argv) + "\n" + tail)
    shutil.rmtree(scratch, ignore_errors=True)
    return runner.Result("pass", MAX_THREADS_LOG.search(stderr).group(0))


def make_tests(suite, runner):
    tests = [
        ("go/" + test["name"], lambda test=test: run_program(suite, runner, test))
        for test in parse_definitions(DEFINITIONS)
    ]
    # With EDMM the enclave adds thread slots as it needs them: no limit to test.
    if getattr(suite, "variant", "") != "sgx-edmm":
        tests.append(("go/threads200.max_threads8", lambda: run_max_threads(suite, runner)))
    return tests
