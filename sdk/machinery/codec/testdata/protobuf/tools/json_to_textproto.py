#!/usr/bin/env python3
"""Writes a Kubernetes object given as JSON in protobuf text format, for `protoc --encode`.

A second, independent statement of the wire mapping that docs/protobuf.md describes: it reads
the message definitions of upstream's generated.proto (through protoc's descriptor of them, not
Capstan's annotations) and knows Kubernetes' JSON conventions (inline embedded structs, maps,
Time/MicroTime/Duration/Quantity/IntOrString/FieldsV1). make_fixtures.sh uses it to produce the
protoc-encoded fixtures the codec's tests decode.

usage: json_to_textproto.py DESCRIPTOR_TEXT MESSAGE < object.json > object.txtpb
  DESCRIPTOR_TEXT: `protoc --decode=google.protobuf.FileDescriptorSet` of the .proto files
  MESSAGE: full name, e.g. k8s.io.api.core.v1.Pod
"""
import base64
import datetime
import json
import re
import sys

# Go structs embedded inline (`json:",inline"`) that protobuf carries as a message of their own:
# message -> field holding the embedded message (from upstream's types.go struct tags).
INLINE = {
    "k8s.io.api.core.v1.Volume": "volumeSource",
    "k8s.io.api.core.v1.Probe": "handler",
    "k8s.io.api.core.v1.ConfigMapKeySelector": "localObjectReference",
    "k8s.io.api.core.v1.SecretKeySelector": "localObjectReference",
    "k8s.io.api.core.v1.ConfigMapEnvSource": "localObjectReference",
    "k8s.io.api.core.v1.SecretEnvSource": "localObjectReference",
    "k8s.io.api.core.v1.ConfigMapVolumeSource": "localObjectReference",
    "k8s.io.api.core.v1.ConfigMapProjection": "localObjectReference",
    "k8s.io.api.core.v1.SecretProjection": "localObjectReference",
    "k8s.io.api.networking.v1.IngressRule": "ingressRuleValue",
    "k8s.io.api.core.v1.PersistentVolumeSpec": "persistentVolumeSource",
}
# JSON names go-to-protobuf spells differently: (message, json name) -> proto field name.
RENAMED = {("k8s.io.api.networking.v1.IngressClassParametersReference", "apiGroup"): "aPIGroup"}
META = "k8s.io.apimachinery.pkg.apis.meta.v1."


def parse_descriptors(path):
    msgs = {}
    stack = []
    pkg = None
    for line in open(path):
        s = line.strip()
        if s.startswith("package:") and len(stack) == 1:
            pkg = s.split('"')[1]
        if s.endswith("{"):
            kind = s[:-1].strip()
            if kind in ("message_type", "nested_type"):
                stack.append(["msg", None])
            elif kind == "field" and stack and stack[-1][0] == "msg":
                stack.append(["field", {}])
            else:
                stack.append(["other", None])
            continue
        if s == "}":
            e = stack.pop()
            if e[0] == "field":
                names = [x[1] for x in stack if x[0] == "msg"]
                msgs[".".join([pkg] + names)][e[1]["name"]] = e[1]
            continue
        if stack and stack[-1][0] == "msg" and stack[-1][1] is None and s.startswith("name:"):
            stack[-1][1] = s.split('"')[1]
            msgs[".".join([pkg] + [x[1] for x in stack if x[0] == "msg"])] = {}
            continue
        if stack and stack[-1][0] == "field":
            k, _, v = s.partition(": ")
            stack[-1][1][k] = v.strip('"')
    return msgs


def quote(b):
    out = '"'
    for c in b:
        if c in (0x22, 0x5C):
            out += "\\" + chr(c)
        elif 0x20 <= c < 0x7F:
            out += chr(c)
        else:
            out += "\\%03o" % c
    return out + '"'


def rfc3339(text):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert m, text
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    seconds = int(t.timestamp())
    if m.group(3) != "Z":
        sign = 1 if m.group(3)[0] == "+" else -1
        seconds -= sign * (int(m.group(3)[1:3]) * 3600 + int(m.group(3)[4:6]) * 60)
    nanos = int((m.group(2) or "0").ljust(9, "0")[:9])
    return seconds, nanos


