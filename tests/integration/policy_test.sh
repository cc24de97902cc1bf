#!/usr/bin/env bash
# Integration test: LimitRange, ResourceQuota and PodDisruptionBudget (plugins/kinds-policy) on
# `capstan up` with the simulated runtime, driven by kubectl: a LimitRange's defaults and
# kube-apiserver's messages; a ResourceQuota's status.used, `kubectl get/describe quota`, the
# "exceeded quota" and "must specify" refusals, count/<resource> quotas, and 64 concurrent creates
# against a quota of 5 pods admitting exactly 5; a PodDisruptionBudget's status and the eviction
# subresource answering 429 with upstream's message, and `kubectl drain` retrying on it.
#   policy_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-policy-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"
CAPSTAN_COMMAND=up CAPSTAN_ARGS="$SIM_NODE_ARGS" \
  start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}
pod() { # NAME CPU_REQUEST CPU_LIMIT [MEMORY_LIMIT]: a pod manifest on stdout
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - name: c
    image: localhost/web:v1
    resources:
      requests: {cpu: $2}
      limits: {cpu: $3${4:+, memory: $4}}
YAML
}

check "the node registers" eventually 60 bash -c "kubectl get nodes --no-headers | grep -q ' Ready '"

# ---- LimitRange
kubectl create namespace lr >/dev/null
cat >"$WORK/lr.yaml" <<'YAML'
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-bounds}
spec:
  limits:
  - type: Container
    max: {cpu: "1"}
    min: {cpu: 100m}
    default: {cpu: 500m}
    defaultRequest: {cpu: 200m}
    maxLimitRequestRatio: {cpu: "4"}
  - type: PersistentVolumeClaim
    max: {storage: 2Gi}
YAML
check "create a LimitRange" kubectl -n lr apply -f "$WORK/lr.yaml"
check_eq "kubectl get limitranges columns" "NAME CREATED AT" bash -c "kubectl -n lr get limitranges | head -1 | tr -s ' '"
check "kubectl describe limitrange" bash -c "kubectl -n lr describe limitrange cpu-bounds | grep -Eq 'Container +cpu +100m +1 +200m +500m +4'"
check "a pod without resources gets the defaults" kubectl -n lr run bare --image=localhost/web:v1
check_eq "... limit and request" "500m 200m" kubectl -n lr get pod bare \
  -o jsonpath='{.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.requests.cpu}'
check_eq "... and the limit-ranger annotation" "LimitRanger plugin set: cpu request for container bare; cpu limit for container bare" \
  kubectl -n lr get pod bare -o jsonpath='{.metadata.annotations.kubernetes\.io/limit-ranger}'
check_fails "over the max: upstream's message" 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2$' \
  bash -c "$(declare -f pod); pod big 2 2 | kubectl -n lr apply -f -"
check_fails "under the min" 'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m$' \
  bash -c "$(declare -f pod); pod small 50m 100m | kubectl -n lr apply -f -"
check_fails "over the ratio" 'cpu max limit to request ratio per Container is 4, but provided ratio is 5.000000' \
  bash -c "$(declare -f pod); pod ratio 100m 500m | kubectl -n lr apply -f -"
cat >"$WORK/pvc.yaml" <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: huge}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
YAML
check_fails "a claim over the PVC max" 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi' \
  kubectl -n lr apply -f "$WORK/pvc.yaml"
check_fails "LimitRange validation" 'spec.limits\[0\].min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1' \
  kubectl -n lr patch limitrange cpu-bounds --type=json -p '[{"op":"replace","path":"/spec/limits/0/min/cpu","value":"2"}]'

# ---- ResourceQuota
kubectl create namespace rq >/dev/null
cat >"$WORK/quota.yaml" <<'YAML'
apiVersion: v1
kind: ResourceQuota
metadata: {name: mem-cpu-demo}
spec:
  hard:
    pods: "3"
    requests.cpu: "1"
    limits.cpu: "2"
    limits.memory: 2Gi
    count/configmaps: "3"   # kube-root-ca.crt is one of them, as in any Kubernetes namespace
