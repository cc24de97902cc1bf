#!/usr/bin/env bash
# Storage end to end on real containers: `capstan up` with containerd, the node agent running the
# default CSI driver (capstan-csi-hostpath) and the storage-csi plugin provisioning through it.
#   defaults    StorageClass `standard` (default, WaitForFirstConsumer, Delete), the CSIDriver,
#               the node's CSINode and topology label;
#   lifecycle   a claim without a class gets `standard`, waits for its first consumer, is
#               provisioned on the pod's node (PV pvc-<uid>, node affinity, annotations) and bound;
#               the pod writes, the size is enforced; the pod is deleted (volume unstaged, loop
#               device detached), a new pod reads the data; the claim is deleted, the volume and
#               its PV go; online expansion: the claim patched larger, the running pod's
#               filesystem grows (upstream's events and status), shrinking refused;
#   Retain      an Immediate class with Retain: bound without a pod, growth refused (the class
#               does not allow expansion), Released (volume kept) after the claim goes;
#   failures    a class parameter the driver refuses: ProvisioningFailed, the claim stays Pending;
#   bad resize  a claim whose volume the driver lacks: VolumeResizeFailed (NotFound),
#               ControllerResizeInfeasible and ControllerResizeError, the request may come down again;
#   faults      the driver SIGKILLed: restarted by the agent, the running pod keeps its volume, new
#               volumes are provisioned; the driver SIGSTOPped: a new pod's NodeStage times out
#               (FailedMount, DeadlineExceeded), other pods start, the pod starts once it answers;
#               stopped for good: the agent's Probe kills and restarts it;
# then the server stops and no mount, loop device or volume directory is left.
#   storage_csi_test.sh CAPSTAN_BINARY PLUGIN_DIR
set -u
source "$(dirname "$0")/lib.sh"
capstan_args "$@"

source "$(dirname "$0")/containerd_node.sh"
containerd_node_setup csi losetup mkfs.xfs xfs_growfs
NODE=csi-test-$$
IMG=localhost/capstan-test/busybox:1
START=$SECONDS

our_loops() { # loop devices backed by a file under our data dir
  losetup -l -n -O NAME,BACK-FILE 2>/dev/null | awk -v d="$DATA/" 'index($2, d) == 1 {print $1}'
}
cleanup() {
  [ -n "${DPID:-}" ] && kill -CONT "$DPID" 2>/dev/null  # a driver left stopped by the fault checks
  stop_server TERM
  [ $fail -eq 0 ] || cp "$LOG" "${CAPSTAN_TEST_LOG_DIR:-/tmp}/storage_csi_test.server.log" 2>/dev/null
  grep -o " $DATA/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  for l in $(our_loops); do losetup -d "$l"; done
  containerd_node_teardown
}
trap cleanup EXIT

poll() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -ge $end ] && return 1
    sleep 0.5
  done
}
jp() { kubectl get "$1" -o "jsonpath=$2" 2>/dev/null; }
jp_is() { [ "$(jp "$1" "$2")" = "$3" ]; }
flat() { echo "$1" | tail -${2:-4} | tr '\n' ' '; }
reasons() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}' 2>/dev/null; }
has_event() { reasons "$1" | grep -q "^$2"; }

"$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" "$IMG"
rc=$?
[ $rc = 77 ] && need_skip "no static busybox"
[ $rc = 0 ] || { bad "build busybox image"; summary; exit 1; }
[ -x "$(dirname "$CAPSTAN")/capstan-csi-hostpath" ] || need_skip "capstan-csi-hostpath not built"

containerd_node_args "$NODE"
containerd_up '{"port":0,"csiTimeoutSeconds":5}' || { summary; exit 1; }
out=$("$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" 2>&1)
echo "$out" | grep -q "imported $IMG" && ok "image import" || bad "image import" "$(flat "$out" 3)"
node_ready() { jp_is "node/$NODE" '{.status.conditions[?(@.type=="Ready")].status}' True; }
poll 90 node_ready && ok "node Ready" || bad "node Ready" "$(flat "$(kubectl get node -o wide 2>&1)")"

