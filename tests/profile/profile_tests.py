"""profile/NAME: `enclos profile` over real programs (tests/run_tests.py loads this file).
Each program runs natively and under `enclos profile`; its stdout and exit status must be
the native ones, and its stderr too once the fragment printed at its end is cut off. The
fragment must parse as TOML and hold what docs/profile.md promises: sgx.max_threads at
least the threads the program had at once (and at least the peak the fragment reports),
sgx.enclave_size a power of two above the reserved address space it reports,
sgx.edmm_preheat_size the committed peak rounded up to 16M, and sgx.trusted_files naming
the program and every file the case expects it to read, each with the SHA-256 and size
hashlib finds, never a file it wrote or one only a forked child read."""

import hashlib
import os
import re

try:
    import tomllib
except ImportError:  # Python before 3.11
    tomllib = None

FRAGMENT_START = "# enclos profile of "
SIZE_VALUE = re.compile(r"^(\d+)([KMGT]?)$")
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
FIGURE_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
PEAK_THREADS = re.compile(r"^# peak threads (\d+) ")
PEAK_FIGURE = re.compile(r"^# peak (committed memory|reserved address space) ([\d.]+) (\w+) ")
TRUSTED_LINE = re.compile(r'^  "file:.*",  # sha256 ([0-9a-f]{64}), ([\d.]+) (\w+)')
WRITTEN_LINE = re.compile(r"^#   (.*)$")
PREHEAT_GRANULE = 16 << 20


def size_value(text):
    m = SIZE_VALUE.match(text)
    return int(m.group(1)) * UNITS[m.group(2)] if m else None


def figure_bytes(number, unit):
    return float(number) * FIGURE_UNITS.get(unit, 0)


def split_fragment(stderr):
    """(the program's own stderr, the fragment), or (stderr, None) without a fragment."""
    at = stderr.find(FRAGMENT_START)
    if at < 0 or (at and stderr[at - 1] != "\n"):
        return stderr, None
    return stderr[:at], stderr[at:]


def check_fragment(fragment, case, scratch):
    """Problems with the fragment, as a list of lines."""
    problems = []
    try:
        doc = tomllib.loads(fragment)
    except tomllib.TOMLDecodeError as error:
        return ["the fragment is not TOML: %s" % error]
    sgx = doc.get("sgx", {})
    lines = fragment.splitlines()
    peak_threads = None
    figures = {}
    for line in lines:
        m = PEAK_THREADS.match(line)
        if m:
            peak_threads = int(m.group(1))
        m = PEAK_FIGURE.match(line)
        if m:
            figures[m.group(1)] = figure_bytes(m.group(2), m.group(3))

    max_threads = sgx.get("max_threads")
    if not isinstance(max_threads, int):
        problems.append("no integer sgx.max_threads")
    elif peak_threads is None:
        problems.append("no '# peak threads N' line")
    elif max_threads < max(case["threads"], peak_threads, 4):
        problems.append("sgx.max_threads = %d, but the program had %d threads at once "
                        "(reported peak %d)" % (max_threads, case["threads"], peak_threads))
    elif peak_threads < case["threads"]:
        problems.append("reported peak %d threads, the program had %d at once"
                        % (peak_threads, case["threads"]))

    enclave = size_value(str(sgx.get("enclave_size", "")))
    reserved = figures.get("reserved address space")
    if enclave is None or enclave & (enclave - 1):
        problems.append("sgx.enclave_size %r is not a power of two" % sgx.get("enclave_size"))
    elif reserved is None or not reserved:
        problems.append("no '# peak reserved address space' figure")
    elif enclave < 2 * reserved:
        problems.append("sgx.enclave_size %d is not twice the reserved %d" % (enclave, reserved))

    preheat = size_value(str(sgx.get("edmm_preheat_size", "")))
    committed = figures.get("committed memory")
    if preheat is None or preheat % PREHEAT_GRANULE:
        problems.append("sgx.edmm_preheat_size %r is not a multiple of 16M"
                        % sgx.get("edmm_preheat_size"))
    elif committed is None or not committed:
        problems.append("no '# peak committed memory' figure")
    elif not committed <= preheat < committed + PREHEAT_GRANULE + (1 << 20):
        problems.append("sgx.edmm_preheat_size %d is not the committed %d rounded up to 16M"
                        % (preheat, committed))
    if reserved is not None and committed is not None and committed > reserved:
        problems.append("committed %d is more than reserved %d" % (committed, reserved))

    trusted = sgx.get("trusted_files")
    if not isinstance(trusted, list) or not all(isinstance(t, str) and t.startswith("file:")
                                                for t in trusted):
        return problems + ["sgx.trusted_files is not a list of \"file:PATH\" strings"]
    paths = [t[len("file:"):] for t in trusted]
    hashes = [TRUSTED_LINE.match(line) for line in lines]
    hashes = [m for m in hashes if m]
    if len(hashes) != len(paths):
        return problems + ["%d trusted files but %d lines with a sha256 comment"
                           % (len(paths), len(hashes))]
    for path, m in zip(paths, hashes):
        try:
            with open(path, "rb") as data:
                content = data.read()
        except OSError as error:
            problems.append("trusted file %s cannot be read: %s" % (path, error.strerror))
            continue
        if hashlib.sha256(content).hexdigest() != m.group(1):
            problems.append("trusted file %s: sha256 %s, hashlib says %s"
                            % (path, m.group(1), hashlib.sha256(content).hexdigest()))
        shown = figure_bytes(m.group(2), m.group(3))
        if abs(shown - len(content)) > max(len(content), 1024) * 0.051:
            problems.append("trusted file %s: size shown as %s %s, it has %d bytes"
                            % (path, m.group(2), m.group(3), len(content)))
    if len(set(paths)) != len(paths):
        problems.append("a trusted file is listed twice")
    written = [m.group(1) for m in map(WRITTEN_LINE.match, lines) if m]

    def resolve(name):
        return name if os.path.isabs(name) else os.path.join(scratch, name)

    for name in case.get("read", []):
        if resolve(name) not in paths:
            problems.append("%s was read but is not a trusted file" % resolve(name))
    for name in case.get("written", []):
        if resolve(name) in paths:
            problems.append("%s was written but is a trusted file" % resolve(name))
        if resolve(name) not in written:
            problems.append("%s was written but is not in the written list" % resolve(name))
    for name in case.get("not_listed", []):
        if resolve(name) in paths or resolve(name) in written:
            problems.append("%s (a forked child's) is listed" % resolve(name))
    if case["program"] not in paths[:1]:
        problems.append("the program %s is not the first trusted file (%s)"
                        % (case["program"], paths[:1]))
    return problems


