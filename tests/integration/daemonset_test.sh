#!/usr/bin/env bash
# Integration test: DaemonSets on one `capstan server` and three `capstan agent` nodes (simulated
# runtime), driven with the real kubectl: a pod per node, `kubectl get ds` columns, nodeSelector,
# taints and cordoned nodes, rolling update with `kubectl rollout status|history|undo ds`,
# ControllerRevisions, OnDelete, nodes joining and leaving, deletion; then the walkthrough's
# `daemonsets` section with WALK_RUNTIME=sim.
#   daemonset_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-daemonset-test.XXXXXX")
declare -A AGENT_OF
stop_agent() { # NODE
  local pid=${AGENT_OF[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  unset "AGENT_OF[$1]"
}
cleanup() { local n; for n in "${!AGENT_OF[@]}"; do stop_agent "$n"; done; stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

start_server "$WORK/server" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }
start_agent() { # NODE_NAME
  # shellcheck disable=SC2086
  "$CAPSTAN" agent --kubeconfig "$KUBECONFIG" --data-dir "$WORK/$1" --plugin-dir "$PLUGIN_DIR" --node-name "$1" \
    $SIM_NODE_ARGS >"$WORK/$1.log" 2>&1 </dev/null &
  AGENT_OF[$1]=$!
}
for n in node-a node-b node-c; do start_agent $n; done

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}
ready_nodes() { kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '=True$'; }
# "node:phase" of the live (not terminating) pods of a DaemonSet, sorted.
placed() {
  kubectl get pods -l "name=$1" -o jsonpath='{range .items[*]}{.spec.nodeName}:{.status.phase}:{.metadata.deletionTimestamp}{"\n"}{end}' |
    grep -v ':[^:]\+$' | sed 's/:$//' | sort | tr '\n' ' ' | sed 's/ $//'
}
images() { kubectl get pods -l "name=$1" -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
export -f ready_nodes placed images

check "three agents register Ready nodes" eventually 60 bash -c "[ \"\$(ready_nodes)\" = 3 ]"

cat >"$WORK/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector:
    matchLabels: {name: agent}
  template:
    metadata:
      labels: {name: agent}
    spec:
      containers: [{name: a, image: localhost/web:v1}]
YAML
check "create a DaemonSet" kubectl apply -f "$WORK/ds.yaml"
check "a Running pod on each node" eventually 60 bash -c \
  "[ \"\$(placed agent)\" = 'node-a:Running node-b:Running node-c:Running' ]"
check "rollout status ds" kubectl rollout status ds/agent --timeout=60s
check_eq "kubectl get ds columns" "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE" \
  bash -c "kubectl get ds | head -1 | tr -s ' '"
check "kubectl get ds counts" eventually 20 bash -c \
  "kubectl get ds agent --no-headers | grep -Eq '^agent +3 +3 +3 +3 +3 +<none> '"
check_eq "kubectl get ds -o wide adds CONTAINERS IMAGES SELECTOR" "CONTAINERS IMAGES SELECTOR" \
  bash -c "kubectl get ds -o wide | head -1 | tr -s ' ' | cut -d' ' -f10-12"
check_eq "defaults: RollingUpdate, maxUnavailable 1, maxSurge 0" "RollingUpdate 1 0" \
  kubectl get ds agent -o jsonpath='{.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.maxUnavailable} {.spec.updateStrategy.rollingUpdate.maxSurge}'
check "daemon pods tolerate unschedulable and not-ready nodes" bash -c \
  "kubectl get pods -l name=agent -o jsonpath='{.items[0].spec.tolerations[*].key}' | grep -q node.kubernetes.io/unschedulable && kubectl get pods -l name=agent -o jsonpath='{.items[0].spec.tolerations[*].key}' | grep -q node.kubernetes.io/not-ready"
check "daemon pods carry node affinity to their node" bash -c \
  "kubectl get pods -l name=agent -o jsonpath='{.items[*].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key}' | grep -q metadata.name"
check "one ControllerRevision" eventually 10 bash -c \
  "[ \"\$(kubectl get controllerrevisions -l name=agent --no-headers | wc -l)\" = 1 ]"
check "kubectl get controllerrevisions shows the controller" bash -c \
  "kubectl get controllerrevisions --no-headers | grep -Eq '^agent-[a-z0-9]+ +daemonset.apps/agent +1 '"
check_fails "validation: maxSurge and maxUnavailable both set" "may not be set when maxUnavailable is non-zero" \
  kubectl patch ds agent --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1}}}}'

