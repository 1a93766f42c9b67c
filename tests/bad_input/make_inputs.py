"""Makes the bad inputs of cases.txt in a scratch directory.

Used by tests/run_tests.py; also runs alone: make_inputs.py OUT_DIR SOME_STATIC_ELF."""

import os
import shutil
import struct
import sys

# 32-bit i386 code: exit(0) through int $0x80.
I386_EXIT_CODE = bytes.fromhex("b801000000" "bb00000000" "cd80")


def elf32_executable():
    """A complete, valid 32-bit i386 executable: one PT_LOAD holding the headers and code."""
    base = 0x08048000
    header_size, phdr_size = 52, 32
    code_offset = header_size + phdr_size
    total = code_offset + len(I386_EXIT_CODE)
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)  # ELFCLASS32, little endian, v1
    header = ident + struct.pack(
        "<HHIIIIIHHHHHH",
        2,  # ET_EXEC
        3,  # EM_386
        1,  # EV_CURRENT
        base + code_offset,  # e_entry
        header_size,  # e_phoff
        0,  # e_shoff
        0,  # e_flags
        header_size,
        phdr_size,
        1,  # e_phnum
        40,  # e_shentsize
        0,  # e_shnum
        0,  # e_shstrndx
    )
    phdr = struct.pack("<IIIIIIII", 1, 0, base, base, total, total, 5, 0x1000)  # PT_LOAD, R+X
    return header + phdr + I386_EXIT_CODE


def with_machine(elf, machine):
    """The same 64-bit ELF claiming another e_machine (183 is EM_AARCH64)."""
    return elf[:18] + struct.pack("<H", machine) + elf[20:]


def write(path, data, mode=0o755):
    with open(path, "wb") as out:
        out.write(data)
    os.chmod(path, mode)


def make_all(out_dir, static_elf, source_dir):
    with open(static_elf, "rb") as elf_file:
        elf = elf_file.read()
    for name in ("not_elf.txt", "bad_syntax.toml", "unknown_key.toml"):
        shutil.copy(os.path.join(source_dir, name), os.path.join(out_dir, name))
    os.chmod(os.path.join(out_dir, "not_elf.txt"), 0o755)
    write(os.path.join(out_dir, "empty.bin"), b"")
    write(os.path.join(out_dir, "truncated.elf"), elf[:100])
    write(os.path.join(out_dir, "elf32.elf"), elf32_executable())
    write(os.path.join(out_dir, "aarch64.elf"), with_machine(elf, 183))
    # `#!` scripts enclos runs as execve would, and refuses when execve would fail.
    write(os.path.join(out_dir, "missing_interp.sh"), b"#!/nonexistent/interpreter -x\necho\n")
    write(os.path.join(out_dir, "no_interp.sh"), b"#!  \necho\n")
    write(os.path.join(out_dir, "long_interp.sh"), b"#!/" + b"x" * 300 + b"\n")
    for depth in range(5):  # deep4.sh -> deep3.sh -> ... -> deep0.sh -> deep4.sh: too deep
        target = "deep%d.sh" % ((depth - 1) % 5)
        write(os.path.join(out_dir, "deep%d.sh" % depth),
              ("#!%s\n" % os.path.join(out_dir, target)).encode())


if __name__ == "__main__":
    make_all(sys.argv[1], sys.argv[2], os.path.dirname(os.path.abspath(__file__)))
