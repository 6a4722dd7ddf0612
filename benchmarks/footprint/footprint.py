#!/usr/bin/env python3
"""Flash and RAM footprint of microredis on a Cortex-M4 (QEMU mps2-an386).

Builds the firmware image (examples/firmware, without its self-test) twice, with every feature
group and with strings+keys only, measures flash with arm-none-eabi-size, runs each image's
footprint mode under QEMU for the RAM figures (measured on the engine's arena), and writes
benchmarks/footprint/README.md.

    benchmarks/footprint/footprint.py [--build-dir DIR] [--output FILE] [--check] [--verify]

--check exits non-zero when a target is missed.
--verify (CI) writes nothing: it prints the table measured on this build and says whether the
figures in --output (the committed README) are the same. The images are deterministic for a given
toolchain (Debian's gcc-arm-none-eabi), so a difference means the README was not regenerated after
a change, or the toolchain differs; it is reported, not failed on.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GROUPS = ["HASHES", "SETS", "ZSETS", "LISTS", "BITMAPS", "HYPERLOGLOG", "SORT", "STREAMS", "GEO", "DUMP", "PUBSUB",
          "TRANSACTIONS", "BLOCKING", "TRACKING", "COMMAND_DOCS", "DEBUG"]
CONFIGS = [
    ("all groups", []),
    ("all groups, no COMMAND DOCS text", ["-DMICROREDIS_WITH_COMMAND_DOCS=OFF"]),
    ("strings+keys only", ["-DMICROREDIS_WITH_%s=OFF" % g for g in GROUPS]),
]
KIB = 1024
BEGIN = "<!-- footprint.py: begin -->"
END = "<!-- footprint.py: end -->"
TARGETS = {
    "flash": 256 * KIB,        # full engine, .text + .rodata
    "idle": 16 * KIB,          # engine constructed, arena bytes
    "session": 512,            # an idle connection beyond its buffers
    "per_key": 48,             # overhead per small string key beyond key and value bytes
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def build(bin_dir, options):
    args = [os.path.join(ROOT, "tests", "firmware", "build_firmware.sh"), bin_dir,
            "-DFIRMWARE_WITH_SELFTEST=OFF", "-DFIRMWARE_DEFAULT_MODE=footprint"] + options
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(bin_dir, "microredis-fw.elf")


def sections(elf):
    sizes = {}
    for line in run(["arm-none-eabi-size", "-A", elf]).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def footprint(elf):
    out = subprocess.run(
        ["timeout", "120", "qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
         "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel", elf,
         "-append", "footprint"], capture_output=True, text=True)
    figures = {}
    for line in out.stdout.splitlines():
        m = re.match(r"FOOTPRINT (\S+) (-?\d+)", line)
        if m:
            figures[m.group(1)] = int(m.group(2))
    if out.returncode != 0 or "done" not in out.stdout:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit("footprint run failed for " + elf)
    return figures


def flash_by_part(elf, flash):
    """Bytes of .text/.rodata per part of the program, from the symbol table (link-time
    optimisation merges the object files, so the symbols' namespaces say where code comes from):
    microredis::<family>_cmds is a command family, other microredis:: names the core, C symbols the
    C library and runtime. What no symbol covers is mostly string literals."""
    per = collections.Counter()
    for line in run(["arm-none-eabi-nm", "-S", "-C", "--size-sort", elf]).splitlines():
        parts = line.split(None, 3)
        if len(parts) < 4 or parts[2] not in "tTrRwWvV":
            continue
        size, name = int(parts[1], 16), parts[3].replace("(anonymous namespace)::", "")
        m = re.match(r"microredis::(\w+)_cmds::", name)
        if m:
            part = "commands: " + m.group(1)
        elif name.startswith("microredis::"):
            part = "core: " + re.match(r"microredis::(\w+)", name).group(1)
        elif name.startswith("firmware::") or name in ("main", "Reset_Handler"):
            part = "firmware example (board, modes)"
        elif "::" in name:
            part = "C++ runtime"
        else:
            part = "C library and runtime (newlib-nano, libgcc)"
        per[part] += size
    per["string literals and unnamed constants"] = flash - sum(per.values())
    return per


def kb(n):
    return "%.1f KiB" % (n / KIB)


def write_readme_summary(path, rows, verdicts, mark):
    """The short table of the project's README (between its footprint markers)."""
    begin, end = "<!-- footprint:begin -->", "<!-- footprint:end -->"
    text = open(path).read()
    if begin not in text or end not in text:
        return
    full, small = rows[0], rows[-1]
    lines = [
        begin,
        "| Cortex-M4, measured under QEMU | figure | target |",
        "|---|---|---|",
        "| flash (.text + .rodata), every group | %s | < 256 KiB: %s |" % (kb(full["flash"]), mark(verdicts["flash"])),
    ]
    for r in rows[1:-1]:
        lines.append("| flash, %s | %s | |" % (r["name"], kb(r["flash"])))
    lines += [
        "| flash, strings+keys only | %s | |" % kb(small["flash"]),
        "| RAM, idle engine | %d B | < 16 KiB: %s |" % (full["idle"], mark(verdicts["idle"])),
        "| RAM per idle connection (no buffers yet) | %d B | < 512 B + buffers: %s |" % (
            full["session_fresh"], mark(verdicts["session"])),
        "| RAM per small string key beyond its key and value bytes | %.1f B | < 48 B: %s |" % (
            full["per_key_overhead"], mark(verdicts["per_key"])),
        end,
    ]
    text = text[:text.index(begin)] + "\n".join(lines) + text[text.index(end) + len(end):]
    with open(path, "w") as f:
        f.write(text)
    print("wrote " + os.path.relpath(path, ROOT))


def verify(block, path):
    """Prints the measured block and compares it with the committed one (CI: never fails)."""
    print(block)
    try:
        text = open(path).read()
        committed = text[text.index(BEGIN):text.index(END) + len(END)]
    except (OSError, ValueError):
        committed = ""
    rel = os.path.relpath(path, ROOT)
    if committed == block:
        print("footprint: the figures in %s match this build" % rel)
        return 0
    print("NOTICE: footprint: the figures in %s differ from this build's (run benchmarks/footprint/"
          "footprint.py and commit the result); lines that differ:" % rel)
    old, new = committed.splitlines(), block.splitlines()
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else ""
        b = new[i] if i < len(new) else ""
        if a != b:
            print("  README: " + a)
            print("  build:  " + b)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-footprint"))
    ap.add_argument("--output", default=os.path.join(ROOT, "benchmarks", "footprint", "README.md"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--verify", action="store_true",
                    help="write nothing; compare the measured block with the one in --output")
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"),
                    help="README whose footprint:begin/end block gets the short table ('' for none)")
    args = ap.parse_args()

    rows = []
    objects = None
    for name, options in CONFIGS:
        bin_dir = os.path.join(args.build_dir, re.sub(r"[^a-z]+", "-", name).strip("-"))
        elf = build(bin_dir, options)
        sec = sections(elf)
        fig = footprint(elf)
        flash = sec.get(".text", 0) + sec.get(".rodata", 0)
        image = flash + sum(sec.get(s, 0) for s in (".isr_vector", ".ARM.extab", ".ARM.exidx", ".data"))
        static_ram = sec.get(".data", 0) + sec.get(".bss", 0) - fig["arena_capacity"]
        row = {
            "name": name, "flash": flash, "image": image, "static_ram": static_ram,
            "idle": fig["idle_arena"], "idle_accounting": fig["idle_engine_accounting"],
            "session_fresh": fig["session_fresh"], "session_ping": fig["session_after_ping"],
            "sizeof_session": fig["sizeof_session"], "per_key": fig["per_key_arena_x100"] / 100,
            "per_key_overhead": fig["per_key_overhead_x100"] / 100, "keys": fig["keys"],
            "per_key_accounting": fig["per_key_accounting_x100"] / 100, "stack": fig["stack_peak"],
        }
        rows.append(row)
        if objects is None:
            objects = flash_by_part(elf, flash)
        print("%-18s flash %s (image %s), idle %d B, session %d B (%d B after PING), per key %.2f B "
              "(overhead %.2f B)" % (name, kb(flash), kb(image), row["idle"], row["session_fresh"],
                                     row["session_ping"], row["per_key"], row["per_key_overhead"]))

    full = rows[0]
    verdicts = {
        "flash": full["flash"] < TARGETS["flash"],
        "idle": full["idle"] < TARGETS["idle"],
        "session": full["session_fresh"] < TARGETS["session"],
        "per_key": full["per_key_overhead"] < TARGETS["per_key"],
    }

    def mark(ok):
        return "met" if ok else "**missed**"

    lines = [
        BEGIN,
        "Generated by `benchmarks/footprint/footprint.py` (this block only): the firmware image of",
        "`examples/firmware` built with `arm-none-eabi-g++ -Os -flto -fno-exceptions -fno-rtti`, newlib-nano, "
        "`--gc-sections`, without its self-test, run under `qemu-system-arm -M mps2-an386` in footprint mode.",
        "RAM figures are bytes taken from the engine's fixed arena (block rounding to 8 bytes included);",
        "the engine's own accounting (`INFO used_memory`) is shown beside them.",
        "",
        "| | " + " | ".join(r["name"] for r in rows) + " | target |",
        "|---|" + "---|" * len(rows) + "---|",
        "| flash: .text + .rodata | " + " | ".join(kb(r["flash"]) for r in rows) +
        " | < 256 KiB (all groups): %s |" % mark(verdicts["flash"]),
        "| whole image (+ vectors, unwind tables, .data) | " + " | ".join(kb(r["image"]) for r in rows) + " | |",
        "| static RAM outside the arena (.data + .bss) | " + " | ".join("%d B" % r["static_ram"] for r in rows) +
        " | |",
        "| RAM at idle: engine constructed | " + " | ".join("%d B (accounting %d B)" % (r["idle"], r["idle_accounting"])
                                                         for r in rows) +
        " | < 16 KiB: %s |" % mark(verdicts["idle"]),
        "| RAM per connection: a session just opened | " + " | ".join(
            "%d B (sizeof(Session) %d B)" % (r["session_fresh"], r["sizeof_session"]) for r in rows) +
        " | < 512 B + buffers: %s |" % mark(verdicts["session"]),
        "| RAM per connection after a PING round trip (buffers kept) | " +
        " | ".join("%d B" % r["session_ping"] for r in rows) + " | |",
        "| RAM per small string key (`key:%%07d` -> 16 bytes, %d keys) | " % rows[0]["keys"] +
        " | ".join("%.2f B (accounting %.2f B)" % (r["per_key"], r["per_key_accounting"]) for r in rows) + " | |",
        "| overhead per small string key beyond its 27 key and value bytes | " +
        " | ".join("%.2f B" % r["per_key_overhead"] for r in rows) +
        " | < 48 B: %s |" % mark(verdicts["per_key"]),
        "| deepest stack during the measurement | " + " | ".join("%d B" % r["stack"] for r in rows) + " | |",
        "",
        "Where the flash goes with all groups: bytes of .text + .rodata per part, from the image's",
        "symbol table (largest first).",
        "",
        "| part | bytes |",
        "|---|---|",
    ]
    for obj, size in objects.most_common(30):
        lines.append("| %s | %d |" % (obj, size))
    lines += ["", END]
    block = "\n".join(lines)
    if args.verify:
        return verify(block, args.output)
    try:
        text = open(args.output).read()
    except FileNotFoundError:
        text = "# Footprint on a Cortex-M4\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(args.output, "w") as f:
        f.write(text)
    print("wrote " + os.path.relpath(args.output, ROOT))
    if args.readme:
        write_readme_summary(args.readme, rows, verdicts, mark)
    missed = [k for k, ok in verdicts.items() if not ok]
    if missed:
        print("targets missed: " + ", ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
