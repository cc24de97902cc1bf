#!/usr/bin/env python3
"""Scheduling throughput of the scheduler plugin of `capstan server` (standard library only).

  python3 tests/perf/scheduler_throughput.py --capstan BIN --plugin-dir FULL --seed-plugin-dir NOSCHED \
      --nodes 5000 --pods 10000

1. Starts a server on a fresh data directory with --seed-plugin-dir (every plugin except the
   scheduler and the node agents) and seeds it over the loopback plain-HTTP port: N Nodes (status
   allocatable cpu 32, memory 256Gi, pods 110, set through the status subresource) and P pending
   Pods (one container, requests cpu 100m memory 64Mi); then stops it by PID.
2. Restarts a server on the same data directory with --plugin-dir (the scheduler included), LISTs
   the pods and watches them from the LIST's resourceVersion, and records when the last pod gets
   spec.nodeName. Throughput = pods / (time from the server's `ready in` line to the last binding).
   It keeps watching until every pod also shows the PodScheduled=True condition (the status write
   trails the binding) and reports that time separately (120 s cap after the last binding).
3. Prints the server's own scheduler log lines, the server's RSS, and a RESULT line.
"""
import argparse, http.client, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time

import perf_http  # the admin token on every request (the plain-HTTP port authenticates)

ap = argparse.ArgumentParser()
ap.add_argument("--capstan", required=True)
ap.add_argument("--plugin-dir", required=True, help="all plugins, scheduler included")
ap.add_argument("--seed-plugin-dir", required=True, help="plugins without scheduler/node-agent/runtime-sim")
ap.add_argument("--nodes", type=int, default=5000)
ap.add_argument("--pods", type=int, default=10000)
ap.add_argument("--threads", type=int, default=8)
ap.add_argument("--timeout", type=float, default=600)
ap.add_argument("--workdir", default=None, help="parent for the temporary directory")
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="capstan-schedperf.", dir=args.workdir)
data = os.path.join(work, "data"); os.makedirs(data)
home = os.path.join(work, "home"); os.makedirs(home)
server = None


def start(plugin_dir, log_name):
    """Starts a server; returns (Popen, port, log path, wall time the ready line was seen)."""
    log = os.path.join(work, log_name)
    env = dict(os.environ, HOME=home)
    with open(log, "w") as f:
        p = subprocess.Popen([args.capstan, "server", "--data-dir", data, "--port", "0", "--http-port", "0",
                              "--plugin-dir", plugin_dir], stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    ready_at = port = None
    while time.time() < deadline:
        text = open(log).read()
        if ready_at is None and re.search(r"capstan server ready in", text):
            ready_at = time.time()
        m = re.search(r"plain HTTP: http://127\.0\.0\.1:(\d+)", text)
        if ready_at is not None and m:
            port = int(m.group(1))
            perf_http.use_admin_token(data)
            return p, port, log, ready_at
        if p.poll() is not None:
            sys.exit(f"server exited during start-up:\n{text[-2000:]}")
        time.sleep(0.005)
    p.kill(); sys.exit("server not ready after 60 s")


def stop(p):
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


errors = []
def req(c, method, path, body, ctype="application/json"):
    c.request(method, path, body=json.dumps(body), headers={"Content-Type": ctype})
    r = c.getresponse(); out = r.read()
    if r.status >= 300:
        errors.append(f"{method} {path} -> {r.status} {out[:200]!r}")
    return r.status, out


def parallel(port, n, fn):
    def worker(k):
        c = perf_http.Connection("127.0.0.1", port)
        for i in range(k, n, args.threads):
            fn(c, i)
        c.close()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
    for t in ts: t.start()
    for t in ts: t.join()


ALLOC = {"cpu": "32", "memory": "256Gi", "pods": "110"}
def mk_node(c, i):
    name = f"perf-node-{i}"
    st, out = req(c, "POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": f"z{i % 3}"}},
        "status": {"allocatable": ALLOC, "capacity": ALLOC}})
    if st < 300 and json.loads(out).get("status", {}).get("allocatable") == ALLOC:
        return  # the create kept status
    req(c, "PATCH", f"/api/v1/nodes/{name}/status", {"status": {"allocatable": ALLOC, "capacity": ALLOC}},
        "application/merge-patch+json")


