#!/usr/bin/env bash
# Storage on real containerd with the default CSI driver (capstan-csi-hostpath), in one run:
#   storage_bench.sh [CAPSTAN_BINARY [PLUGIN_DIR]]     (root; containerd, runc, CNI plugins, busybox-static, xfsprogs)
# 1. claim -> Bound (an Immediate class: CreateVolume, PV, bind), 1 claim (ROUNDS rounds) and
#    MANY at once; provisioning throughput = MANY / (first POST -> last Bound);
# 2. pod -> Running for the same one-container pod with a claim of the default class
#    (WaitForFirstConsumer: schedule, provision on the node, bind, stage, publish) and with an
#    emptyDir (the floor), 1 pod (ROUNDS rounds) and MANY at once, side by side in the same run;
# 3. sequential write throughput (dd, 1 MiB blocks, 256 MiB, O_DIRECT and fdatasync) inside a
#    volume (its mounted XFS image) vs a directory of the host filesystem the image lives on.
# Prints p50/p99 and ratios. Cleans up everything it created (processes by PID, mounts, loop devices).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CAPSTAN=${1:-$repo/build/bin/capstan}
PLUGIN_DIR=${2:-$(dirname "$CAPSTAN")/../plugins-out}
MKIMAGE=${MKIMAGE:-$(dirname "$CAPSTAN")/capstan-mkimage}
ROUNDS=${ROUNDS:-5}
MANY=${MANY:-30}
DD_RUNS=${DD_RUNS:-5}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in containerd ctr runc kubectl losetup mkfs.xfs xfs_growfs python3; do
  command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$(dirname "$CAPSTAN")/capstan-csi-hostpath" ] || { echo "SKIP: capstan-csi-hostpath not built"; exit 77; }

DATA=$(mktemp -d /tmp/cpst-sbench.XXXXXX)
BRIDGE=cps$(printf '%05d' $((RANDOM % 100000)))
CLUSTER_CIDR=10.244.$(( (RANDOM % 15 + 1) * 16 )).0/20
SOCK=$DATA/containerd/containerd.sock
IMAGE=localhost/capstan-bench/busybox:1
SERVER_PID=

shims() { local p; for p in /proc/[0-9]*; do { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "containerd-shim.*-address $SOCK " && basename "$p"; done; }
our_loops() { losetup -l -n -O NAME,BACK-FILE 2>/dev/null | awk -v d="$DATA/" 'index($2, d) == 1 {print $1}'; }
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  local t
  for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1
  done
  local p; for p in $(shims); do kill -KILL "$p" 2>/dev/null; done
  local pass
  for pass in 1 2; do
    grep -o " $DATA/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  for l in $(our_loops); do losetup -d "$l"; done
  ip link show dev "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" type bridge
  nft delete table inet "capstan_cni_$BRIDGE" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT

stats() { # label file-of-ms-values
  sort -n "$2" | awk -v label="$1" '{v[NR]=$1} END {
    if (NR == 0) { printf "%-44s %5s %9s %9s\n", label, 0, "-", "-"; exit }
    p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1];
    printf "%-44s %5d %9.1f %9.1f\n", label, NR, p50, p99 }'
}
p50() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR) print v[int((NR-1)*0.5)+1]; else print 0}'; }

bash "$repo/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" "$IMAGE" || exit 1

COMMON=(--data-dir "$DATA" --plugin-dir "$PLUGIN_DIR" --runtime containerd --node-name bench-node
        --plugin-config "capstan.network.v1/bridge={\"bridgeName\":\"$BRIDGE\"}"
        --plugin-config "pod-cidr-allocator={\"clusterCIDR\":\"$CLUSTER_CIDR\"}")
"$CAPSTAN" up "${COMMON[@]}" --port 0 --http-port 0 --bind-address 127.0.0.1 \
  --plugin-config 'node-agent={"port":0}' >"$DATA/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for ((i = 0; i < 300; i++)); do grep -q '^ *kubeconfig: ' "$DATA/server.log" && break; sleep 0.1; done
