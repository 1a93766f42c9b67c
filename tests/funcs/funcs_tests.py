"""funcs/NAME: function discovery (common/func_discovery.h) over real binaries.

tests/run_tests.py loads this file (Suite.add_module_tests) and passes itself as `runner`.
build/tests/funcs/funcs_dump (tests/funcs/funcs.mk, built under ASan and UBSan) prints what
discovery finds; each test compares one source with what binutils reads from the same file:

  funcs/go-hello            Go 1.19 pclntab vs `readelf -s` FUNC symbols: every function start
                            is a symbol's address, the counts agree (the two zero-size markers
                            runtime.text and runtime.etext are the only extra symbols), the
                            names agree (symbols of assembly functions carry ".abi0", and
                            type..eq.[N]T names read [...] in the pclntab), and no symbol runs
                            past its pclntab range (symbol sizes leave out alignment padding)
  funcs/go-hello-stripped   the stripped build gives the same functions, ends and names
  funcs/go-no-sections      hello with its section headers zeroed: the table is found by its
                            magic and gives the same list
  funcs/esbuild             a current Go (1.20+ layout, stripped): layout detected, more than
                            1000 functions, all in the text segment, sorted, not overlapping,
                            the first at .text's start, all 32-byte aligned (Go's function
                            alignment), runtime.sigreturn* and main.main named
  funcs/busybox             stripped static C: the FDEs equal `readelf --debug-dump=frames`
  funcs/glibc-static[-pie]  symtab equals `readelf -s`, FDEs equal readelf's, and they agree:
                            an FDE at a symbol's start has the symbol's end, none starts
                            inside a symbol
  funcs/libc-so             Debian's libc.so.6: .dynsym and FDEs each equal readelf's; every
                            exported function start is a range start of the merged list
  funcs/enclos              the runtime itself: symtab and FDEs equal readelf's and agree
  funcs/corrupt             corrupted copies of real binaries: the tool never crashes
"""

import bisect
import os
import random
import re
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
BUSYBOX = "/bin/busybox"


class Problem(Exception):
    """A failed check; its text is the test's detail."""


