"""decoder/objdump-NAME: common/x86_decode.c against GNU objdump over whole real binaries.

tests/run_tests.py loads this file (Suite.add_module_tests). For each binary, objdump -d -w -z
disassembles every executable section; build/tests/decoder/x86_sweep (decoder.mk) sweeps the
same sections with the decoder, restarting where objdump restarts (at symbols, after
"(bad)"). Every instruction objdump shows must start an instruction of the decoder with the
same length, the same direct branch target and the same RIP-relative target; where objdump
says "(bad)" the decoder must say invalid too, and neither side is compared again before
objdump's next instruction. Mismatches are listed with address, bytes and both lengths.

decoder/objdump-synthetic does the same over generated encodings that real binaries seldom
hold (every opcode of every legacy map under each SIMD prefix, VEX, EVEX, XOP, 3DNow!): where
both decode, lengths and targets must agree; where only one does, that is counted, not failed
(the decoder follows the CPU where objdump is lenient, and checks opcode and SIMD prefix but
not VEX.L/W or vvvv where objdump is strict: docs/x86-decoder.md).

objdump's listing is normalised first, where it prints something that is not one
instruction of the CPU (docs/x86-decoder.md):
- a line of prefixes alone ("rex.W", "cs cs"...) belongs to the next line: the CPU ignores a
  REX prefix followed by a legacy prefix but executes them as one instruction (over 15
  bytes together: invalid);
- "fstcw" and friends (9B then an x87 instruction) are two instructions: FWAIT and the
  FN- form.
"""

import os
import random
import re
import shutil
import subprocess
import time

MAX_REPORTED = 20
MAX_LENGTH = 15

PREFIX_WORDS = {
    "rex", "data16", "addr32", "lock", "rep", "repz", "repe", "repnz", "repne",
    "cs", "ds", "es", "ss", "fs", "gs", "bnd", "notrack", "xacquire", "xrelease",
}
# Text that may hold a direct branch or a RIP-relative operand (a cheap filter first).
MAY_HAVE_TARGET = ("j", "call", "loop", "xbegin", "bnd", "notrack", "data16", "addr32", "rex",
                   "cs", "ds")
BRANCH_MNEMONICS = re.compile(
    r"^(jmp[wq]?|call[wq]?|j[a-z]{1,3}|loop[a-z]*|jrcxz|jecxz|xbegin[wlq]?)$")
DIRECT_TARGET = re.compile(r"^(?:0x)?([0-9a-f]+)(?:\s|$)")
RIP_COMMENT = re.compile(r"#\s*(?:0x)?([0-9a-f]+)")

# An objdump line: (address, length, bytes as printed, text, bad).
ADDRESS, LENGTH, BYTES, TEXT, BAD = range(5)


def is_prefix_word(word):
    return word in PREFIX_WORDS or word.startswith("rex.")


def prefixes_only(text):
    words = text.split()
    return bool(words) and all(is_prefix_word(w) for w in words)


def objdump_listing(objdump_output):
    """objdump -d -w -z output -> [(address, length, bytes, text, bad)], normalised."""
    listing = []
    pending = None  # a line of prefixes alone, waiting for the next line
    for line in objdump_output.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:  # headings, symbol labels, blank lines
            continue
        try:
            address = int(parts[0].rstrip(":"), 16)
        except ValueError:
            continue
        raw = parts[1].rstrip()
        length = (len(raw) + 1) // 3
        text = parts[2] if len(parts) > 2 else ""
        bad = "(bad)" in text or text.startswith(".byte")
        if pending is not None:
            if pending[ADDRESS] + pending[LENGTH] == address:
                length += pending[LENGTH]
                address, raw, text = pending[ADDRESS], pending[BYTES] + " " + raw, \
                    pending[TEXT] + " " + text
                bad = bad or length > MAX_LENGTH
            else:
                listing.append(pending)
            pending = None
        if not bad and text[:1] in "rdaclefgsbnx" and prefixes_only(text):
            pending = (address, length, raw, text, bad)
            continue
        if raw.startswith("9b ") and not bad:
            listing.append((address, 1, "9b", "fwait", False))
            address, length, raw = address + 1, length - 1, raw[3:]
        listing.append((address, length, raw, text, bad))
    if pending is not None:
        listing.append(pending)
    return listing


def sync_points(listing):
    """Where objdump (re)started: section and symbol starts, gaps, after each (bad)."""
    points = []
    previous_end = None
    previous_bad = False
    for insn in listing:
        if previous_bad or insn[ADDRESS] != previous_end:
            points.append(insn[ADDRESS])
        previous_end = insn[ADDRESS] + insn[LENGTH]
        previous_bad = insn[BAD]
    return points


