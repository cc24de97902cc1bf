#!/usr/bin/env bash
# Integration test: deletion propagation through the garbage collector plugin, with kubectl.
#   garbage_collection_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Background deletes dependents, Orphan strips their ownerReferences and keeps them, Foreground
# deletes dependents before the owner. Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-gc-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"
start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

dependent_of() { # OWNER DEPENDENT: creates DEPENDENT owned by the ConfigMap OWNER
  local uid
  uid=$(kubectl get cm "$1" -o jsonpath='{.metadata.uid}')
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: $2
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: $1, uid: "$uid", blockOwnerDeletion: true}]
data: {k: v}
YAML
}
gone() { ! kubectl get cm "$1" >/dev/null 2>&1; }
eventually() { local i; for ((i = 0; i < 50; i++)); do "$@" && return 0; sleep 0.2; done; return 1; }

for policy in background orphan foreground; do
  kubectl create cm "owner-$policy" >/dev/null
  dependent_of "owner-$policy" "dep-$policy"
done
dependent_of owner-background dep2-background

check "delete --cascade=background" kubectl delete cm owner-background --cascade=background --timeout=20s
check "background: dependents are collected" eventually bash -c "! kubectl get cm dep-background dep2-background 2>/dev/null | grep -q dep"

check "delete --cascade=orphan waits for the collector" kubectl delete cm owner-orphan --cascade=orphan --timeout=20s
check "orphan: the owner is gone" gone owner-orphan
check_eq "orphan: the dependent stays, without ownerReferences" "dep-orphan:" \
  kubectl get cm dep-orphan -o jsonpath='{.metadata.name}:{.metadata.ownerReferences}'

check "delete --cascade=foreground waits for dependents" kubectl delete cm owner-foreground --cascade=foreground --timeout=20s
check "foreground: dependent deleted" gone dep-foreground
check "foreground: owner deleted" gone owner-foreground

# A dependent whose owner never existed is collected too.
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: stray
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: nobody, uid: 00000000-0000-4000-8000-000000000000}]
YAML
check "a dependent of a missing owner is collected" eventually gone stray

summary
[ $fail -eq 0 ]
