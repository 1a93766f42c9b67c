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

    tests = [
        ("sgx/mprotect-noop.edmm", lambda: mprotect_noop("edmm")),
        ("sgx/mprotect-noop.sgx1", lambda: mprotect_noop("sgx1")),
        ("sgx/edmm-lazy-fault", lazy_fault),
        ("sgx/lazyfree", lazyfree),
        ("sgx/slots.sgx1", lambda: slots("sgx1")),
        ("sgx/slots.edmm", lambda: slots("edmm")),
    ]
    return tests
