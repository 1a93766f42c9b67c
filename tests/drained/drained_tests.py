"""drained/NAME: reads of drained TCP sockets answered without a host call (libos/drain.h,
docs/net.md). progs/drained checks that every answer is the one Linux gives; these check
that the answers happen, from the `drained sockets:` line of --stats, and that turning
them off changes nothing but the count:

  drained/progs          progs/drained answers at least one read per round of its Go-style
                         loop (100 rounds)
  drained/go-http        the Go net/http server and client of go/http answer reads too
  drained/off            --drained-reads=off: no read answered, same output
  drained/off-manifest   libos.drained_reads = false in a manifest: the same

Each compares stdout and the exit status with the native run (tests/run_tests.py loads
this file)."""

import os
import re
import shlex
import shutil

ANSWERED = re.compile(r"^  drained sockets: (\d+) reads answered", re.M)


def make_tests(suite, runner):
    prog = os.path.join(runner.TEST_BUILD, "progs", "drained.glibc-static")
    go_http = os.path.join(runner.TEST_BUILD, "go", "httpserver")

    def run(name, binary, options, want, manifest_lines=None):
        if not os.access(binary, os.X_OK):
            return runner.Result("fail", "%s is not built (make test-progs / go)" % binary)
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "drained", name))
        argv = [binary, "."]
        native = runner.run_process(argv, scratch, suite.env(), suite.timeout)
        launcher = suite.launcher + options + ["--stats"]
        if manifest_lines is not None:
            manifest = os.path.join(scratch, "drained.manifest.toml")
            with open(manifest, "w") as out:
                out.write('libos.entrypoint = "%s"\n' % binary)
                out.write('loader.argv = ["%s", "."]\n' % os.path.basename(binary))
                out.write('fs.mounts = [{ path = "/", uri = "file:/" }]\n')
                out.write("".join(line + "\n" for line in manifest_lines))
            launcher += ["-m", manifest]
            command = launcher
        else:
            command = launcher + argv
        enclos = runner.run_process(command, scratch, suite.env(), suite.timeout)
        shown = "$ " + " ".join(shlex.quote(w) for w in command) + "\n"
        if native.stdout != enclos.stdout or native.returncode != enclos.returncode:
            return runner.Result("fail", shown + "output or status differs from native:\n"
                                 + enclos.transcript())
        counts = [int(c) for c in ANSWERED.findall(enclos.stderr.decode("utf-8", "replace"))]
        if not counts:
            return runner.Result("fail", shown + "no 'drained sockets:' line in --stats")
        answered = max(counts)
        if not want(answered):
            return runner.Result("fail", shown + "%d reads answered without a host call"
                                 % answered)
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "%d reads answered without a host call" % answered)

    return [
        ("drained/progs", lambda: run("progs", prog, [], lambda n: n >= 100)),
        ("drained/go-http", lambda: run("go-http", go_http, [], lambda n: n > 0)),
        ("drained/off", lambda: run("off", prog, ["--drained-reads=off"], lambda n: n == 0)),
        ("drained/off-manifest", lambda: run("off-manifest", prog, [], lambda n: n == 0,
                                             ["libos.drained_reads = false"])),
    ]