YAML
check "create a ResourceQuota" kubectl -n rq apply -f "$WORK/quota.yaml"
check "the controller fills status.hard and status.used" eventually 30 bash -c \
  "kubectl -n rq get quota mem-cpu-demo -o jsonpath='{.status.used.pods}' | grep -qx 0"
check_fails "a pod without a memory limit" 'pods "nomem" is forbidden: failed quota: mem-cpu-demo: must specify limits.memory for: c$' \
  bash -c "$(declare -f pod); pod nomem 500m 1 | kubectl -n rq apply -f -"
check "a pod within quota" bash -c "$(declare -f pod); pod small 500m 1 128Mi | kubectl -n rq apply -f -"
check_fails "a pod over quota" 'pods "big" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.cpu=900m, used: requests.cpu=500m, limited: requests.cpu=1$' \
  bash -c "$(declare -f pod); pod big 900m 1 128Mi | kubectl -n rq apply -f -"
check "kubectl describe quota shows the usage" bash -c "kubectl -n rq describe quota mem-cpu-demo | grep -Eq 'requests.cpu +500m +1'"
check_eq "kubectl get quota columns" "NAME AGE REQUEST LIMIT" bash -c "kubectl -n rq get quota | head -1 | tr -s ' '"
check "kubectl get quota cells" bash -c "kubectl -n rq get quota mem-cpu-demo --no-headers | grep -q 'count/configmaps: 1/3, pods: 1/3, requests.cpu: 500m/1 *limits.cpu: 1/2, limits.memory: 128Mi/2Gi'"
check "config map 2 of 3 (kube-root-ca.crt is the first)" kubectl -n rq create configmap a
check "config map 3 of 3" kubectl -n rq create configmap b
check_fails "config map 4 is over count/configmaps" 'configmaps "c" is forbidden: exceeded quota: mem-cpu-demo, requested: count/configmaps=1, used: count/configmaps=3, limited: count/configmaps=3' \
  kubectl -n rq create configmap c
check "deleting a config map gives its count back" bash -c "kubectl -n rq delete configmap a && for i in \$(seq 50); do kubectl -n rq create configmap c 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
check "deleting the pod gives its usage back" bash -c "kubectl -n rq delete pod small --grace-period=0 --force >/dev/null 2>&1; for i in \$(seq 100); do [ \"\$(kubectl -n rq get quota mem-cpu-demo -o jsonpath='{.status.used.requests\.cpu}')\" = 0 ] && exit 0; sleep 0.2; done; exit 1"

# 64 concurrent creates against a quota of 5 pods: exactly 5 admitted.
kubectl create namespace burst >/dev/null
kubectl -n burst create quota five --hard=pods=5 >/dev/null
check "the burst quota is counted" eventually 30 bash -c "kubectl -n burst get quota five -o jsonpath='{.status.used.pods}' | grep -qx 0"
clients=()
for i in $(seq 64); do
  kubectl -n burst run "p$i" --image=localhost/web:v1 >"$WORK/out.$i" 2>&1 &
  clients+=($!)
done
wait "${clients[@]}"  # the clients only: a bare `wait` would wait for the server too
check_eq "64 concurrent creates: 5 created" 5 bash -c "cat $WORK/out.* | grep -c '^pod/p[0-9]* created$'"
check_eq "... 59 refused with exceeded quota" 59 bash -c "cat $WORK/out.* | grep -c 'is forbidden: exceeded quota: five, requested: pods=1, used: pods=5, limited: pods=5$'"
check_eq "... 5 pods stored" 5 bash -c "kubectl -n burst get pods --no-headers | wc -l"
check_eq "... quota used 5" 5 kubectl -n burst get quota five -o jsonpath='{.status.used.pods}'

# ---- PodDisruptionBudget
kubectl create namespace pdb >/dev/null
kubectl -n pdb create deployment web --image=localhost/web:v1 --replicas=2 >/dev/null
check "the deployment is ready" kubectl -n pdb rollout status deploy/web --timeout=60s
check "create a PodDisruptionBudget" kubectl -n pdb create pdb web --selector=app=web --min-available=2
check_eq "kubectl get pdb columns" "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE" bash -c "kubectl -n pdb get pdb | head -1 | tr -s ' '"
# (JSON leaves out a zero disruptionsAllowed: the codec omits zero scalars; docs/policy.md.)
check "status: 2 healthy of 2 desired and expected" eventually 30 bash -c \
  "kubectl -n pdb get pdb web -o jsonpath='{.status.currentHealthy} {.status.desiredHealthy} {.status.expectedPods}' | grep -qx '2 2 2'"