def duration_ns(text):
    units = {"ns": 1, "us": 1000, "µs": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
    total = 0
    for num, unit in re.findall(r"([0-9.]+)([a-zµ]+)", text):
        total += round(float(num) * units[unit])
    return total


class Writer:
    def __init__(self, msgs):
        self.msgs = msgs
        self.out = []

    def line(self, depth, text):
        self.out.append("  " * depth + text)

    def message(self, name, obj, depth):
        fields = self.msgs[name]
        inline = INLINE.get(name)
        embedded = {}
        obj = {RENAMED.get((name, k), k): v for k, v in obj.items()}
        for key in sorted(obj, key=lambda k: self.number(name, k, inline)):
            value = obj[key]
            if key in ("apiVersion", "kind") and name.count(".") >= 4 and key not in fields:
                continue  # TypeMeta travels in the envelope
            if key in fields:
                self.field(fields[key], value, depth)
            elif inline:
                embedded[key] = value
            else:
                raise SystemExit(f"{name} has no field {key}")
        if embedded:
            f = fields[inline]
            self.line(depth, f["name"] + " {")
            self.message(f["type_name"].lstrip("."), embedded, depth + 1)
            self.line(depth, "}")

    def number(self, name, key, inline):
        f = self.msgs[name].get(key)
        if f:
            return int(f["number"])
        if inline:
            return int(self.msgs[name][inline]["number"])
        return 0

    def field(self, f, value, depth):
        if f.get("label") == "LABEL_REPEATED":
            tn = f.get("type_name", "").lstrip(".")
            entry = self.msgs.get(tn, {})
            if tn.endswith("Entry") and set(entry) == {"key", "value"}:
                for k in sorted(value):
                    self.line(depth, f["name"] + " {")
                    self.line(depth + 1, "key: " + quote(k.encode()))
                    self.scalar_or_message(entry["value"], value[k], depth + 1)
                    self.line(depth, "}")
                return
            for item in value:
                self.scalar_or_message(f, item, depth)
            return
        self.scalar_or_message(f, value, depth)

    def scalar_or_message(self, f, value, depth):
        t = f["type"]
        n = f["name"]
        if t == "TYPE_STRING":
            self.line(depth, f"{n}: {quote(value.encode())}")
        elif t == "TYPE_BYTES":
            self.line(depth, f"{n}: {quote(base64.b64decode(value))}")
        elif t == "TYPE_BOOL":
            self.line(depth, f"{n}: {'true' if value else 'false'}")
        elif t in ("TYPE_INT32", "TYPE_INT64"):
            self.line(depth, f"{n}: {int(value)}")
        elif t == "TYPE_DOUBLE":
            self.line(depth, f"{n}: {value!r}")
        elif t == "TYPE_MESSAGE":
            tn = f["type_name"].lstrip(".")
            self.line(depth, n + " {")
            if tn in (META + "Time", META + "MicroTime"):
                seconds, nanos = rfc3339(value)
                self.line(depth + 1, f"seconds: {seconds}")
                self.line(depth + 1, f"nanos: {nanos - nanos % 1000 if tn.endswith('MicroTime') else 0}")
            elif tn == META + "Duration":
                self.line(depth + 1, f"duration: {duration_ns(value)}")
            elif tn == "k8s.io.apimachinery.pkg.api.resource.Quantity":
                self.line(depth + 1, "string: " + quote(str(value).encode()))
            elif tn == "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                if isinstance(value, str):
                    self.line(depth + 1, "type: 1")
                    self.line(depth + 1, "strVal: " + quote(value.encode()))
                else:
                    self.line(depth + 1, "type: 0")
                    self.line(depth + 1, f"intVal: {value}")
            elif tn in (META + "FieldsV1", "k8s.io.apimachinery.pkg.runtime.RawExtension"):
                raw = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
                self.line(depth + 1, ("Raw: " if tn.endswith("FieldsV1") else "raw: ") + quote(raw))
            else:
                self.message(tn, value, depth + 1)
            self.line(depth, "}")
        else:
            raise SystemExit(f"unhandled type {t} for {n}")


def main():
    msgs = parse_descriptors(sys.argv[1])
    w = Writer(msgs)
    w.message(sys.argv[2], json.load(sys.stdin), 0)
    print("\n".join(w.out))


if __name__ == "__main__":
    main()
