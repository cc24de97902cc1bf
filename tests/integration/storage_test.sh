#!/usr/bin/env bash
# Integration test: the storage kinds and StatefulSets on one `capstan server` and two simulated
# `capstan agent` nodes, driven with the real kubectl. No provisioner or binder runs here (the CSI
# half is tested on its own): claims are bound by hand where a test needs a bound claim.
#   storage_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Covers: `kubectl get pv|pvc|sc|csidriver|csinode|volumeattachment` columns, defaulting and
# upstream's validation messages, the default StorageClass, the protection finalizers, the
# scheduler's claim checks, and StatefulSets: OrderedReady creation, identity, scale-down from the
# highest ordinal, rolling update with partition, rollout status|history|undo, claim templates.
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-storage-test.XXXXXX")
declare -A AGENT_OF
WATCH_PID=
cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
  local n
  for n in "${!AGENT_OF[@]}"; do kill -TERM "${AGENT_OF[$n]}" 2>/dev/null; wait "${AGENT_OF[$n]}" 2>/dev/null; done
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

# The kinds, their rules and the StatefulSet controller, without the binder and provisioner
# (plugins/storage-csi, which tests/integration/storage_csi_test.sh covers): this test binds and
# releases volumes by hand, applies its own default class and CSINode, and checks the phases
# objects have before any binder acts on them.
CAPSTAN_ARGS="--disable storage-csi" start_server "$WORK/server" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }
for n in node-a node-b; do
  # shellcheck disable=SC2086
  "$CAPSTAN" agent --kubeconfig "$KUBECONFIG" --data-dir "$WORK/$n" --plugin-dir "$PLUGIN_DIR" --node-name "$n" \
    $SIM_NODE_ARGS --plugin-config 'node-agent={"csiHostPath":false}' >"$WORK/$n.log" 2>&1 </dev/null &
  AGENT_OF[$n]=$!
done

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}
header() { kubectl get "$1" 2>&1 | head -1 | tr -s ' '; }
ready_nodes() { kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '=True$'; }
export -f ready_nodes
check "two agents register Ready nodes" eventually 60 bash -c "[ \"\$(ready_nodes)\" = 2 ]"

# ---- StorageClasses, the default class, the columns.
cat >"$WORK/classes.yaml" <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: example.com/nothing
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: immediate}
provisioner: example.com/nothing
parameters: {speed: fast}
YAML
check "create two StorageClasses" kubectl apply -f "$WORK/classes.yaml"
check_eq "kubectl get sc columns" "NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE" header sc
check "the default class is marked" bash -c \
  "kubectl get sc --no-headers | grep -Eq '^standard \(default\) +example.com/nothing +Delete +WaitForFirstConsumer +true '"
check "defaults: Delete, Immediate, no expansion" bash -c \
  "kubectl get sc immediate --no-headers | grep -Eq '^immediate +example.com/nothing +Delete +Immediate +false '"
check_fails "class parameters are immutable" "parameters: Forbidden: updates to parameters are forbidden." \
  kubectl patch sc immediate --type=merge -p '{"parameters":{"speed":"slow"}}'
check_fails "class provisioner is immutable" "provisioner: Forbidden: updates to provisioner are forbidden." \
  kubectl patch sc immediate --type=merge -p '{"provisioner":"example.com/other"}'
check "sc short name" kubectl get sc standard

# ---- Claims.
check_fails "a claim without a size" 'spec.resources\[storage\]: Required value' bash -c \
  "kubectl create -f - <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: nosize}
spec: {accessModes: [ReadWriteOnce]}
YAML"
cat >"$WORK/claims.yaml" <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: plain}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: now}
spec:
  storageClassName: immediate
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
check "create claims" kubectl apply -f "$WORK/claims.yaml"
check_eq "kubectl get pvc columns" "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE" header pvc
check_eq "a claim without a class gets the default one" "standard" kubectl get pvc plain -o jsonpath='{.spec.storageClassName}'
check_eq "claim defaults: Filesystem, Pending, pvc-protection" "Filesystem Pending kubernetes.io/pvc-protection" \
  kubectl get pvc plain -o jsonpath='{.spec.volumeMode} {.status.phase} {.metadata.finalizers[*]}'