# ---- defaults
poll 30 sh -c "kubectl get storageclass | grep -q 'standard (default)'" && ok "StorageClass standard is the default" \
  || bad "StorageClass standard is the default" "$(flat "$(kubectl get storageclass 2>&1)")"
check_eq "standard waits for the first consumer" WaitForFirstConsumer kubectl get sc standard -o 'jsonpath={.volumeBindingMode}'
check_eq "standard allows expansion" true kubectl get sc standard -o 'jsonpath={.allowVolumeExpansion}'
check_eq "CSIDriver without attach" false kubectl get csidriver hostpath.csi.capstan.io -o 'jsonpath={.spec.attachRequired}'
poll 30 jp_is "csinode/$NODE" '{.spec.drivers[0].name}' hostpath.csi.capstan.io && ok "CSINode lists the driver" \
  || bad "CSINode lists the driver" "$(flat "$(kubectl get csinode -o yaml 2>&1)" 20)"
check_eq "node labelled with the driver's topology" "$NODE" kubectl get node "$NODE" -o 'jsonpath={.metadata.labels.topology\.hostpath\.csi\.capstan\.io/node}'

# ---- lifecycle
cat >"$DATA/claim.yaml" <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
YAML
pod_yaml() { cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, 'echo $1 >> /data/log; exec sleep 3600']
    volumeMounts: [{name: v, mountPath: /data}]
  volumes:
  - name: v
    persistentVolumeClaim: {claimName: data}
YAML
}
check "create a claim" kubectl apply -f "$DATA/claim.yaml"
check_eq "the default class is given" standard kubectl get pvc data -o 'jsonpath={.spec.storageClassName}'
poll 20 has_event data WaitForFirstConsumer && ok "WaitForFirstConsumer event" || bad "WaitForFirstConsumer event" "$(reasons data)"
check_eq "Pending without a consumer" Pending kubectl get pvc data -o 'jsonpath={.status.phase}'
pod_yaml writer >"$DATA/writer.yaml"
check "create the writer pod" kubectl apply -f "$DATA/writer.yaml"
poll 60 jp_is pvc/data '{.status.phase}' Bound && ok "claim Bound" || bad "claim Bound" "$(reasons data | tr '\n' ' ')"
UID_=$(jp pvc/data '{.metadata.uid}')
PV=pvc-$UID_
check_eq "PV named pvc-<claim uid>" "$PV" kubectl get pvc data -o 'jsonpath={.spec.volumeName}'
check_eq "selected-node annotation" "$NODE" kubectl get pvc data -o 'jsonpath={.metadata.annotations.volume\.kubernetes\.io/selected-node}'
check_eq "bind-completed" yes kubectl get pvc data -o 'jsonpath={.metadata.annotations.pv\.kubernetes\.io/bind-completed}'
check_eq "storage-provisioner annotation" hostpath.csi.capstan.io kubectl get pvc data -o 'jsonpath={.metadata.annotations.volume\.kubernetes\.io/storage-provisioner}'
check_eq "provisioned-by" hostpath.csi.capstan.io kubectl get pv "$PV" -o 'jsonpath={.metadata.annotations.pv\.kubernetes\.io/provisioned-by}'
check_eq "PV claimRef" data kubectl get pv "$PV" -o 'jsonpath={.spec.claimRef.name}'
check_eq "PV node affinity on the node" "$NODE" kubectl get pv "$PV" -o 'jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}'
check_eq "PV Bound" Bound kubectl get pv "$PV" -o 'jsonpath={.status.phase}'
check_eq "PV capacity" 64Mi kubectl get pv "$PV" -o 'jsonpath={.spec.capacity.storage}'
check_eq "claim capacity" 64Mi kubectl get pvc data -o 'jsonpath={.status.capacity.storage}'
for r in ExternalProvisioning Provisioning ProvisioningSucceeded; do
  has_event data "$r" && ok "event $r" || bad "event $r" "$(reasons data | tr '\n' ' ')"
