#!/usr/bin/env bash
# Integration test: Services on `capstan up` with the simulated runtime, and the service proxy and
# cluster DNS checked for real without containers: network namespaces on a test bridge play the
# pods (busybox httpd inside), Pod objects bound to a node no agent owns carry their addresses.
#   services_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 when not root or nft, dnsmasq, busybox or kubectl is
# missing. Everything it creates has a name with this run's id and is removed on exit.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
[ "$(id -u)" = 0 ] || { echo "SKIP needs root (network namespaces, nftables)"; exit 77; }
for tool in nft ip busybox /usr/sbin/dnsmasq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP $tool is not installed"; exit 77; }
done

ID=$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-services-test.XXXXXX")
export HOME=$WORK/home
mkdir -p "$HOME"

# Addresses of this run: a /24 for the "pods" and a /16 service CIDR that no route on this host
# covers yet (the proxy refuses to take over a route it did not make).
pick_free() { # CANDIDATE... : first one with no overlapping route
  local c
  for c in "$@"; do
    ip -4 route show | awk '{print $1}' | grep -q "^${c%%/*}" && continue
    ip -4 route get "${c%%/*}" 2>/dev/null | grep -q "dev \(lo\|capstan\|cs\)" && continue
    echo "$c"; return 0
  done
  return 1
}
N=$((ID % 200 + 20))
POD_NET=$(pick_free "10.251.$N.0/24" "10.252.$N.0/24" "10.253.$N.0/24") || { echo "SKIP no free test subnet"; exit 77; }
SVC_CIDR=$(pick_free "10.$((160 + ID % 40)).0.0/16" "10.$((200 + ID % 40)).0.0/16") || { echo "SKIP no free service CIDR"; exit 77; }
P=${POD_NET%.0/24}; S=${SVC_CIDR%.0.0/16}
GW=$P.1
BR=csbr$ID; VIP=csvip$ID; TABLE=capstan-proxy-t$ID; GUARD=csguard$ID
FORWARD_WAS=$(cat /proc/sys/net/ipv4/ip_forward)
KUBE_IP=$S.0.1; DNS_IP=$S.0.10
NETNS=(cs$ID-a cs$ID-b)
HTTPD_PIDS=()

cleanup() {
  stop_server TERM
  local pid ns
  for pid in "${HTTPD_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  # Left only if the server died without stopping its plugins.
  nft delete table ip "$TABLE" 2>/dev/null
  ip route del "$SVC_CIDR" dev "$VIP" 2>/dev/null
  ip link del "$VIP" 2>/dev/null
  nft delete table inet "$GUARD" 2>/dev/null
  echo "$FORWARD_WAS" >/proc/sys/net/ipv4/ip_forward
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the "pods": two namespaces on a bridge, busybox httpd in each
ip link add "$BR" type bridge && ip addr add "$GW/24" dev "$BR" && ip link set "$BR" up || { echo "FAIL bridge"; exit 1; }
# A pod reaching a ClusterIP is routed by the node back onto the bridge, so the node forwards, as
# the bridge CNI plugin (isGateway) turns on; the test's own guard keeps anything from the bridge
# from being forwarded anywhere else (the default route leaves the machine).
nft -f - <<NFT || { echo "FAIL cannot install the guard table"; exit 1; }
table inet $GUARD {
  chain forward {
    type filter hook forward priority -20; policy accept;
    iifname "$BR" oifname != "$BR" counter drop
  }
}
NFT
echo 1 >/proc/sys/net/ipv4/ip_forward
i=0
for ns in "${NETNS[@]}"; do
  i=$((i + 1))
  ip netns add "$ns"
  ip link add "cs${ID}v$i" type veth peer name eth0 netns "$ns"
  ip link set "cs${ID}v$i" master "$BR" up
  # As the bridge CNI's hairpinMode does: with br_netfilter, a pod reaching itself through a
  # Service is bridged back out of its own port.
  ip link set dev "cs${ID}v$i" type bridge_slave hairpin on
  ip -n "$ns" addr add "$P.$((i + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$GW"
  mkdir -p "$WORK/www-$i"
  echo "pod-$i" >"$WORK/www-$i/index.html"
  ip netns exec "$ns" busybox httpd -f -p 80 -h "$WORK/www-$i" &
  HTTPD_PIDS+=($!)
done
POD1=$P.2; POD2=$P.3

# ---- the server, with this run's names and ranges
start_services_server() {
  local log=$WORK/server.log i
  "$CAPSTAN" up --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 --bind-address 127.0.0.1 \
    --use capstan.runtime.v1=sim --disable bridge --plugin-config 'node-agent={"port":0}' \
    --plugin-config "network={\"serviceCIDR\":\"$SVC_CIDR\"}" \
    --plugin-config "endpoints={\"kubernetesServiceIP\":\"$KUBE_IP\",\"clusterDNSIP\":\"$DNS_IP\"}" \
    --plugin-config "service-proxy={\"serviceCIDR\":\"$SVC_CIDR\",\"sinkBridge\":\"$VIP\",\"table\":\"$TABLE\",\"clusterDNSIP\":\"$DNS_IP\",\"dnsListenAddress\":\"$GW\",\"clusterCIDR\":\"$POD_NET\"}" \
    --plugin-config "cluster-dns={\"listenAddress\":\"$GW\"}" \
    >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 300; i++)); do
    if grep -q '^ *kubeconfig: ' "$log" 2>/dev/null; then
      KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$log" | tail -1); export KUBECONFIG
      [ -f "$KUBECONFIG" ] && return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited during start-up:"; tail -20 "$log"; SERVER_PID=; return 1; }
    sleep 0.1
  done
  echo "server not ready:"; tail -20 "$log"; return 1
}
# The workload part needs the scheduler, the controllers and the node agent with the simulated runtime.
WORKLOADS=1
for p in scheduler controller-replicaset controller-deployment node-agent runtime-sim; do
  [ -f "$PLUGIN_DIR/$p.so" ] || WORKLOADS=