def make_tests(suite, runner):
    build = runner.BUILD
    progs = os.path.join(build, "tests", "progs")
    go = os.path.join(build, "tests", "go")
    cases = [
        # 4 workers at once beside the main thread (tests/progs/threads.c).
        {"name": "threads.glibc-static", "program": os.path.join(progs, "threads.glibc-static"),
         "args": None, "threads": 5},
        {"name": "threads.musl-static-pie",
         "program": os.path.join(progs, "threads.musl-static-pie"), "args": None, "threads": 5},
        # 200 goroutines locked to threads blocked at once, and main.
        {"name": "go-threads200", "program": os.path.join(go, "threads200"), "args": [],
         "threads": 201},
        # Writes files, then reads them back: none of them is a trusted file.
        {"name": "go-fileio", "program": os.path.join(go, "fileio"), "args": [], "threads": 1,
         "written": ["big.bin", "big.copy", "data/lines.txt", "data/utf8.txt"]},
        {"name": "go-exit3", "program": os.path.join(go, "exit3"), "args": [], "threads": 1},
        # A dynamic program: its interpreter and libc are trusted files; the shell redirects
        # into a file (written) and reads one through exec (the profile goes on); a forked
        # child's file is nobody's.
        {"name": "sh-exec", "program": "/bin/sh",
         "args": ["-c", "cat child.txt; exec /bin/cat input.txt > output.txt"], "threads": 1,
         "files": {"input.txt": "read by the exec'd cat\n", "child.txt": "a child's\n"},
         "read": ["input.txt", "/bin/cat", "/lib64/ld-linux-x86-64.so.2"],
         "written": ["output.txt"], "not_listed": ["child.txt"]},
    ]

    def setup(directory, case):
        for name, text in case.get("files", {}).items():
            with open(os.path.join(directory, name), "w") as out:
                out.write(text)
        return directory

    def check(case):
        if tomllib is None:
            return runner.Result("skip", "python3 has no tomllib (3.11 or later needed)")
        if os.environ.get("ENCLOS"):
            return runner.Result("skip", "ENCLOS replaces the launcher: no enclos to profile")
        program = case["program"]
        if not os.path.exists(program):
            return runner.Result("fail", "%s is missing (make test-progs / go)" % program)
        if not os.access(suite.enclos_bin, os.X_OK):
            return runner.Result("fail", "%s is missing (run make)" % suite.enclos_bin)
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "profile", case["name"]))
        native_dir = setup(runner.fresh_dir(os.path.join(scratch, "native")), case)
        enclos_dir = setup(runner.fresh_dir(os.path.join(scratch, "enclos")), case)

        def argv(directory):
            args = case["args"] if case["args"] is not None else [directory]
            return [program] + args

        native = runner.run_process(argv(native_dir), native_dir, suite.env(), suite.timeout)
        launcher = [suite.enclos_bin, "profile"]
        if "--syscall-patching=off" in suite.launcher:
            launcher.append("--syscall-patching=off")
        enclos = runner.run_process(launcher + argv(enclos_dir), enclos_dir, suite.env(),
                                    suite.timeout)
        if enclos.timed_out:
            return runner.Result("fail", "timed out:\n" + enclos.transcript())
        own_stderr, fragment = split_fragment(enclos.stderr.decode("utf-8", "replace"))
        native_stderr = native.stderr.decode("utf-8", "replace")
        native_out = native.stdout.replace(native_dir.encode(), b"DIR")
        enclos_out = enclos.stdout.replace(enclos_dir.encode(), b"DIR")
        if (native_out != enclos_out or native.returncode != enclos.returncode
                or native_stderr.replace(native_dir, "DIR")
                != own_stderr.replace(enclos_dir, "DIR")):
            return runner.Result("fail", "output or status differs from native:\nnative:\n"
                                 + native.transcript() + "enclos profile:\n"
                                 + enclos.transcript())
        if fragment is None:
            return runner.Result("fail", "no fragment on stderr:\n" + enclos.transcript())
        problems = check_fragment(fragment, case, enclos_dir)
        if problems:
            return runner.Result("fail", "\n".join(problems) + "\n" + fragment)
        trusted = len(tomllib.loads(fragment)["sgx"]["trusted_files"])
        values = [line.split("  #")[0] for line in fragment.splitlines()
                  if line.startswith("sgx.") and "trusted" not in line]
        return runner.Result("pass", "%s; %d trusted files" % (", ".join(values), trusted))

    return [("profile/" + case["name"], lambda c=case: check(c)) for case in cases]
