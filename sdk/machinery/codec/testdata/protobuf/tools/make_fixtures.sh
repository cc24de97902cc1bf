#!/bin/sh
# Regenerates the protobuf fixtures of sdk/machinery/codec/testdata/protobuf (see ../README.md).
#
#   make_fixtures.sh KUBERNETES_API KUBERNETES_APIMACHINERY KUBERNETES_METRICS [KUBECTL]
#
# The three directories are checkouts of github.com/kubernetes/{api,apimachinery,metrics} at the
# release of the kubectl used (release-1.33); nothing from them is copied here. KUBECTL defaults
# to kubectl.1.33 beside the real path of `kubectl`. Needs protoc and python3.
#
# objects/<name>.pb: objects/<name>.json written in text format by json_to_textproto.py from
#   upstream's message definitions, encoded by protoc, wrapped in the envelope.
# kubectl-1.33/<name>.pb: the request bodies kubectl sends, recorded by stub_apiserver.py on a
#   free loopback port.
set -eu
API=$(realpath "$1"); MACHINERY=$(realpath "$2"); METRICS=$(realpath "$3")
KUBECTL=${4:-$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.1.33}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(dirname "$HERE")
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# An include tree with upstream's import paths.
mkdir -p "$WORK/include/k8s.io/api" "$WORK/include/k8s.io/apimachinery" "$WORK/include/k8s.io/metrics"
for g in core apps autoscaling batch coordination discovery networking storage; do ln -s "$API/$g" "$WORK/include/k8s.io/api/$g"; done
ln -s "$MACHINERY/pkg" "$WORK/include/k8s.io/apimachinery/pkg"
ln -s "$METRICS/pkg" "$WORK/include/k8s.io/metrics/pkg"
PROTOS="k8s.io/api/core/v1/generated.proto k8s.io/api/apps/v1/generated.proto k8s.io/api/autoscaling/v2/generated.proto
  k8s.io/api/batch/v1/generated.proto
  k8s.io/api/coordination/v1/generated.proto
  k8s.io/api/discovery/v1/generated.proto k8s.io/api/networking/v1/generated.proto
  k8s.io/api/storage/v1/generated.proto
  k8s.io/metrics/pkg/apis/metrics/v1beta1/generated.proto"
(cd "$WORK/include" && protoc -I . -I /usr/include --include_imports --descriptor_set_out="$WORK/ds.pb" $PROTOS 2>&1 | grep -v "warning: Import" >&2 || true)
[ -s "$WORK/ds.pb" ] || { echo "protoc could not read the .proto files under $API, $MACHINERY, $METRICS" >&2; exit 1; }
protoc -I /usr/include --decode=google.protobuf.FileDescriptorSet google/protobuf/descriptor.proto <"$WORK/ds.pb" >"$WORK/ds.txt"

# The schemas' numbers and shapes against upstream's messages, field by field.
SCHEMAS=$(cd "$DATA/../../../../schema/capstan" && pwd)
python3 "$HERE/check_schema_numbers.py" "$WORK/ds.txt" "$SCHEMAS"/meta.capnp "$SCHEMAS"/core_v1.capnp \
  "$SCHEMAS"/core_v1_services.capnp "$SCHEMAS"/apps_v1.capnp "$SCHEMAS"/batch_v1.capnp "$SCHEMAS"/coordination_v1.capnp \
  "$SCHEMAS"/discovery_v1.capnp "$SCHEMAS"/metrics_v1beta1.capnp "$SCHEMAS"/networking_v1.capnp \
  "$SCHEMAS"/autoscaling_v2.capnp "$SCHEMAS"/core_v1_storage.capnp "$SCHEMAS"/storage_v1.capnp >"$WORK/check.txt" ||
  { grep -v '^  note' "$WORK/check.txt" >&2; exit 1; }
grep -v '^  note' "$WORK/check.txt"

message_of() {  # apiVersion kind -> protobuf message
  case "$1" in
    v1) echo "k8s.io.api.core.v1.$2" ;;
    apps/v1) echo "k8s.io.api.apps.v1.$2" ;;
    autoscaling/v2) echo "k8s.io.api.autoscaling.v2.$2" ;;
    batch/v1) echo "k8s.io.api.batch.v1.$2" ;;
    coordination.k8s.io/v1) echo "k8s.io.api.coordination.v1.$2" ;;
    discovery.k8s.io/v1) echo "k8s.io.api.discovery.v1.$2" ;;
    networking.k8s.io/v1) echo "k8s.io.api.networking.v1.$2" ;;
    storage.k8s.io/v1) echo "k8s.io.api.storage.v1.$2" ;;
    metrics.k8s.io/v1beta1) echo "k8s.io.metrics.pkg.apis.metrics.v1beta1.$2" ;;
  esac
}
proto_of() {
  case "$1" in
    v1) echo k8s.io/api/core/v1/generated.proto ;;
    apps/v1) echo k8s.io/api/apps/v1/generated.proto ;;
    autoscaling/v2) echo k8s.io/api/autoscaling/v2/generated.proto ;;
    batch/v1) echo k8s.io/api/batch/v1/generated.proto ;;
    coordination.k8s.io/v1) echo k8s.io/api/coordination/v1/generated.proto ;;
    discovery.k8s.io/v1) echo k8s.io/api/discovery/v1/generated.proto ;;
    networking.k8s.io/v1) echo k8s.io/api/networking/v1/generated.proto ;;
    metrics.k8s.io/v1beta1) echo k8s.io/metrics/pkg/apis/metrics/v1beta1/generated.proto ;;
  esac
}

