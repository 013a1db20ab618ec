#!/usr/bin/env python3
"""Writes the inputs of BENCHMARKS.md's "Scale" section into a folder.

    python3 scripts/scale_inputs.py DIR

* enum_N_{old,new}.policy: two policies sharing `type T = { v0, ... }` of N
  values (50,000, 100,000, 200,000), differing on a few rules;
* textbook_N.policy: `x1 and y1 or ... or xN and yN`, every `x` declared
  first (N = 16, 20, 30);
* matchings_N.policy: three rules, each an `or` of `x and y` pairs over a
  different random matching of the `x`s and `y`s (N = 40, 80): no order
  is small for all three;
* and_or_500.policy: a 500-way `and` and a 500-way `or` (issue 14);
* mixed.policy: that shape at width 3 beside 16 pair rules, whose diagram
  passes `eval --engine auto`'s budget even with outcomes alone;
* strict_wide.policy: a `resolve strict` policy whose verified diagram has
  2^17 leaves.
"""
import os
import random
import sys


def write(dir, name, lines):
    with open(os.path.join(dir, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def enum_pair(dir, n):
    values = ", ".join(f"v{i}" for i in range(n))
    head = [f"type T = {{ {values} }}", "attribute t: T", "attribute u: T",
            "attribute b: bool", "decision o: { yes, no }", "resolve first"]
    write(dir, f"enum_{n}_old.policy", ["policy old"] + head + [
        "when t = v5 then yes", "when t in { v10, v20, v30 } and b then no",
        "when u = v7 then yes"])
    write(dir, f"enum_{n}_new.policy", ["policy new"] + head + [
        "when t = v6 then yes", "when t in { v10, v20, v31 } and b then no",
        "when u = v7 or u = v9 then yes"])


def textbook(dir, n):
    lines = ["policy textbook"]
    lines += [f"attribute x{i}: bool" for i in range(1, n + 1)]
    lines += [f"attribute y{i}: bool" for i in range(1, n + 1)]
    terms = " or ".join(f"x{i} and y{i}" for i in range(1, n + 1))
    lines += ["decision o: { yes }", f"when {terms} then yes"]
    write(dir, f"textbook_{n}.policy", lines)


def matchings(dir, n):
    rng = random.Random(7)
    lines = ["policy matchings"]
    lines += [f"attribute x{i}: bool" for i in range(n)]
    lines += [f"attribute y{i}: bool" for i in range(n)]
    lines += ["decision o: { a, b, c }", "resolve first"]
    for k, o in enumerate("abc"):
        p = list(range(n))
        if k:
            rng.shuffle(p)
        terms = " or ".join(f"x{i} and y{p[i]}" for i in range(n))
        lines.append(f"when {terms} then {o}")
    write(dir, f"matchings_{n}.policy", lines)


def and_or(k, pairs, name):
    lines = ["policy " + name.split(".")[0]]
    lines += [f"attribute a{i}: bool" for i in range(1, k + 1)]
    lines += [f"attribute x{i}: bool" for i in range(1, pairs + 1)]
    lines += [f"attribute y{i}: bool" for i in range(1, pairs + 1)]
    lines += ["decision o: { yes, no }", "resolve priority no > yes"]
    lines.append("rule all_a: when " + " and ".join(f"a{i}" for i in range(1, k + 1)) + " then yes")
    lines.append("rule any_a: when " + " or ".join(f"a{i}" for i in range(1, k + 1)) + " then no")
    lines += [f"rule pair{i}: when x{i} and y{i} then yes" for i in range(1, pairs + 1)]
    return lines


def strict_wide(dir, k):
    lines = ["policy strict_wide"] + [f"attribute b{i}: bool" for i in range(1, k + 1)]
    lines += ["attribute z: bool", "decision o: { yes, no }"]
    lines += [f"rule r{i}: when b{i} and not z then yes" for i in range(1, k + 1)]
    lines.append("rule stop: when z then no")
    write(dir, "strict_wide.policy", lines)


def main():
    dir = sys.argv[1]
    os.makedirs(dir, exist_ok=True)
    for n in (50_000, 100_000, 200_000):
        enum_pair(dir, n)
    for n in (16, 20, 30):
        textbook(dir, n)
    for n in (40, 80):
        matchings(dir, n)
    write(dir, "and_or_500.policy", and_or(500, 0, "and_or_500"))
    write(dir, "mixed.policy", and_or(3, 16, "mixed"))
    strict_wide(dir, 17)


main()