def make_tests(suite, runner):
    tool = os.path.join(runner.TEST_BUILD, "funcs", "funcs_dump")
    go_dir = os.path.join(runner.TEST_BUILD, "go")
    progs = os.path.join(runner.TEST_BUILD, "progs")

    def dump(path, *options):
        """Runs the tool; returns (header lines, ranges as (start, end, sources, flags, name))."""
        run = subprocess.run([tool, *options, "--names", path], capture_output=True, text=True,
                             errors="replace", timeout=300)
        if run.returncode != 0:
            raise Problem("funcs_dump %s failed (%d): %s" % (path, run.returncode,
                                                             run.stderr.strip()[-2000:]))
        header, ranges = [], []
        for line in run.stdout.splitlines():
            if line.startswith("#"):
                header.append(line)
                continue
            words = line.split(" ", 4)
            ranges.append((int(words[0], 16), int(words[1], 16), words[2], words[3],
                           words[4] if len(words) > 4 else ""))
        return header, ranges

    def header_value(header, pattern):
        for line in header:
            match = re.search(pattern, line)
            if match:
                return match
        raise Problem("no header line matches %r:\n%s" % (pattern, "\n".join(header)))

    def readelf_functions(path, dynamic):
        """Defined FUNC/IFUNC symbols as (value, size, name) from readelf."""
        option = "--dyn-syms" if dynamic else "--syms"
        out = subprocess.run(["readelf", "-W", option, path], capture_output=True, text=True,
                             check=True).stdout
        symbols = []
        in_table = False
        for line in out.splitlines():
            if line.startswith("Symbol table"):
                # --syms lists .dynsym too; keep the table asked for.
                in_table = (".dynsym" in line) == dynamic
                continue
            words = line.split(None, 7)  # names may hold spaces
            if not in_table or len(words) < 8 or not words[0].endswith(":"):
                continue
            value, size, kind, ndx = words[1], words[2], words[3], words[6]
            if kind not in ("FUNC", "IFUNC") or ndx in ("UND", "ABS", "COM"):
                continue
            size = int(size, 16) if size.startswith("0x") else int(size)
            symbols.append((int(value, 16), size, words[7]))
        return symbols

    def readelf_fdes(path):
        """(start, end) of every FDE of .eh_frame, from readelf."""
        # readelf exits 1 when it cannot follow a separate-debug-info link; what it printed of
        # .eh_frame is complete all the same.
        run = subprocess.run(["readelf", "--debug-dump=frames", path], capture_output=True,
                             text=True, errors="replace")
        out = run.stdout
        if "Contents of the .eh_frame section" not in out:
            raise Problem("readelf --debug-dump=frames %s: %s" % (path, run.stderr.strip()[-500:]))
        # A signal frame's CIE ('S' in its augmentation, glibc's __restore_rt) has FDEs that
        # start one byte before the code; discovery reports the code's own start.
        fdes, in_eh, cie, signal_cies = [], False, None, set()
        for line in out.splitlines():
            if line.startswith("Contents of the"):
                in_eh = ".eh_frame section" in line
                continue
            header = re.match(r"^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ CIE", line)
            if header:
                cie = header.group(1)
            aug = re.search(r'Augmentation:\s+"(\w*)"', line)
            if aug and cie is not None and "S" in aug.group(1):
                signal_cies.add(int(cie, 16))
            match = re.search(r"FDE cie=(\w+) pc=([0-9a-f]+)\.\.([0-9a-f]+)", line)
            if in_eh and match:
                start, end = int(match.group(2), 16), int(match.group(3), 16)
                if int(match.group(1), 16) in signal_cies and end - start > 1:
                    start += 1
                fdes.append((start, end))
        return fdes

    def code_segments(path):
        out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True,
                             check=True).stdout
        segments = []
        for line in out.splitlines():
            words = line.split()
            if words and words[0] == "LOAD" and "E" in words[6:-1]:
                segments.append((int(words[2], 16), int(words[2], 16) + int(words[4], 16)))
        return segments

    def section_address(path, name):
        out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            match = re.search(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s", line)
            if match and match.group(1) == name:
                return int(match.group(2), 16)
        raise Problem("%s has no %s section" % (path, name))

    def check_sorted_disjoint(ranges, what):
        for a, b in zip(ranges, ranges[1:]):
            if a[1] > b[0] or a[0] >= a[1]:
                raise Problem("%s: ranges %x-%x and %x-%x overlap or are empty"
                              % (what, a[0], a[1], b[0], b[1]))

    def same(ours, theirs, what):
        ours, theirs = sorted(ours), sorted(theirs)
        if ours == theirs:
            return
        missing = sorted(set(theirs) - set(ours))[:5]
        extra = sorted(set(ours) - set(theirs))[:5]
        raise Problem("%s: %d here, %d from readelf; readelf only: %s; here only: %s"
                      % (what, len(ours), len(theirs), fmt(missing), fmt(extra)))

    def fmt(items):
        return ", ".join("%x-%x" % (i[0], i[1]) for i in items) or "none"

    def check_symbols_and_fdes(path, dynamic):
        """Each source of a C binary against readelf; returns (symbols, fdes) from readelf."""
        source = "dynsym" if dynamic else "symtab"
        _, ours = dump(path, "--raw", "--source=" + source)
        symbols = readelf_functions(path, dynamic)
        same([(r[0], r[1]) for r in ours], [(s[0], s[0] + s[1]) for s in symbols],
             source + " function symbols")
        _, ours = dump(path, "--raw", "--source=eh_frame")
        fdes = readelf_fdes(path)
        same([(r[0], r[1]) for r in ours], fdes, "FDEs")
        return symbols, fdes

    def check_agreement(symbols, fdes):
        """An FDE at a sized symbol's start has its end; none starts inside one."""
        sized = sorted((s[0], s[0] + s[1], s[2]) for s in symbols if s[1] > 0)
        ends = {}
        for start, end, _ in sized:
            ends.setdefault(start, set()).add(end)
        starts = [s[0] for s in sized]
        alone = 0
        for start, end in fdes:
            if start in ends:
                if end not in ends[start]:
                    raise Problem("FDE %x-%x, symbol ends %s" % (start, end,
                                  ", ".join("%x" % e for e in sorted(ends[start]))))
                continue
            alone += 1
            i = bisect.bisect_right(starts, start) - 1
            if i >= 0 and sized[i][0] < start < sized[i][1]:
                raise Problem("FDE %x-%x starts inside %s %x-%x"
                              % (start, end, sized[i][2], sized[i][0], sized[i][1]))
        return alone

    def guarded(check):
        def run():
            if not os.path.exists(tool):
                return runner.Result("fail", "%s is not built (make integration)" % tool)
            if shutil.which("readelf") is None:
                return runner.Result("skip", "readelf is not installed (apt-get install binutils)")
            try:
                return check()
            except Problem as problem:
                return runner.Result("fail", str(problem))
        return run

    def need_go(binary):
        if os.path.exists(binary):
            return None
        if shutil.which("go") is None:
            return runner.Result("skip", "go is not installed (apt-get install golang-go)")
        return runner.Result("fail", "%s is not built (make go-progs)" % binary)

    def normalize_go_name(name):
        name = re.sub(r"\.abi0$", "", name)
        return re.sub(r"\[\d+\]", "[...]", name)

    def go_hello():
        binary = os.path.join(go_dir, "hello")
        missing = need_go(binary)
        if missing:
            return missing
        header, funcs = dump(binary, "--raw", "--source=gopclntab")
        nfunc = int(header_value(header, r"nfunc=(\d+)").group(1))
        header_value(header, r"magic=0xfffffff0")
        symbols = readelf_functions(binary, False)
        markers = sorted(s[2] for s in symbols if s[1] == 0)
        if markers != ["runtime.etext", "runtime.text"]:
            raise Problem("zero-size function symbols: %s" % markers)
        sized = {s[0]: s for s in symbols if s[1] > 0}
        if len(funcs) != nfunc or len(sized) != nfunc:
            raise Problem("pclntab %d functions (%d ranges), %d sized function symbols"
                          % (nfunc, len(funcs), len(sized)))
        for start, end, _, _, name in funcs:
            symbol = sized.get(start)
            if symbol is None:
                raise Problem("pclntab function %s at %x is no symbol's address" % (name, start))
            if start + symbol[1] > end:
                raise Problem("symbol %s %x+%d runs past its pclntab end %x"
                              % (symbol[2], start, symbol[1], end))
            if normalize_go_name(symbol[2]) != normalize_go_name(name):
                raise Problem("at %x: pclntab says %s, the symbol %s" % (start, name, symbol[2]))
        return runner.Result("pass", "%d functions, all at symbols with the same names" % nfunc)

    def go_stripped():
        plain, stripped = os.path.join(go_dir, "hello"), os.path.join(go_dir, "hello.stripped")
        missing = need_go(plain) or need_go(stripped)
        if missing:
            return missing
        _, a = dump(plain, "--raw", "--source=gopclntab")
        header, b = dump(stripped, "--raw", "--source=gopclntab")
        header_value(header, r"source symtab: not asked")
        if a != b:
            diff = [(x, y) for x, y in zip(a, b) if x != y][:3]
            raise Problem("stripped differs (%d vs %d functions): %s" % (len(a), len(b), diff))
        _, merged = dump(stripped)
        if [(r[0], r[1]) for r in merged] != [(r[0], r[1]) for r in a]:
            raise Problem("the merged list of the stripped build is not its pclntab list")
        return runner.Result("pass", "%d functions, same ranges and names" % len(a))

    def go_no_sections():
        plain = os.path.join(go_dir, "hello")
        missing = need_go(plain)
        if missing:
            return missing
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "funcs", "no-sections"))
        copy = os.path.join(scratch, "hello.noshdr")
        with open(plain, "rb") as source:
            data = bytearray(source.read())
        data[0x28:0x30] = bytes(8)  # e_shoff
        data[0x3c:0x40] = bytes(4)  # e_shnum, e_shstrndx
        with open(copy, "wb") as out:
            out.write(data)
        _, a = dump(plain, "--raw", "--source=gopclntab")
        header, b = dump(copy, "--raw", "--source=gopclntab")
        header_value(header, r"table found by its magic")
        if a != b:
            raise Problem("without section headers: %d functions, %d with them" % (len(b), len(a)))
        return runner.Result("pass", "%d functions found by the table's magic" % len(b))

    def esbuild():
        binary = os.path.join(runner.BUILD, "esbuild", "package", "bin", "esbuild")
        if not os.path.exists(binary):
            return runner.Result("skip", "%s is absent (the esbuild/ test fetches it)" % binary)
        header, funcs = dump(binary)
        match = header_value(header, r"source gopclntab: (\w+), \d+ ranges: (.*)")
        if match.group(1) != "used" or "Go 1.20+" not in match.group(2):
            raise Problem("gopclntab: %s" % match.group(0))
        nfunc = int(header_value(header, r"nfunc=(\d+)").group(1))
        if nfunc <= 1000 or len(funcs) != nfunc:
            raise Problem("%d functions, %d ranges" % (nfunc, len(funcs)))
        check_sorted_disjoint(funcs, "esbuild")
        text = code_segments(binary)
        outside = [f for f in funcs if not any(a <= f[0] and f[1] <= b for a, b in text)]
        if outside:
            raise Problem("%d functions outside the text segment, first %x" % (len(outside),
                                                                             outside[0][0]))
        # The offsets are relative to a text start that the header leaves zero: the first
        # function must be at the start of .text, and every entry is 32-byte aligned (the Go
        # linker's function alignment on amd64), so a wrong base shows.
        text_start = section_address(binary, ".text")
        if funcs[0][0] != text_start:
            raise Problem("first function at %x, .text at %x" % (funcs[0][0], text_start))
        misaligned = [f for f in funcs if f[0] % 32]
        if misaligned:
            raise Problem("%d function starts are not 32-byte aligned, first %x"
                          % (len(misaligned), misaligned[0][0]))
        names = {f[4] for f in funcs}
        if "main.main" not in names or not any(n.startswith("runtime.sigreturn") for n in names):
            raise Problem("main.main or runtime.sigreturn* not among the names")
        gaps = header_value(header, r"code: (\d+) bytes, (\d+) in")
        return runner.Result("pass", "%s, %d functions, %s of %s code bytes outside them"
                             % (match.group(2).split(",")[0], nfunc, gaps.group(2),
                                gaps.group(1)))

    def busybox():
        if not os.path.exists(BUSYBOX):
            return runner.Result("skip", "%s is missing (apt-get install busybox-static)"
                                 % BUSYBOX)
        header, ours = dump(BUSYBOX, "--raw", "--source=eh_frame")
        same([(r[0], r[1]) for r in ours], readelf_fdes(BUSYBOX), "FDEs")
        header, merged = dump(BUSYBOX)
        check_sorted_disjoint(merged, "busybox")
        gaps = header_value(header, r"code: (\d+) bytes, (\d+) in")
        return runner.Result("pass", "%d FDEs as readelf; %s of %s code bytes have none"
                             % (len(ours), gaps.group(2), gaps.group(1)))

    def glibc_static(variant):
        def check():
            binary = os.path.join(progs, "hello." + variant)
            if not os.path.exists(binary):
                return runner.Result("fail", "%s is not built (make test-progs)" % binary)
            symbols, fdes = check_symbols_and_fdes(binary, False)
            alone = check_agreement(symbols, fdes)
            header, merged = dump(binary)
            check_sorted_disjoint(merged, variant)
            merge = header_value(header, r"vetoed_starts=(\d+) end_disagreements=(\d+)")
            if merge.group(1) != "0" or merge.group(2) != "0":
                raise Problem("merge: " + merge.group(0))
            return runner.Result("pass", "%d symbols, %d FDEs agree (%d FDEs cover code "
                                 "without a symbol)" % (len(symbols), len(fdes), alone))
        return check

    def libc_so():
        if not os.path.exists(LIBC):
            return runner.Result("skip", "%s is missing" % LIBC)
        symbols, fdes = check_symbols_and_fdes(LIBC, True)
        header, merged = dump(LIBC)
        check_sorted_disjoint(merged, "libc.so.6")
        starts = {r[0] for r in merged}
        lost = sorted({s[0] for s in symbols} - starts)
        if lost:
            raise Problem("%d exported functions are no range start, first %x" % (len(lost),
                                                                                lost[0]))
        merge = header_value(header, r"vetoed_starts=(\d+) end_disagreements=(\d+)")
        return runner.Result("pass", "%d exported functions, %d FDEs; %s" % (
            len(symbols), len(fdes), merge.group(0)))

    def enclos():
        binary = os.path.join(runner.BUILD, "enclos")
        if not os.path.exists(binary):
            return runner.Result("fail", "%s is missing (run make)" % binary)
        symbols, fdes = check_symbols_and_fdes(binary, False)
        alone = check_agreement(symbols, fdes)
        if alone:
            raise Problem("%d FDEs start at no symbol" % alone)
        return runner.Result("pass", "%d symbols, %d FDEs agree" % (len(symbols), len(fdes)))

    def corrupt():
        """Random bytes of real binaries' headers and tables overwritten: exit 0 or 1, never
        a crash or a sanitizer report."""
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "funcs", "corrupt"))
        inputs = [os.path.join(progs, "hello.glibc-static-pie"), os.path.join(go_dir, "hello"),
                  os.path.join(progs, "hello.musl-static")]
        inputs = [p for p in inputs if os.path.exists(p)]
        if not inputs:
            return runner.Result("fail", "no input binary is built (make test-progs)")
        rng = random.Random(5)
        runs = 0
        for path in inputs:
            with open(path, "rb") as source:
                original = source.read()
            hot = interesting_spans(path, len(original))
            for _ in range(60):
                data = bytearray(original)
                for _ in range(rng.randint(1, 16)):
                    start, end = rng.choice(hot)
                    data[rng.randrange(start, end)] = rng.choice([0, 0xff, 0x80, rng.randrange(256)])
                copy = os.path.join(scratch, "input")
                with open(copy, "wb") as out:
                    out.write(data)
                run = subprocess.run([tool, "--names", "--gaps", copy], capture_output=True,
                                     text=True, errors="replace", timeout=120)
                runs += 1
                if run.returncode not in (0, 1) or "Sanitizer" in run.stderr or \
                        "runtime error" in run.stderr:
                    kept = os.path.join(scratch, "crash-%d" % runs)
                    os.rename(copy, kept)
                    raise Problem("%s corrupted (kept as %s): exit %d\n%s" % (
                        path, kept, run.returncode, run.stderr[-1500:]))
        return runner.Result("pass", "%d corrupted binaries" % runs)

    def interesting_spans(path, size):
        """The ELF and program headers, the section headers and the discovery tables."""
        spans = [(0, min(size, 0x400))]
        out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
        for line in out.splitlines():
            match = re.search(r"\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
            if match and match.group(1) in (".gopclntab", ".eh_frame", ".eh_frame_hdr",
                                            ".symtab", ".dynsym", ".shstrtab"):
                offset, length = int(match.group(2), 16), int(match.group(3), 16)
                spans.append((offset, offset + min(length, 0x2000)))
        match = re.search(r"Start of section headers:\s+(\d+)",
                          subprocess.run(["readelf", "-h", path], capture_output=True,
                                         text=True).stdout)
        if match and 0 < int(match.group(1)) < size:
            spans.append((int(match.group(1)), size))
        return [s for s in spans if s[0] < s[1] <= size]

    return [
        ("funcs/go-hello", guarded(go_hello)),
        ("funcs/go-hello-stripped", guarded(go_stripped)),
        ("funcs/go-no-sections", guarded(go_no_sections)),
        ("funcs/esbuild", guarded(esbuild)),
        ("funcs/busybox", guarded(busybox)),
        ("funcs/glibc-static", guarded(glibc_static("glibc-static"))),
        ("funcs/glibc-static-pie", guarded(glibc_static("glibc-static-pie"))),
        ("funcs/libc-so", guarded(libc_so)),
        ("funcs/enclos", guarded(enclos)),
        ("funcs/corrupt", guarded(corrupt)),
    ]
