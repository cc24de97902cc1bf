#!/usr/bin/env python3
"""Storage latencies through Capstan's API (standard library only).

    storage_bench.py --server http://127.0.0.1:PORT claims --count N --prefix P --class C [--size 64Mi]
    storage_bench.py --server http://127.0.0.1:PORT pods --count N --prefix P --image IMG --volume claim|emptydir

claims: opens a watch on the default namespace's claims, creates N claims of class C at once (one
connection each) and prints "item <i> <ms>" from just before claim i's POST to the watch event that
shows it Bound, then "span <ms>" from the first POST to the last Bound (provisioning throughput).

pods: opens a watch on pods, then for each of N pods at once (one connection each): with
--volume claim, POSTs a claim of the default class and then a pod that mounts it at /data; with
--volume emptydir, POSTs the same pod with an emptyDir at /data. Prints "item <i> <ms>" from just
before the first POST of item i to the watch event that shows the pod Running.
Exits 1 if an item does not get there within --timeout seconds.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--timeout", type=float, default=180)
    p.add_argument("--token-file", help="bearer token (the admin's: <data-dir>/auth/admin.token)")
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("claims")
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--prefix", default="bench")
    c.add_argument("--class", dest="cls", required=True)
    c.add_argument("--size", default="64Mi")
    q = sub.add_parser("pods")
    q.add_argument("--count", type=int, default=1)
    q.add_argument("--prefix", default="bench")
    q.add_argument("--image", required=True)
    q.add_argument("--volume", choices=["claim", "emptydir"], required=True)
    q.add_argument("--size", default="64Mi")
    a = p.parse_args()
    u = urllib.parse.urlparse(a.server)
    headers = {}
    if a.token_file:
        with open(a.token_file) as f:
            headers["Authorization"] = "Bearer " + f.read().strip()
    resource = "persistentvolumeclaims" if a.mode == "claims" else "pods"
    path = "/api/v1/namespaces/default/" + resource

    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=a.timeout)
    conn.request("GET", path, headers=headers)
    rv = json.loads(conn.getresponse().read())["metadata"]["resourceVersion"]
    watch = http.client.HTTPConnection(u.hostname, u.port, timeout=a.timeout)
    watch.request("GET", path + "?watch=true&resourceVersion=" + rv, headers=headers)
    stream = watch.getresponse()
    if stream.status != 200:
        raise SystemExit("watch failed: %d" % stream.status)

    names = ["%s-%d" % (a.prefix, i) for i in range(a.count)]
    want = "Bound" if a.mode == "claims" else "Running"
    started, reached = {}, {}
    done = threading.Event()

    def watcher():
        while not done.is_set():
            line = stream.readline()
            if not line:
                return
            obj = json.loads(line).get("object", {})
            name = obj.get("metadata", {}).get("name")
            if name in started and name not in reached and obj.get("status", {}).get("phase") == want:
                reached[name] = time.monotonic()
                if len(reached) == len(names):
                    done.set()

    threading.Thread(target=watcher, daemon=True).start()

    def post(c, kind_path, body, name):
        c.request("POST", kind_path, json.dumps(body), dict(headers, **{"Content-Type": "application/json"}))
        r = c.getresponse()
        r.read()
        if r.status != 201:
            print("error %s create %s %d" % (name, kind_path.rsplit("/", 1)[-1], r.status))

    def claim_body(name, cls=None):
        spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": a.size}}}
        if cls:
            spec["storageClassName"] = cls
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}

    def create(name):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=a.timeout)
        started[name] = time.monotonic()
        if a.mode == "claims":
            post(c, "/api/v1/namespaces/default/persistentvolumeclaims", claim_body(name, a.cls), name)
            return
        if a.volume == "claim":
            post(c, "/api/v1/namespaces/default/persistentvolumeclaims", claim_body(name), name)
            volume = {"name": "data", "persistentVolumeClaim": {"claimName": name}}
        else:
            volume = {"name": "data", "emptyDir": {}}
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"terminationGracePeriodSeconds": 1, "volumes": [volume],
                        "containers": [{"name": "c", "image": a.image, "command": ["sleep", "3600"],
                                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}}
        post(c, "/api/v1/namespaces/default/pods", pod, name)

    threads = [threading.Thread(target=create, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.wait(a.timeout)
    failed = 0
    for i, n in enumerate(names):
        if n in reached:
            print("item %d %.1f" % (i, (reached[n] - started[n]) * 1000))
        else:
            print("error %d not %s" % (i, want))
            failed += 1
    if reached:
        print("span %.1f" % ((max(reached.values()) - min(started.values())) * 1000))
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
