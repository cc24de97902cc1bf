#!/usr/bin/env python3
"""Workloads at scale on hollow nodes (standard library only).

  python3 tests/perf/hollow_nodes.py --capstan BIN --plugin-dir DIR --nodes 1000 --replicas 3000

1. Starts `capstan server` (all server plugins) on a fresh data directory, and one
   `capstan agent` process whose node agent runs N hollow nodes on the simulated runtime
   (node-agent config hollowNodes=N) against the server's loopback plain-HTTP port. Waits until
   the N nodes are Ready and records the agent's RSS (RSS per hollow node = agent RSS / N).
2. Watches pods (from a LIST's resourceVersion), then creates one Deployment with R replicas and
   records, per pod, when it was first seen (ADDED), bound (spec.nodeName) and Running.
   Bound/s = R / (first pod seen -> last binding); creation->Running p50/p99 per pod.
3. Meanwhile a probe thread GETs one object every 20 ms: API latency p50/p99 during the run.
4. Prints server and agent RSS and a RESULT line.

With --mode schedule (scheduling throughput on hollow nodes): the server first runs without the
scheduler plugin while the agent registers its N hollow nodes and P pending pods are created;
then the server is restarted on the same data directory and port with the scheduler (the agent
reconnects and resumes its watches), and bound/s = P / (server ready -> last binding).
"""
import argparse, glob, http.client, json, os, re, shutil, signal, socket, subprocess, tempfile, threading, time

import perf_http  # the admin token on every request (the plain-HTTP port authenticates)

ap = argparse.ArgumentParser()
ap.add_argument("--capstan", required=True)
ap.add_argument("--plugin-dir", required=True)
ap.add_argument("--nodes", type=int, default=1000)
ap.add_argument("--replicas", type=int, default=3000)
ap.add_argument("--timeout", type=float, default=900)
ap.add_argument("--workdir", default=None)
ap.add_argument("--mode", choices=["deployment", "schedule"], default="deployment")
ap.add_argument("--pods", type=int, default=10000, help="schedule mode: pending pods")
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="capstan-hollow.", dir=args.workdir)
procs = []


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def wait_line(path, pattern, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{path}: process exited:\n" + open(path).read()[-2000:])
        if os.path.exists(path):
            m = re.search(pattern, open(path).read())
            if m:
                return m
        time.sleep(0.05)
    raise SystemExit(f"{path}: no '{pattern}' after {timeout} s")


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)


