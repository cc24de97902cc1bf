#!/usr/bin/env bash
# Pod start-up on real containerd, Capstan vs the bare CRI floor, in one run.
#   cri_bench.sh [CAPSTAN_BINARY [PLUGIN_DIR]]     (root; containerd, runc, CNI plugins, busybox-static)
# 1. `capstan up --runtime containerd`: creation -> Running (watch event) for 1 pod (5 rounds)
#    and for 30 pods created at once; RSS of the capstan process (API server + node agent +
#    runtime plugin, one process in `up`) and of containerd with 30 pods running.
# 2. The same containerd config without Capstan: RunPodSandbox + CreateContainer +
#    StartContainer for the same pods (tests/perf/cri_bare.cpp), 1 pod (5 rounds) and 30 at once.
# Prints p50/p99 of each and Capstan's overhead. Cleans up everything it created (by PID).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CAPSTAN=${1:-$repo/build/bin/capstan}
PLUGIN_DIR=${2:-$(dirname "$CAPSTAN")/../plugins-out}
MKIMAGE=${MKIMAGE:-$(dirname "$CAPSTAN")/capstan-mkimage}
ROUNDS=${ROUNDS:-5}
MANY=${MANY:-30}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in containerd ctr runc kubectl protoc grpc_cpp_plugin pkg-config; do
  command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

DATA=$(mktemp -d /tmp/cpst-bench.XXXXXX)
BRIDGE=cpb$(printf '%05d' $((RANDOM % 100000)))
CLUSTER_CIDR=10.244.$(( (RANDOM % 15 + 1) * 16 )).0/20
SOCK=$DATA/containerd/containerd.sock
IMAGE=localhost/capstan-bench/busybox:1
SERVER_PID= ; CTRD_PID=

shims() { local p; for p in /proc/[0-9]*; do { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "containerd-shim.*-address $SOCK " && basename "$p"; done; }
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  local t
  for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1
  done
  [ -n "$CTRD_PID" ] && kill -TERM "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
  local p; for p in $(shims); do kill -KILL "$p" 2>/dev/null; done
  local pass
  for pass in 1 2; do  # a second pass for mounts that appeared while containerd was stopping
    grep -o " $DATA/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  ip link show dev "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" type bridge
  nft delete table inet "capstan_cni_$BRIDGE" 2>/dev/null
  rm -rf "$DATA" /tmp/cri-bare-logs
}
trap cleanup EXIT

stats() { # label file-of-ms-values
  sort -n "$2" | awk -v label="$1" '{v[NR]=$1} END {
    if (NR == 0) { printf "%-34s %5s %9s %9s\n", label, 0, "-", "-"; exit }
    p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1];
    printf "%-34s %5d %9.1f %9.1f\n", label, NR, p50, p99 }'
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# ---- the bare CRI client, generated from the plugin's cri_api.proto
mkdir -p "$DATA/bare"
protoc --cpp_out="$DATA/bare" --grpc_out="$DATA/bare" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" \
  -I "$repo/plugins/cri-containerd" cri_api.proto
c++ -std=c++20 -O2 -I "$DATA/bare" "$here/cri_bare.cpp" "$DATA/bare/cri_api.pb.cc" "$DATA/bare/cri_api.grpc.pb.cc" \
  -o "$DATA/cri_bare" $(pkg-config --cflags --libs grpc++ protobuf) || { echo "cannot build cri_bare"; exit 1; }

bash "$repo/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" "$IMAGE" || exit 1

# ---- Capstan
COMMON=(--data-dir "$DATA" --plugin-dir "$PLUGIN_DIR" --runtime containerd --node-name bench-node
        --plugin-config "capstan.network.v1/bridge={\"bridgeName\":\"$BRIDGE\"}"
        --plugin-config "pod-cidr-allocator={\"clusterCIDR\":\"$CLUSTER_CIDR\"}")
"$CAPSTAN" up "${COMMON[@]}" --port 0 --http-port 0 >"$DATA/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for ((i = 0; i < 300; i++)); do grep -q '^ *kubeconfig: ' "$DATA/server.log" && break; sleep 0.1; done
HTTP=$(sed -n 's/^ *plain HTTP: *\(http:[^ ]*\).*/\1/p' "$DATA/server.log" | tail -1)
export KUBECONFIG=$DATA/kubeconfig
[ -n "$HTTP" ] || { echo "capstan did not start"; tail "$DATA/server.log"; exit 1; }
TOKEN=$(cat "$DATA/auth/admin.token")  # the plain-HTTP port authenticates too
"$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" >/dev/null || { echo "import failed"; exit 1; }
for ((i = 0; i < 100; i++)); do [ -f "$DATA/cni/net.d/10-capstan.conflist" ] && break; sleep 0.1; done
cp "$DATA/cni/net.d/10-capstan.conflist" "$DATA/conflist.saved"