done
USE_SIM=$WORKLOADS
start_services_server || { echo "0 passed, 1 failed"; exit 1; }

eventually() { local i; for ((i = 0; i < 100; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
get() { timeout 5 busybox wget -q -O - "$@" 2>/dev/null; }
nsget() { local ns=$1; shift; timeout 5 ip netns exec "$ns" busybox wget -q -O - "$@" 2>/dev/null; }

check "the sink bridge exists and holds the service CIDR" bash -c \
  "ip link show $VIP >/dev/null && ip route show exact $SVC_CIDR | grep -q 'dev $VIP'"
check "the proxy's table exists" eventually nft list table ip "$TABLE"
check "default/kubernetes has the first service address" eventually bash -c \
  "[ \"\$(kubectl get svc kubernetes -o jsonpath='{.spec.clusterIP}')\" = $KUBE_IP ]"
API_PORT=$(sed -n 's#^ *server: *"\{0,1\}https://[^:]*:\([0-9]*\).*#\1#p' "$KUBECONFIG" | head -1)
check "its Endpoints point at the API server" eventually bash -c \
  "kubectl get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}' | grep -qx '127.0.0.1:$API_PORT'"
check "kube-system/kube-dns holds the DNS address" eventually bash -c \
  "[ \"\$(kubectl -n kube-system get svc kube-dns -o jsonpath='{.spec.clusterIP}')\" = $DNS_IP ]"

# ---- allocation, defaulting, validation, printing
cat >"$WORK/svc.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: nsweb}
spec:
  selector: {app: nsweb}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: hello-node-svc}
spec:
  type: NodePort
  selector: {app: nsweb}
  ports: [{port: 8080, targetPort: 80, nodePort: 30036}]
---
apiVersion: v1
kind: Service
metadata: {name: nsheadless}
spec:
  clusterIP: None
  selector: {app: nsweb}
  ports: [{port: 80, name: http}]
YAML
check "create ClusterIP, NodePort and headless services" kubectl apply -f "$WORK/svc.yaml"
CIP=$(kubectl get svc nsweb -o jsonpath='{.spec.clusterIP}')
check "a cluster IP from the service CIDR" bash -c "echo '$CIP' | grep -q '^$S\.'"
check_eq "protocol and targetPort defaults" "TCP 30036 80" \
  kubectl get svc hello-node-svc -o jsonpath='{.spec.ports[0].protocol} {.spec.ports[0].nodePort} {.spec.ports[0].targetPort}'
check "kubectl get svc prints PORT(S) 8080:30036/TCP" bash -c \
  "kubectl get svc hello-node-svc | grep -E '^hello-node-svc +NodePort +$S\.[0-9.]+ +<none> +8080:30036/TCP'"
check "-o wide prints the selector" bash -c "kubectl get svc nsweb -o wide | grep -q 'app=nsweb'"
cat >"$WORK/conflict.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: other-np}
spec:
  type: NodePort
  selector: {app: x}
  ports: [{port: 80, nodePort: 30036}]
YAML
check_fails "a taken nodePort is refused" \
  'spec.ports\[0\].nodePort: Invalid value: 30036: provided port is already allocated' kubectl apply -f "$WORK/conflict.yaml"
check_fails "a taken clusterIP is refused" 'spec.clusterIP: Invalid value.*already allocated' \
  kubectl create service clusterip dup --tcp=80 --clusterip="$CIP"
cat >"$WORK/twoports.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: twoports}
spec:
  selector: {app: x}
  ports: [{port: 80}, {port: 81}]
YAML
check_fails "two unnamed ports are refused" 'spec.ports\[1\].name: Required value' kubectl apply -f "$WORK/twoports.yaml"
check "re-applying keeps the cluster IP" bash -c \
  "kubectl apply -f $WORK/svc.yaml >/dev/null && [ \"\$(kubectl get svc nsweb -o jsonpath='{.spec.clusterIP}')\" = '$CIP' ]"

# ---- endpoints follow pods (simulated runtime)
if [ -z "$WORKLOADS" ]; then
  skipped "deployment + expose" "scheduler, workload controllers or node agent not in $PLUGIN_DIR"
else
check "create deployment" kubectl create deployment web --image=localhost/web:v1 --replicas=3
check "expose deployment" kubectl expose deployment web --port=80 --target-port=8080
check "Endpoints list 3 ready addresses" eventually bash -c \
  "[ \"\$(kubectl get endpoints web -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 3 ]"
check "an EndpointSlice lists them" eventually bash -c \
  "[ \"\$(kubectl get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[0].endpoints[*].addresses[0]}' | wc -w)\" = 3 ] && kubectl get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[0].ports[0].port}' | grep -qx 8080"
check "scale to 1" kubectl scale deploy web --replicas=1
check "Endpoints follow" eventually bash -c \
  "[ \"\$(kubectl get endpoints web -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 1 ]"
check "kubectl get ep prints ip:port" bash -c "kubectl get ep web | grep -E '^web +[0-9.]+:8080 '"
fi

# ---- netns pods: Pod objects on a node no agent owns, status written by the test
mkpod() { # NAME IP [HOSTNAME]
  kubectl apply -f - >/dev/null <<YAML || return 1
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: nsweb}}
spec:
  nodeName: fake-node-$ID
  ${3:+hostname: $3}
  ${3:+subdomain: nsheadless}
  containers: [{name: web, image: busybox, ports: [{name: http, containerPort: 80}]}]
YAML
  set_ready "$1" "$2" True
}
set_ready() { # NAME IP True|False
  kubectl patch pod "$1" --subresource=status --type=merge -p \
    "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\"}]}}" >/dev/null
}
check "pod-1 and pod-2 objects" bash -c "$(declare -f mkpod set_ready); ID=$ID; mkpod pod-1 $POD1 web-0 && mkpod pod-2 $POD2"
check "nsweb Endpoints hold both netns addresses, port resolved by name" eventually bash -c \
  "kubectl get endpoints nsweb -o jsonpath='{.subsets[0].addresses[*].ip} {.subsets[0].ports[0].port}' | grep -qx '$POD1 $POD2 80'"

