#!/usr/bin/env bash
# Integration test: drives a fresh `capstan server` with the real kubectl.
#   kubectl_api_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Prints PASS/FAIL per check and ends with "N passed, N failed". Exits 77 (skip) without kubectl.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- setup
capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-api-test.XXXXXX")
WATCH_PID=
cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export HOME=$WORK/home; mkdir -p "$HOME"        # fresh kubectl discovery cache
if ! start_server "$WORK/data" "$WORK/server.log"; then bad "server starts"; summary; exit 1; fi
ok "server starts and writes its kubeconfig"
k() { kubectl --request-timeout=20s "$@"; }
ns=capstan-it
F=$WORK/files; mkdir -p "$F"

# ---------------------------------------------------------------- discovery
check "kubectl version reports a server version" bash -c "kubectl version -o json | grep -q '\"serverVersion\"'"
check "get ns shows default, kube-system, kube-public" bash -c \
  "out=\$(kubectl get ns); for n in default kube-system kube-public; do echo \"\$out\" | grep -Eq \"^\$n \" || exit 1; done"
check "api-resources lists configmaps with short name cm" bash -c "kubectl api-resources | grep -Eq '^configmaps +cm +v1 +true +ConfigMap'"
check "explain configmap.data" bash -c "kubectl explain configmap.data | grep -Eq 'FIELD: +data|data'"
check "create namespace" k create ns $ns

# ---------------------------------------------------------------- create / apply / get
cat >"$F/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  greeting: hello
  colour: oldvalue
YAML
check "create -f" k -n $ns create -f "$F/cm.yaml"
check_fails "create twice is AlreadyExists" "AlreadyExists|already exists" k -n $ns create -f "$F/cm.yaml"
sed 's/name: one/name: two/' "$F/cm.yaml" >"$F/two.yaml"
check "apply -f creates" k -n $ns apply -f "$F/two.yaml"
sed -i 's/greeting: hello/greeting: bonjour/' "$F/two.yaml"
check "apply -f again updates" bash -c "kubectl -n $ns apply -f '$F/two.yaml' | grep -q configured"
check_eq "applied change visible" "bonjour" k -n $ns get cm two -o jsonpath='{.data.greeting}'
check "get -o yaml" bash -c "kubectl -n $ns get cm one -o yaml | grep -Eq '^  name: one\$' && kubectl -n $ns get cm one -o yaml | grep -q 'greeting: hello'"
check "get -o json" bash -c "kubectl -n $ns get cm one -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); assert o[\"kind\"]==\"ConfigMap\" and o[\"data\"][\"greeting\"]==\"hello\" and o[\"metadata\"][\"resourceVersion\"] and o[\"metadata\"][\"uid\"]'"
check "get -o wide" bash -c "kubectl -n $ns get cm -o wide | grep -Eq '^one +2 '"
check "get list -o json has both" bash -c "[ \"\$(kubectl -n $ns get cm -o jsonpath='{.items[*].metadata.name}')\" = 'one two' ] || \
  kubectl -n $ns get cm -o name | grep -qx configmap/two"

# ---------------------------------------------------------------- watch
timeout 20 kubectl -n $ns get cm one -w --output-watch-events >"$F/watch.out" 2>&1 &
WATCH_PID=$!
sleep 2
k -n $ns label cm one watched=yes >/dev/null 2>&1
for ((i = 0; i < 40; i++)); do grep -q MODIFIED "$F/watch.out" && break; sleep 0.25; done
if grep -q MODIFIED "$F/watch.out"; then ok "get -w sees MODIFIED"; else bad "get -w sees MODIFIED" "$(tr '\n' ' ' <"$F/watch.out")"; fi
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=

# ---------------------------------------------------------------- label / annotate / patch
check "label" k -n $ns label cm one env=test
check_eq "label selector" "one" k -n $ns get cm -l env=test -o jsonpath='{.items[*].metadata.name}'
check "label --overwrite" k -n $ns label cm one env=prod --overwrite
check "label removal" k -n $ns label cm one watched-
check_eq "labels are as set" "prod|" k -n $ns get cm one -o jsonpath='{.metadata.labels.env}|{.metadata.labels.watched}'
check "annotate" k -n $ns annotate cm one owner=sales
check_eq "annotation visible" "sales" k -n $ns get cm one -o jsonpath='{.metadata.annotations.owner}'
check "patch --type=merge" k -n $ns patch cm one --type=merge -p '{"data":{"merged":"m"}}'
check "patch --type=json" k -n $ns patch cm one --type=json -p '[{"op":"add","path":"/data/jsonpatched","value":"j"}]'
check "patch --type=strategic" k -n $ns patch cm one --type=strategic -p '{"data":{"strategic":"s"}}'
check "patch (default strategic) removes a key with null" k -n $ns patch cm one -p '{"data":{"merged":null}}'
check_eq "patches applied" "|j|s|hello" k -n $ns get cm one -o jsonpath='{.data.merged}|{.data.jsonpatched}|{.data.strategic}|{.data.greeting}'
check_fails "json patch test op failure is rejected" "[Tt]est|failed|[Ii]nvalid|[Uu]nprocessable" \
  k -n $ns patch cm one --type=json -p '[{"op":"test","path":"/data/greeting","value":"nope"}]'

# ---------------------------------------------------------------- edit / replace
check "edit with a scripted EDITOR" env EDITOR="sed -i s/oldvalue/newvalue/" kubectl -n $ns edit cm one
check_eq "edit took effect" "newvalue" k -n $ns get cm one -o jsonpath='{.data.colour}'
k -n $ns get cm one -o yaml >"$F/one-live.yaml"
sed 's/greeting: hello/greeting: replaced/' "$F/one-live.yaml" >"$F/one-replace.yaml"
check "replace -f" k -n $ns replace -f "$F/one-replace.yaml"
check_eq "replace took effect" "replaced" k -n $ns get cm one -o jsonpath='{.data.greeting}'
# $F/one-live.yaml now carries a stale resourceVersion
check_fails "replace with a stale resourceVersion is a Conflict" "Conflict|the object has been modified" \
  k -n $ns replace -f "$F/one-live.yaml"