check "kubectl get pvc row" bash -c "kubectl get pvc now --no-headers | grep -Eq '^now +Pending +immediate +<unset> '"
check_fails "the access modes of a claim are immutable" "spec is immutable after creation except resources.requests" \
  kubectl patch pvc plain --type=merge -p '{"spec":{"accessModes":["ReadWriteMany"]}}'

# ---- Volumes.
cat >"$WORK/pv.yaml" <<'YAML'
apiVersion: v1
kind: PersistentVolume
metadata: {name: manual}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: immediate
  hostPath: {path: /tmp/capstan-storage-test-never-mounted}
YAML
check "create a PersistentVolume" kubectl apply -f "$WORK/pv.yaml"
check_eq "kubectl get pv columns" \
  "NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE" header pv
check_eq "volume defaults: Retain, Filesystem, Pending, pv-protection" "Retain Filesystem Pending kubernetes.io/pv-protection" \
  kubectl get pv manual -o jsonpath='{.spec.persistentVolumeReclaimPolicy} {.spec.volumeMode} {.status.phase} {.metadata.finalizers[*]}'
check "kubectl get pv row" bash -c "kubectl get pv manual --no-headers | grep -Eq '^manual +2Gi +RWO,ROX +Retain +Pending +immediate +<unset> '"
check_fails "a volume without a source" "spec: Required value: must specify a volume type" bash -c \
  "kubectl create -f - <<'YAML'
apiVersion: v1
kind: PersistentVolume
metadata: {name: nosource}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}
YAML"
check_fails "the volume source is immutable" "spec.persistentvolumesource is immutable after creation" \
  kubectl patch pv manual --type=merge -p '{"spec":{"hostPath":{"path":"/tmp/elsewhere"}}}'
check "pv short name" kubectl get pv manual

# Bind `now` to `manual` by hand, as a binder would: both sides, then the statuses.
check "pre-bind the claim" kubectl patch pvc now --type=merge \
  -p '{"metadata":{"annotations":{"pv.kubernetes.io/bind-completed":"yes"}},"spec":{"volumeName":"manual"}}'
check "claimRef on the volume" kubectl patch pv manual --type=merge \
  -p '{"spec":{"claimRef":{"kind":"PersistentVolumeClaim","namespace":"default","name":"now"}}}'
check "volume status Bound" kubectl patch pv manual --subresource=status --type=merge -p '{"status":{"phase":"Bound"}}'
check "claim status Bound" kubectl patch pvc now --subresource=status --type=merge \
  -p '{"status":{"phase":"Bound","capacity":{"storage":"2Gi"},"accessModes":["ReadWriteOnce","ReadOnlyMany"]}}'
check "the volume's phase change is stamped" bash -c "[ -n \"\$(kubectl get pv manual -o jsonpath='{.status.lastPhaseTransitionTime}')\" ]"
check "kubectl get pvc of a bound claim" bash -c "kubectl get pvc now --no-headers | grep -Eq '^now +Bound +manual +2Gi +RWO,ROX +immediate '"
check "kubectl get pv shows the claim" bash -c "kubectl get pv manual --no-headers | grep -Eq '^manual +2Gi +RWO,ROX +Retain +Bound +default/now +immediate '"
check_fails "growing needs a class that allows expansion" \
  'persistentvolumeclaims "now" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize' \
  kubectl patch pvc now --type=merge -p '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}'
check "allow expansion in the class (a mutable field)" kubectl patch sc immediate --type=merge -p '{"allowVolumeExpansion":true}'
check "a bound claim may grow" eventually 10 kubectl patch pvc now --type=merge -p '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}'
check_fails "a bound claim does not shrink to or below its capacity" \
  "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity" \
  kubectl patch pvc now --type=merge -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'
check "but may come back down above it (recovering from a failed expansion)" \
  kubectl patch pvc now --type=merge -p '{"spec":{"resources":{"requests":{"storage":"2500Mi"}}}}'

# ---- The scheduler's claim checks.
pod_with_claim() { # NAME CLAIM
  kubectl create -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers: [{name: c, image: localhost/web:v1}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: $2}}]