# ---- the dataplane
check "ClusterIP from the host" eventually bash -c "$(declare -f get); get http://$CIP/ | grep -q '^pod-'"
check "ClusterIP from a pod namespace" eventually bash -c "$(declare -f nsget); nsget ${NETNS[1]} http://$CIP/ | grep -q '^pod-'"
check "hairpin: a pod reaches itself through the service" bash -c \
  "$(declare -f nsget); for i in 1 2 3 4 5 6 7 8; do nsget ${NETNS[0]} http://$CIP/ | grep -q '^pod-' || exit 1; done"
check "both endpoints answer (random balancing)" bash -c \
  "$(declare -f get); for i in \$(seq 1 30); do get http://$CIP/; done | sort -u | wc -l | grep -qx 2"
check "NodePort on 127.0.0.1" eventually bash -c "$(declare -f get); get http://127.0.0.1:30036/ | grep -q '^pod-'"
check "NodePort on the node's bridge address from a pod" eventually bash -c \
  "$(declare -f nsget); nsget ${NETNS[1]} http://$GW:30036/ | grep -q '^pod-'"
check "not ready: pod-2 leaves the addresses" bash -c "$(declare -f set_ready); set_ready pod-2 $POD2 False"
check "Endpoints move it to notReadyAddresses" eventually bash -c \
  "kubectl get endpoints nsweb -o jsonpath='{.subsets[0].addresses[*].ip}/{.subsets[0].notReadyAddresses[*].ip}' | grep -qx '$POD1/$POD2'"