def objdump_targets(text):
    """(direct branch target or None, RIP-relative target or None) from objdump's text."""
    words = text.split(None, 1)
    while words and is_prefix_word(words[0]):
        words = words[1].split(None, 1) if len(words) > 1 else []
    if not words:
        return None, None
    mnemonic, operands = words[0], (words[1] if len(words) > 1 else "")
    direct = None
    if BRANCH_MNEMONICS.match(mnemonic) and not operands.startswith("*"):
        match = DIRECT_TARGET.match(operands)
        if match:
            direct = int(match.group(1), 16)
    rip = None
    if "(%rip)" in operands or "(%eip)" in operands:
        match = RIP_COMMENT.search(operands)
        if match:
            rip = int(match.group(1), 16)
            if "(%eip)" in operands:  # objdump sign-extends; the CPU wraps at 4 GiB
                rip &= 0xffffffff
    return direct, rip


def parse_sweep(output):
    """x86_sweep output -> {address: (length or None, kind, target, rip target)}."""
    sweep = {}
    for line in output.splitlines():
        words = line.split(" ")
        if len(words) == 2:
            sweep[int(words[0], 16)] = (None if words[1] == "bad" else int(words[1]),
                                        None, None, None)
            continue
        fields = dict(word.split("=", 1) for word in words[2:])
        target, rip = fields.get("t"), fields.get("r")
        sweep[int(words[0], 16)] = (int(words[1]), fields.get("k"),
                                    int(target, 16) if target else None,
                                    int(rip, 16) if rip else None)
    return sweep


def compare(listing, sweep):
    """Returns (mismatch lines, figures)."""
    mismatches = []
    figures = {"instructions": 0, "branch targets": 0, "RIP-relative operands": 0,
               "syscall": 0, "(bad)": 0}

    def report(insn, what):
        mismatches.append((insn[ADDRESS], "%x: %s [%s] objdump: %s" % (
            insn[ADDRESS], what, insn[BYTES], insn[TEXT])))

    ignored = set()  # decoder starts inside a region objdump could not decode
    for index, insn in enumerate(listing):
        mine = sweep.get(insn[ADDRESS])
        if mine is None:
            report(insn, "no decoder instruction starts here (objdump length %d)"
                   % insn[LENGTH])
            continue
        length, kind, target, rip = mine
        if insn[BAD] or length is None:
            if insn[BAD] and length is None:
                figures["(bad)"] += 1
                end = listing[index + 1][ADDRESS] if index + 1 < len(listing) else 0
                ignored.update(range(insn[ADDRESS] + 1, end))
            elif insn[BAD]:
                report(insn, "objdump (bad), decoder length %d" % length)
            else:
                report(insn, "decoder invalid, objdump length %d" % insn[LENGTH])
            continue
        if length != insn[LENGTH]:
            report(insn, "length: decoder %d, objdump %d" % (length, insn[LENGTH]))
            continue
        figures["instructions"] += 1
        if kind == "syscall":
            figures["syscall"] += 1
        text = insn[TEXT]
        if target is None and rip is None and not text.startswith(MAY_HAVE_TARGET) and \
                "ip)" not in text:
            continue
        objdump_direct, objdump_rip = objdump_targets(text)
        if objdump_direct != target:
            report(insn, "branch target: decoder %s, objdump %s" % (
                hex_or_none(target), hex_or_none(objdump_direct)))
        elif objdump_rip != rip:
            report(insn, "RIP-relative target: decoder %s, objdump %s" % (
                hex_or_none(rip), hex_or_none(objdump_rip)))
        else:
            figures["branch targets"] += target is not None
            figures["RIP-relative operands"] += rip is not None
    objdump_starts = set(insn[ADDRESS] for insn in listing)
    for address in sweep.keys() - objdump_starts - ignored:
        mismatches.append((address, "%x: decoder starts an instruction here (length %s), "
                           "objdump does not" % (address, sweep[address][0] or "bad")))
    mismatches.sort()
    return [text for _, text in mismatches], figures


# ---- Synthetic encodings ----------------------------------------------------------------

SYNTHETIC_STRIDE = 32  # bytes per candidate, the rest nop padding
MODRM_FORMS = (0x00, 0x05, 0x04, 0x44, 0x84, 0x0c, 0x4d, 0x95, 0xc0, 0xc8, 0xd1, 0xda, 0xe3,
               0xec, 0xf5, 0xfe)