# A cordoned node still runs daemon pods (they tolerate unschedulable).
check "cordon node-b" kubectl cordon node-b
victim=$(kubectl get pods -l name=agent --field-selector spec.nodeName=node-b -o jsonpath='{.items[0].metadata.name}')
check "delete the daemon pod on the cordoned node" kubectl delete pod "$victim" --timeout=30s
check "it is replaced on the cordoned node" eventually 60 bash -c \
  "[ \"\$(placed agent)\" = 'node-a:Running node-b:Running node-c:Running' ]"
check "uncordon node-b" kubectl uncordon node-b

# Rolling update, history and undo.
check "set image" kubectl set image ds/agent a=localhost/web:v2
check "rolling update completes" kubectl rollout status ds/agent --timeout=120s
check_eq "every pod runs v2" "localhost/web:v2" images agent
check "one pod per node after the update" eventually 30 bash -c \
  "[ \"\$(placed agent)\" = 'node-a:Running node-b:Running node-c:Running' ]"
check_eq "two ControllerRevisions" "2" bash -c "kubectl get controllerrevisions -l name=agent --no-headers | wc -l | tr -d ' '"
check "rollout history lists revisions 1 and 2" bash -c \
  "kubectl rollout history ds/agent | grep -Eq '^1 ' && kubectl rollout history ds/agent | grep -Eq '^2 '"
check "rollout history --revision=1 shows v1" bash -c "kubectl rollout history ds/agent --revision=1 | grep -q 'localhost/web:v1'"
check "rollout undo" kubectl rollout undo ds/agent
check "rollback completes" kubectl rollout status ds/agent --timeout=120s
check_eq "back on v1" "localhost/web:v1" kubectl get ds agent -o jsonpath='{.spec.template.spec.containers[0].image}'
check "every pod runs v1 again" eventually 60 bash -c "[ \"\$(images agent)\" = localhost/web:v1 ]"
check "the old revision is renumbered 3" eventually 10 bash -c \
  "kubectl rollout history ds/agent | grep -Eq '^3 ' && ! kubectl rollout history ds/agent | grep -Eq '^1 '"
check_fails "undo to a revision that does not exist" "unable to find specified revision 9" kubectl rollout undo ds/agent --to-revision=9

# OnDelete: a template change waits until pods are deleted.
check "switch to OnDelete" kubectl patch ds agent --type=merge -p '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}'
check "set image v2 under OnDelete" kubectl set image ds/agent a=localhost/web:v2
check "the controller observes the new generation" eventually 20 bash -c \
  "[ \"\$(kubectl get ds agent -o jsonpath='{.status.observedGeneration}')\" = \"\$(kubectl get ds agent -o jsonpath='{.metadata.generation}')\" ]"
sleep 2
check_eq "pods keep v1" "localhost/web:v1" images agent
check_eq "UP-TO-DATE is 0" "0" kubectl get ds agent -o jsonpath='{.status.updatedNumberScheduled}{"0"}' 
victim=$(kubectl get pods -l name=agent --field-selector spec.nodeName=node-a -o jsonpath='{.items[0].metadata.name}')
check "delete the pod on node-a" kubectl delete pod "$victim" --timeout=30s
check "node-a's replacement runs v2" eventually 60 bash -c \
  "[ \"\$(kubectl get pods -l name=agent --field-selector spec.nodeName=node-a,status.phase=Running -o jsonpath='{.items[*].spec.containers[0].image}')\" = localhost/web:v2 ]"