def mk_pod(c, i):
    req(c, "POST", "/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"perf-pod-{i}", "labels": {"app": "perf"}},
        "spec": {"containers": [{"name": "c", "image": "busybox",
                                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}})


try:
    print(f"== shape: {args.nodes} nodes x {args.pods} pods", flush=True)
    server, port, _, _ = start(args.seed_plugin_dir, "seed.log")
    t = time.time(); parallel(port, args.nodes, mk_node)
    print(f"  seeded {args.nodes} nodes in {time.time() - t:.1f} s", flush=True)
    t = time.time(); parallel(port, args.pods, mk_pod)
    print(f"  seeded {args.pods} pods in {time.time() - t:.1f} s", flush=True)
    if errors:
        print(f"  {len(errors)} seeding errors, first: {errors[0]}"); sys.exit(1)
    c = perf_http.Connection("127.0.0.1", port)
    c.request("GET", "/api/v1/nodes"); nodes = json.loads(c.getresponse().read())["items"]
    ok = sum(1 for n in nodes if n.get("status", {}).get("allocatable") == ALLOC)
    print(f"  nodes with allocatable set: {ok}/{len(nodes)}", flush=True)
    c.close()
    stop(server); server = None

    server, port, log, ready_at = start(args.plugin_dir, "sched.log")
    c = perf_http.Connection("127.0.0.1", port)
    c.request("GET", "/api/v1/namespaces/default/pods"); lst = json.loads(c.getresponse().read())
    unbound = {p["metadata"]["name"] for p in lst["items"] if not p["spec"].get("nodeName")}
    total = len(lst["items"])
    print(f"  scheduler server ready; LIST {(time.time() - ready_at) * 1000:.0f} ms after it: "
          f"{total} pods, {len(unbound)} unbound", flush=True)
    def cond_true(o):
        return any(x.get("type") == "PodScheduled" and x.get("status") == "True"
                   for x in o.get("status", {}).get("conditions", []))
    no_cond = {p["metadata"]["name"] for p in lst["items"] if not cond_true(p)}
    last_bound = ready_at if not unbound else None
    last_cond = None
    if unbound:
        w = perf_http.Connection("127.0.0.1", port, timeout=args.timeout)
        w.request("GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion="
                  + lst["metadata"]["resourceVersion"])
        r = w.getresponse()
        if r.status != 200:
            sys.exit(f"watch answered {r.status}")
        # Keeps reading after the last binding until every pod shows PodScheduled=True (the status
        # write trails the binding), for at most 120 s more; that time is reported, not the rate.
        while unbound or no_cond:
            line = r.readline()
            if not line:
                if unbound:
                    sys.exit(f"watch closed with {len(unbound)} pods unbound")
                break
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            obj = ev.get("object", {})
            if ev.get("type") in ("ADDED", "MODIFIED"):
                name = obj.get("metadata", {}).get("name")
                if unbound and obj.get("spec", {}).get("nodeName"):
                    unbound.discard(name)
                    if not unbound:
                        last_bound = time.time()
                        w.sock.settimeout(120)
                if cond_true(obj):
                    no_cond.discard(name)
                    if not no_cond:
                        last_cond = time.time()
            now = time.time()
            if unbound and now - ready_at > args.timeout:
                sys.exit(f"timeout: {len(unbound)} pods unbound")
            if not unbound and now - last_bound > 120:
                break
        w.close()
    secs = last_bound - ready_at
    rate = total / secs if secs > 0 else float("inf")
    cond_note = (f"{last_cond - ready_at:.3f} s after the ready line" if last_cond
                 else f"not reached ({len(no_cond)} pods without it)")
    c.request("GET", "/api/v1/namespaces/default/pods"); items = json.loads(c.getresponse().read())["items"]
    cond = sum(1 for p in items if any(x.get("type") == "PodScheduled" and x.get("status") == "True"
                                       for x in p.get("status", {}).get("conditions", [])))
    per_node = {}
    for p in items:
        n = p["spec"].get("nodeName"); per_node[n] = per_node.get(n, 0) + 1
    bound = sum(v for k, v in per_node.items() if k)
    rss = rss_mb(server.pid)
    c.close()
    for line in open(log):
        if "scheduler" in line and ("synced" in line or "bindings/s" in line):
            print("  server: " + line.split("] ", 2)[-1].rstrip())
    print(f"  all {total} pods bound {secs:.3f} s after the ready line: {rate:.0f} pods bound/s")
    print(f"  PodScheduled=True on every pod: {cond_note}")
    print(f"  at the end: {bound} bound, {cond} with PodScheduled=True; nodes used {len([k for k in per_node if k])}, "
          f"pods per node min/max {min(v for k, v in per_node.items() if k)}/{max(v for k, v in per_node.items() if k)}")
    print(f"  server RSS at the end: {rss:.1f} MB")
    print(f"RESULT nodes={args.nodes} pods={total} seconds={secs:.3f} rate={rate:.0f} rss_mb={rss:.1f} "
          f"podscheduled={cond} podscheduled_s={(last_cond - ready_at) if last_cond else -1:.3f}", flush=True)
finally:
    stop(server)
    shutil.rmtree(work, ignore_errors=True)
