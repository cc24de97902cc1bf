#!/usr/bin/env bash
# Service proxy benchmarks (docs/benchmarks.md, "Service proxy"):
#   1. time to program 1,000 Services x 3 endpoints (one nft transaction, the proxy's full sync),
#   2. time to apply one endpoint change at that size (the proxy's incremental transaction),
#   3. requests/s to a busybox httpd in a network namespace, through a ClusterIP vs straight to
#      the pod address.
# The rules come from the proxy's own generator (service_proxy_bench_gen), in a table of this
# run's name; service addresses are routed to a sink bridge of this run first. Medians of RUNS.
#   4. end to end through `capstan up` when BUILD_DIR has bin/capstan and the plugins (kubectl).
#   sudo bash tests/perf/services_bench.sh [BUILD_DIR]
# Needs root, nft, ip, busybox and /usr/bin/python3. Removes everything it created on exit.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$REPO_ROOT/build}
GEN=$BUILD/plugins/service-proxy/service_proxy_bench_gen
RUNS=${RUNS:-5}
REQUESTS=${REQUESTS:-2000}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
[ -x "$GEN" ] || { echo "build service_proxy_bench_gen first ($GEN)" >&2; exit 1; }
for t in nft ip busybox /usr/bin/python3; do command -v "$t" >/dev/null || { echo "$t missing" >&2; exit 77; }; done

ID=$$
WORK=$(mktemp -d /tmp/capstan-svc-bench.XXXXXX)
TABLE=capstan-bench-$ID; VIPBR=csbv$ID; BR=csbb$ID; NS=csb$ID-pod; CNS=csb$ID-cli
SVC_CIDR=10.$((160 + ID % 40)).0.0/16
N=$((ID % 200 + 20)); P=10.254.$N
HTTPD=; SERVER=
cleanup() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
  [ -n "$HTTPD" ] && kill "$HTTPD" 2>/dev/null
  nft delete table ip "$TABLE" 2>/dev/null
  ip netns del "$NS" 2>/dev/null; ip netns del "$CNS" 2>/dev/null
  ip link del "$BR" 2>/dev/null
  ip route del "$SVC_CIDR" dev "$VIPBR" 2>/dev/null; ip link del "$VIPBR" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null || return 1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }

# 1 and 2: 1,000 services (addresses in 10.96.x: nothing is sent, the table is only programmed).
"$GEN" many "$TABLE" 1000 "$WORK" || exit 1
full=(); change=()
for ((r = 0; r < RUNS; r++)); do
  full+=("$(ms nft -f "$WORK/full.nft")") || { echo "nft full failed" >&2; exit 1; }
  change+=("$(ms nft -f "$WORK/change.nft")") || { echo "nft change failed" >&2; exit 1; }
  nft -f "$WORK/change-back.nft" || exit 1
done
FULL=$(printf '%s\n' "${full[@]}" | median); CHANGE=$(printf '%s\n' "${change[@]}" | median)
CHAINS=$(nft list table ip "$TABLE" | grep -c '^\s*chain ')
nft delete table ip "$TABLE"

# 3: a pod namespace with httpd, a client namespace, one ClusterIP service in front of the pod.
ip link add "$VIPBR" type bridge && ip link set "$VIPBR" up && ip route add "$SVC_CIDR" dev "$VIPBR" || exit 1
ip link add "$BR" type bridge && ip addr add "$P.1/24" dev "$BR" && ip link set "$BR" up || exit 1
i=1
for ns in "$NS" "$CNS"; do
  i=$((i + 1))
  ip netns add "$ns"
  ip link add "csb${ID}v$i" type veth peer name eth0 netns "$ns"
  ip link set "csb${ID}v$i" master "$BR" up
  ip -n "$ns" addr add "$P.$i/24" dev eth0; ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$P.1"
done
POD=$P.2; VIP=${SVC_CIDR%.0.0/16}.0.20
mkdir -p "$WORK/www"; echo ok >"$WORK/www/index.html"
ip netns exec "$NS" busybox httpd -f -p 80 -h "$WORK/www" & HTTPD=$!
"$GEN" one "$TABLE" "$VIP" "$POD" "$WORK" && nft -f "$WORK/full.nft" || exit 1
sleep 0.3
rps() { # URL : sequential HTTP/1.0 requests from the client namespace, new connection each
  ip netns exec "$CNS" /usr/bin/python3 - "$1" "$REQUESTS" <<'PY'
import socket, sys, time
host, port = sys.argv[1], 80
n = int(sys.argv[2])
t = time.perf_counter()
for _ in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
print(int(n / (time.perf_counter() - t)))
PY
}
direct=(); via=()
for ((r = 0; r < RUNS; r++)); do
  direct+=("$(rps "$POD")"); via+=("$(rps "$VIP")")