check_eq "kubectl get pdb: 0 allowed" "web 2 N/A 0" bash -c "kubectl -n pdb get pdb web --no-headers | awk '{print \$1, \$2, \$3, \$4}'"
check "kubectl describe pdb" bash -c "kubectl -n pdb describe pdb web | grep -Eq 'Min available: +2' && kubectl -n pdb describe pdb web | grep -Eq 'Allowed disruptions: +0'"
check_eq "DisruptionAllowed False InsufficientPods" "False InsufficientPods" kubectl -n pdb get pdb web \
  -o jsonpath='{.status.conditions[?(@.type=="DisruptionAllowed")].status} {.status.conditions[?(@.type=="DisruptionAllowed")].reason}'
victim=$(kubectl -n pdb get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
echo "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$victim\",\"namespace\":\"pdb\"}}" >"$WORK/eviction.json"
check_fails "an eviction that violates the budget: 429 and upstream's message" \
  "Cannot evict pod as it would violate the pod's disruption budget" \
  kubectl -n pdb create --raw "/api/v1/namespaces/pdb/pods/$victim/eviction" -f "$WORK/eviction.json"
check "kubectl drain retries, printing upstream's message" bash -c \
  "timeout 8 kubectl drain \$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}') --pod-selector=app=web --delete-emptydir-data --timeout=7s 2>&1 | grep -q 'error when evicting pods/\"$victim\" -n \"pdb\" (will retry after 5s): Cannot evict pod as it would violate the pod.s disruption budget.' ; r=\$?; kubectl uncordon \$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}') >/dev/null; exit \$r"
check "relax the budget to maxUnavailable 1" kubectl -n pdb patch pdb web --type=merge -p '{"spec":{"minAvailable":null,"maxUnavailable":1}}'
check "status: 1 disruption allowed" eventually 30 bash -c "kubectl -n pdb get pdb web -o jsonpath='{.status.disruptionsAllowed}' | grep -qx 1"
check "the eviction is allowed now" kubectl -n pdb create --raw "/api/v1/namespaces/pdb/pods/$victim/eviction" -f "$WORK/eviction.json"
# Two pods without a controller and minAvailable 1: one eviction takes the one disruption, so a
# second at once is refused whatever the controller has seen since.
for p in solo-a solo-b; do kubectl -n pdb run $p --image=localhost/web:v1 --labels=app=solo >/dev/null; done
check "bare pods running" eventually 60 bash -c "[ \"\$(kubectl -n pdb get pods -l app=solo -o jsonpath='{.items[*].status.phase}')\" = 'Running Running' ]"
check "a budget of minAvailable 1" kubectl -n pdb create pdb solo --selector=app=solo --min-available=1
check "status: 1 allowed" eventually 30 bash -c "kubectl -n pdb get pdb solo -o jsonpath='{.status.currentHealthy} {.status.desiredHealthy} {.status.expectedPods} {.status.disruptionsAllowed}' | grep -qx '2 1 2 1'"
for p in solo-a solo-b; do echo "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$p\",\"namespace\":\"pdb\"}}" >"$WORK/$p.json"; done
check "evict solo-a" kubectl -n pdb create --raw /api/v1/namespaces/pdb/pods/solo-a/eviction -f "$WORK/solo-a.json"
check_fails "a second eviction at once is refused" "Cannot evict pod as it would violate the pod's disruption budget" \
  kubectl -n pdb create --raw /api/v1/namespaces/pdb/pods/solo-b/eviction -f "$WORK/solo-b.json"
check "the budget settles at 1 healthy, 0 allowed" eventually 60 bash -c "kubectl -n pdb get pdb solo -o jsonpath='{.status.currentHealthy}' | grep -qx 1 && kubectl -n pdb get pdb solo --no-headers | awk '{print \$4}' | grep -qx 0"

for ns in lr rq burst pdb; do kubectl delete namespace $ns --wait=false >/dev/null 2>&1; done
summary
[ $fail -eq 0 ]