clear_pods() { # deletes every pod and waits until containerd holds no container
  kubectl delete pods --all --wait=false >/dev/null 2>&1
  for ((i = 0; i < 600; i++)); do
    [ "$(ctr --address "$SOCK" -n k8s.io containers ls -q 2>/dev/null | wc -l)" = 0 ] && return
    sleep 0.1
  done
}
python3 "$here/cri_bench_pods.py" --server "$HTTP" --token "$TOKEN" --image "$IMAGE" --count 1 --prefix warm >/dev/null
clear_pods
: >"$DATA/capstan1"; : >"$DATA/capstanN"; : >"$DATA/bare1"; : >"$DATA/bareN"
for ((r = 0; r < ROUNDS; r++)); do
  python3 "$here/cri_bench_pods.py" --server "$HTTP" --token "$TOKEN" --image "$IMAGE" --count 1 --prefix one-$r | awk '/^pod/ {print $3}' >>"$DATA/capstan1"
  clear_pods
done
python3 "$here/cri_bench_pods.py" --server "$HTTP" --token "$TOKEN" --image "$IMAGE" --count "$MANY" --prefix many | tee "$DATA/capstanN.raw" | awk '/^pod/ {print $3}' >"$DATA/capstanN"
sleep 2
if grep -qv '^pod' "$DATA/capstanN.raw"; then  # say why some pods did not run
  echo "capstan: not all pods reached Running; pod states:"; kubectl get pods --no-headers 2>/dev/null | awk '{print $3}' | sort | uniq -c
fi
RSS_CAPSTAN=$(rss_kb "$SERVER_PID")
RSS_CTRD=$(rss_kb "$(cat "$DATA/containerd/containerd.pid")")
clear_pods
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

# ---- bare CRI on the same containerd config
mkdir -p "$DATA/cni/net.d"; cp "$DATA/conflist.saved" "$DATA/cni/net.d/10-capstan.conflist"
containerd --config "$DATA/containerd/config.toml" >>"$DATA/containerd-bare.log" 2>&1 &
CTRD_PID=$!
for ((i = 0; i < 300; i++)); do ctr --address "$SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1   # the CRI plugin finishes loading after the socket opens
"$DATA/cri_bare" "$SOCK" "$IMAGE" 1 warm >/dev/null
for ((r = 0; r < ROUNDS; r++)); do "$DATA/cri_bare" "$SOCK" "$IMAGE" 1 "r$r" | awk '/^pod/ {print $3}' >>"$DATA/bare1"; done
"$DATA/cri_bare" "$SOCK" "$IMAGE" "$MANY" many | awk '/^pod/ {print $3}' >"$DATA/bareN"

echo
printf "%-34s %5s %9s %9s\n" "creation -> Running (ms)" "pods" "p50" "p99"
stats "capstan, 1 pod ($ROUNDS rounds)" "$DATA/capstan1"
stats "bare CRI, 1 pod ($ROUNDS rounds)" "$DATA/bare1"
stats "capstan, $MANY pods at once" "$DATA/capstanN"
stats "bare CRI, $MANY pods at once" "$DATA/bareN"
p50() { sort -n "$1" | awk '{v[NR]=$1} END {if (NR) print v[int((NR-1)*0.5)+1]; else print 0}'; }
echo "overhead per pod (p50 capstan - p50 bare): 1 pod $(awk -v a="$(p50 "$DATA/capstan1")" -v b="$(p50 "$DATA/bare1")" 'BEGIN{printf "%.1f", a-b}') ms," \
     "$MANY pods $(awk -v a="$(p50 "$DATA/capstanN")" -v b="$(p50 "$DATA/bareN")" 'BEGIN{printf "%.1f", a-b}') ms"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "RSS with $MANY pods running: capstan up (API server + agent plugins) ${RSS_CAPSTAN:-?} KiB, containerd ${RSS_CTRD:-?} KiB"
