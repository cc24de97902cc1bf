#!/bin/sh
# The protobuf codec's bytes read by the real kubectl 1.33 (client-go's generated Go decoders):
# objects in create responses, a metav1.Status, lists (kubectl top reads PodMetricsList,
# NodeMetricsList and NodeList), a Pod that kubectl debug copies back to us, and a watch stream
# (kubectl run -i lists and watches its pod before it attaches). A stub API server on a free
# loopback port serves what protobuf_fixture_tool encodes from testdata/protobuf/objects.
#
#   protobuf_kubectl_test.sh PROTOBUF_FIXTURE_TOOL TESTDATA_DIR [KUBECTL]
# Exits 77 (skipped) when kubectl 1.33 is not installed.
set -eu
TOOL=$1
DATA=$2
KUBECTL=${3:-}
if [ -z "$KUBECTL" ] && command -v kubectl >/dev/null 2>&1; then
  KUBECTL=$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.1.33
fi
if [ -z "$KUBECTL" ] || [ ! -x "$KUBECTL" ]; then
  echo "SKIP: kubectl.1.33 not found"
  exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
OBJ=$DATA/objects
TOOLS=$DATA/tools
WORK=$(mktemp -d)
SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
fails=0
check() {  # description, command...
  what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

# What the stub serves, encoded by Capstan's codec.
for n in configmap secret service serviceaccount namespace deployment job cronjob pod; do
  "$TOOL" encode "$OBJ/$n.json" >"$WORK/$n.pb"
done
"$TOOL" list metrics.k8s.io/v1beta1 PodMetricsList "$OBJ/podmetrics.json" >"$WORK/podmetrics.pb"
"$TOOL" list metrics.k8s.io/v1beta1 NodeMetricsList "$OBJ/nodemetrics.json" >"$WORK/nodemetrics.pb"
"$TOOL" list v1 NodeList "$OBJ/node.json" >"$WORK/nodes.pb"
cat >"$WORK/status.json" <<'JSON'
{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "configmaps \"dup\" already exists",
 "reason": "AlreadyExists", "details": {"name": "dup", "kind": "configmaps"}, "code": 409}
JSON
"$TOOL" status "$WORK/status.json" >"$WORK/status.pb"
# kubectl run -i: the pod as created (Pending) in a PodList, then a MODIFIED event with it Running.
cat >"$WORK/runme.json" <<'JSON'
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "runme", "namespace": "default", "uid": "u1", "resourceVersion": "1000"},
 "spec": {"containers": [{"name": "runme", "image": "busybox:1.36", "stdin": true, "stdinOnce": true}], "restartPolicy": "Never"},
 "status": {"phase": "Pending"}}
JSON
cat >"$WORK/runme-running.json" <<'JSON'
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "runme", "namespace": "default", "uid": "u1", "resourceVersion": "1001"},
 "spec": {"containers": [{"name": "runme", "image": "busybox:1.36", "stdin": true, "stdinOnce": true}], "restartPolicy": "Never"},
 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "runme", "state": {"running": {"startedAt": "2025-03-14T09:26:56Z"}}, "ready": true,
                                   "restartCount": 0, "image": "busybox:1.36", "imageID": "busybox@sha256:1", "started": true}]}}
JSON
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$WORK/runme.json" >"$WORK/runme-created.json"
"$TOOL" list v1 PodList "$WORK/runme.json" >"$WORK/runme-list.pb"
"$TOOL" watch MODIFIED "$WORK/runme-running.json" >"$WORK/runme-watch.pb"

W=$WORK
cat >"$WORK/routes.json" <<JSON
[{"method": "POST", "path": "/api/v1/namespaces/default/configmaps", "code": 201, "file": "$W/configmap.pb"},
 {"method": "POST", "path": "/api/v1/namespaces/default/secrets", "code": 201, "file": "$W/secret.pb"},
 {"method": "POST", "path": "/api/v1/namespaces/default/services", "code": 201, "file": "$W/service.pb"},
 {"method": "POST", "path": "/api/v1/namespaces/default/serviceaccounts", "code": 201, "file": "$W/serviceaccount.pb"},
 {"method": "POST", "path": "/api/v1/namespaces", "code": 201, "file": "$W/namespace.pb"},
 {"method": "POST", "path": "/apis/apps/v1/namespaces/default/deployments", "code": 201, "file": "$W/deployment.pb"},
 {"method": "POST", "path": "/apis/batch/v1/namespaces/default/jobs", "code": 201, "file": "$W/job.pb"},
 {"method": "POST", "path": "/apis/batch/v1/namespaces/default/cronjobs", "code": 201, "file": "$W/cronjob.pb"},
 {"method": "POST", "path": "/api/v1/namespaces/other/configmaps", "code": 409, "file": "$W/status.pb"},
 {"method": "GET", "path": "/api/v1/namespaces/shop/pods/web-7d4b9c8f6-x2kqp", "file": "$W/pod.pb"},
 {"method": "GET", "path": "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", "file": "$W/podmetrics.pb"},
 {"method": "GET", "path": "/apis/metrics.k8s.io/v1beta1/nodes", "file": "$W/nodemetrics.pb"},
 {"method": "GET", "path": "/api/v1/nodes", "file": "$W/nodes.pb"},
 {"method": "POST", "path": "/api/v1/namespaces/default/pods", "code": 201, "type": "application/json", "file": "$W/runme-created.json"},
 {"method": "GET", "path": "/api/v1/namespaces/default/pods", "file": "$W/runme-list.pb"},
 {"method": "GET", "path": "/api/v1/namespaces/default/pods", "watch": true, "file": "$W/runme-watch.pb"}]