done
poll 60 jp_is pod/writer '{.status.phase}' Running && ok "writer Running" || bad "writer Running" "$(reasons writer | tr '\n' ' ')"
check_eq "the pod wrote to the volume" writer kubectl exec writer -- cat /data/log
size=$(kubectl exec writer -- df -k /data 2>/dev/null | awk 'NR==2 {print $2}')
[ -n "$size" ] && [ "$size" -le 65536 ] && [ "$size" -ge 40000 ] && ok "the filesystem is the claim's size (${size} KiB)" \
  || bad "the filesystem is the claim's size" "df says '${size}' KiB"
check_fails "writing past the size fails" "No space|space left" kubectl exec writer -- dd if=/dev/zero of=/data/big bs=1M count=100
check "remove the big file" kubectl exec writer -- rm -f /data/big
check "delete the writer" kubectl delete pod writer --timeout=60s
poll 30 sh -c "[ -z \"\$(losetup -l -n -O NAME,BACK-FILE | awk -v d='$DATA/' 'index(\$2, d) == 1')\" ]" \
  && ok "volume unstaged after the pod (loop device detached)" || bad "volume unstaged after the pod" "$(our_loops | tr '\n' ' ')"
pod_yaml reader >"$DATA/reader.yaml"
check "create the reader pod" kubectl apply -f "$DATA/reader.yaml"
poll 60 jp_is pod/reader '{.status.phase}' Running && ok "reader Running" || bad "reader Running" "$(reasons reader | tr '\n' ' ')"
# (Running means the container started, not that its first command ran: poll for the line.)
read_log() { kubectl exec reader -- cat /data/log 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
poll 10 sh -c '[ "$(kubectl exec reader -- cat /data/log 2>/dev/null | tr "\n" " ")" = "writer reader " ]' \
  && ok "data survived the pod" || bad "data survived the pod" "log: '$(read_log)'"

# ---- online expansion: the running reader sees its filesystem grow
dfk() { kubectl exec reader -- df -k /data 2>/dev/null | awk 'NR==2 {print $2}'; }
before=$(dfk)
check_fails "shrinking is refused" "field can not be less than status.capacity" \
  kubectl patch pvc data -p '{"spec":{"resources":{"requests":{"storage":"32Mi"}}}}'
check "grow the claim to 160Mi" kubectl patch pvc data -p '{"spec":{"resources":{"requests":{"storage":"160Mi"}}}}'
poll 90 jp_is pvc/data '{.status.capacity.storage}' 160Mi && ok "claim capacity 160Mi" \
  || bad "claim capacity 160Mi" "$(reasons data | tr '\n' ' ') $(kubectl get pvc data -o jsonpath='{.status}')"
check_eq "PV capacity 160Mi" 160Mi kubectl get pv "$PV" -o 'jsonpath={.spec.capacity.storage}'
check_eq "resize annotation" hostpath.csi.capstan.io kubectl get pvc data -o 'jsonpath={.metadata.annotations.volume\.kubernetes\.io/storage-resizer}'
check_eq "no resize status left" "" kubectl get pvc data -o 'jsonpath={.status.allocatedResourceStatuses}{.status.conditions}'
check_eq "allocatedResources" 160Mi kubectl get pvc data -o 'jsonpath={.status.allocatedResources.storage}'
for r in "ExternalExpanding: waiting for an external controller to expand this PVC" \
         "Resizing: External resizer is resizing volume $PV" \
         "FileSystemResizeRequired: Require file system resize of volume on node" \
         "FileSystemResizeSuccessful: MountVolume.NodeExpandVolume succeeded for volume \"$PV\" $NODE"; do
  has_event data "$r" && ok "claim event ${r%%:*}" || bad "claim event ${r%%:*}" "$(reasons data | tr '\n' ' ')"
done
has_event reader "FileSystemResizeSuccessful" && ok "pod event FileSystemResizeSuccessful" || bad "pod event FileSystemResizeSuccessful" "$(reasons reader | tr '\n' ' ')"
after=$(dfk)
[ -n "$after" ] && [ -n "$before" ] && [ "$after" -gt $((before + 80000)) ] && [ "$after" -le 163840 ] \
  && ok "the running pod's filesystem grew (${before} -> ${after} KiB)" || bad "the running pod's filesystem grew" "df: '$before' -> '$after' KiB"
check "100 MiB fit now" kubectl exec reader -- dd if=/dev/zero of=/data/big bs=1M count=100
check "remove the big file" kubectl exec reader -- rm -f /data/big
check_eq "data kept through the expansion" "writer reader" sh -c "kubectl exec reader -- cat /data/log | tr '\n' ' ' | sed 's/ \$//'"
check "delete the reader" kubectl delete pod reader --timeout=60s
check "delete the claim" kubectl delete pvc data --timeout=60s
poll 60 sh -c "! kubectl get pv $PV >/dev/null 2>&1" && ok "PV deleted with its claim (reclaim Delete)" \
  || bad "PV deleted with its claim" "$(flat "$(kubectl get pv 2>&1)")"
poll 30 sh -c "[ -z \"\$(ls -A $DATA/csi-hostpath/volumes 2>/dev/null)\" ]" && ok "volume removed from the node" \
  || bad "volume removed from the node" "$(ls $DATA/csi-hostpath/volumes 2>&1 | tr '\n' ' ')"

# ---- Retain, Immediate
cat >"$DATA/retain.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: hostpath.csi.capstan.io
reclaimPolicy: Retain
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: kept}
spec:
  storageClassName: keep
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 32Mi}}
YAML
check "Retain class and claim" kubectl apply -f "$DATA/retain.yaml"
poll 60 jp_is pvc/kept '{.status.phase}' Bound && ok "Immediate claim Bound without a pod" || bad "Immediate claim Bound without a pod" "$(reasons kept | tr '\n' ' ')"
KPV=$(jp pvc/kept '{.spec.volumeName}')
check_fails "a class without allowVolumeExpansion refuses growth" \
  'persistentvolumeclaims "kept" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize' \
  kubectl patch pvc kept -p '{"spec":{"resources":{"requests":{"storage":"64Mi"}}}}'