LEGACY_PREFIXES = (b"", b"\x66", b"\xf2", b"\xf3", b"\x48", b"\x66\x48", b"\x67")
# One-byte opcodes that are prefixes or escapes; 9B (fwait), which objdump folds into the next
# x87 instruction, prefixes included.
NOT_OPCODES = set(range(0x40, 0x50)) | {0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67,
                                        0xf0, 0xf2, 0xf3, 0x9b}


def synthetic_candidates(seed=5):
    """Deterministic byte strings, each one instruction followed by filler bytes."""
    rng = random.Random(seed)

    def tail(n=10):
        return bytes(rng.getrandbits(8) for _ in range(n))

    candidates = []
    for escape in (b"", b"\x0f", b"\x0f\x38", b"\x0f\x3a"):
        for opcode in range(256):
            if not escape and opcode in NOT_OPCODES:
                continue
            for prefix in LEGACY_PREFIXES:
                for modrm in rng.sample(MODRM_FORMS, 3):
                    candidates.append(prefix + escape + bytes([opcode, modrm]) + tail())
    for suffix in range(256):  # 3DNow!: the opcode comes last
        for modrm in (0xc1, 0x05):
            disp = b"\0\0\0\0" if modrm == 0x05 else b""
            candidates.append(b"\x0f\x0f" + bytes([modrm]) + disp + bytes([suffix]))
    for _ in range(24000):
        kind = rng.randrange(4)
        vex_byte = rng.getrandbits(8)
        modrm = bytes([rng.choice(MODRM_FORMS)])
        opcode = bytes([rng.getrandbits(8)])
        if kind == 0:
            head = bytes([0xc5, vex_byte])
        elif kind == 1:
            head = bytes([0xc4, (rng.getrandbits(3) << 5) | rng.choice((1, 2, 3)), vex_byte])
        elif kind == 2:
            p0 = (rng.getrandbits(4) << 4) | rng.choice((1, 2, 3, 5, 6))
            head = bytes([0x62, p0, vex_byte | 0x04, rng.getrandbits(8)])
        else:
            head = bytes([0x8f, (rng.getrandbits(3) << 5) | rng.choice((8, 9, 10)), vex_byte])
        candidates.append(head + opcode + modrm + tail(8))
    return candidates


def compare_synthetic(listing, sweep, starts):
    """Lengths and targets where both decode; figures of where only one does."""
    objdump = {insn[ADDRESS]: insn for insn in listing}
    mismatches = []
    figures = {"both": 0, "neither": 0, "objdump only": 0, "decoder only": 0}
    for start in starts:
        insn, mine = objdump.get(start), sweep.get(start)
        if insn is None or mine is None:
            mismatches.append("%x: no instruction starts here (objdump %s, decoder %s)" % (
                start, insn is not None, mine is not None))
            continue
        length, _, target, rip = mine
        if insn[BAD] or length is None:
            what = "neither" if insn[BAD] and length is None else \
                "decoder only" if insn[BAD] else "objdump only"
            figures[what] += 1
            continue
        figures["both"] += 1
        direct, objdump_rip = objdump_targets(insn[TEXT])
        if length != insn[LENGTH] or direct != target or objdump_rip != rip:
            mismatches.append("%x: decoder length %d target %s rip %s, objdump length %d "
                              "target %s rip %s [%s] %s" % (
                                  start, length, hex_or_none(target), hex_or_none(rip),
                                  insn[LENGTH], hex_or_none(direct), hex_or_none(objdump_rip),
                                  insn[BYTES], insn[TEXT]))
    return mismatches, figures


def hex_or_none(value):
    return "none" if value is None else "%x" % value