JSON
mkdir -p "$WORK/out"
python3 "$TOOLS/stub_apiserver.py" "$WORK/out" "$WORK/routes.json" &
SERVER=$!
i=0
while [ ! -s "$WORK/out/port" ]; do i=$((i + 1)); [ $i -lt 100 ] || { echo "stub API server did not start"; exit 1; }; sleep 0.1; done
cat >"$WORK/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:$(cat "$WORK/out/port")"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]
current-context: c
KC
k() { "$KUBECTL" --kubeconfig "$WORK/kubeconfig" --cache-dir "$WORK/cache" "$@"; }

# Objects: kubectl decodes each create response (Capstan's bytes of objects/<n>.json) and prints it.
created() {  # name, kubectl create arguments...
  name=$1
  shift
  k create "$@" -o json --show-managed-fields >"$WORK/$name.out.json" && python3 "$TOOLS/same_meaning.py" "$WORK/$name.out.json" "$OBJ/$name.json"
}
check "ConfigMap read by kubectl" created configmap configmap x --from-literal=a=b
check "Secret read by kubectl" created secret secret generic s --from-literal=a=b
check "Service read by kubectl" created service service clusterip s --tcp=80:8080
check "ServiceAccount read by kubectl" created serviceaccount serviceaccount sa
check "Namespace read by kubectl" created namespace namespace ns1
check "Deployment read by kubectl" created deployment deployment web --image=nginx:1.27
check "Job read by kubectl" created job job pi --image=perl:5.34
check "CronJob read by kubectl" created cronjob cronjob nightly --image=busybox:1.36 --schedule='0 3 * * *'

# Status.
status_read() {
  ! k create configmap dup -n other --from-literal=a=b >/dev/null 2>"$WORK/status.err" &&
    grep -q 'configmaps "dup" already exists' "$WORK/status.err"
}
check "Status (409 AlreadyExists) read by kubectl" status_read

# Lists.
top_pod() { k top pod -n shop --no-headers | grep -Eq '^web-7d4b9c8f6-x2kqp +13m +53Mi'; }
top_node() { k top node --no-headers | grep -Eq '^node-2 +1250m +16% +5979Mi +19%'; }
check "PodMetricsList read by kubectl top pod" top_pod
check "NodeMetricsList and NodeList read by kubectl top node" top_node

# A full Pod: kubectl debug reads Capstan's bytes and sends the copy back in protobuf; Capstan
# decodes the copy to what it decoded from protoc's bytes of the same Pod (make_fixtures.sh).
debug_copy() {
  k debug web-7d4b9c8f6-x2kqp -n shop --copy-to=web-copy --keep-labels --keep-annotations --keep-liveness \
    --keep-readiness --keep-startup --same-node --set-image=app=nginx:1.28 >/dev/null 2>&1 &&
    "$TOOL" decode "$WORK/out/last.pb" >"$WORK/copy.json" &&
    "$TOOL" json "$DATA/kubectl-1.33/pod-debug-copy.json" >"$WORK/want.json" &&
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
      "$WORK/copy.json" "$WORK/want.json"
}
check "Pod read by kubectl debug and copied back" debug_copy

# Watch: kubectl run -i waits (list, then watch) for its pod to run, then attaches; it attaches
# only if it decoded the MODIFIED event.
watch_read() {
  timeout 30 "$KUBECTL" --kubeconfig "$WORK/kubeconfig" --cache-dir "$WORK/cache" run runme -i --image=busybox:1.36 \
    --restart=Never --pod-running-timeout=10s </dev/null >/dev/null 2>&1 || true
  grep -q 'pods?.*watch=true.*accept=application/vnd.kubernetes.protobuf' "$WORK/out/requests.log" &&
    grep -q 'pods/runme/attach' "$WORK/out/requests.log"
}
check "PodList and watch stream read by kubectl run -i" watch_read

echo "$fails failed"
[ "$fails" -eq 0 ]