# ---------------------------------------------------------------- imperative create
check "create configmap --from-literal" k -n $ns create configmap lit --from-literal=a=1 --from-literal=b=2
check_eq "literal values stored" "1 2" k -n $ns get cm lit -o jsonpath='{.data.a} {.data.b}'
check "create secret generic --from-literal" k -n $ns create secret generic pw --from-literal=password=s3cret
check_eq "secret value is base64 of the literal" "s3cret" bash -c \
  "kubectl -n $ns get secret pw -o jsonpath='{.data.password}' | base64 -d"
check_eq "secret type Opaque" "Opaque" k -n $ns get secret pw -o jsonpath='{.type}'

# ---------------------------------------------------------------- validation
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: b\n' >"$F/typo.yaml"
check_fails "unknown field rejected under --validate=strict" "datta" k -n $ns create --validate=strict -f "$F/typo.yaml"
check_fails "unknown field rejected by apply --validate=strict" "datta" k -n $ns apply --validate=strict -f "$F/typo.yaml"
check_fails "nothing created by the rejected object" "NotFound|not found" k -n $ns get cm typo
check_fails "invalid name is Invalid" "[Ii]nvalid" k -n $ns create configmap Bad_Name --from-literal=a=b

# ---------------------------------------------------------------- server-side apply
cat >"$F/ssa.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
data:
  mode: first
YAML
check "apply --server-side creates" k -n $ns apply --server-side -f "$F/ssa.yaml"
check_eq "server-side apply created the object" "first" k -n $ns get cm ssa -o jsonpath='{.data.mode}'
sed -i 's/mode: first/mode: second/' "$F/ssa.yaml"
check "apply --server-side updates" k -n $ns apply --server-side -f "$F/ssa.yaml"
check_eq "server-side apply updated the object" "second" k -n $ns get cm ssa -o jsonpath='{.data.mode}'
check "server-side apply records its field manager" bash -c \
  "kubectl -n $ns get cm ssa -o json --show-managed-fields | grep -q '\"manager\": \"kubectl\"'"

# ---------------------------------------------------------------- dry run
check "create --dry-run=server" k -n $ns create configmap dry --from-literal=a=b --dry-run=server
check "apply --dry-run=server" bash -c "sed 's/name: one/name: dry2/' '$F/cm.yaml' | kubectl -n $ns apply --dry-run=server -f -"
check_fails "dry run created nothing" "NotFound|not found" k -n $ns get cm dry dry2
check "patch --dry-run=server" k -n $ns patch cm two --type=merge -p '{"data":{"greeting":"dry"}}' --dry-run=server
check_eq "dry-run patch changed nothing" "bonjour" k -n $ns get cm two -o jsonpath='{.data.greeting}'

# ---------------------------------------------------------------- delete
check "delete --wait" k -n $ns delete cm two --wait=true --timeout=20s
check_fails "deleted object is NotFound" "NotFound|not found" k -n $ns get cm two
check "delete by label" k -n $ns delete cm -l env=prod
check_fails "deleted by label" "NotFound|not found" k -n $ns get cm one

# ---------------------------------------------------------------- namespace deletion
check "create namespace with contents" bash -c "kubectl create ns doomed && kubectl -n doomed create configmap c1 --from-literal=a=b \
  && kubectl -n doomed create secret generic s1 --from-literal=a=b"
check "delete namespace --wait" k delete ns doomed --wait=true --timeout=60s
check_fails "namespace is gone" "NotFound|not found" k get ns doomed
check_eq "its configmaps are gone" "" bash -c "kubectl get cm -A -o jsonpath='{range .items[?(@.metadata.namespace==\"doomed\")]}{.metadata.name} {end}'"
check_eq "its secrets are gone" "" bash -c "kubectl get secret -A -o jsonpath='{range .items[?(@.metadata.namespace==\"doomed\")]}{.metadata.name} {end}'"
check "server still alive" kill -0 "$SERVER_PID"

# ---------------------------------------------------------------- acceptance walkthrough, api section
SHARED=
if top=$(git -C "$REPO_ROOT" rev-parse --show-toplevel 2>/dev/null); then SHARED=$top/../shared; fi
WALK=$SHARED/acceptance/seed-walkthrough.sh
if [ -z "$SHARED" ] || [ ! -f "$WALK" ]; then
  skipped "acceptance walkthrough (api)" "shared/acceptance/seed-walkthrough.sh not found beside the repository"
else
  echo "== acceptance walkthrough: api"
  mkdir -p "$WORK/walk-home"
  WALK_HOME=$WORK/walk-home WALK_TIMEOUT=60 timeout 240 bash "$WALK" api 2>&1 | tee "$WORK/walk.out"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/walk.out" | tail -1)
  if [ -z "$line" ]; then
    bad "acceptance walkthrough (api) finished" "no summary line"
  else
    read -r wp _ wf _ ws _ <<<"${line//,/}"
    pass=$((pass + wp)); fail=$((fail + wf)); skip=$((skip + ${ws:-0}))
    while read -r l; do failed+=("walkthrough: ${l#FAIL }"); done < <(grep '^FAIL ' "$WORK/walk.out" | cut -c1-120)
  fi
fi

if [ $fail -ne 0 ]; then echo "--- server log (tail)"; tail -30 "$WORK/server.log"; fi
summary
[ $fail -eq 0 ]
