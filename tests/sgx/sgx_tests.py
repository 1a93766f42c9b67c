"""sgx/NAME: the sgx-sim PAL's own behaviour (tests/run_tests.py loads this file). The
programs of the other test families also run under sgx-sim (sgx-edmm/..., sgx1/...); these
tests check what only --stats and the signing tool show:

  sgx/mprotect-noop.edmm, .sgx1    the VMA workload of the background discussion (mmap RW,
                                   then mprotect RW on each page) makes no exit and no EDMM
                                   operation for those mprotects: the counts of a run with
                                   2000 such mprotects equal those of a run with 20
  sgx/edmm-lazy-fault              a MAP_NORESERVE mapping gets its pages on first touch
                                   (EDMM page faults grow with the pages touched)
  sgx/lazyfree                     the allocate-free churn makes at least ten times fewer
                                   trims and exits with sgx.edmm_lazyfree_threshold
  sgx/slots.sgx1, sgx/slots.edmm   threads beyond the slots: refused (SGX1), added (EDMM)
  sgx/sign-roundtrip               gen-key, sign, run: it starts; one byte changed in the
                                   manifest, the runtime or a trusted file's hash: refused
"""

import os
import re
import shutil
import subprocess

STAT = {
    "exits": re.compile(r"sgx-sim exits: (\d+) = (\d+) OCALLs \+ (\d+) memory exits \+ (\d+) asyn"),
    "edmm": re.compile(r"sgx-sim EDMM: EAUG (\d+) \(at start (\d+)\), EACCEPT (\d+), EMODPE (\d+), "
                       r"EMODPR (\d+), EMODT (\d+), EREMOVE (\d+)"),
    "mem": re.compile(r"sgx-sim memory exits: protect (\d+), trim (\d+), remove (\d+)"),
    "faults": re.compile(r"EDMM page faults (\d+)\)"),
    "sgx1": re.compile(r"SGX1 permission changes left as they were: (\d+) pages"),
    "slots": re.compile(r"EDMM (on|off), (\d+) thread slots \((\d+) added"),
    "avoided": re.compile(r"memory syscalls: (\d+) PAL calls made, (\d+) answered"),
}


def parse_stats(stderr):
    text = stderr.decode("utf-8", "replace")
    out = {}
    for key, pattern in STAT.items():
        m = pattern.search(text)
        if m:
            out[key] = tuple(int(x) if x.isdigit() else x for x in m.groups())
    return out


