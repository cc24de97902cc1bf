#!/usr/bin/env python3
"""Compares two protobuf text-format dumps (`protoc --decode`) for the same content, ignoring
what Go's marshaller adds and a JSON object cannot say: zero-valued scalars (`x: ""`, `x: 0`,
`x: false`) and messages left empty by that. Repeated fields and map entries compare in order.

usage: same_content.py A.txt B.txt   (exit 1 and a diff when they differ)
"""
import difflib
import re
import sys


def parse(lines):
    root, stack = [], []
    cur = root
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if s.endswith("{"):
            node = [s[:-1].strip(), []]
            cur.append(node)
            stack.append(cur)
            cur = node[1]
        elif s == "}":
            cur = stack.pop()
        else:
            cur.append(s)
    return root


def prune(items):
    out = []
    for it in items:
        if isinstance(it, list):
            inner = prune(it[1])
            if inner:
                out.append([it[0], inner])
        elif not re.search(r': (""|0|false)$', it):
            out.append(it)
    return out


def render(items, depth=0):
    lines = []
    for it in items:
        if isinstance(it, list):
            lines.append("  " * depth + it[0] + " {")
            lines += render(it[1], depth + 1)
            lines.append("  " * depth + "}")
        else:
            lines.append("  " * depth + it)
    return lines


a = render(prune(parse(open(sys.argv[1]).read().splitlines())))
b = render(prune(parse(open(sys.argv[2]).read().splitlines())))
if a != b:
    sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(a, b, sys.argv[1], sys.argv[2], lineterm=""))
    sys.exit(1)