check_eq "the other nodes still run v1" "localhost/web:v1 localhost/web:v1" bash -c \
  "kubectl get pods -l name=agent --field-selector spec.nodeName!=node-a -o jsonpath='{.items[*].spec.containers[0].image}'"

# Node selection: a nodeSelector, and a NoExecute taint.
check "label node-c disk=ssd" kubectl label nodes node-c disk=ssd
cat >"$WORK/ssd.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ssd}
spec:
  selector:
    matchLabels: {name: ssd}
  template:
    metadata:
      labels: {name: ssd}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: a, image: localhost/web:v1}]
YAML
check "a DaemonSet with a nodeSelector" kubectl apply -f "$WORK/ssd.yaml"
check "runs only on the labelled node" eventually 60 bash -c "[ \"\$(placed ssd)\" = 'node-c:Running' ]"
check "NODE SELECTOR column" bash -c "kubectl get ds ssd --no-headers | grep -Eq ' disk=ssd '"
check "label node-a too" kubectl label nodes node-a disk=ssd
check "a pod follows the label" eventually 60 bash -c "[ \"\$(placed ssd)\" = 'node-a:Running node-c:Running' ]"
check "remove the label from node-c" kubectl label nodes node-c disk-
check "its pod goes" eventually 60 bash -c "[ \"\$(placed ssd)\" = 'node-a:Running' ]"
check "taint node-a NoExecute" kubectl taint nodes node-a maintenance=yes:NoExecute
check "the pod on the tainted node goes" eventually 60 bash -c "[ -z \"\$(placed ssd)\" ]"
check_eq "DESIRED is 0" "0" kubectl get ds ssd -o jsonpath='{.status.desiredNumberScheduled}'
check "remove the taint" kubectl taint nodes node-a maintenance=yes:NoExecute-
check "the pod comes back" eventually 60 bash -c "[ \"\$(placed ssd)\" = 'node-a:Running' ]"

# Nodes joining and leaving.
start_agent node-d
check "a node that joins gets a daemon pod" eventually 60 bash -c "kubectl get pods -l name=agent -o wide | grep -q node-d"
check "DESIRED follows the nodes" eventually 30 bash -c \
  "[ \"\$(kubectl get ds agent -o jsonpath='{.status.desiredNumberScheduled}')\" = 4 ]"
stop_agent node-d
check "delete node-d" kubectl delete node node-d --timeout=30s
check "a node that leaves loses its daemon pod" eventually 60 bash -c "! kubectl get pods -l name=agent -o wide | grep -q node-d"
check "DESIRED is 3 again" eventually 30 bash -c \
  "[ \"\$(kubectl get ds agent -o jsonpath='{.status.desiredNumberScheduled}')\" = 3 ]"

check "describe ds shows SuccessfulCreate events" bash -c "kubectl describe ds agent | grep -q 'SuccessfulCreate.*Created pod: agent-'"
check "delete the DaemonSets" kubectl delete ds agent ssd --timeout=60s
check "their pods and revisions are collected" eventually 60 bash -c \
  "[ -z \"\$(kubectl get pods,controllerrevisions -l 'name in (agent,ssd)' -o name)\" ]"

WALK=$REPO_ROOT/../shared/acceptance/seed-walkthrough.sh
if [ -f "$WALK" ]; then
  out=$(WALK_RUNTIME=sim WALK_TIMEOUT=60 bash "$WALK" daemonsets 2>&1)
  echo "$out" | grep -E '^(PASS|FAIL|SKIP) ' | sed 's/^/walkthrough: /'
  p=$(echo "$out" | grep -c '^PASS ')
  f=$(echo "$out" | grep -c '^FAIL ')
  pass=$((pass + p)); fail=$((fail + f))
  while IFS= read -r n; do [ -n "$n" ] && failed+=("walkthrough: $n"); done \
    < <(echo "$out" | grep '^FAIL ' | sed 's/^FAIL //')
else
  skipped "walkthrough daemonsets section" "shared/acceptance not found beside the repository"
fi
summary
[ $fail -eq 0 ]