def make_tests(suite, runner):
    build = runner.BUILD
    progs = os.path.join(build, "tests", "progs")
    sgx_bin = os.path.join(build, "enclos-sgx-sim")
    enclos = os.path.abspath(os.path.join(build, "enclos"))

    def sgx_run(scratch, options, argv, stats=True):
        cmd = [enclos, "run", "--pal=sgx-sim"] + options + (["--stats"] if stats else []) + argv
        return cmd, runner.run_process(cmd, scratch, suite.env(), suite.timeout)

    def needs():
        if not os.access(sgx_bin, os.X_OK):
            return runner.Result("fail", "%s is missing (run make)" % sgx_bin)
        return None

    def mprotect_noop(mode):
        problem = needs()
        if problem:
            return problem
        prog = os.path.join(progs, "mprotect_noop.musl-static")
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "sgx", "mprotect-noop." + mode))
        options = ["--edmm=on"] if mode == "edmm" else ["--edmm=off", "--enclave-size=256M"]
        results = {}
        for pages in (20, 2000):
            native = runner.run_process([prog, str(pages)], scratch, suite.env(), suite.timeout)
            cmd, run = sgx_run(scratch, options, [prog, str(pages)])
            if run.stdout != native.stdout or run.returncode != native.returncode:
                return runner.Result("fail", "output differs from native:\n" + run.transcript())
            results[pages] = parse_stats(run.stderr)
        small, big = results[20], results[2000]
        if "exits" not in big or "edmm" not in big:
            return runner.Result("fail", "no sgx-sim lines in --stats")
        problems = []
        # The exits and permission operations must not grow with the no-op mprotects.
        if small["mem"] != big["mem"]:
            problems.append("memory exits %s with 20 mprotects, %s with 2000" % (small["mem"],
                                                                                big["mem"]))
        if small["edmm"][3:5] != big["edmm"][3:5]:
            problems.append("EMODPE/EMODPR %s with 20, %s with 2000" % (small["edmm"][3:5],
                                                                       big["edmm"][3:5]))
        if small["exits"][1] != big["exits"][1]:
            problems.append("OCALLs %d with 20, %d with 2000" % (small["exits"][1],
                                                               big["exits"][1]))
        if big["avoided"][1] < 2000:
            problems.append("only %d memory syscalls answered from the VMA tree"
                            % big["avoided"][1])
        if problems:
            return runner.Result("fail", "; ".join(problems))
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "2000 no-op mprotects: exits %d (OCALL %d, memory %d) as with "
                             "20; EMODPE %d, EMODPR %d both times; %d answered from the VMA tree"
                             % (big["exits"][0], big["exits"][1], big["exits"][2],
                                big["edmm"][3], big["edmm"][4], big["avoided"][1]))

    def lazy_fault():
        problem = needs()
        if problem:
            return problem
        prog = os.path.join(progs, "noreserve.musl-static")
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "sgx", "edmm-lazy-fault"))
        faults = {}
        for pages in (10, 1000):
            native = runner.run_process([prog, str(pages)], scratch, suite.env(), suite.timeout)
            cmd, run = sgx_run(scratch, ["--edmm=on"], [prog, str(pages)])
            if run.stdout != native.stdout or run.returncode != native.returncode:
                return runner.Result("fail", "output differs from native:\n" + run.transcript())
            stats = parse_stats(run.stderr)
            if "faults" not in stats:
                return runner.Result("fail", "no EDMM page fault count in --stats")
            faults[pages] = stats["faults"][0]
        # Touching 990 more pages of the MAP_NORESERVE mapping adds (at least) 990 pages
        # on fault; the madvise gives them back and touching one again adds it again.
        if faults[1000] - faults[10] < 990:
            return runner.Result("fail", "EDMM page faults %d (10 pages) and %d (1000 pages)"
                                 % (faults[10], faults[1000]))
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "EDMM page faults: %d touching 10 pages, %d touching 1000"
                             % (faults[10], faults[1000]))

    def lazyfree():
        problem = needs()
        if problem:
            return problem
        prog = os.path.join(build, "bench", "edmm_churn")
        if not os.path.exists(prog):
            return runner.Result("fail", "%s is missing (make %s)" % (prog, prog))
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "sgx", "lazyfree"))
        counts = {}
        for name, opts in (("off", []), ("on", ["--edmm-lazyfree=16M"])):
            cmd, run = sgx_run(scratch, ["--edmm=on"] + opts, [prog, "2000"])
            if run.returncode != 0:
                return runner.Result("fail", "churn failed:\n" + run.transcript())
            stats = parse_stats(run.stderr)
            counts[name] = (stats["edmm"][5], stats["exits"][0])
        (trims_off, exits_off), (trims_on, exits_on) = counts["off"], counts["on"]
        if trims_on * 10 > trims_off or exits_on * 10 > exits_off:
            return runner.Result("fail", "trims %d -> %d, exits %d -> %d: not cut tenfold"
                                 % (trims_off, trims_on, exits_off, exits_on))
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "trims %d -> %d, exits %d -> %d with lazy free"
                             % (trims_off, trims_on, exits_off, exits_on))

    def slots(mode):
        problem = needs()
        if problem:
            return problem
        prog = os.path.join(progs, "threads.musl-static")
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "sgx", "slots." + mode))
        native = runner.run_process([prog, scratch], scratch, suite.env(), suite.timeout)
        options = (["--edmm=on", "--max-threads=2"] if mode == "edmm"
                   else ["--edmm=off", "--max-threads=2"])
        cmd, run = sgx_run(scratch, options, [prog, scratch])
        stats = parse_stats(run.stderr)
        stderr = run.stderr.decode("utf-8", "replace")
        if mode == "edmm":
            if run.stdout != native.stdout or run.returncode != native.returncode:
                return runner.Result("fail", "output differs from native:\n" + run.transcript())
            if "slots" not in stats or stats["slots"][2] < 1:
                return runner.Result("fail", "no thread slot added at run time:\n"
                                     + "\n".join(stderr.splitlines()[-12:]))
            return runner.Result("pass", "%d slots, %d added at run time" % stats["slots"][1:])
        if "sgx.max_threads = 2 reached" not in stderr:
            return runner.Result("fail", "no line naming sgx.max_threads:\n" + run.transcript())
        return runner.Result("pass", [l for l in stderr.splitlines() if "max_threads" in l][0])

    def sign_roundtrip():
        problem = needs()
        if problem:
            return problem
        if not os.access(os.path.join(build, "enclos-sign"), os.X_OK):
            return runner.Result("fail", "build/enclos-sign is missing (make; needs libssl-dev)")
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "sgx", "sign-roundtrip"))
        # The runtimes are copied, so that one of them can be changed.
        rt = os.path.join(scratch, "rt")
        os.makedirs(rt)
        for name in ("enclos", "enclos-sgx-sim", "enclos-sign"):
            shutil.copy2(os.path.join(build, name), rt)
        tool = os.path.join(rt, "enclos")
        data = os.path.join(scratch, "data.txt")
        with open(data, "w") as f:
            f.write("trusted bytes\n")
        with open(os.path.join(scratch, "app.manifest.toml"), "w") as f:
            f.write('libos.entrypoint = "/bin/cat"\n'
                    'loader.argv = ["cat", "%s"]\n'
                    'loader.pal = "sgx-sim"\n'
                    'fs.mounts = [{ path = "/", uri = "file:/" }]\n'
                    'sgx.edmm_enable = true\n'
                    'sgx.trusted_files = ["file:data.txt", "file:/bin/cat"]\n' % data)

        def run(argv):
            return runner.run_process([tool] + argv, scratch, suite.env(), suite.timeout)

        steps = []
        for argv in (["gen-key", "-o", "key.pem"],
                     ["sign", "-m", "app.manifest.toml", "-k", "key.pem"]):
            r = run(argv)
            if r.returncode != 0:
                return runner.Result("fail", "enclos %s failed:\n%s" % (argv[0], r.transcript()))
        good = run(["run", "-m", "app.manifest.sgx"])
        if good.returncode != 0 or good.stdout != b"trusted bytes\n":
            return runner.Result("fail", "the signed enclave did not run:\n" + good.transcript())
        steps.append("signed run ok")
        manifest = os.path.join(scratch, "app.manifest.sgx")
        sgx_bin = os.path.join(rt, "enclos-sgx-sim")
        with open(manifest, "rb") as f:
            manifest_bytes = f.read()
        with open(sgx_bin, "rb") as f:
            runtime_bytes = f.read()

        def flipped(blob, at):
            return blob[:at] + bytes([blob[at] ^ 1]) + blob[at + 1:]

        hash_at = manifest_bytes.index(b'" = "', manifest_bytes.index(b"trusted_hashes")) + 5
        cases = [
            ("manifest byte", manifest, manifest_bytes,
             flipped(manifest_bytes, manifest_bytes.index(b"Added by"))),
            ("trusted file hash", manifest, manifest_bytes,
             manifest_bytes[:hash_at] + (b"0" if manifest_bytes[hash_at:hash_at + 1] != b"0"
                                         else b"1") + manifest_bytes[hash_at + 1:]),
            ("runtime byte", sgx_bin, runtime_bytes,
             flipped(runtime_bytes, runtime_bytes.index(b"no room for the app"))),
        ]
        for label, path, original, changed in cases:
            with open(path, "wb") as f:
                f.write(changed)
            r = run(["run", "-m", "app.manifest.sgx"])
            with open(path, "wb") as f:
                f.write(original)
            err = r.stderr.decode("utf-8", "replace").strip().splitlines()
            if r.returncode != 125 or not err or "differs from the signed" not in err[-1]:
                return runner.Result("fail", "%s changed: want exit 125 and the measurement line, "
                                     "got:\n%s" % (label, r.transcript()))
            steps.append("%s changed: refused" % label)
        with open(data, "a") as f:
            f.write("more\n")
        r = run(["run", "-m", "app.manifest.sgx"])
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode != 125 or "trusted file" not in err or "changed since" not in err:
            return runner.Result("fail", "a changed trusted file was not refused:\n"
                                 + r.transcript())
        steps.append("trusted file changed: refused")
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "; ".join(steps))

    tests = [
        ("sgx/sign-roundtrip", sign_roundtrip),
        ("sgx/mprotect-noop.edmm", lambda: mprotect_noop("edmm")),
        ("sgx/mprotect-noop.sgx1", lambda: mprotect_noop("sgx1")),
        ("sgx/edmm-lazy-fault", lazy_fault),
        ("sgx/lazyfree", lazyfree),
        ("sgx/slots.sgx1", lambda: slots("sgx1")),
        ("sgx/slots.edmm", lambda: slots("edmm")),
    ]
    return tests
