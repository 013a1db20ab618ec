#!/usr/bin/env python3
"""The four input families of issue 14 (memory that grew faster than the
input), written as policy files, and their peak memory measured.

    scripts/memory_families.py write DIR            # the files only
    scripts/memory_families.py measure [WRIT [FAMILY...]]
                                # /usr/bin/time -v under a 3 GB address-space
                                # cap (prlimit --as), a Markdown table

The texts are the same as `writ::synth::{regardless_overlap, strict_copies,
override_chain, eq_chain}` (tests/memory.rs builds them from there).
"""

import os
import re
import subprocess
import sys
import tempfile


def regardless_overlap(n):
    """One `regardless` claim under `priority`, then N identical overlapping
    rules that all give the other outcome."""
    head = (
        "policy p\n"
        "attribute x: { a, b, c }\n"
        "attribute us: bool\n"
        "attribute huge: int -9223372036854775808..9223372036854775807\n"
        "decision outcome: { compel, quash }\n"
        "resolve priority quash > compel\n"
        "when x = a and not us then quash regardless huge\n"
    )
    return head + "when huge >= 0 or x != b then compel\n" * n


def strict_copies(n):
    """`resolve strict`, one conflict, and N copies of one rule."""
    head = (
        "policy p\n"
        "attribute instrument: { SCA_warrant, subpoena }\n"
        "attribute location: { US, Ireland }\n"
        "decision outcome: { compel, quash }\n"
        "when instrument = SCA_warrant then quash\n"
    )
    return head + "when location = US then compel\n" * n


def override_chain(n, flip=False):
    """A chain of N rules over one bool, each overriding the one before,
    outcomes alternating (`flip` swaps the last one's, for `diff`), and a
    test of the top of the chain."""
    out = [
        "policy p\n",
        "attribute a: bool\n",
        "decision outcome: { yes, no }\n",
        "rule r0: when a then yes\n",
    ]
    for i in range(1, n):
        o = ["yes", "no"][i % 2]
        if flip and i == n - 1:
            o = ["no", "yes"][i % 2]
        out.append(f"rule r{i} overrides r{i - 1}: when a then {o}\n")
    last = ["yes", "no"][(n - 1) % 2]
    if flip:
        last = ["no", "yes"][(n - 1) % 2]
    out.append(f'test "top": given a expect {last} by r{n - 1}\n')
    return "".join(out)


def eq_chain(n):
    """One rule `when n = c0 or n = c1 or ... then yes` over a wide int."""
    conds = " or ".join(f"n = {3 * i}" for i in range(n))
    return (
        "policy p\n"
        "attribute n: int 0..1000000000\n"
        "decision outcome: { yes }\n"
        "default undecided\n"
        f"when {conds} then yes\n"
    )


def exponential(n):
    """Not a family of the issue: a policy whose diagram really is
    exponential (N rules `when xI and yI`, every x declared before every
    y), compiled with the node budget lifted, so that the memory budget is
    what stops it."""
    out = ["policy big\n", "resolve first\n", "default undecided\n"]
    out += [f"attribute x{i}: bool\n" for i in range(n)]
    out += [f"attribute y{i}: bool\n" for i in range(n)]
    out.append("decision o: { yes, no }\n")
    out += [f"when x{i} and y{i} then {['no', 'yes'][i % 2]}\n" for i in range(n)]
    return "".join(out)


# (family, size, generator, commands); each command is the writ arguments
# with FILE (and OTHER for diff) standing for the files.
FAMILIES = [
    ("regardless", regardless_overlap, [4000, 8000, 16000, 32000], [["check", "FILE"]]),
    ("strict", strict_copies, [2000, 4000, 8000, 16000], [["check", "FILE"]]),
    (
        "chain",
        override_chain,
        [5000, 10000, 20000, 40000],
        [
            ["compile", "FILE", "-o", "/dev/null"],
            ["lint", "FILE"],
            ["eval", "FILE", "--case", '{"a": true}'],
            ["test", "FILE"],
            ["diff", "FILE", "OTHER"],
        ],
    ),
    ("eq", eq_chain, [5000, 10000, 20000, 40000], [["compile", "FILE", "-o", "/dev/null"]]),
    (
        "exponential",
        exponential,
        [40],
        [["compile", "FILE", "-o", "/dev/null", "--max-nodes", "1000000000"]],
    ),
]


def measure(writ, args, cap=3_000_000_000, timeout=120):
    cmd = ["prlimit", f"--as={cap}", "/usr/bin/time", "-v", writ] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, None, "timeout"
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", p.stderr)
    status = re.search(r"Exit status: (\d+)", p.stderr)
    signal = re.search(r"Command terminated by signal (\d+)", p.stderr)
    code = f"signal {signal.group(1)}" if signal else (status.group(1) if status else "?")
    lines = [l for l in p.stderr.splitlines() if "error[" in l or "memory allocation" in l]
    return (
        int(rss.group(1)) // 1024 if rss else None,
        wall.group(1) if wall else None,
        code,
        lines[0].strip() if lines else "",
    )


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        d = sys.argv[2]
        os.makedirs(d, exist_ok=True)
        for name, gen, sizes, _ in FAMILIES:
            for n in sizes:
                with open(os.path.join(d, f"{name}_{n}.policy"), "w") as f:
                    f.write(gen(n))
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "measure":
        writ = sys.argv[2] if len(sys.argv) > 2 else "target/release/writ"
        only = sys.argv[3:]
        with tempfile.TemporaryDirectory() as d:
            print("| family | N | file | command | peak RSS (MB) | wall | exit | first error |")
            print("| --- | ---: | ---: | --- | ---: | ---: | --- | --- |")
            for name, gen, sizes, commands in FAMILIES:
                if only and name not in only:
                    continue
                for n in sizes:
                    path = os.path.join(d, f"{name}_{n}.policy")
                    with open(path, "w") as f:
                        f.write(gen(n))
                    other = os.path.join(d, f"{name}_{n}_other.policy")
                    if name == "chain":
                        with open(other, "w") as f:
                            f.write(override_chain(n, flip=True))
                    size = os.path.getsize(path)
                    for c in commands:
                        args = [{"FILE": path, "OTHER": other}.get(a, a) for a in c]
                        rss, wall, code, err = measure(writ, args)
                        print(
                            f"| {name} | {n} | {size // 1024} KB | `{c[0]}` | {rss} | {wall} | {code} | {err} |",
                            flush=True,
                        )
        return
    print(__doc__)
    sys.exit(2)


if __name__ == "__main__":
    main()
