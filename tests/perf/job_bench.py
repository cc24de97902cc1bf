#!/usr/bin/env python3
"""A Job of many completions on hollow nodes (standard library only).

  /usr/bin/python3 tests/perf/job_bench.py --capstan BIN --plugin-dir DIR [--nodes 100] \
      [--completions 1000] [--parallelism 100] [--pod-command exit|sleep1]

1. Starts `capstan server` (all server plugins) on a fresh data directory and one `capstan agent`
   running N hollow nodes on the simulated runtime (as tests/perf/hollow_nodes.py), and waits
   until they are Ready.
2. Watches pods, creates one Job (completions C, parallelism P) whose pods end at once
   (`sh -c "exit 0"`, which the simulated runtime ends after 100 ms) or after a second
   (`sleep 1`), and records per pod when it was created (ADDED) and when it was first seen
   Succeeded, until the Job has the Complete condition.
3. Reports pods created/s and finished/s (first -> last), the time from the Job's creation to
   Complete, the Job controller's CPU (its sync threads, named job-sync, from /proc), the whole
   server's and the agent's CPU, and a RESULT line.
"""
import argparse, http.client, json, os, re, shutil, signal, socket, subprocess, tempfile, threading, time

import perf_http  # the admin token on every request (the plain-HTTP port authenticates)

ap = argparse.ArgumentParser()
ap.add_argument("--capstan", required=True)
ap.add_argument("--plugin-dir", required=True)
ap.add_argument("--nodes", type=int, default=100)
ap.add_argument("--completions", type=int, default=1000)
ap.add_argument("--parallelism", type=int, default=100)
ap.add_argument("--pod-command", choices=["exit", "sleep1"], default="exit")
ap.add_argument("--timeout", type=float, default=900)
ap.add_argument("--workdir", default=None)
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="capstan-jobbench.", dir=args.workdir)
procs = []
TICK = os.sysconf("SC_CLK_TCK")


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


def cpu_seconds(pid, thread_name=None):
    """CPU (user+system) of a process, or of its threads named `thread_name`."""
    def stat_cpu(path):
        with open(path) as f:
            s = f.read()
        rest = s[s.rindex(")") + 2:].split()
        return (int(rest[11]) + int(rest[12])) / TICK, s[s.index("(") + 1:s.rindex(")")]
    if thread_name is None:
        return stat_cpu(f"/proc/{pid}/stat")[0]
    total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            cpu, comm = stat_cpu(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue
        if comm == thread_name:
            total += cpu
    return total


class Api:
    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def call(self, method, path, body=None):
        for _ in range(3):
            try:
                if not hasattr(self.local, "c"):
                    self.local.c = perf_http.Connection("127.0.0.1", self.port, timeout=60)
                self.local.c.request(method, path, body=json.dumps(body) if body is not None else None,
                                     headers={"Content-Type": "application/json"})
                r = self.local.c.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                del self.local.c
        raise RuntimeError(f"{method} {path} failed")


def watch(port, path, rv, on_event, done):
    c = perf_http.Connection("127.0.0.1", port, timeout=args.timeout)
    c.request("GET", f"{path}?watch=1&resourceVersion={rv}")
    r = c.getresponse()
    while not done.is_set():
        line = r.readline()
        if not line:
            break
        e = json.loads(line)
        if e.get("type") != "ERROR":
            on_event(time.time(), e.get("type"), e.get("object", {}))


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)


# A SIGTERM (the caller stopping the benchmark) unwinds through `finally` so the servers stop.
def on_sigterm(signum, frame):
    raise SystemExit(143)


signal.signal(signal.SIGTERM, on_sigterm)