YAML
}
export -f pod_with_claim
scheduled_on() { kubectl get pod "$1" -o jsonpath='{.spec.nodeName}'; }
export -f scheduled_on
cat >"$WORK/claim-unbound.yaml" <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: unbound}
spec:
  storageClassName: immediate
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
check "an unbound Immediate claim" kubectl apply -f "$WORK/claim-unbound.yaml"
check "a pod on the unbound claim" pod_with_claim waits unbound
check "its FailedScheduling names the unbound claim" eventually 30 bash -c \
  "kubectl get events --field-selector involvedObject.name=waits,reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -q '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.'"
check_eq "and it is not scheduled" "" scheduled_on waits
check "a pod on a missing claim" pod_with_claim lost nothere
check "its FailedScheduling names the missing claim" eventually 30 bash -c \
  "kubectl get events --field-selector involvedObject.name=lost,reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -q 'persistentvolumeclaim \"nothere\" not found'"
check "a pod on a WaitForFirstConsumer claim is scheduled" bash -c "pod_with_claim later plain"
check "  (scheduled)" eventually 30 bash -c "[ -n \"\$(scheduled_on later)\" ]"
check "a pod on the bound claim is scheduled" pod_with_claim user now
check "  (scheduled too)" eventually 30 bash -c "[ -n \"\$(scheduled_on user)\" ]"

# ---- pvc-protection and pv-protection.
check "delete the claim in use (returns at once)" kubectl delete pvc now --wait=false
check "it is Terminating while its pod exists" eventually 10 bash -c "kubectl get pvc now --no-headers | grep -Eq '^now +Terminating '"
sleep 2
check "still there after 2 s" kubectl get pvc now
check "delete its pod" kubectl delete pod user --timeout=60s
check "the claim goes once its pod is gone" eventually 30 bash -c "! kubectl get pvc now"
check "delete the bound volume" kubectl delete pv manual --wait=false
sleep 2
check "the bound volume stays" bash -c "kubectl get pv manual --no-headers | grep -q Terminating"
check "release it" kubectl patch pv manual --subresource=status --type=merge -p '{"status":{"phase":"Released"}}'
check "the released volume goes" eventually 30 bash -c "! kubectl get pv manual"
check "clean up the pods" kubectl delete pod waits lost later --timeout=60s

# ---- CSI objects.
cat >"$WORK/csi.yaml" <<'YAML'
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: hostpath.example.com}
spec: {attachRequired: false, volumeLifecycleModes: [Persistent]}
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {name: node-a}
spec:
  drivers: [{name: hostpath.example.com, nodeID: node-a, topologyKeys: [topology.example.com/node]}]
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: va-1}
spec: {attacher: hostpath.example.com, source: {persistentVolumeName: pv-x}, nodeName: node-a}
YAML
check "create CSIDriver, CSINode, VolumeAttachment" kubectl apply -f "$WORK/csi.yaml"
check_eq "kubectl get csidriver columns" "NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE" header csidriver
check "csidriver row" bash -c "kubectl get csidriver --no-headers | grep -Eq '^hostpath.example.com +false +false +false +<unset> +false +Persistent '"
check_eq "kubectl get csinode columns" "NAME DRIVERS AGE" header csinode
check "csinode row" bash -c "kubectl get csinode --no-headers | grep -Eq '^node-a +1 '"
check_eq "kubectl get volumeattachment columns" "NAME ATTACHER PV NODE ATTACHED AGE" header volumeattachment
check "volumeattachment row" bash -c "kubectl get volumeattachment --no-headers | grep -Eq '^va-1 +hostpath.example.com +pv-x +node-a +false '"
check_fails "attachRequired is immutable" "spec.attachedRequired: Invalid value: true: field is immutable" \
  kubectl patch csidriver hostpath.example.com --type=merge -p '{"spec":{"attachRequired":true}}'

# ---- StatefulSets.
cat >"$WORK/web.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80, name: web}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: localhost/web:v1}]
YAML
# Records, every 0.2 s, which pods exist and which are Ready, to check the order afterwards.
( while :; do
    kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.metadata.uid}/{.metadata.deletionTimestamp} {end}' 2>/dev/null
    echo; sleep 0.2
  done >>"$WORK/web.trace" ) &  # appending: the checks below truncate it