check "delete the Retain claim" kubectl delete pvc kept --timeout=60s
poll 30 jp_is "pv/$KPV" '{.status.phase}' Released && ok "Retain: PV Released" || bad "Retain: PV Released" "$(flat "$(kubectl get pv 2>&1)")"
[ -d "$DATA/csi-hostpath/volumes/$KPV" ] && ok "Retain: the volume is kept" || bad "Retain: the volume is kept"
check "delete the released PV" kubectl delete pv "$KPV" --timeout=60s

# ---- a failing CreateVolume
cat >"$DATA/bad.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: broken}
provisioner: hostpath.csi.capstan.io
parameters: {unknown: x}
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bad}
spec:
  storageClassName: broken
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 32Mi}}
YAML
check "class the driver refuses" kubectl apply -f "$DATA/bad.yaml"
poll 30 sh -c "kubectl get events --field-selector involvedObject.name=bad -o jsonpath='{.items[*].message}' | grep -q 'InvalidArgument'" \
  && ok "ProvisioningFailed with the driver's error" || bad "ProvisioningFailed with the driver's error" "$(reasons bad | tr '\n' ' ')"
check_eq "the failing claim stays Pending" Pending kubectl get pvc bad -o 'jsonpath={.status.phase}'
check "delete the failing claim" kubectl delete pvc bad --timeout=60s

# ---- a failing expansion: a volume the driver does not have (NotFound is infeasible)
cat >"$DATA/ghost.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: grow}
provisioner: hostpath.csi.capstan.io
allowVolumeExpansion: true
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ghost}
spec:
  capacity: {storage: 32Mi}
  accessModes: [ReadWriteOnce]
  storageClassName: grow
  persistentVolumeReclaimPolicy: Retain
  csi: {driver: hostpath.csi.capstan.io, volumeHandle: no-such-volume}
  claimRef: {namespace: default, name: ghost}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ghost}
