#!/usr/bin/env bash
# Integration test: one `capstan server` and three `capstan agent` processes (separate nodes on
# the simulated runtime, talking to the server over HTTPS with the server's kubeconfig).
# Pods spread over the nodes; graceful deletion goes through the node's agent; `kubectl label
# nodes` + nodeSelector steer pods; an agent killed with SIGKILL goes NotReady, the pods it ran
# are evicted after their (default, here shortened) toleration and replaced on the other nodes,
# and when the agent comes back the node is Ready again and its evicted pods are cleaned up.
#   multi_node_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-multi-node-test.XXXXXX")
AGENT_PIDS=()
stop_agents() {
  local pid
  for pid in "${AGENT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${AGENT_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  AGENT_PIDS=()
}
cleanup() { stop_agents; stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

# A short node grace period so the test does not wait the default 40 s (agents beat every 10 s),
# and default tolerations of 6 s instead of 300 s (the workloads plugin's admission adds them).
TOLERATION_S=6
CAPSTAN_ARGS="--plugin-config node-lifecycle={\"nodeMonitorGracePeriodSeconds\":25} --plugin-config workloads={\"defaultNotReadyTolerationSeconds\":$TOLERATION_S,\"defaultUnreachableTolerationSeconds\":$TOLERATION_S}" \
  start_server "$WORK/server" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

declare -A AGENT_OF
start_agent() { # NODE_NAME
  # shellcheck disable=SC2086
  "$CAPSTAN" agent --kubeconfig "$KUBECONFIG" --data-dir "$WORK/$1" --plugin-dir "$PLUGIN_DIR" --node-name "$1" \
    $SIM_NODE_ARGS >"$WORK/$1.log" 2>&1 </dev/null &
  AGENT_PIDS+=($!)
  AGENT_OF[$1]=$!
}
for n in node-a node-b node-c; do start_agent $n; done

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}
ready_nodes() { kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '=True$'; }
running_on() { kubectl get pods -l app=web --field-selector "spec.nodeName=$1,status.phase=Running" -o name | grep -v '^$' | wc -l; }
live_running() { # pods Running and not terminating
  kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase}/{.metadata.deletionTimestamp}{"\n"}{end}' | grep -c '^Running/$'
}


export -f ready_nodes running_on live_running
check "three agents register Ready nodes over HTTPS" eventually 60 bash -c "[ \"\$(ready_nodes)\" = 3 ]"
check_eq "nodes carry kubernetes.io/hostname" "node-a node-b node-c" \
  kubectl get nodes -o jsonpath='{.items[*].metadata.labels.kubernetes\.io/hostname}'
check "node leases are renewed by the agents" eventually 30 bash -c \
  "[ \"\$(kubectl -n kube-node-lease get leases -o name | wc -l)\" = 3 ]"

check "create a 6-replica deployment" kubectl create deployment web --image=localhost/web:v1 --replicas=6
check "rollout completes" kubectl rollout status deploy/web --timeout=90s
check_eq "pods get the default node-condition tolerations (DefaultTolerationSeconds)" \
  "node.kubernetes.io/not-ready:NoExecute:$TOLERATION_S,node.kubernetes.io/unreachable:NoExecute:$TOLERATION_S," \
  kubectl get pods -l app=web -o jsonpath='{range .items[0].spec.tolerations[*]}{.key}:{.effect}:{.tolerationSeconds},{end}'
check "pods spread over the three nodes" eventually 30 bash -c \
  "[ \$(running_on node-a) -ge 1 ] && [ \$(running_on node-b) -ge 1 ] && [ \$(running_on node-c) -ge 1 ]"
check "get pods -o wide shows the nodes" bash -c "kubectl get pods -o wide | grep -q node-b"

# Logs and exec go through the server to the pod's agent (the connect subresources' proxy).
some=$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
check "kubectl logs reaches the agent" eventually 20 bash -c "kubectl logs $some | grep -q 'sim: container'"
check "kubectl logs --timestamps" bash -c "kubectl logs $some --timestamps | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'"
check_fails "logs of a container the pod does not have" "container nope is not valid for pod $some" kubectl logs "$some" -c nope
check_eq "kubectl exec runs in the pod through its agent" "hello" kubectl exec "$some" -- echo hello
check_eq "kubectl exec returns the command's exit code" "3" bash -c "kubectl exec $some -- sh -c 'exit 3' 2>/dev/null; echo \$?"

# Graceful deletion: the pod is marked, its agent stops it and finishes the deletion.
victim=$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
check "delete a pod (graceful, through its agent)" kubectl delete pod "$victim" --wait=false
check "the pod is marked for deletion or gone" bash -c \
  "! kubectl get pod $victim -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null | grep -q '^$'"
