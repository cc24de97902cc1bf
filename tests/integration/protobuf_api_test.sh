#!/usr/bin/env bash
# Integration test: the API's protobuf and content negotiation over HTTP, against a fresh
# `capstan server` (its loopback plain-HTTP port): protobuf creates, gets, lists and watch frames;
# malformed protobuf bodies answered 4xx with a Status naming the problem, nothing stored, the
# server still serving; 406/415; aggregated discovery and its ETag.
#   protobuf_api_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-protobuf-test.XXXXXX")
cleanup() {
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! start_server "$WORK/data" "$WORK/server.log"; then bad "server starts"; summary; exit 1; fi
PORT=$(sed -n 's|^ *plain HTTP: http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/server.log" | tail -1)
[ -n "$PORT" ] || { bad "plain HTTP port in the log"; summary; exit 1; }
ok "server starts"

# Each check is a Python function over http.client; the script prints PASS/FAIL lines that the
# summary counts.
# The plain HTTP port authenticates like the HTTPS one: the admin's bearer token.
python3 - "$PORT" "$(cat "$WORK/data/auth/admin.token")" <<'PY' >"$WORK/checks.out" 2>&1
import http.client, json, struct, sys, time

PORT = int(sys.argv[1])
AUTH = {"Authorization": "Bearer " + sys.argv[2]}
PB = "application/vnd.kubernetes.protobuf"

def req(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
    c.request(method, path, body=body, headers={**AUTH, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data

def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80]); v >>= 7
    return out + bytes([v])
def fb(n, b): return varint((n << 3) | 2) + varint(len(b)) + b
def fv(n, v): return varint(n << 3) + varint(v)
def envelope(api, kind, raw): return b"k8s\x00" + fb(1, fb(1, api.encode()) + fb(2, kind.encode())) + fb(2, raw)
def configmap(name, extra=b""):
    meta = fb(1, name.encode())
    return envelope("v1", "ConfigMap", fb(1, meta) + fb(2, fb(1, b"k") + fb(2, b"v")) + extra)

CM = "/api/v1/namespaces/default/configmaps"
results = []
def check(name, cond, detail=""):
    print(("PASS " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:300]))

def status_of(data):
    try: return json.loads(data)
    except Exception: return {}

# Valid protobuf create, answered in protobuf.
st, h, data = req("POST", CM, configmap("pb-one"), {"Content-Type": PB, "Accept": PB})
check("protobuf create is 201 in protobuf", st == 201 and h.get("content-type") == PB and data[:4] == b"k8s\x00", (st, h.get("content-type"), data[:80]))
st, h, data = req("GET", CM + "/pb-one", headers={"Accept": "application/json"})
check("the protobuf-created object reads back as JSON", st == 200 and json.loads(data)["data"] == {"k": "v"}, data[:200])
st, h, data = req("GET", CM + "/pb-one", headers={"Accept": PB + ", application/json"})
check("get in protobuf", st == 200 and h.get("content-type") == PB and data[:4] == b"k8s\x00" and b"ConfigMap" in data[:40], (st, data[:60]))
st, h, data = req("GET", CM, headers={"Accept": PB})
check("list in protobuf", st == 200 and b"ConfigMapList" in data[:40] and b"pb-one" in data, (st, data[:60]))
st, h, data = req("GET", CM + "/pb-one", headers={"Accept": "application/yaml"})
check("get in YAML", st == 200 and h.get("content-type") == "application/yaml" and b"kind: ConfigMap" in data, (st, data[:100]))

# Bad input: 4xx, a Status naming the problem, nothing stored.
def refused(name, body, want_code, want_text, path=CM, ctype=PB):
    st, h, data = req("POST", path, body, {"Content-Type": ctype, "Accept": "application/json"})
    s = status_of(data)
    text = json.dumps(s)
    check(name, st == want_code and s.get("kind") == "Status" and want_text in text, (st, data[:300]))
good = configmap("bad-one")
refused("truncated body is 400", good[:-3], 400, "BadRequest")
refused("no magic is 400", b'{"kind":"ConfigMap"}', 400, "expected prefix")
refused("truncated varint is 400", b"k8s\x00\x0a\xff", 400, "BadRequest")
refused("length past the end is 400", envelope("v1", "ConfigMap", fb(1, b"")[:1] + varint(1 << 30)), 400, "BadRequest")
refused("wrong wire type names the field", envelope("v1", "ConfigMap", fb(1, fv(1, 7))), 400, "metadata.name")
refused("envelope of another kind is 400", envelope("v1", "Secret", fb(1, fb(1, b"bad-one"))), 400, "does not match")
deep = b""
for _ in range(200): deep = fb(1, deep)
refused("deep nesting is 400", envelope("v1", "ConfigMap", deep), 400, "BadRequest")
st, h, data = req("POST", CM + "?fieldValidation=Strict", configmap("bad-one", fv(99, 1)), {"Content-Type": PB})
check("unknown field number under Strict is 400", st == 400 and "99" in data.decode(errors="replace"), (st, data[:300]))
st, h, data = req("POST", CM + "?fieldValidation=Warn", configmap("warned", fv(99, 1)), {"Content-Type": PB})
check("unknown field number under Warn is a warning", st == 201 and "99" in h.get("warning", ""), (st, h.get("warning")))
st, h, data = req("GET", CM + "/bad-one")
check("nothing stored by bad input", st == 404, st)
st, h, data = req("GET", "/readyz")
check("server still serving", st == 200, st)

# Negotiation errors.
st, h, data = req("GET", CM, headers={"Accept": "text/html"})
check("Accept text/html is 406", st == 406 and b"only the following media types are accepted" in data, (st, data[:200]))
st, h, data = req("POST", CM, b"x", {"Content-Type": "text/plain"})
check("Content-Type text/plain is 415", st == 415 and b"application/vnd.kubernetes.protobuf" in data, (st, data[:200]))
st, h, data = req("GET", CM + "/nope", headers={"Accept": PB})
check("a NotFound for a protobuf client is a protobuf Status", st == 404 and h.get("content-type") == PB and b"Status" in data[:30], (st, h.get("content-type")))
st, h, data = req("GET", CM + "/nope")
check("Status JSON in metav1.Status order with a newline",
      data.startswith(b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",') and data.endswith(b"}\n"), data[:120])

# Watch in protobuf: length-framed WatchEvents.
c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
c.request("GET", CM + "?watch=true&timeoutSeconds=2", headers={**AUTH, "Accept": PB + ";stream=watch"})
r = c.getresponse()
stream = r.read()
c.close()
frames, at = [], 0
while at + 4 <= len(stream):
    n = struct.unpack(">I", stream[at:at + 4])[0]
    frames.append(stream[at + 4:at + 4 + n]); at += 4 + n
check("protobuf watch frames", r.status == 200 and r.getheader("Content-Type", "").startswith(PB) and at == len(stream)
      and len(frames) >= 2 and all(b"ADDED" in f[:12] for f in frames), (r.status, len(stream), len(frames)))

# Aggregated discovery with an ETag.
AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
st, h, data = req("GET", "/apis", headers={"Accept": AGG})
doc = status_of(data)
check("aggregated discovery for /apis", st == 200 and doc.get("kind") == "APIGroupDiscoveryList"
      and h.get("content-type", "").startswith("application/json;g=apidiscovery.k8s.io;v=v2") and h.get("etag"), (st, h))
st2, h2, _ = req("GET", "/apis", headers={"Accept": AGG, "If-None-Match": h.get("etag", "x")})
check("If-None-Match with the ETag is 304", st2 == 304, st2)
st, h, data = req("GET", "/api", headers={"Accept": AGG})
core = status_of(data)
check("aggregated discovery for /api lists v1 configmaps", st == 200 and any(
    r["resource"] == "configmaps" for i in core.get("items", []) for v in i["versions"] for r in v["resources"]), data[:200])
st, h, data = req("GET", "/api", headers={"Accept": "application/json"})
check("legacy discovery without the aggregated Accept", st == 200 and status_of(data).get("kind") == "APIVersions", data[:100])
st, h, data = req("GET", "/version")
v = status_of(data)
check("version reports 1.33", v.get("major") == "1" and int(v.get("minor", "0")) >= 33 and v.get("gitVersion", "").startswith("v1.33.0"), data)
PY
while read -r line; do
  case $line in
    PASS*) ok "${line#PASS }" ;;
    FAIL*) rest=${line#FAIL }; bad "${rest%%: *}" "${rest#*: }" ;;
    *) echo "$line" ;;
  esac
done <"$WORK/checks.out"
[ -s "$WORK/checks.out" ] || bad "the checks ran"
summary
[ "$fail" -eq 0 ]