spec:
  storageClassName: grow
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 32Mi}}
YAML
check "a claim bound to a volume the driver lacks" kubectl apply -f "$DATA/ghost.yaml"
poll 30 jp_is pvc/ghost '{.status.phase}' Bound && ok "ghost claim Bound" || bad "ghost claim Bound" "$(reasons ghost | tr '\n' ' ')"
check "grow it" kubectl patch pvc ghost -p '{"spec":{"resources":{"requests":{"storage":"64Mi"}}}}'
poll 30 has_event ghost 'VolumeResizeFailed: resize volume "ghost" by resizer "hostpath.csi.capstan.io" failed: rpc error: code = NotFound' \
  && ok "VolumeResizeFailed with the driver's NotFound" || bad "VolumeResizeFailed with the driver's NotFound" "$(reasons ghost | tr '\n' ' ')"
poll 10 jp_is pvc/ghost '{.status.allocatedResourceStatuses.storage}' ControllerResizeInfeasible && ok "ControllerResizeInfeasible" \
  || bad "ControllerResizeInfeasible" "$(kubectl get pvc ghost -o jsonpath='{.status}')"
check_eq "ControllerResizeError condition" "ControllerResizeError True" kubectl get pvc ghost -o 'jsonpath={.status.conditions[0].type} {.status.conditions[0].status}'
check_eq "capacity unchanged, the attempt allocated" "32Mi 64Mi" kubectl get pvc ghost -o "jsonpath={.status.capacity.storage} {.status.allocatedResources.storage}"
check "the user may ask for less again (recovery), above the capacity" kubectl patch pvc ghost -p '{"spec":{"resources":{"requests":{"storage":"48Mi"}}}}'
check "delete the ghost claim" kubectl delete pvc ghost --timeout=60s
check "delete the ghost volume" kubectl delete pv ghost --timeout=60s

# ---- faults: the driver crashes, then hangs
# The driver is the server's child whose endpoint is under our data dir (found by that, killed by PID).
driver_pid() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" = "$SERVER_PID" ] || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "capstan-csi-hostpath --endpoint $DATA/" && basename "$p"
  done
}
cat >"$DATA/faults.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: now}
provisioner: hostpath.csi.capstan.io
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 32Mi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: hang}
spec:
  storageClassName: now
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 32Mi}}
YAML
check "claims for the fault checks" kubectl apply -f "$DATA/faults.yaml"
pod_yaml steady >"$DATA/steady.yaml"
check "a pod on a volume" kubectl apply -f "$DATA/steady.yaml"
poll 60 jp_is pod/steady '{.status.phase}' Running && ok "steady Running" || bad "steady Running" "$(reasons steady | tr '\n' ' ')"
DPID=$(driver_pid)
[ -n "$DPID" ] && kill -KILL "$DPID" && ok "driver killed (SIGKILL, pid $DPID)" || bad "driver killed" "no driver child of $SERVER_PID"
new_driver() { local p; p=$(driver_pid); [ -n "$p" ] && [ "$p" != "$DPID" ]; }
poll 20 new_driver && ok "the agent restarted the driver" || bad "the agent restarted the driver" "$(grep -i 'csi driver' "$LOG" | tail -3 | tr '\n' ' ')"
grep -q "exited .*restarting in" "$LOG" && ok "the driver's exit is logged" || bad "the driver's exit is logged"
poll 10 sh -c '[ "$(kubectl exec steady -- cat /data/log 2>/dev/null)" = steady ]' && ok "the running pod keeps its volume through the crash" \
  || bad "the running pod keeps its volume through the crash" "$(kubectl exec steady -- cat /data/log 2>&1 | tr '\n' ' ')"
