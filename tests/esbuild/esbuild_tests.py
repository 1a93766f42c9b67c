"""esbuild/bundle: a Go binary from a current toolchain, not Debian's Go 1.19.

tests/run_tests.py loads this file (Suite.add_esbuild_tests). fetch.sh gets esbuild's
static Linux binary from the npm registry once (build/esbuild/); the test bundles and
minifies project/src/main.ts natively and under enclos and compares output and status.
Without npm or the registry the test is skipped, with the reason."""

import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def make_tests(suite, runner):
    def bundle():
        fetch = subprocess.run(
            ["/bin/sh", os.path.join(HERE, "fetch.sh"), os.path.join(runner.ROOT, "build", "esbuild")],
            capture_output=True, text=True, timeout=180)
        if fetch.returncode == 2:
            return runner.Result("skip", fetch.stderr.strip() or "esbuild not available")
        if fetch.returncode != 0:
            return runner.Result("fail", "fetching esbuild failed: " + fetch.stderr.strip())
        esbuild = os.path.abspath(fetch.stdout.strip().splitlines()[-1])
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "esbuild"))
        project = os.path.join(scratch, "project")
        shutil.copytree(os.path.join(HERE, "project"), project)
        argv = [esbuild, "src/main.ts", "--bundle", "--minify", "--format=esm"]
        native = runner.run_process(argv, project, suite.env(), suite.timeout)
        enclos = runner.run_process(suite.launcher + argv, project, suite.env(), suite.timeout)
        if native.returncode != 0:
            return runner.Result("fail", "native esbuild failed: %s" % native.status_line())
        return suite.compare_runs(native, enclos)

    return [("esbuild/bundle-minify", bundle)]
