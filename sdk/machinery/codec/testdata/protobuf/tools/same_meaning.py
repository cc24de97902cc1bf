#!/usr/bin/env python3
"""Whether a client's JSON of an object (GO.json, as kubectl -o json prints what it decoded) says
what Capstan's JSON of it says (CAPSTAN.json): every field of the latter is in the former with the
same value, and the client's extra fields hold only zero values (Go writes non-omitempty zero
fields: `"status": {}`, `"restartCount": 0`).

usage: same_meaning.py GO.json CAPSTAN.json   (exit 1 with the differences)
"""
import json
import sys


def zero(v):
    if isinstance(v, dict):
        return all(zero(x) for x in v.values())
    return v in (None, "", 0, False, [], {})


def diff(go, ours, path, out):
    if isinstance(ours, dict) and isinstance(go, dict):
        for k, v in ours.items():
            if k not in go:
                out.append(f"{path}.{k}: missing from the client's object")
            else:
                diff(go[k], v, f"{path}.{k}", out)
        for k, v in go.items():
            if k not in ours and not zero(v):
                out.append(f"{path}.{k}: the client has {json.dumps(v)[:80]}")
    elif isinstance(ours, list) and isinstance(go, list) and len(ours) == len(go):
        for i, (a, b) in enumerate(zip(go, ours)):
            diff(a, b, f"{path}[{i}]", out)
    elif go != ours:
        out.append(f"{path}: client {json.dumps(go)[:80]} != capstan {json.dumps(ours)[:80]}")


problems = []
diff(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), "", problems)
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