check "it can still write" kubectl exec steady -- sh -c 'echo more >> /data/log'
poll 60 jp_is pvc/hang '{.status.phase}' Bound && ok "a claim provisioned by the restarted driver" || bad "a claim provisioned by the restarted driver" "$(reasons hang | tr '\n' ' ')"
DPID=$(driver_pid)
[ -n "$DPID" ] && kill -STOP "$DPID" && ok "driver hung (SIGSTOP, pid $DPID)" || bad "driver hung"
cat >"$DATA/hangpod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: waits}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: $IMG, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /data}]}
  volumes: [{name: v, persistentVolumeClaim: {claimName: hang}}]
---
apiVersion: v1
kind: Pod
metadata: {name: free}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: $IMG, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /data}]}
  volumes: [{name: v, emptyDir: {}}]
YAML
check "pods during the hang" kubectl apply -f "$DATA/hangpod.yaml"
poll 30 sh -c "kubectl get events --field-selector involvedObject.name=waits -o jsonpath='{.items[*].message}' | grep -q 'DeadlineExceeded'" \
  && ok "a hung driver: FailedMount with DeadlineExceeded (csiTimeoutSeconds 5)" || bad "a hung driver: FailedMount with DeadlineExceeded" "$(reasons waits | tr '\n' ' ')"
check_eq "the pod waits in ContainerCreating" ContainerCreating kubectl get pod waits -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'
poll 30 jp_is pod/free '{.status.phase}' Running && ok "other pods still start while the driver hangs" || bad "other pods still start while the driver hangs" "$(reasons free | tr '\n' ' ')"
check_eq "the running pod is unaffected" "steady more" sh -c "kubectl exec steady -- cat /data/log | tr '\n' ' ' | sed 's/ \$//'"
kill -CONT "$DPID" && ok "driver resumed (SIGCONT)" || bad "driver resumed"
poll 60 jp_is pod/waits '{.status.phase}' Running && ok "the waiting pod starts once the driver answers" || bad "the waiting pod starts once the driver answers" "$(reasons waits | tr '\n' ' ')"
# Hung for good: the agent's Probe (every 10 s, 3 failures) kills it, and restarts it.
DPID=$(driver_pid)
[ -n "$DPID" ] && kill -STOP "$DPID" && ok "driver hung again (SIGSTOP, pid $DPID)" || bad "driver hung again"
poll 60 new_driver && ok "the agent restarts a driver that stops answering its Probe" \
  || bad "the agent restarts a driver that stops answering its Probe" "$(grep -i 'csi driver' "$LOG" | tail -3 | tr '\n' ' ')"
grep -q "does not answer its Probe" "$LOG" && ok "the kill is logged" || bad "the kill is logged"
DPID=
check_eq "the running pods are unaffected" "steady more" sh -c "kubectl exec steady -- cat /data/log | tr '\n' ' ' | sed 's/ \$//'"
check "delete the fault pods" kubectl delete pod steady waits free --timeout=60s
check "delete the fault claims" kubectl delete pvc data hang --timeout=60s
poll 60 sh -c "[ -z \"\$(kubectl get pv --no-headers 2>/dev/null | grep -v '^$KPV ')\" ]" && ok "their volumes are deleted" || bad "their volumes are deleted" "$(flat "$(kubectl get pv 2>&1)")"

# ---- stop: nothing left
stop_server TERM
sleep 0.5
left=$(grep " $DATA/" /proc/self/mountinfo | awk '{print $5}')
[ -z "$left" ] && ok "no mounts left under the data dir" || bad "no mounts left under the data dir" "$(echo "$left" | tr '\n' ' ')"
[ -z "$(our_loops)" ] && ok "no loop devices left" || bad "no loop devices left" "$(our_loops | tr '\n' ' ')"
left=$(ls -A "$DATA/csi-hostpath/volumes" 2>/dev/null | grep -v "^$KPV\$")
[ -z "$left" ] && ok "no volume left but the retained one" || bad "no volume left but the retained one" "$left"
pgrep -f "capstan-csi-hostpath --endpoint $DATA/" >/dev/null && bad "driver stopped with the agent" || ok "driver stopped with the agent"

echo "took $((SECONDS - START)) s"
summary
[ $fail -eq 0 ]