WATCH_PID=$!
check "create a headless Service and a StatefulSet" kubectl apply -f "$WORK/web.yaml"
check "rollout status sts" kubectl rollout status sts/web --timeout=120s
check_eq "kubectl get sts columns" "NAME READY AGE" header sts
check "kubectl get sts row" eventually 20 bash -c "kubectl get sts web --no-headers | grep -Eq '^web +3/3 '"
check_eq "kubectl get sts -o wide adds CONTAINERS IMAGES" "NAME READY AGE CONTAINERS IMAGES" bash -c "kubectl get sts -o wide | head -1 | tr -s ' '"
# OrderedReady: no sample shows web-N without web-(N-1) Ready.
ordered() {
  ! grep -E 'web-1=' "$WORK/web.trace" | grep -vq 'web-0=True/' &&
    ! grep -E 'web-2=' "$WORK/web.trace" | grep -vq 'web-1=True/'
}
check "pods were created in order, each after the previous was Ready" ordered
check_eq "defaults" "OrderedReady RollingUpdate 0 10 Retain Retain" kubectl get sts web -o jsonpath=\
'{.spec.podManagementPolicy} {.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.partition} {.spec.revisionHistoryLimit} {.spec.persistentVolumeClaimRetentionPolicy.whenDeleted} {.spec.persistentVolumeClaimRetentionPolicy.whenScaled}'
check_eq "identity of web-1: hostname, subdomain, labels" "web-1 nginx web-1 1" kubectl get pod web-1 -o jsonpath=\
'{.spec.hostname} {.spec.subdomain} {.metadata.labels.statefulset\.kubernetes\.io/pod-name} {.metadata.labels.apps\.kubernetes\.io/pod-index}'
rev=$(kubectl get sts web -o jsonpath='{.status.updateRevision}')
check_eq "pods carry the revision name" "$rev $rev $rev" kubectl get pods web-0 web-1 web-2 -o jsonpath='{.items[*].metadata.labels.controller-revision-hash}'
check_eq "status" "3 3 3 3 3 $rev" kubectl get sts web -o jsonpath=\
'{.status.replicas} {.status.readyReplicas} {.status.currentReplicas} {.status.updatedReplicas} {.status.availableReplicas} {.status.currentRevision}'
check "the headless Service's endpoints carry the hostnames" eventually 30 bash -c \
  "[ \"\$(kubectl get endpoints nginx -o jsonpath='{.subsets[0].addresses[*].hostname}' | tr ' ' '\n' | sort | tr '\n' ' ')\" = 'web-0 web-1 web-2 ' ]"
check_fails "serviceName is immutable" \
  "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" \
  kubectl patch sts web --type=merge -p '{"spec":{"serviceName":"other"}}'
check "events record the creations" bash -c "kubectl describe sts web | grep -q 'create Pod web-0 in StatefulSet web successful'"

# Rolling update from the highest ordinal; rollout history and undo.
: >"$WORK/web.trace"
check "set image v2" kubectl set image sts/web web=localhost/web:v2
check "rollout status after the update" kubectl rollout status sts/web --timeout=180s
check_eq "every pod runs v2" "localhost/web:v2 localhost/web:v2 localhost/web:v2" \
  kubectl get pods web-0 web-1 web-2 -o jsonpath='{.items[*].spec.containers[0].image}'
# Replaced from the highest ordinal: web-2 is not newer than web-1, nor web-1 than web-0 (whole
# seconds, so a fast simulated update may tie; the exact order is unit-tested in sts_logic_test
# and statefulset_controller_test).
newest_last() {
  local t0 t1 t2
  t0=$(kubectl get pod web-0 -o jsonpath='{.metadata.creationTimestamp}')
  t1=$(kubectl get pod web-1 -o jsonpath='{.metadata.creationTimestamp}')
  t2=$(kubectl get pod web-2 -o jsonpath='{.metadata.creationTimestamp}')
  [[ ! "$t2" > "$t1" && ! "$t1" > "$t0" ]]
}
check "replaced from the highest ordinal down" newest_last
check_eq "current revision = update revision" "true" bash -c \
  "[ \"\$(kubectl get sts web -o jsonpath='{.status.currentRevision}')\" = \"\$(kubectl get sts web -o jsonpath='{.status.updateRevision}')\" ] && echo true"