HTTP=$(sed -n 's/^ *plain HTTP: *\(http:[^ ]*\).*/\1/p' "$DATA/server.log" | tail -1)
export KUBECONFIG=$DATA/kubeconfig
[ -n "$HTTP" ] || { echo "capstan did not start"; tail "$DATA/server.log"; exit 1; }
"$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" >/dev/null || { echo "import failed"; exit 1; }
for ((i = 0; i < 300; i++)); do
  kubectl get csinode bench-node -o 'jsonpath={.spec.drivers[0].name}' 2>/dev/null | grep -q hostpath && break
  sleep 0.2
done
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: bench-now}
provisioner: hostpath.csi.capstan.io
reclaimPolicy: Delete
volumeBindingMode: Immediate
YAML

clear_all() { # deletes every pod and claim; waits until containerd holds no container and no volume is left
  kubectl delete pods --all --wait=false >/dev/null 2>&1
  for ((i = 0; i < 600; i++)); do
    [ "$(ctr --address "$SOCK" -n k8s.io containers ls -q 2>/dev/null | wc -l)" = 0 ] && break
    sleep 0.1
  done
  kubectl delete pvc --all --wait=false >/dev/null 2>&1
  for ((i = 0; i < 1200; i++)); do
    [ -z "$(kubectl get pv --no-headers 2>/dev/null)" ] && [ -z "$(our_loops)" ] && return
    sleep 0.1
  done
  echo "warning: volumes still there after clearing: $(kubectl get pv --no-headers 2>/dev/null | wc -l)"
}
bench() { python3 "$here/storage_bench.py" --server "$HTTP" --token-file "$DATA/auth/admin.token" "$@"; }

# Warm-up: one of each (image unpacked, first sandbox, first volume).
bench pods --count 1 --prefix warm-e --image "$IMAGE" --volume emptydir >/dev/null
bench pods --count 1 --prefix warm-c --image "$IMAGE" --volume claim >/dev/null
clear_all

for f in claim1 claimN span podE1 podEN podC1 podCN; do : >"$DATA/$f"; done
# 1. claim -> Bound
for ((r = 0; r < ROUNDS; r++)); do
  bench claims --count 1 --prefix c1-$r --class bench-now | awk '/^item/ {print $3}' >>"$DATA/claim1"
  clear_all
done
bench claims --count "$MANY" --prefix cn --class bench-now | tee "$DATA/claimN.raw" | awk '/^item/ {print $3}' >"$DATA/claimN"
awk '/^span/ {print $2}' "$DATA/claimN.raw" >"$DATA/span"
grep '^error' "$DATA/claimN.raw" | head -3
clear_all

# 2. pod -> Running, emptyDir and claim alternating round by round
for ((r = 0; r < ROUNDS; r++)); do
  bench pods --count 1 --prefix e1-$r --image "$IMAGE" --volume emptydir | awk '/^item/ {print $3}' >>"$DATA/podE1"
  clear_all
  bench pods --count 1 --prefix p1-$r --image "$IMAGE" --volume claim | awk '/^item/ {print $3}' >>"$DATA/podC1"
  clear_all
done
bench pods --count "$MANY" --prefix en --image "$IMAGE" --volume emptydir | tee "$DATA/podEN.raw" | awk '/^item/ {print $3}' >"$DATA/podEN"
grep '^error' "$DATA/podEN.raw" | head -3
clear_all
bench pods --count "$MANY" --prefix pn --image "$IMAGE" --volume claim | tee "$DATA/podCN.raw" | awk '/^item/ {print $3}' >"$DATA/podCN"
grep '^error' "$DATA/podCN.raw" | head -3
clear_all

