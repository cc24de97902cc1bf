#!/usr/bin/env python3
"""ResourceQuota admission cost and over-admission (issue 15, item 8; standard library only).

  /usr/bin/python3 tests/perf/quota_bench.py --capstan BIN --plugin-dir DIR [--pods 1000] \
      [--clients 8] [--race-clients 64] [--race-quota 20] [--race-rounds 5]

1. Starts `capstan server` (all server plugins, no node: pods stay Pending) on a fresh data dir.
2. Creates --pods pods with --clients concurrent HTTP clients in a namespace without a quota, then
   in one with a ResourceQuota (pods, requests.cpu, limits.cpu, count/configmaps: large enough
   never to refuse), and reports creates/s for each (admission overhead of quota charging).
3. Over-admission: in a fresh namespace with a quota of --race-quota pods, --race-clients
   clients each try 2 creates at once; counts 201s and stored pods, whose excess over the quota is
   the over-admission (goal 0). Repeated --race-rounds times.
Prints a RESULT line.
"""
import argparse, http.client, json, os, re, shutil, signal, socket, subprocess, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--capstan", required=True)
ap.add_argument("--plugin-dir", required=True)
ap.add_argument("--pods", type=int, default=1000)
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--race-clients", type=int, default=64)
ap.add_argument("--race-quota", type=int, default=20)
ap.add_argument("--race-rounds", type=int, default=5)
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="capstan-quotabench.")
procs = []


class Api:
    def __init__(self, port, token):
        self.port = port
        self.headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
        self.local = threading.local()

    def call(self, method, path, body=None):
        for _ in range(3):
            try:
                if not hasattr(self.local, "c"):
                    self.local.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.local.c.request(method, path, body=json.dumps(body) if body is not None else None,
                                     headers=self.headers)
                r = self.local.c.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                del self.local.c
        raise RuntimeError(f"{method} {path} failed")


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "localhost/web:v1",
                                     "resources": {"requests": {"cpu": "10m"}, "limits": {"cpu": "10m"}}}]}}


def namespace(api, ns, hard=None):
    api.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    if hard is None:
        return
    st, body = api.call("POST", f"/api/v1/namespaces/{ns}/resourcequotas",
                        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": hard}})
    if st != 201:
        raise SystemExit(f"creating the quota: {st} {body[:300]}")
    for _ in range(300):  # until the controller has counted it
        st, body = api.call("GET", f"/api/v1/namespaces/{ns}/resourcequotas/q")
        if st == 200 and "used" in json.loads(body).get("status", {}):
            return
        time.sleep(0.05)
    raise SystemExit(f"the quota controller did not count the quota: {body[:500]}")


def create_all(api, ns, names, clients):
    codes = {}
    lock = threading.Lock()
    queue = list(names)
    start = threading.Barrier(clients + 1)

    def worker():
        start.wait()
        while True:
            with lock:
                if not queue:
                    return
                n = queue.pop()
            st, _ = api.call("POST", f"/api/v1/namespaces/{ns}/pods", pod(n))
            with lock:
                codes[st] = codes.get(st, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.time()
    for t in threads:
        t.join()
    return codes, time.time() - t0


def stored_pods(api, ns):
    st, body = api.call("GET", f"/api/v1/namespaces/{ns}/pods")
    return len(json.loads(body).get("items", []))


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


def on_sigterm(signum, frame):
    raise SystemExit(143)


signal.signal(signal.SIGTERM, on_sigterm)

try:
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    slog = os.path.join(work, "server.log")
    server = subprocess.Popen([args.capstan, "server", "--data-dir", os.path.join(work, "server"), "--plugin-dir",
                               args.plugin_dir, "--port", "0", "--http-port", str(port), "--bind-address", "127.0.0.1"],
                              stdout=open(slog, "w"), stderr=subprocess.STDOUT, env=dict(os.environ, HOME=work))
    procs.append(server)
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("server exited:\n" + open(slog).read()[-2000:])
        if re.search(r"plain HTTP: http://127.0.0.1:(\d+)", open(slog).read()):
            break
        time.sleep(0.05)
    # The plain-HTTP port asks for credentials too (docs/security.md): the admin's token.
    api = Api(port, open(os.path.join(work, "server", "auth", "admin.token")).read().strip())
    time.sleep(1)

    namespace(api, "plain")
    namespace(api, "quota", {"pods": "1000000", "requests.cpu": "100000", "limits.cpu": "100000",
                             "count/configmaps": "1000"})
    rates = {}
    for ns in ("plain", "quota"):
        codes, secs = create_all(api, ns, [f"p{i}" for i in range(args.pods)], args.clients)
        ok = codes.get(201, 0)
        rates[ns] = ok / secs
        print(f"{ns}: {ok} pods created in {secs:.2f} s = {rates[ns]:.0f}/s ({args.clients} clients), codes {codes}", flush=True)
    st, body = api.call("GET", "/api/v1/namespaces/quota/resourcequotas/q")
    used = json.loads(body)["status"]["used"]
    print(f"quota used after the run: pods={used.get('pods')} requests.cpu={used.get('requests.cpu')}", flush=True)

    over = []
    for r in range(args.race_rounds):
        ns = f"race{r}"
        namespace(api, ns, {"pods": str(args.race_quota)})
        codes, secs = create_all(api, ns, [f"p{i}" for i in range(2 * args.race_clients)], args.race_clients)
        n = stored_pods(api, ns)
        over.append(max(0, n - args.race_quota))
        print(f"race {r}: {args.race_clients} clients, {2 * args.race_clients} creates, quota {args.race_quota}: "
              f"{codes.get(201, 0)} created, {codes.get(403, 0)} refused, {n} stored, codes {codes}", flush=True)
    overhead = 100.0 * (rates["plain"] - rates["quota"]) / rates["plain"]
    print(f"RESULT plain_per_s={rates['plain']:.0f} quota_per_s={rates['quota']:.0f} overhead_pct={overhead:.1f} "
          f"over_admitted={sum(over)} rounds={args.race_rounds}", flush=True)
finally:
    cleanup()
