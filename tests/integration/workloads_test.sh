#!/usr/bin/env bash
# Integration test: workloads on `capstan up` with the simulated runtime — scheduler, node agent,
# ReplicaSet/Deployment controllers and garbage collection driven with kubectl, then the
# `deployments` section of the acceptance walkthrough with WALK_RUNTIME=sim.
#   workloads_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-workloads-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"
CAPSTAN_COMMAND=up CAPSTAN_ARGS=$SIM_NODE_ARGS start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

eventually() { local i; for ((i = 0; i < 150; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
ready() { [ "$(kubectl get deploy "$1" -o jsonpath='{.status.readyReplicas}')" = "$2" ]; }

# (The STATUS column prints the Ready condition's status until the Node printer computes "Ready".)
check "the node registers and is Ready" eventually bash -c \
  "kubectl get nodes -o jsonpath='{.items[0].status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
check "create deployment" kubectl create deployment web --image=localhost/web:v1 --replicas=3
check "rollout status" kubectl rollout status deploy/web --timeout=60s
check_eq "3 ready replicas" "3" kubectl get deploy web -o jsonpath='{.status.readyReplicas}'
check "pods are Running on the node with an IP" eventually bash -c \
  "[ \"\$(kubectl get pods -l app=web --field-selector status.phase=Running -o name | wc -l)\" = 3 ] && kubectl get pods -l app=web -o jsonpath='{.items[*].status.podIP}' | grep -Eq '[0-9]+\.[0-9]+'"
check "scale to 5" kubectl scale deploy web --replicas=5
check "5 ready" eventually ready web 5
check "set image rolls out" kubectl set image deploy/web web=localhost/web:v2
check "rolling update completes" kubectl rollout status deploy/web --timeout=60s
check_eq "two ReplicaSets in history" "2" bash -c "kubectl get rs -l app=web --no-headers | wc -l | tr -d ' '"
check "rollout undo" kubectl rollout undo deploy/web
check "rollback completes" kubectl rollout status deploy/web --timeout=60s
check_eq "back on v1" "localhost/web:v1" kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'
victim=$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
check "delete a pod" kubectl delete pod "$victim" --timeout=30s
check "it is replaced" eventually bash -c \
  "[ \"\$(kubectl get deploy web -o jsonpath='{.status.readyReplicas}')\" = 5 ] && ! kubectl get pod $victim"
cat >"$WORK/huge.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers: [{name: c, image: busybox, resources: {requests: {cpu: "5000"}}}]
YAML
check "a pod larger than the node is accepted" kubectl apply -f "$WORK/huge.yaml"
check "and stays Pending with FailedScheduling" eventually bash -c \
  "kubectl describe pod huge | grep -q 'FailedScheduling' && kubectl describe pod huge | grep -q 'Insufficient cpu'"
check "delete deployment" kubectl delete deploy web --timeout=30s
check "its ReplicaSets and pods are collected" eventually bash -c "[ -z \"\$(kubectl get rs,pods -l app=web -o name)\" ]"

WALK=$REPO_ROOT/../shared/acceptance/seed-walkthrough.sh
if [ -f "$WALK" ]; then
  out=$(WALK_RUNTIME=sim WALK_TIMEOUT=60 bash "$WALK" deployments 2>&1)
  echo "$out" | grep -E '^(PASS|FAIL|SKIP) ' | sed 's/^/walkthrough: /'
  p=$(echo "$out" | grep -c '^PASS ')
  f=$(echo "$out" | grep -c '^FAIL ')
  pass=$((pass + p)); fail=$((fail + f))
  while IFS= read -r n; do [ -n "$n" ] && failed+=("walkthrough: $n"); done \
    < <(echo "$out" | grep '^FAIL ' | sed 's/^FAIL //')
else
  skipped "walkthrough deployments section" "shared/acceptance not found beside the repository"
fi

# ---- Events of the workload controllers, as `kubectl describe` shows them (self-contained block).
ev_describe() { kubectl describe "$1" "$2" 2>/dev/null | grep -q -- "$3"; }
check "events: create deployment evt" kubectl create deployment evt --image=localhost/web:v1 --replicas=2
check "events: rollout" kubectl rollout status deploy/evt --timeout=60s
evt_rs=$(kubectl get rs -l app=evt -o jsonpath='{.items[0].metadata.name}')
check "events: describe deployment shows the scale-up" eventually ev_describe deployment evt \
  "ScalingReplicaSet.*Scaled up replica set $evt_rs to 2"
check "events: describe rs shows SuccessfulCreate" eventually ev_describe rs "$evt_rs" \
  "SuccessfulCreate.*Created pod: $evt_rs-"
check "events: scale to 3" kubectl scale deploy evt --replicas=3
check "events: scaled up from 2" eventually ev_describe deployment evt "Scaled up replica set $evt_rs to 3 from 2"
check "events: scale to 1" kubectl scale deploy evt --replicas=1
check "events: scaled down from 3" eventually ev_describe deployment evt "Scaled down replica set $evt_rs to 1 from 3"
check "events: describe rs shows SuccessfulDelete" eventually ev_describe rs "$evt_rs" "SuccessfulDelete.*Deleted pod: $evt_rs-"
check_eq "events: source component" "replicaset-controller" bash -c \
  "kubectl get events --field-selector involvedObject.name=$evt_rs,reason=SuccessfulCreate -o jsonpath='{.items[0].source.component}'"
check "events: delete deployment evt" kubectl delete deploy evt --timeout=30s

summary
[ $fail -eq 0 ]