check "rollout history lists revisions 1 and 2" bash -c "kubectl rollout history sts/web | grep -Eq '^1 ' && kubectl rollout history sts/web | grep -Eq '^2 '"
check "rollout undo" kubectl rollout undo sts/web
check "rollback completes" kubectl rollout status sts/web --timeout=180s
check "every pod runs v1 again" eventually 30 bash -c \
  "[ \"\$(kubectl get pods web-0 web-1 web-2 -o jsonpath='{.items[*].spec.containers[0].image}')\" = 'localhost/web:v1 localhost/web:v1 localhost/web:v1' ]"

# Partition: only ordinals >= 2 take the new template.
check "partition 2" kubectl patch sts web --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}'
check "set image v3" kubectl set image sts/web web=localhost/web:v3
check "partitioned rollout completes" kubectl rollout status sts/web --timeout=120s
check_eq "only web-2 runs v3" "localhost/web:v1 localhost/web:v1 localhost/web:v3" \
  kubectl get pods web-0 web-1 web-2 -o jsonpath='{.items[*].spec.containers[0].image}'

# Scale down: the highest ordinal first, one at a time.
: >"$WORK/web.trace"
check "scale to 1" kubectl scale sts web --replicas=1
check "two pods removed" eventually 60 bash -c "[ \"\$(kubectl get pods -l app=web --no-headers | wc -l)\" = 1 ]"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=
# No sample shows web-1 gone or terminating while web-2 still exists.
down_in_order() {
  awk '/web-2=/ { ok = 0; for (i = 1; i <= NF; i++) { split($i, f, "="); split(f[2], g, "/"); if (f[1] == "web-1" && g[3] == "") ok = 1 }
                  if (!ok) bad = 1 } END { exit bad }' "$WORK/web.trace"
}
check "web-2 went before web-1 was touched" down_in_order
check_eq "web-0 remains" "web-0" kubectl get pods -l app=web -o jsonpath='{.items[*].metadata.name}'
check "kubectl get sts after scaling" eventually 20 bash -c "kubectl get sts web --no-headers | grep -Eq '^web +1/1 '"

# Claim templates: claims `<template>-<set>-<ordinal>` before the pod; with no provisioner the
# claim stays Pending and the pod waits (OrderedReady: db-1 is not created).
cat >"$WORK/db.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: localhost/web:v1, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: immediate
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
YAML
check "a StatefulSet with a volumeClaimTemplate" kubectl apply -f "$WORK/db.yaml"
check "claim data-db-0 is created" eventually 30 kubectl get pvc data-db-0
check_eq "the claim carries the selector's labels and stays Pending" "db Pending immediate" \
  kubectl get pvc data-db-0 -o jsonpath='{.metadata.labels.app} {.status.phase} {.spec.storageClassName}'
check_eq "the pod names its claim" "data-db-0" kubectl get pod db-0 -o jsonpath='{.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}'
check "db-0 waits for its claim" eventually 30 bash -c \
  "kubectl get events --field-selector involvedObject.name=db-0,reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -q 'pod has unbound immediate PersistentVolumeClaims'"
check "db-1 is not created while db-0 is not Ready" bash -c "sleep 2; ! kubectl get pod db-1"
check_eq "the template is stored with its claim defaults" "v1 PersistentVolumeClaim Filesystem Pending" kubectl get sts db -o jsonpath=\
'{.spec.volumeClaimTemplates[0].apiVersion} {.spec.volumeClaimTemplates[0].kind} {.spec.volumeClaimTemplates[0].spec.volumeMode} {.spec.volumeClaimTemplates[0].status.phase}'
check "delete the StatefulSets" kubectl delete sts web db --timeout=60s
check "their pods are collected" eventually 60 bash -c "[ -z \"\$(kubectl get pods -l 'app in (web,db)' -o name)\" ]"
check "the claim is retained (whenDeleted: Retain)" kubectl get pvc data-db-0

summary
[ $fail -eq 0 ]
