#!/usr/bin/env python3
"""Creation -> Running latency of pods through Capstan's API (standard library only).

    cri_bench_pods.py --server http://127.0.0.1:PORT --token T --image IMG --count N --prefix NAME

Opens a watch on the default namespace's pods, then creates N one-container pods at once (one
connection each) and prints "pod <i> <ms>": from just before pod i's POST to the watch event
that shows it Running. Exits 1 if a pod is not Running within --timeout seconds.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse

import perf_http


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--prefix", default="bench")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--token", default="", help="bearer token (the admin's: <data-dir>/auth/admin.token)")
    a = p.parse_args()
    perf_http.use_token(a.token)
    u = urllib.parse.urlparse(a.server)

    conn = perf_http.Connection(u.hostname, u.port, timeout=a.timeout)
    conn.request("GET", "/api/v1/namespaces/default/pods")
    rv = json.loads(conn.getresponse().read())["metadata"]["resourceVersion"]
    watch = perf_http.Connection(u.hostname, u.port, timeout=a.timeout)
    watch.request("GET", "/api/v1/namespaces/default/pods?watch=true&resourceVersion=" + rv)
    stream = watch.getresponse()
    if stream.status != 200:
        raise SystemExit("watch failed: %d" % stream.status)

    names = ["%s-%d" % (a.prefix, i) for i in range(a.count)]
    started, running = {}, {}
    done = threading.Event()

    def watcher():
        while not done.is_set():
            line = stream.readline()
            if not line:
                return
            ev = json.loads(line)
            obj = ev.get("object", {})
            name = obj.get("metadata", {}).get("name")
            if name in started and name not in running and obj.get("status", {}).get("phase") == "Running":
                running[name] = time.monotonic()
                if len(running) == len(names):
                    done.set()

    threading.Thread(target=watcher, daemon=True).start()

    def create(name):
        body = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                           "spec": {"terminationGracePeriodSeconds": 1,
                                    "containers": [{"name": "c", "image": a.image, "command": ["sleep", "3600"]}]}})
        c = perf_http.Connection(u.hostname, u.port, timeout=a.timeout)
        started[name] = time.monotonic()
        c.request("POST", "/api/v1/namespaces/default/pods", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 201:
            print("error %s create %d" % (name, r.status))

    threads = [threading.Thread(target=create, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.wait(a.timeout)
    failed = 0
    for i, n in enumerate(names):
        if n in running:
            print("pod %d %.1f" % (i, (running[n] - started[n]) * 1000))
        else:
            print("error %d not Running" % i)
            failed += 1
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