check "EndpointSlice marks it ready=false serving=false" eventually bash -c \
  "kubectl get endpointslices -l kubernetes.io/service-name=nsweb -o jsonpath='{range .items[0].endpoints[*]}{.addresses[0]}={.conditions.ready},{end}' | grep -q '$POD2=false'"
check "traffic goes to the ready pod only" eventually bash -c \
  "$(declare -f get); [ \"\$(for i in \$(seq 1 12); do get http://$CIP/; done | sort -u)\" = pod-1 ]"
check "ready again" bash -c "$(declare -f set_ready); set_ready pod-2 $POD2 True"
cat >"$WORK/sticky.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: nsweb}
  sessionAffinity: ClientIP
  ports: [{port: 80, targetPort: 80}]
YAML
check "sessionAffinity ClientIP service" kubectl apply -f "$WORK/sticky.yaml"
SIP=$(kubectl get svc sticky -o jsonpath='{.spec.clusterIP}')
check "sticky: one client always reaches one pod" eventually bash -c \
  "$(declare -f nsget); [ \"\$(for i in \$(seq 1 12); do nsget ${NETNS[1]} http://$SIP/; done | sort -u | wc -l)\" = 1 ] && nsget ${NETNS[1]} http://$SIP/ | grep -q pod-"
check "headless services get no rules" bash -c "! nft list table ip $TABLE | grep -q nsheadless"

# ---- DNS (dnsmasq on the bridge address; the DNS service address is DNATed to it)
lookup() { timeout 5 busybox nslookup "$@" 2>/dev/null; }
check "service name resolves to the cluster IP" eventually bash -c \
  "$(declare -f lookup); lookup nsweb.default.svc.cluster.local $GW | grep -q 'Address.*$CIP'"
check "headless name resolves to the ready pods" eventually bash -c \
  "$(declare -f lookup); out=\$(lookup nsheadless.default.svc.cluster.local $GW); echo \"\$out\" | grep -q '$POD1' && echo \"\$out\" | grep -q '$POD2'"
check "a pod with hostname/subdomain has its own record" eventually bash -c \
  "$(declare -f lookup); lookup web-0.nsheadless.default.svc.cluster.local $GW | grep -q 'Address.*$POD1'"
check "from a pod through the cluster DNS address" eventually bash -c \
  "timeout 5 ip netns exec ${NETNS[0]} busybox nslookup hello-node-svc.default.svc.cluster.local $DNS_IP 2>/dev/null | grep -q 'Address.*$S\.'"
check "unknown cluster names are NXDOMAIN" bash -c \
  "$(declare -f lookup); ! lookup nothing.default.svc.cluster.local $GW | grep -q 'Address.*$S\.'"

# ---- deletion
check "delete nsweb" kubectl delete svc nsweb
check "its rules vanish" eventually bash -c "! nft list table ip $TABLE | grep -q 'default/nsweb/'"
check "its DNS record goes" eventually bash -c "$(declare -f lookup); ! lookup nsweb.default.svc.cluster.local $GW | grep -q 'Address.*$CIP'"
check "its Endpoints and slices go" eventually bash -c \
  "! kubectl get endpoints nsweb && [ -z \"\$(kubectl get endpointslices -l kubernetes.io/service-name=nsweb -o name)\" ]"
check "the nodePort is free again after deleting its service" bash -c \
  "kubectl delete svc hello-node-svc >/dev/null && sleep 0.5 && kubectl apply -f $WORK/conflict.yaml"

# ---- shutdown removes everything
DNSMASQ_PID=$(cat "$WORK/data/cluster-dns/dnsmasq.pid" 2>/dev/null)
stop_server TERM
check "the table is gone after shutdown" bash -c "! nft list table ip $TABLE"
check "the sink bridge and route are gone" bash -c "! ip link show $VIP 2>/dev/null && ! ip route show exact $SVC_CIDR | grep -q ."
check "dnsmasq is stopped" bash -c "[ -n '$DNSMASQ_PID' ] && ! kill -0 $DNSMASQ_PID 2>/dev/null"

summary
[ $fail -eq 0 ]
