#!/usr/bin/env python3
"""Wraps a protobuf message in Kubernetes' envelope: magic `k8s\\0` + runtime.Unknown
{typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}.

usage: envelope.py API_VERSION KIND < message > body
"""
import sys


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def main():
    raw = sys.stdin.buffer.read()
    type_meta = field(1, sys.argv[1].encode()) + field(2, sys.argv[2].encode())
    sys.stdout.buffer.write(b"k8s\x00" + field(1, type_meta) + field(2, raw) + field(3, b"") + field(4, b""))


if __name__ == "__main__":
    main()
