"""Summarise py-spy raw (collapsed) stacks: where a worker's samples go, inclusive and self.

    .venv/bin/python bench/pyspy_summary.py bench/results/pyspy-*.txt [--top 40] [--match examapp]

py-spy frames look like `function (path/to/file.py:line)`; lines are `frame;frame;...;frame count`.
Inclusive = samples whose stack contains the function anywhere (counted once per stack).
"""
from __future__ import annotations

import argparse
import re
from collections import Counter

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only list functions whose name/file contains this")
    args = parser.parse_args()
    inclusive, own = Counter(), Counter()
    total = 0
    for name in args.files:
        with open(name, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            stack, _, count = line.rpartition(" ")
            try:
                n = int(count)
            except ValueError:
                continue
            frames = [short(f) for f in stack.split(";") if f]
            if not frames:
                continue
            total += n
            for f in set(frames):
                inclusive[f] += n
            own[frames[-1]] += n
    print(f"{total} samples")
    print(f"\n== inclusive (top {args.top}{', matching ' + args.match if args.match else ''}) ==")
    shown = 0
    for f, n in inclusive.most_common():
        if args.match and args.match not in f:
            continue
        print(f"{100 * n / total:5.1f}%  {f}")
        shown += 1
        if shown >= args.top:
            break
    print(f"\n== self (top {args.top}) ==")
    for f, n in own.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {f}")


if __name__ == "__main__":
    main()