class Api:
    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def conn(self):
        if not hasattr(self.local, "c"):
            self.local.c = perf_http.Connection("127.0.0.1", self.port, timeout=60)
        return self.local.c

    def call(self, method, path, body=None):
        for attempt in range(3):
            try:
                c = self.conn()
                c.request(method, path, body=json.dumps(body) if body is not None else None,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                del self.local.c
        raise RuntimeError(f"{method} {path} failed")




def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def watch_pods(port, rv, seen, bound, running, done, want):
    c = perf_http.Connection("127.0.0.1", port, timeout=args.timeout)
    c.request("GET", f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}")
    r = c.getresponse()
    while not done.is_set():
        line = r.readline()
        if not line:
            break
        now = time.time()
        e = json.loads(line)
        o = e.get("object", {})
        name = o.get("metadata", {}).get("name")
        if not name or e.get("type") == "ERROR":
            continue
        seen.setdefault(name, now)
        if o.get("spec", {}).get("nodeName"):
            bound.setdefault(name, now)
        if o.get("status", {}).get("phase") == "Running":
            running.setdefault(name, now)
        if want(seen, bound, running):
            done.set()


def probe_api(port, done, out):
    papi = Api(port)
    while not done.is_set():
        t = time.time()
        papi.call("GET", "/api/v1/namespaces/default")
        out.append((time.time() - t) * 1000)
        time.sleep(0.02)


def deployment_mode(api, server, agent, agent_rss_idle, t_nodes):
    port = api.port
    st, body = api.call("GET", "/api/v1/namespaces/default/pods?limit=1")
    rv = json.loads(body)["metadata"].get("resourceVersion", "0")
    seen, bound, running = {}, {}, {}
    done = threading.Event()
    probe_lat = []
    threads = [threading.Thread(target=watch_pods, args=(port, rv, seen, bound, running, done,
                                                          lambda s, b, r: len(r) >= args.replicas), daemon=True),
               threading.Thread(target=probe_api, args=(port, done, probe_lat), daemon=True)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scale"},
              "spec": {"replicas": args.replicas, "selector": {"matchLabels": {"app": "scale"}},
                       "template": {"metadata": {"labels": {"app": "scale"}},
                                    "spec": {"containers": [{"name": "c", "image": "localhost/web:v1",
                                                             "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}
    t0 = time.time()
    st, body = api.call("POST", "/apis/apps/v1/namespaces/default/deployments", deploy)
    if st != 201:
        raise SystemExit(f"create deployment: {st} {body[:300]}")
    peak_server, peak_agent = 0.0, 0.0
    while not done.wait(1):
        peak_server = max(peak_server, rss_mb(server.pid))
        peak_agent = max(peak_agent, rss_mb(agent.pid))
        if time.time() - t0 > args.timeout:
            break
    total = time.time() - t0
    done.set()
    lat = [(running[n] - seen[n]) * 1000 for n in running if n in seen]
    first_seen = min(seen.values()) if seen else t0
    last_bound = max(bound.values()) if bound else t0
    bound_rate = len(bound) / max(1e-9, last_bound - first_seen)
    print(f"{len(seen)} pods seen, {len(bound)} bound, {len(running)} Running in {total:.1f} s")
    print(f"bound/s (first pod seen -> last binding, paced by the ReplicaSet's creates): {bound_rate:.0f}")
    print(f"creation->Running per pod: p50 {pct(lat, 0.5):.0f} ms, p99 {pct(lat, 0.99):.0f} ms")
    print(f"API GET during the run ({len(probe_lat)} probes): p50 {pct(probe_lat, 0.5):.1f} ms, p99 {pct(probe_lat, 0.99):.1f} ms")
    print(f"RSS peak: server {peak_server:.1f} MB, agent {peak_agent:.1f} MB "
          f"({peak_agent * 1024 / args.nodes:.1f} KB per hollow node while running pods)")
    print(f"RESULT mode=deployment nodes={args.nodes} replicas={args.replicas} running={len(running)} seconds={total:.1f} "
          f"bound_per_s={bound_rate:.0f} run_p50_ms={pct(lat, 0.5):.0f} run_p99_ms={pct(lat, 0.99):.0f} "
          f"api_p99_ms={pct(probe_lat, 0.99):.1f} server_rss_mb={peak_server:.0f} agent_rss_mb={peak_agent:.0f} "
          f"kb_per_node_idle={agent_rss_idle * 1024 / args.nodes:.0f} nodes_ready_s={t_nodes:.1f}", flush=True)


def schedule_mode(api, server, agent, start_server, agent_rss_idle, t_nodes):
    port = api.port
    pod = lambda i: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p-{i}"},
                     "spec": {"containers": [{"name": "c", "image": "localhost/web:v1",
                                              "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}

    def worker(k):
        wapi = Api(port)
        for i in range(k, args.pods, 8):
            st, body = wapi.call("POST", "/api/v1/namespaces/default/pods", pod(i))
            if st != 201:
                raise SystemExit(f"create pod: {st} {body[:200]}")
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(f"{args.pods} pending pods created; restarting the server with the scheduler", flush=True)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    server, t_ready = start_server(args.plugin_dir, "server2.log")
    st, body = api.call("GET", "/api/v1/namespaces/default/pods?limit=1")
    rv = json.loads(body)["metadata"].get("resourceVersion", "0")
    seen, bound, running = {}, {}, {}
    done = threading.Event()
    probe_lat = []
    threads = [threading.Thread(target=watch_pods, args=(port, rv, seen, bound, running, done,
                                                          lambda s, b, r: len(b) >= args.pods), daemon=True),
               threading.Thread(target=probe_api, args=(port, done, probe_lat), daemon=True)]
    for t in threads:
        t.start()
    peak_server = 0.0
    while not done.wait(1):
        peak_server = max(peak_server, rss_mb(server.pid))
        if time.time() - t_ready > args.timeout:
            break
    done.set()
    # The store's revision counts every write (bindings, status, events, leases, ...).
    st, body = api.call("GET", "/api/v1/namespaces/default/pods?limit=1")
    writes = int(json.loads(body)["metadata"].get("resourceVersion", "0")) - int(rv)
    last_bound = max(bound.values()) if bound else time.time()
    rate = len(bound) / max(1e-9, last_bound - t_ready)
    print(f"{len(bound)}/{args.pods} pods bound in {last_bound - t_ready:.1f} s after the server was ready: {rate:.0f} pods/s")
    # The scheduling phase alone (first -> last binding), as kube-scheduler's scheduler_perf counts its
    # throughput: without the server's start and the scheduler's initial LIST of pods and nodes.
    first_bound = min(bound.values()) if bound else t_ready
    steady = len(bound) / max(1e-9, last_bound - first_bound)
    print(f"first -> last binding: {last_bound - first_bound:.1f} s, {steady:.0f} pods/s "
          f"(first binding {first_bound - t_ready:.2f} s after ready)")
    print(f"store writes from ready to the end: {writes} ({writes / max(1, len(bound)):.1f} per bound pod)")
    print(f"API GET during the bindings ({len(probe_lat)} probes): p99 {pct(probe_lat, 0.99):.1f} ms")
    print(f"RESULT mode=schedule nodes={args.nodes} pods={args.pods} bound={len(bound)} bound_per_s={rate:.0f} "
          f"bound_per_s_scheduling_phase={steady:.0f} "
          f"api_p99_ms={pct(probe_lat, 0.99):.1f} server_rss_mb={peak_server:.0f} agent_rss_mb={rss_mb(agent.pid):.0f} "
          f"kb_per_node_idle={agent_rss_idle * 1024 / args.nodes:.0f} nodes_ready_s={t_nodes:.1f}", flush=True)


try:
    env = dict(os.environ, HOME=work)
    with socket.socket() as sk:  # one fixed port: the agent must find the restarted server again
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    plugin_dir = args.plugin_dir
    if args.mode == "schedule":
        plugin_dir = os.path.join(work, "no-scheduler")
        os.makedirs(plugin_dir)
        for so in glob.glob(os.path.join(args.plugin_dir, "*.so")):
            if os.path.basename(so) != "scheduler.so":
                shutil.copy(so, plugin_dir)

    def start_server(plugins, log_name):
        log = os.path.join(work, log_name)
        # A cluster CIDR with room for a /24 per node at 5,000 nodes (the default /16 has 256).
        p = subprocess.Popen([args.capstan, "server", "--data-dir", os.path.join(work, "server"), "--plugin-dir",
                              plugins, "--port", "0", "--http-port", str(port), "--plugin-config",
                              'pod-cidr-allocator={"clusterCIDR":"100.64.0.0/10"}'],
                             stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
        procs.append(p)
        wait_line(log, r"plain HTTP: http://127.0.0.1:(\d+)", p)
        perf_http.use_admin_token(os.path.join(work, "server"))
        return p, time.time()

    server, _ = start_server(plugin_dir, "server.log")
    api = Api(port)
    config = json.dumps({"hollowNodes": args.nodes, "port": 0})
    alog = os.path.join(work, "agent.log")
    t_agent = time.time()
    agent = subprocess.Popen([args.capstan, "agent", "--kubeconfig", os.path.join(work, "server", "kubeconfig"), "--data-dir",
                              os.path.join(work, "agent"), "--plugin-dir", args.plugin_dir, "--node-name", "hollow",
                              "--runtime", "sim", "--disable", "bridge", "--disable", "service-proxy", "--disable",
                              "cluster-dns", "--plugin-config", f"node-agent={config}"],
                             stdout=open(alog, "w"), stderr=subprocess.STDOUT, env=env)
    procs.append(agent)
    while True:
        st, body = api.call("GET", "/api/v1/nodes")
        nodes = json.loads(body).get("items", []) if st == 200 else []
        ready = sum(1 for n in nodes for c in n.get("status", {}).get("conditions", [])
                    if c.get("type") == "Ready" and c.get("status") == "True")
        if ready >= args.nodes:
            break
        if time.time() - t_agent > args.timeout or agent.poll() is not None:
            raise SystemExit(f"only {ready}/{args.nodes} nodes Ready; agent log:\n" + open(alog).read()[-2000:])
        time.sleep(1)
    t_nodes = time.time() - t_agent
    agent_rss_idle = rss_mb(agent.pid)
    server_rss_idle = rss_mb(server.pid)
    print(f"{args.nodes} hollow nodes Ready in {t_nodes:.1f} s; agent RSS {agent_rss_idle:.1f} MB "
          f"({agent_rss_idle * 1024 / args.nodes:.1f} KB per node), server RSS {server_rss_idle:.1f} MB", flush=True)

    if args.mode == "schedule":
        schedule_mode(api, server, agent, start_server, agent_rss_idle, t_nodes)
    else:
        deployment_mode(api, server, agent, agent_rss_idle, t_nodes)
finally:
    cleanup()
