#!/usr/bin/env bash
# Integration test: a HorizontalPodAutoscaler (autoscaling/v2) on `capstan up` with the simulated
# runtime, whose containers each burn a steady 1m of CPU that the node agent publishes as
# PodMetrics: with a 1m CPU request that is 100 % against a 50 % target, so the HPA scales the
# Deployment up to its maximum; `kubectl get hpa` shows the columns and `cpu: N%/50%`.
# `kubectl autoscale` works with kubectl 1.33 (autoscaling/v2) and is refused with 1.32 and older
# (autoscaling/v1, not served: plugins/kinds-autoscaling/README.md).
#   hpa_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-hpa-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"
CAPSTAN_COMMAND=up \
  CAPSTAN_ARGS="--runtime sim --disable bridge --disable service-proxy --disable cluster-dns --plugin-config node-agent={\"port\":0,\"metricsInterval\":2}" \
  start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}

check "the node registers" eventually 60 bash -c "kubectl get nodes --no-headers | grep -q ' Ready '"
check "create deployment burner" kubectl create deployment burner --image=localhost/web:v1
check "request 1m of CPU" kubectl set resources deployment burner --requests=cpu=1m
check "rollout" kubectl rollout status deploy/burner --timeout=60s
check "kubectl top shows the pod's CPU" eventually 60 bash -c "kubectl top pods -l app=burner --no-headers | grep -Eq ' [0-9]+m '"
# kubectl 1.33 writes autoscaling/v2, which is served; 1.32 and older write autoscaling/v1, which
# is not (plugins/kinds-autoscaling/README.md). Both releases are tried where installed.
kdir=$(dirname "$(readlink -f "$(command -v kubectl)")")
if [ -x "$kdir/kubectl.1.33" ]; then
  check "kubectl 1.33 autoscale (writes autoscaling/v2)" \
    "$kdir/kubectl.1.33" autoscale deployment burner --cpu-percent=50 --min=1 --max=3
  check "... its HPA is served as autoscaling/v2 with the limits and the CPU target" bash -c \
    "kubectl get hpa burner -o jsonpath='{.apiVersion} {.spec.minReplicas} {.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}' | grep -qx 'autoscaling/v2 1 3 50'"
  check "... and deleted" kubectl delete hpa burner
fi
if [ -x "$kdir/kubectl.1.32" ]; then
  check_fails "kubectl 1.32 autoscale (writes autoscaling/v1) is not served" "could not find the requested resource|NotFound|not found" \
    "$kdir/kubectl.1.32" autoscale deployment burner --cpu-percent=50 --min=1 --max=3
fi
cat >"$WORK/hpa.yaml" <<'YAML'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: burner}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burner}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
YAML
check "create an autoscaling/v2 HPA" kubectl apply -f "$WORK/hpa.yaml"
check_eq "kubectl get hpa columns" "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE" bash -c "kubectl get hpa | head -1 | tr -s ' '"
check "the HPA scales the deployment up under CPU load" eventually 120 bash -c \
  "[ \"\$(kubectl get deploy burner -o jsonpath='{.spec.replicas}')\" -ge 2 ]"
check "it stops at maxReplicas" eventually 120 bash -c "[ \"\$(kubectl get deploy burner -o jsonpath='{.spec.replicas}')\" = 3 ]"
check "kubectl get hpa reports the utilisation" eventually 60 bash -c "kubectl get hpa burner | grep -Eq 'Deployment/burner +cpu: [0-9]+%/50% +1 +3 '"
check "ScalingActive ValidMetricFound" bash -c \
  "kubectl get hpa burner -o jsonpath='{.status.conditions[?(@.type==\"ScalingActive\")].reason}' | grep -qx ValidMetricFound"
check "describe hpa shows SuccessfulRescale" bash -c "kubectl describe hpa burner | grep -q 'SuccessfulRescale.*New size: '"
check_fails "validation: maxReplicas below minReplicas" 'spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`' \
  kubectl patch hpa burner --type=merge -p '{"spec":{"minReplicas":2,"maxReplicas":1}}'
check "delete the HPA" kubectl delete hpa burner
check "delete the deployment" kubectl delete deploy burner --wait=false
summary
[ $fail -eq 0 ]