for json in "$DATA"/objects/*.json; do
  name=$(basename "$json" .json)
  av=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiVersion"])' "$json")
  kind=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kind"])' "$json")
  python3 "$HERE/json_to_textproto.py" "$WORK/ds.txt" "$(message_of "$av" "$kind")" <"$json" >"$WORK/$name.txtpb"
  (cd "$WORK/include" && protoc -I . --encode="$(message_of "$av" "$kind")" "$(proto_of "$av")" <"$WORK/$name.txtpb" 2>/dev/null) \
    | python3 "$HERE/envelope.py" "$av" "$kind" >"$DATA/objects/$name.pb"
  echo "objects/$name.pb"
done

# kubectl's own bodies.
mkdir -p "$WORK/out" "$DATA/kubectl-1.33"
cat >"$WORK/routes.json" <<ROUTES
[{"method": "GET", "path": "/api/v1/namespaces/shop/pods/web-7d4b9c8f6-x2kqp", "file": "$DATA/objects/pod.pb"}]
ROUTES
python3 "$HERE/stub_apiserver.py" "$WORK/out" "$WORK/routes.json" &
SERVER_PID=$!
i=0
while [ ! -s "$WORK/out/port" ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
cat >"$WORK/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:$(cat "$WORK/out/port")"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]
current-context: c
KC
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$WORK/blob.bin"
printf 'k=v\n' >"$WORK/app.properties"
capture() {  # name, kubectl arguments...
  name=$1; shift
  rm -f "$WORK/out/last.pb"
  "$KUBECTL" --kubeconfig "$WORK/kubeconfig" --cache-dir "$WORK/cache" "$@" >/dev/null
  cp "$WORK/out/last.pb" "$DATA/kubectl-1.33/$name.pb"
  echo "kubectl-1.33/$name.pb"
}
capture configmap-literal create configmap x --from-literal=a=b
capture configmap-files create configmap files --from-file="$WORK/blob.bin" --from-file="$WORK/app.properties"
capture secret-generic create secret generic s1 --from-literal=user=admin '--from-literal=pass=p@ss w0rd'
capture secret-docker-registry create secret docker-registry reg --docker-server=r.example --docker-username=u \
  --docker-password=p --docker-email=u@example.com
capture service-clusterip create service clusterip svc1 --tcp=80:8080 --tcp=443:8443
capture service-nodeport create service nodeport np1 --tcp=8080:80 --node-port=30080
capture service-externalname create service externalname ext --external-name=db.example.com
capture serviceaccount create serviceaccount sa1
capture namespace create namespace ns1
capture deployment create deployment web --image=nginx:1.27 --replicas=3 --port=80
capture deployment-multi create deployment multi --image=nginx:1.27 --image=redis:7 --port=6379
capture job create job pi --image=perl:5.34 -- perl -Mbignum=bpi -wle 'print bpi(200)'
capture cronjob create cronjob nightly --image=busybox:1.36 --schedule='0 3 * * *' --restart=OnFailure -- sh -c date
# A full Pod as Go writes it: `kubectl debug --copy-to` reads the Pod (objects/pod.pb, served in
# protobuf) and creates its copy through the typed client.
capture pod-debug-copy debug web-7d4b9c8f6-x2kqp -n shop --copy-to=web-copy --keep-labels --keep-annotations \
  --keep-liveness --keep-readiness --keep-startup --same-node --set-image=app=nginx:1.28
grep -c 'ct=application/vnd.kubernetes.protobuf' "$WORK/out/requests.log" >/dev/null

# Check: each kubectl-1.33/<name>.json (the meaning the tests expect of kubectl's bytes) says the
# same as protoc's decoding of those bytes with upstream's definitions.
for json in "$DATA"/kubectl-1.33/*.json; do
  name=$(basename "$json" .json)
  av=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiVersion"])' "$json")
  kind=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kind"])' "$json")
  msg=$(message_of "$av" "$kind")
  python3 - "$DATA/kubectl-1.33/$name.pb" >"$WORK/raw.pb" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()[4:]
def varint(i):
    v = s = 0
    while True:
        c = d[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return v, i
i = 0
while i < len(d):
    k, i = varint(i); n, i = varint(i)
    if k >> 3 == 2: sys.stdout.buffer.write(d[i:i + n])
    i += n
PY
  (cd "$WORK/include" && protoc -I . --decode="$msg" "$(proto_of "$av")" <"$WORK/raw.pb" 2>/dev/null) >"$WORK/kubectl.txt"
  python3 "$HERE/json_to_textproto.py" "$WORK/ds.txt" "$msg" <"$json" >"$WORK/expected.txtpb"
  (cd "$WORK/include" && protoc -I . --encode="$msg" "$(proto_of "$av")" <"$WORK/expected.txtpb" 2>/dev/null |
    protoc -I . --decode="$msg" "$(proto_of "$av")" 2>/dev/null) >"$WORK/expected.txt"
  python3 "$HERE/same_content.py" "$WORK/kubectl.txt" "$WORK/expected.txt"
  echo "kubectl-1.33/$name.json agrees with protoc"
done