def make_tests(suite, runner):
    sweep_tool = os.path.join(runner.TEST_BUILD, "decoder", "x86_sweep")
    go_reason = None if shutil.which("go") else "no Go toolchain (go not in PATH)"
    binaries = [
        # (test name, path, why it may be absent: None means it must be there)
        ("busybox", runner.BUSYBOX, None),
        ("glibc-static", os.path.join(runner.PROGS_BIN, "hello.glibc-static"), None),
        ("go-hello", os.path.join(runner.TEST_BUILD, "go", "hello"), go_reason),
        ("go-hello-stripped", os.path.join(runner.TEST_BUILD, "go", "hello.stripped"),
         go_reason),
        ("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", None),
        ("enclos", os.path.join(runner.BUILD, "enclos"), None),
        ("esbuild", os.path.join(runner.BUILD, "esbuild", "package", "bin", "esbuild"),
         "esbuild not fetched (the esbuild/ test fetches it from npm)"),
    ]

    def describe(figures):
        return ("%(instructions)d instructions, %(branch targets)d branch targets, "
                "%(RIP-relative operands)d RIP-relative operands, %(syscall)d syscall, "
                "%((bad))d (bad)" % figures)

    def differential(name, path, absent_reason):
        def run():
            if not os.path.exists(path):
                if absent_reason:
                    return runner.Result("skip", "%s: %s" % (path, absent_reason))
                return runner.Result("fail", "%s does not exist" % path)
            if not os.path.exists(sweep_tool):
                return runner.Result("fail", "%s not built (tests/decoder/decoder.mk)"
                                     % sweep_tool)
            if not shutil.which("objdump"):
                return runner.Result("skip", "objdump not installed (binutils)")
            start = time.monotonic()
            objdump = subprocess.run(["objdump", "-d", "-w", "-z", path],
                                     capture_output=True, text=True, timeout=suite.timeout)
            if objdump.returncode != 0:
                return runner.Result("fail", "objdump failed: " + objdump.stderr.strip())
            listing = objdump_listing(objdump.stdout)
            scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "decoder", name))
            sync_path = os.path.join(scratch, "sync.txt")
            with open(sync_path, "w") as out:
                out.write("".join("%x\n" % a for a in sync_points(listing)))
            tool = subprocess.run([sweep_tool, "--sync", sync_path, path],
                                  capture_output=True, text=True, timeout=suite.timeout)
            if tool.returncode != 0:
                return runner.Result("fail", "x86_sweep failed: " + tool.stderr.strip())
            mismatches, figures = compare(listing, parse_sweep(tool.stdout))
            if mismatches:
                return runner.Result("fail", "%d mismatches (%s agree); first %d:\n%s" % (
                    len(mismatches), describe(figures), min(len(mismatches), MAX_REPORTED),
                    "\n".join(mismatches[:MAX_REPORTED])))
            shutil.rmtree(scratch, ignore_errors=True)
            return runner.Result("pass", "%s: all agree, %.1fs" % (
                describe(figures), time.monotonic() - start))
        return run

    def synthetic():
        if not os.path.exists(sweep_tool):
            return runner.Result("fail", "%s not built (tests/decoder/decoder.mk)" % sweep_tool)
        if not shutil.which("objdump"):
            return runner.Result("skip", "objdump not installed (binutils)")
        start = time.monotonic()
        scratch = runner.fresh_dir(os.path.join(runner.SCRATCH, "decoder", "synthetic"))
        blob_path = os.path.join(scratch, "candidates.bin")
        starts = []
        with open(blob_path, "wb") as blob:
            for candidate in synthetic_candidates():
                starts.append(len(starts) * SYNTHETIC_STRIDE)
                blob.write(candidate[:SYNTHETIC_STRIDE].ljust(SYNTHETIC_STRIDE, b"\x90"))
        objdump = subprocess.run(["objdump", "-D", "-w", "-z", "-b", "binary",
                                  "-m", "i386:x86-64", blob_path],
                                 capture_output=True, text=True, timeout=suite.timeout)
        if objdump.returncode != 0:
            return runner.Result("fail", "objdump failed: " + objdump.stderr.strip())
        listing = objdump_listing(objdump.stdout)
        sync_path = os.path.join(scratch, "sync.txt")
        with open(sync_path, "w") as out:
            points = set(sync_points(listing)) | set(starts)
            out.write("".join("%x\n" % a for a in sorted(points)))
        tool = subprocess.run([sweep_tool, "--sync", sync_path, "--raw", blob_path],
                              capture_output=True, text=True, timeout=suite.timeout)
        if tool.returncode != 0:
            return runner.Result("fail", "x86_sweep failed: " + tool.stderr.strip())
        mismatches, figures = compare_synthetic(listing, parse_sweep(tool.stdout), starts)
        summary = "%d encodings: both decode %d, neither %d, only objdump %d, only the " \
            "decoder %d" % (len(starts), figures["both"], figures["neither"],
                            figures["objdump only"], figures["decoder only"])
        if mismatches:
            return runner.Result("fail", "%d mismatches (%s); first %d:\n%s" % (
                len(mismatches), summary, min(len(mismatches), MAX_REPORTED),
                "\n".join(mismatches[:MAX_REPORTED])))
        shutil.rmtree(scratch, ignore_errors=True)
        return runner.Result("pass", "%s; lengths and targets agree, %.1fs" % (
            summary, time.monotonic() - start))

    return [("decoder/objdump-" + name, differential(name, path, reason))
            for name, path, reason in binaries] + [("decoder/objdump-synthetic", synthetic)]