try:
    env = dict(os.environ, HOME=work)
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    slog = os.path.join(work, "server.log")
    server = subprocess.Popen([args.capstan, "server", "--data-dir", os.path.join(work, "server"), "--plugin-dir",
                               args.plugin_dir, "--port", "0", "--http-port", str(port), "--plugin-config",
                               'pod-cidr-allocator={"clusterCIDR":"100.64.0.0/10"}'],
                              stdout=open(slog, "w"), stderr=subprocess.STDOUT, env=env)
    procs.append(server)
    wait_line(slog, r"plain HTTP: http://127.0.0.1:(\d+)", server)
    perf_http.use_admin_token(os.path.join(work, "server"))
    api = Api(port)
    alog = os.path.join(work, "agent.log")
    agent = subprocess.Popen([args.capstan, "agent", "--kubeconfig", os.path.join(work, "server", "kubeconfig"), "--data-dir",
                              os.path.join(work, "agent"), "--plugin-dir", args.plugin_dir, "--node-name", "hollow",
                              "--runtime", "sim", "--disable", "bridge", "--disable", "service-proxy", "--disable",
                              "cluster-dns", "--plugin-config",
                              "node-agent=" + json.dumps({"hollowNodes": args.nodes, "port": 0})],
                             stdout=open(alog, "w"), stderr=subprocess.STDOUT, env=env)
    procs.append(agent)
    t0 = time.time()
    while True:
        st, body = api.call("GET", "/api/v1/nodes")
        nodes = json.loads(body).get("items", []) if st == 200 else []
        ready = sum(1 for n in nodes for c in n.get("status", {}).get("conditions", [])
                    if c.get("type") == "Ready" and c.get("status") == "True")
        if ready >= args.nodes:
            break
        if time.time() - t0 > args.timeout or agent.poll() is not None:
            raise SystemExit(f"only {ready}/{args.nodes} nodes Ready; agent log:\n" + open(alog).read()[-2000:])
        time.sleep(1)
    print(f"{args.nodes} hollow nodes Ready in {time.time() - t0:.1f} s", flush=True)
    time.sleep(2)  # let start-up settle before measuring CPU

    created, finished = {}, {}
    complete_at = []
    done = threading.Event()

    def on_pod(now, kind, o):
        name = o.get("metadata", {}).get("name")
        if not name:
            return
        if kind == "ADDED":
            created.setdefault(name, now)
        if o.get("status", {}).get("phase") == "Succeeded":
            finished.setdefault(name, now)

    def on_job(now, kind, o):
        for c in o.get("status", {}).get("conditions", []):
            if c.get("type") == "Complete" and c.get("status") == "True" and not complete_at:
                complete_at.append(now)
                done.set()

    st, body = api.call("GET", "/api/v1/namespaces/default/pods?limit=1")
    rv = json.loads(body)["metadata"].get("resourceVersion", "0")
    for path, fn in (("/api/v1/namespaces/default/pods", on_pod), ("/apis/batch/v1/namespaces/default/jobs", on_job)):
        threading.Thread(target=watch, args=(port, path, rv, fn, done), daemon=True).start()
    time.sleep(0.5)
    command = ["sh", "-c", "exit 0"] if args.pod_command == "exit" else ["sleep", "1"]
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "bench"},
           "spec": {"completions": args.completions, "parallelism": args.parallelism,
                    "template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "c", "image": "localhost/web:v1", "command": command,
                                                          "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}
    cpu0 = (cpu_seconds(server.pid), cpu_seconds(server.pid, "job-sync"), cpu_seconds(agent.pid))
    t_create = time.time()
    st, body = api.call("POST", "/apis/batch/v1/namespaces/default/jobs", job)
    if st != 201:
        raise SystemExit(f"create job: {st} {body[:300]}")
    done.wait(args.timeout)
    cpu1 = (cpu_seconds(server.pid), cpu_seconds(server.pid, "job-sync"), cpu_seconds(agent.pid))
    if not complete_at:
        raise SystemExit(f"the Job did not complete in {args.timeout} s: {len(created)} created, {len(finished)} finished")
    total = complete_at[0] - t_create
    span = lambda d: (max(d.values()) - min(d.values())) if len(d) > 1 else float("nan")
    created_rate = len(created) / span(created)
    finished_rate = len(finished) / span(finished)
    server_cpu, sync_cpu, agent_cpu = (b - a for a, b in zip(cpu0, cpu1))
    st, body = api.call("GET", "/apis/batch/v1/namespaces/default/jobs/bench")
    status = json.loads(body).get("status", {})
    print(f"{len(created)} pods created, {len(finished)} seen Succeeded; Job Complete after {total:.1f} s "
          f"(succeeded={status.get('succeeded')}, failed={status.get('failed', 0)})")
    print(f"pods created/s (first -> last creation): {created_rate:.1f}")
    print(f"pods finished/s (first -> last Succeeded): {finished_rate:.1f}")
    print(f"completions/s (Job created -> Complete): {args.completions / total:.1f}")
    print(f"CPU during the run: job controller sync threads {sync_cpu:.2f} s ({100 * sync_cpu / total:.1f} % of a core), "
          f"server {server_cpu:.2f} s ({100 * server_cpu / total:.0f} %), agent {agent_cpu:.2f} s ({100 * agent_cpu / total:.0f} %)")
    print(f"RESULT nodes={args.nodes} completions={args.completions} parallelism={args.parallelism} "
          f"pod={args.pod_command} seconds={total:.1f} created_per_s={created_rate:.1f} finished_per_s={finished_rate:.1f} "
          f"job_sync_cpu_s={sync_cpu:.2f} server_cpu_s={server_cpu:.2f} agent_cpu_s={agent_cpu:.2f}", flush=True)
finally:
    cleanup()
