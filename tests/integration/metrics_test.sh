#!/usr/bin/env bash
# Integration test: the resource metrics API (metrics.k8s.io/v1beta1) on `capstan up` with the
# simulated runtime, whose containers use 1 millicore and 1 MiB each: the node agent publishes
# PodMetrics and NodeMetrics every second, and kubectl top pod / top pod -l / top pod --containers
# / top node print them; a pod's metrics go with the pod. Only loopback is used.
#   metrics_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-metrics-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

CAPSTAN_COMMAND=up \
  CAPSTAN_ARGS="--runtime sim --disable bridge --disable service-proxy --disable cluster-dns --node-name metrics-node --plugin-config node-agent={\"port\":0,\"metricsInterval\":1}" \
  start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

eventually() { local i; for ((i = 0; i < 100; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
# Table rows without repeated or trailing blanks, sorted: "web 2m 2Mi".
squeeze() { "$@" 2>&1 | tr -s ' ' | sed 's/ *$//' | sort; }

check "discovery lists metrics.k8s.io/v1beta1" bash -c "kubectl api-versions | grep -qx metrics.k8s.io/v1beta1"
check "the node registers" eventually kubectl get node metrics-node

cat >"$WORK/pods.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - {name: main, image: busybox:1.36, command: [sh, -c, "sleep 3600"]}
  - {name: side, image: busybox:1.36, command: [sh, -c, "sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec:
  containers:
  - {name: main, image: busybox:1.36, command: [sh, -c, "sleep 3600"]}
YAML
check "create two pods" kubectl apply -f "$WORK/pods.yaml"
check "they run" kubectl wait --for=condition=Ready pod/web pod/db --timeout=30s

# Core pods and nodes are unaffected by the metrics group serving the same plurals.
check "kubectl get pods still lists core pods" bash -c "kubectl get pods -o name | sort | tr '\n' ' ' | grep -qx 'pod/db pod/web '"
check "kubectl get nodes still lists core nodes" bash -c "kubectl get nodes -o name | grep -qx node/metrics-node"

check "PodMetrics appear" eventually kubectl get pods.metrics.k8s.io web db
check_eq "kubectl top pod" "db 1m 1Mi
web 2m 2Mi" squeeze kubectl top pod --no-headers
check_eq "kubectl top pod -l" "web 2m 2Mi" squeeze kubectl top pod -l app=web --no-headers
check_eq "kubectl top pod NAME" "db 1m 1Mi" squeeze kubectl top pod db --no-headers
check_eq "kubectl top pod --containers" "web main 1m 1Mi
web side 1m 1Mi" squeeze kubectl top pod web --containers --no-headers
check_eq "kubectl top pod -A" "default db 1m 1Mi
default web 2m 2Mi" squeeze kubectl top pod -A --no-headers
check_eq "PodMetrics carry the pod's labels" "web" kubectl get pods.metrics.k8s.io web -o jsonpath='{.metadata.labels.app}'
check_eq "PodMetrics are owned by the pod" "Pod/web/$(kubectl get pod web -o jsonpath='{.metadata.uid}')" \
  kubectl get pods.metrics.k8s.io web -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].uid}'
check "PodMetrics have a window and a timestamp" bash -c \
  "kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web | grep -q '\"window\":\"[0-9.]*m\\?s\"' &&
   kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web | grep -Eq '\"timestamp\":\"[0-9-]+T[0-9:]+Z\"'"

# The node: the machine's usage (a real node), so only the shape is checked.
check "NodeMetrics appear" eventually kubectl get nodes.metrics.k8s.io metrics-node
check "kubectl top node" bash -c \
  "kubectl top node --no-headers | grep -Eq '^metrics-node +[0-9]+m +[0-9]+% +[0-9]+Mi +[0-9]+%'"
check "kubectl top node NAME" bash -c "kubectl top node metrics-node --no-headers | grep -q '^metrics-node '"
check "kubectl top node -l" bash -c \
  "kubectl top node -l kubernetes.io/hostname=metrics-node --no-headers | grep -q '^metrics-node '"

# A pod's metrics go with it (the agent stops publishing; the collector removes them by owner).
check "delete pod web" kubectl delete pod web --timeout=30s
check "its PodMetrics are gone" eventually bash -c "! kubectl get pods.metrics.k8s.io web"
check_eq "kubectl top pod lists the remaining pod" "db 1m 1Mi" squeeze kubectl top pod --no-headers
check "delete the rest" kubectl delete pod --all --timeout=30s
check "no PodMetrics are left" eventually bash -c "[ -z \"\$(kubectl get pods.metrics.k8s.io -o name)\" ]"

summary
[ $fail -eq 0 ]