done
DIRECT=$(printf '%s\n' "${direct[@]}" | median); VIA=$(printf '%s\n' "${via[@]}" | median)

# 4. End to end through `capstan up` (when BUILD_DIR/bin/capstan exists): 1,000 selector-less
# Services and their Endpoints created with kubectl, timed until the proxy has a chain for every
# service; then one Endpoints change, timed until its new address is in the rules. One run each.
E2E_ALL=-; E2E_CREATE=-; E2E_CHANGE=-
CAPSTAN=$BUILD/bin/capstan
if [ -x "$CAPSTAN" ] && command -v kubectl >/dev/null; then
  nft delete table ip "$TABLE" 2>/dev/null
  ip route del "$SVC_CIDR" dev "$VIPBR" 2>/dev/null; ip link del "$VIPBR" 2>/dev/null
  E2E_TABLE=capstan-bench-e2e-$ID
  "$CAPSTAN" up --data-dir "$WORK/data" --plugin-dir "$BUILD/plugins-out" --port 0 --bind-address 127.0.0.1 \
    --plugin-config "network={\"serviceCIDR\":\"$SVC_CIDR\"}" \
    --plugin-config "endpoints={\"kubernetesServiceIP\":\"${SVC_CIDR%.0.0/16}.0.1\",\"clusterDNSIP\":\"${SVC_CIDR%.0.0/16}.0.10\"}" \
    --plugin-config "service-proxy={\"serviceCIDR\":\"$SVC_CIDR\",\"sinkBridge\":\"$VIPBR\",\"table\":\"$E2E_TABLE\",\"clusterDNSIP\":\"\"}" \
    --plugin-config "cluster-dns={\"listenAddress\":\"$P.1\",\"port\":0}" \
    >"$WORK/server.log" 2>&1 </dev/null &
  SERVER=$!
  for ((i = 0; i < 300; i++)); do grep -q '^ *kubeconfig: ' "$WORK/server.log" && break; sleep 0.1; done
  export KUBECONFIG=$WORK/data/kubeconfig HOME=$WORK
  for ((i = 0; i < 100; i++)); do kubectl get svc kubernetes >/dev/null 2>&1 && break; sleep 0.2; done
  S=${SVC_CIDR%.0.0/16}
  for ((i = 0; i < 1000; i++)); do
    printf 'apiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec:\n  clusterIP: %s.%d.%d\n  ports: [{name: http, port: 80}]\n---\n' \
      "$i" "$S" $((4 + i / 250)) $((1 + i % 250))
    printf 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: s%d}\nsubsets: [{addresses: [{ip: 10.244.1.%d}, {ip: 10.244.2.%d}, {ip: 10.244.3.%d}], ports: [{name: http, port: 8080}]}]\n---\n' \
      "$i" $((1 + i % 250)) $((1 + i % 250)) $((1 + i % 250))
  done >"$WORK/many.yaml"
  chains() { nft list table ip "$E2E_TABLE" 2>/dev/null | grep -c 'chain svc-default/s'; }
  t0=$(date +%s%N)
  kubectl create -f "$WORK/many.yaml" >/dev/null
  t1=$(date +%s%N)
  for ((i = 0; i < 600; i++)); do [ "$(chains)" -ge 1000 ] && break; sleep 0.1; done
  t2=$(date +%s%N)
  E2E_CREATE=$(((t1 - t0) / 1000000)); E2E_ALL=$(((t2 - t0) / 1000000))
  t0=$(date +%s%N)
  kubectl patch endpoints s500 --type=merge \
    -p '{"subsets":[{"addresses":[{"ip":"10.244.1.251"},{"ip":"10.244.2.251"},{"ip":"10.244.3.251"}],"ports":[{"name":"http","port":8080}]}]}' >/dev/null
  for ((i = 0; i < 300; i++)); do
    nft list chain ip "$E2E_TABLE" svc-default/s500/tcp/http 2>/dev/null | grep -q 10.244.1.251 && break; sleep 0.02
  done
  t1=$(date +%s%N)
  E2E_CHANGE=$(((t1 - t0) / 1000000))
  kill "$SERVER"; wait "$SERVER" 2>/dev/null
fi

echo "| measurement | median of $RUNS |"
echo "|---|---|"
echo "| program 1,000 Services x 3 endpoints (one nft transaction, $CHAINS chains) | $FULL ms |"
echo "| apply one endpoint change at that size (incremental transaction) | $CHANGE ms |"
echo "| requests/s straight to the pod IP ($REQUESTS sequential connections) | $DIRECT |"
echo "| requests/s through the ClusterIP | $VIA |"
echo "| end to end: kubectl create of 1,000 Services + 1,000 Endpoints until all are in the rules (create alone: $E2E_CREATE ms) | $E2E_ALL ms (1 run) |"
echo "| end to end: kubectl patch of one Endpoints until the new address is in the rules | $E2E_CHANGE ms (1 run) |"