check "the agent finishes the deletion" eventually 30 bash -c "! kubectl get pod $victim"
check "the deployment is whole again" eventually 60 bash -c "[ \"\$(live_running)\" = 6 ]"

check "label a node" kubectl label nodes node-c disk=ssd
check_eq "the label is there" "ssd" kubectl get node node-c -o jsonpath='{.metadata.labels.disk}'
cat >"$WORK/ssd.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: on-ssd}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: c, image: localhost/web:v1}]
YAML
check "a pod with a nodeSelector" kubectl apply -f "$WORK/ssd.yaml"
check "runs on the labelled node" eventually 30 bash -c \
  "[ \"\$(kubectl get pod on-ssd -o jsonpath='{.spec.nodeName}/{.status.phase}')\" = node-c/Running ]"
check "delete it" kubectl delete pod on-ssd --timeout=30s

# kubectl drain: cordon, then the pods/eviction subresource for each pod; they are replaced
# on the other nodes and the node takes no new pods until uncordoned.
check "drain a node (cordon + evictions)" kubectl drain node-c --ignore-daemonsets --timeout=60s
check_eq "the drained node is unschedulable" "true" kubectl get node node-c -o jsonpath='{.spec.unschedulable}'
check "its pods run elsewhere" eventually 60 bash -c "[ \$(running_on node-c) = 0 ] && [ \"\$(live_running)\" = 6 ]"
check "uncordon" kubectl uncordon node-c

# SIGKILL one agent: its node goes NotReady after the grace period and is tainted unreachable;
# its pods stay for their toleration ($TOLERATION_S s), then are evicted and replaced on the two
# others.
on_b=$(running_on node-b)
kill -KILL "${AGENT_OF[node-b]}"
check "the killed agent's node goes NotReady" eventually 60 bash -c \
  "[ \"\$(kubectl get node node-b -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = Unknown ]"
check "the node is tainted unreachable" eventually 5 bash -c "kubectl get node node-b -o jsonpath='{.spec.taints[*].key}' | grep -q node.kubernetes.io/unreachable"
tainted_at=$(date +%s%N)
not_terminating_on_b() {
  kubectl get pods -l app=web -o jsonpath='{range .items[?(@.spec.nodeName=="node-b")]}x{.metadata.deletionTimestamp}{"\n"}{end}' | grep -cx x
}
export -f not_terminating_on_b
check_eq "its $on_b pods are kept while they tolerate the taint" "$on_b" not_terminating_on_b
check "then evicted (none left that is not terminating)" eventually 60 bash -c "[ \"\$(not_terminating_on_b)\" = 0 ]"
evicted_after_ms=$((($(date +%s%N) - tainted_at) / 1000000))
echo "time: eviction ${evicted_after_ms} ms after the taint was seen (toleration ${TOLERATION_S} s)"
check "not before the toleration ran out (${evicted_after_ms} ms >= $((TOLERATION_S - 1))000 ms)" \
  test "$evicted_after_ms" -ge $(((TOLERATION_S - 1) * 1000))
check "TaintManagerEviction events are recorded" bash -c \
  "kubectl get events --field-selector reason=TaintManagerEviction -o name | grep -q ."
check "its $on_b pods are replaced on the other nodes" eventually 90 bash -c \
  "[ \$((\$(running_on node-a) + \$(running_on node-c))) -ge 6 ]"
check "the deployment reports 6 available" eventually 60 bash -c \
  "[ \"\$(kubectl get deploy web -o jsonpath='{.status.availableReplicas}')\" = 6 ]"

# The node comes back (its agent starts again with the same data dir): Ready, untainted, and the
# evicted pods it still had are stopped and their objects removed by its agent.
start_agent node-b
check "the returning node is Ready again" eventually 60 bash -c \
  "[ \"\$(kubectl get node node-b -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
check "its unreachable taint is removed" eventually 30 bash -c \
  "! kubectl get node node-b -o jsonpath='{.spec.taints[*].key}' | grep -q node.kubernetes.io/unreachable"
check "its stale (evicted) pods are cleaned up" eventually 60 bash -c \
  "[ -z \"\$(kubectl get pods -l app=web --field-selector spec.nodeName=node-b -o name)\" ]"
check "the deployment still has 6 available" eventually 30 bash -c \
  "[ \"\$(kubectl get deploy web -o jsonpath='{.status.availableReplicas}')\" = 6 ]"
check "delete the deployment" kubectl delete deploy web --wait=false
summary
[ $fail -eq 0 ]