# 3. write throughput: a 512Mi volume mounted by a pod, vs the host directory under the images.
bench pods --count 1 --prefix dd --image "$IMAGE" --volume claim --size 512Mi >/dev/null
VOL=$(ls -d "$DATA"/node-agent/plugins/kubernetes.io/csi/hostpath.csi.capstan.io/*/globalmount 2>/dev/null | head -1)
HOSTDIR=$DATA/csi-hostpath/bench-host-dir
mkdir -p "$HOSTDIR"
ddrate() { # target-file flags... -> MB/s (dd's own figure, 10^6 bytes)
  local f=$1; shift
  dd if=/dev/zero of="$f" bs=1M count=256 "$@" 2>&1 | awk '/copied/ {
    for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/ && $(i+1) ~ /^[kMG]?B\/s$/) { v = $i; u = $(i+1) }
    if (u == "GB/s") v *= 1000; if (u == "kB/s") v /= 1000; print v }'
  rm -f "$f"
}
for f in volD hostD volS hostS; do : >"$DATA/$f"; done
if [ -n "$VOL" ] && mountpoint -q "$VOL"; then
  for ((r = 0; r < DD_RUNS; r++)); do
    ddrate "$VOL/dd.bin" oflag=direct >>"$DATA/volD"
    ddrate "$HOSTDIR/dd.bin" oflag=direct >>"$DATA/hostD"
    ddrate "$VOL/dd.bin" conv=fdatasync >>"$DATA/volS"
    ddrate "$HOSTDIR/dd.bin" conv=fdatasync >>"$DATA/hostS"
  done
else
  echo "warning: the volume's mount was not found; no write figures"
fi
HOSTFS=$(df -T "$HOSTDIR" | awk 'NR==2 {print $2 " on " $1}')
rmdir "$HOSTDIR"
clear_all

echo
printf "%-44s %5s %9s %9s\n" "latency (ms)" "n" "p50" "p99"
stats "claim -> Bound, 1 claim ($ROUNDS rounds)" "$DATA/claim1"
stats "claim -> Bound, $MANY claims at once" "$DATA/claimN"
stats "pod+emptyDir -> Running, 1 ($ROUNDS rounds)" "$DATA/podE1"
stats "pod+claim -> Running, 1 ($ROUNDS rounds)" "$DATA/podC1"
stats "pod+emptyDir -> Running, $MANY at once" "$DATA/podEN"
stats "pod+claim -> Running, $MANY at once" "$DATA/podCN"
span=$(cat "$DATA/span")
[ -n "$span" ] && echo "provisioning throughput: $MANY claims bound in $span ms = $(awk -v n="$MANY" -v s="$span" 'BEGIN{printf "%.1f", n * 1000 / s}') claims/s"
ratio() { awk -v a="$(p50 "$1")" -v b="$(p50 "$2")" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "pod+claim vs pod+emptyDir (p50): 1 pod $(ratio "$DATA/podC1" "$DATA/podE1")x (+$(awk -v a="$(p50 "$DATA/podC1")" -v b="$(p50 "$DATA/podE1")" 'BEGIN{printf "%.0f", a-b}') ms)," \
     "$MANY pods $(ratio "$DATA/podCN" "$DATA/podEN")x"
echo
printf "%-44s %5s %9s\n" "sequential write, 256 MiB, 1 MiB blocks" "runs" "MB/s p50"
for x in "volume (XFS image), O_DIRECT:volD" "host dir ($HOSTFS), O_DIRECT:hostD" "volume (XFS image), fdatasync:volS" "host dir ($HOSTFS), fdatasync:hostS"; do
  printf "%-44s %5d %9.0f\n" "${x%:*}" "$(wc -l <"$DATA/${x##*:}")" "$(p50 "$DATA/${x##*:}")"
done
echo "volume / host (p50): O_DIRECT $(ratio "$DATA/volD" "$DATA/hostD"), fdatasync $(ratio "$DATA/volS" "$DATA/hostS")"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
