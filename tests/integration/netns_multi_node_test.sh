#!/usr/bin/env bash
# Integration test: a two-node cluster on REAL containers, each node in its own network namespace.
#   - `capstan server` in the root namespace, listening on a test bridge of this run (cmnbr<pid>);
#   - two `capstan agent`s, each in its own network namespace joined to that bridge by a veth, each
#     with its own data dir and therefore its own containerd, its own pod bridge (cni-bridge), its
#     own nftables service proxy and its own dnsmasq (cluster-dns).
# Checks: the nodes get distinct pod CIDRs and host-gw routes to each other over the veths; pods run
# on both nodes; a pod on one node reaches a pod on the other by IP, by its headless per-pod DNS
# name, and through a ClusterIP Service whose only endpoint is on the other node (short name and
# FQDN); NodePort from the root namespace to a node address; then one agent is SIGKILLed (the agent
# process only: its containerd and the containers' shims stay) and the other node's pods stay
# reachable from each other and through their Service, also from the killed node's running pods;
# then the agent starts again and adopts its containerd and its pods as they run (issue 12).
#   netns_multi_node_test.sh CAPSTAN_BINARY PLUGIN_DIR
# Ends with "N passed, N failed". Exits 77 unless root with containerd, ctr, runc, the CNI plugins,
# nft, dnsmasq, nsenter, kubectl and a static busybox.
#
# Network safety: the namespaces have no default route (only their veth subnet, their pod bridge,
# the host-gw route to the other node and the service CIDR's sink), and a table of this run in the
# root namespace drops anything forwarded from the test bridge to another interface. Everything this
# run creates carries its id and is removed on exit, failure included.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"

need_skip() { echo "SKIP $1"; exit 77; }
[ "$(id -u)" = 0 ] || need_skip "not root: network namespaces and containerd need root"
for t in containerd containerd-shim-runc-v2 ctr runc ip nft nsenter curl /usr/sbin/dnsmasq; do
  command -v "$t" >/dev/null 2>&1 || need_skip "$t is not installed"
done
for p in bridge host-local loopback portmap; do [ -x "/usr/lib/cni/$p" ] || need_skip "CNI plugin $p not installed (containernetworking-plugins)"; done
MKIMAGE=${MKIMAGE:-$(dirname "$CAPSTAN")/capstan-mkimage}
[ -x "$MKIMAGE" ] || need_skip "capstan-mkimage not built"
for p in cri-containerd cni-bridge cni-bridge-allocator service-proxy cluster-dns node-agent scheduler controller-endpoints kinds-network; do
  [ -f "$PLUGIN_DIR/$p.so" ] || need_skip "plugin $p not in $PLUGIN_DIR"
done

ID=$$
T0=$SECONDS
# Every request of this test goes to addresses of its own bridge and namespaces, never a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
# Short: containerd's socket lives under each node's data dir and unix socket paths are short.
WORK=$(mktemp -d /tmp/cpnm.XXXXXX)
export HOME=$WORK/home
mkdir -p "$HOME"

# The nodes' subnet: a /24 of 172.31.0.0/16 that no route or address of this host touches.
NET=
for x in $((ID % 200 + 20)) $(((ID + 77) % 200 + 20)) $(((ID + 151) % 200 + 20)); do
  c=172.31.$x
  ip -4 route show match "$c.0/24" | grep -v '^default' | grep -q . && continue
  ip -4 -o addr show | grep -q " $c\." && continue
  NET=$c; break
done
[ -n "$NET" ] || need_skip "no free /24 in 172.31.0.0/16"
# Names: prefix "cmn" (other tests use cpt/cpn/cs); interface names stay within 15 characters.
BR=cmnbr$ID                      # the "switch" the nodes are cabled to
GUARD=cmnguard$ID                # nft table (root namespace): nothing forwarded off the bridge
SERVER_IP=$NET.1
NODES=(node-a node-b)
declare -A NS=([node-a]=cmn$ID-a [node-b]=cmn$ID-b)
declare -A VETH=([node-a]=cmn${ID}a [node-b]=cmn${ID}b)
declare -A IP=([node-a]=$NET.2 [node-b]=$NET.3)
declare -A AGENT=()
NODEPORT=$((30000 + ID % 2000))
CONTAINER_IDS=
MADE=()   # what this run created and must delete: "netns NAME", "link NAME", "table NAME"

# ---- teardown: also what the trap runs; every step tolerates "already gone"
made() { printf '%s\n' "${MADE[@]}" | grep -qx "$1"; }
sock_of() { echo "$WORK/$1/containerd/containerd.sock"; }
pod_netns_of() { # NODE: the pod network namespaces of that node's sandboxes (files under containerd's state dir)
  local s c; s=$(sock_of "$1")
  [ -S "$s" ] || return 0
  for c in $(timeout 10 ctr --address "$s" -n k8s.io containers ls -q 2>/dev/null); do
    timeout 10 ctr --address "$s" -n k8s.io containers info "$c" 2>/dev/null | grep -o '"[^"]*/netns/cni-[0-9a-f-]*"' | tr -d '"'
  done | sort -u
}
pids_in_netns() { # FILE: the processes in the network namespace bound at FILE
  local ino p; ino=$(stat -L -c %i "$1" 2>/dev/null) || return 0
  [ -n "$ino" ] || return 0
  for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/net" 2>/dev/null)" = "net:[$ino]" ] && echo "${p#/proc/}"; done
}
alive() { local st; st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
stop_pid() { # PID SIGNAL: by PID, escalating to SIGKILL after 30 s; a graceful agent stop removes the
  local pid=$1 i    # node's pods, pod bridge, rules and containerd
  [ -n "$pid" ] || return 0
  kill -"$2" "$pid" 2>/dev/null
  for ((i = 0; i < 300; i++)); do alive "$pid" || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
sweep_node() { # NODE: whatever a killed agent left: containers, containerd, processes, pod netns, mounts
  local n=$1 s pid t f nsf
  s=$(sock_of "$n")
  nsf=$WORK/$n.podnetns
  pod_netns_of "$n" >>"$nsf" 2>/dev/null
  if [ -S "$s" ] && timeout 5 ctr --address "$s" version >/dev/null 2>&1; then
    # Through containerd, so that runc removes the containers' cgroups too.
    for t in $(timeout 10 ctr --address "$s" -n k8s.io tasks ls -q 2>/dev/null); do
      timeout 10 ctr --address "$s" -n k8s.io tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1
    done
    for t in $(timeout 10 ctr --address "$s" -n k8s.io tasks ls -q 2>/dev/null); do
      timeout 10 ctr --address "$s" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1
    done
    for t in $(timeout 10 ctr --address "$s" -n k8s.io containers ls -q 2>/dev/null); do
      timeout 10 ctr --address "$s" -n k8s.io containers delete "$t" >/dev/null 2>&1
    done
  fi
  # Every process left in the node's pods and in the node's namespace (containerd, shims, dnsmasq);
  # the pods' namespace files are bind mounts under the work dir, unmounted with the rest.
  for f in $(sort -u "$nsf" 2>/dev/null); do
    for pid in $(pids_in_netns "$f"); do kill -KILL "$pid" 2>/dev/null; done
  done
  if made "netns ${NS[$n]}"; then
    for pid in $(ip netns pids "${NS[$n]}" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  fi
}
unmount_work() { # containerd's overlay/shm mounts and the pod netns bind mounts under $WORK
  local pass m
  for pass in 1 2 3; do
    grep -o " $WORK/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    grep -q " $WORK/" /proc/self/mountinfo || break
    sleep 0.3
  done
}
TORN_DOWN=
teardown() {
  [ -n "$TORN_DOWN" ] && return 0
  TORN_DOWN=1
  trap '' INT TERM  # a second interrupt must not cut the teardown short
  local n
  for n in "${NODES[@]}"; do [ -n "${AGENT[$n]:-}" ] && kill -TERM "${AGENT[$n]}" 2>/dev/null; done
  for n in "${NODES[@]}"; do stop_pid "${AGENT[$n]:-}" TERM; AGENT[$n]=; done
  for n in "${NODES[@]}"; do sweep_node "$n"; done
  stop_pid "$SERVER_PID" TERM
  SERVER_PID=
  unmount_work
  local i kind name
  for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do  # only what this run created, newest first
    read -r kind name <<<"${MADE[$i]}"
    case $kind in
      netns) ip netns delete "$name" 2>/dev/null ;;
      link) ip link delete "$name" 2>/dev/null ;;
      table) nft delete table inet "$name" 2>/dev/null ;;
    esac
  done
  unmount_work
  if [ -n "${KEEP_LOGS:-}" ] || [ "$fail" -ne 0 ]; then
    local logs=${CAPSTAN_TEST_LOG_DIR:-/tmp}/netns_multi_node_test.$ID
    mkdir -p "$logs"
    cp "$WORK"/*.log "$logs/" 2>/dev/null
    for n in "${NODES[@]}"; do cp "$WORK/$n/containerd/containerd.log" "$logs/$n.containerd.log" 2>/dev/null; done
    echo "logs: $logs"
  fi
  rm -rf "$WORK" 2>/dev/null || { unmount_work; rm -rf "$WORK"; }
}
trap teardown EXIT
trap "exit 130" INT TERM  # so that the EXIT trap runs when interrupted too

# ---- the machines: a bridge, two namespaces cabled to it
ip link add "$BR" type bridge || { echo "FAIL cannot create bridge $BR"; exit 1; }
MADE+=("link $BR")
ip addr add "$SERVER_IP/24" dev "$BR" && ip link set "$BR" up
# Defence in depth: nothing coming from the test bridge is ever forwarded to another interface.
nft -f - <<NFT || { echo "FAIL cannot install the guard table"; exit 1; }
table inet $GUARD {
  chain forward {
    type filter hook forward priority -20; policy accept;
    iifname "$BR" oifname != "$BR" counter drop
  }
}
NFT
MADE+=("table $GUARD")
for n in "${NODES[@]}"; do
  ip netns add "${NS[$n]}" || { echo "FAIL cannot create netns ${NS[$n]}"; exit 1; }
  MADE+=("netns ${NS[$n]}")
  ip link add "${VETH[$n]}" type veth peer name eth0 netns "${NS[$n]}" || { echo "FAIL cannot create veth ${VETH[$n]}"; exit 1; }
  MADE+=("link ${VETH[$n]}")
  ip link set "${VETH[$n]}" master "$BR" up
  ip -n "${NS[$n]}" addr add "${IP[$n]}/24" dev eth0
  ip -n "${NS[$n]}" link set eth0 up
  ip -n "${NS[$n]}" link set lo up
done
check_eq "node namespaces have no default route" "" bash -c \
  "ip -n ${NS[node-a]} route show default; ip -n ${NS[node-b]} route show default"

# ---- the image (imported into each node's containerd once the agents run)
"$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$WORK/busybox.tar" localhost/capstan-test/busybox:1
rc=$?
[ $rc = 77 ] && need_skip "no static busybox"
[ $rc = 0 ] || { bad "build busybox image"; summary; exit 1; }

# ---- the control plane, on the bridge address
CAPSTAN_BIND=$SERVER_IP
"$CAPSTAN" server --data-dir "$WORK/server" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 \
  --bind-address "$CAPSTAN_BIND" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for ((i = 0; i < 300; i++)); do
  grep -q '^ *kubeconfig: ' "$WORK/server.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$WORK/server.log" | tail -1)
export KUBECONFIG
if [ -z "$KUBECONFIG" ] || [ ! -f "$KUBECONFIG" ]; then
  bad "capstan server on $SERVER_IP" "$(tail -15 "$WORK/server.log" | tr '\n' ' ')"; summary; exit 1
fi
check "capstan server listens on the bridge address $SERVER_IP" grep -q "server: *\"\{0,1\}https://$SERVER_IP:" "$KUBECONFIG"

# ---- the agents. `nsenter --net` rather than `ip netns exec`: the latter also remounts /sys in a
# new mount namespace, which hides /sys/fs/cgroup from containerd and runc.
for n in "${NODES[@]}"; do
  nsenter --net="/run/netns/${NS[$n]}" "$CAPSTAN" agent --kubeconfig "$KUBECONFIG" --data-dir "$WORK/$n" \
    --plugin-dir "$PLUGIN_DIR" --runtime containerd --node-name "$n" --node-ip "${IP[$n]}" \
    >"$WORK/$n.log" 2>&1 </dev/null &
  AGENT[$n]=$!
done

eventually() { # TIMEOUT_S CMD...
  local t=$1 i; shift
  for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1
}
ready_nodes() { kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '=True$'; }
export -f ready_nodes
check "both agents register Ready nodes" eventually 60 bash -c "[ \"\$(ready_nodes)\" = 2 ]"
declare -A CIDR
for n in "${NODES[@]}"; do
  eventually 30 bash -c "kubectl get node $n -o jsonpath='{.spec.podCIDR}' | grep -q /24"
  CIDR[$n]=$(kubectl get node "$n" -o jsonpath='{.spec.podCIDR}')
done
check "distinct pod CIDRs from 10.244.0.0/16 (${CIDR[node-a]}, ${CIDR[node-b]})" bash -c \
  "[[ '${CIDR[node-a]}' == 10.244.*/24 && '${CIDR[node-b]}' == 10.244.*/24 && '${CIDR[node-a]}' != '${CIDR[node-b]}' ]]"
check_eq "InternalIPs are the namespaces' veth addresses" "${IP[node-a]} ${IP[node-b]}" bash -c \
  "echo \$(kubectl get node node-a -o jsonpath='{.status.addresses[?(@.type==\"InternalIP\")].address}') \$(kubectl get node node-b -o jsonpath='{.status.addresses[?(@.type==\"InternalIP\")].address}')"
check "host-gw route on node-a to node-b's pods via its veth address" eventually 30 bash -c \
  "ip -n ${NS[node-a]} route show ${CIDR[node-b]} | grep -q 'via ${IP[node-b]} dev eth0'"
check "host-gw route on node-b to node-a's pods via its veth address" eventually 30 bash -c \
  "ip -n ${NS[node-b]} route show ${CIDR[node-a]} | grep -q 'via ${IP[node-a]} dev eth0'"
check "each node has its pod bridge capstan0 (in its namespace, not on the host)" bash -c \
  "ip -n ${NS[node-a]} -4 addr show capstan0 | grep -q 'inet ${CIDR[node-a]%.0/24}.1/' && ip -n ${NS[node-b]} -4 addr show capstan0 | grep -q 'inet ${CIDR[node-b]%.0/24}.1/'"
check "each node's service proxy table and sink route are in its namespace" eventually 30 bash -c \
  "for ns in ${NS[node-a]} ${NS[node-b]}; do ip netns exec \$ns nft list table ip capstan-proxy >/dev/null && ip -n \$ns route show 10.96.0.0/16 | grep -q 'dev capstan-vip' || exit 1; done"
check "each node runs its own dnsmasq" eventually 30 bash -c \
  "for n in node-a node-b; do kill -0 \$(cat $WORK/\$n/cluster-dns/dnsmasq.pid) || exit 1; done"
check_eq "still no default route in the node namespaces" "" bash -c \
  "ip -n ${NS[node-a]} route show default; ip -n ${NS[node-b]} route show default"

# ---- the image into each node's containerd (found through the node's data dir)
for n in "${NODES[@]}"; do
  check "image import into $n's containerd" bash -c \
    "'$CAPSTAN' image import --data-dir '$WORK/$n' --plugin-dir '$PLUGIN_DIR' --runtime containerd '$WORK/busybox.tar' 2>&1 | grep -q 'imported localhost/capstan-test/busybox:1'"
done

# ---- workloads: a web server and a client on each node, Services over them
{
  for n in a b; do cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: web-$n, labels: {app: web-$n, tier: web}}
spec:
  nodeSelector: {kubernetes.io/hostname: node-$n}
  hostname: web-$n
  subdomain: web-hl
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: localhost/capstan-test/busybox:1
    command: ["sh", "-c", "mkdir -p /tmp/w && echo web-$n >/tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client-$n}
spec:
  nodeSelector: {kubernetes.io/hostname: node-$n}
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: localhost/capstan-test/busybox:1
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Service
metadata: {name: svc-$n}
spec:
  selector: {app: web-$n}
  ports: [{port: 80, targetPort: http}]
YAML
  done
  cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: web-hl}
spec:
  clusterIP: None
  selector: {tier: web}
  ports: [{port: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web-b}
  ports: [{port: 80, targetPort: 8080, nodePort: $NODEPORT}]
YAML
} >"$WORK/workload.yaml"
check "create pods, ClusterIP, headless and NodePort services" kubectl apply -f "$WORK/workload.yaml"
running() { [ "$(kubectl get pod "$1" -o jsonpath='{.spec.nodeName}/{.status.phase}')" = "$2/Running" ]; }
export -f running
for n in a b; do
  for p in web-$n client-$n; do
    check "$p runs on node-$n" eventually 90 running "$p" "node-$n"
  done
done
declare -A PIP
for p in web-a web-b client-a client-b; do PIP[$p]=$(kubectl get pod "$p" -o jsonpath='{.status.podIP}'); done
check "pod IPs come from their node's pod CIDR" bash -c \
  "[[ ${PIP[web-a]} == ${CIDR[node-a]%.0/24}.* && ${PIP[client-a]} == ${CIDR[node-a]%.0/24}.* && ${PIP[web-b]} == ${CIDR[node-b]%.0/24}.* && ${PIP[client-b]} == ${CIDR[node-b]%.0/24}.* ]]"
# For the teardown, should containerd be gone, and for the final check that they are all gone.
for n in "${NODES[@]}"; do pod_netns_of "$n" >>"$WORK/$n.podnetns"; done
for n in "${NODES[@]}"; do CONTAINER_IDS+=" $(ctr --address "$(sock_of "$n")" -n k8s.io containers ls -q | tr '\n' ' ')"; done
CIP_A=$(kubectl get svc svc-a -o jsonpath='{.spec.clusterIP}')
CIP_B=$(kubectl get svc svc-b -o jsonpath='{.spec.clusterIP}')
check "svc-b's only endpoint is web-b (on node-b)" eventually 30 bash -c \
  "[ \"\$(kubectl get endpoints svc-b -o jsonpath='{.subsets[*].addresses[*].ip}:{.subsets[0].ports[0].port}')\" = '${PIP[web-b]}:8080' ]"
check "svc-a's only endpoint is web-a (on node-a)" eventually 30 bash -c \
  "[ \"\$(kubectl get endpoints svc-a -o jsonpath='{.subsets[*].addresses[*].ip}:{.subsets[0].ports[0].port}')\" = '${PIP[web-a]}:8080' ]"

# In a pod, through the API server, the node agent and CRI exec. busybox wget's -T is broken: timeout.
in_pod() { local p=$1; shift; timeout 20 kubectl exec "$p" -- "$@"; }
fetch() { in_pod "$1" timeout 5 wget -q -O - "$2"; }  # POD URL
export -f in_pod fetch
check_eq "client-a sees the cluster DNS in its resolv.conf" "nameserver 10.96.0.10" \
  bash -c "in_pod client-a cat /etc/resolv.conf | grep nameserver"
check "client-a -> web-b by pod IP (across nodes)" eventually 30 bash -c "fetch client-a http://${PIP[web-b]}:8080/ | grep -qx web-b"
check "client-b -> web-a by pod IP (across nodes)" eventually 30 bash -c "fetch client-b http://${PIP[web-a]}:8080/ | grep -qx web-a"
check "client-a resolves web-b's headless per-pod name" eventually 30 bash -c \
  "in_pod client-a nslookup web-b.web-hl.default.svc.cluster.local | grep -q 'Address.*${PIP[web-b]}'"
check "client-a resolves the headless service to both pods" eventually 30 bash -c \
  "out=\$(in_pod client-a nslookup web-hl.default.svc.cluster.local); echo \"\$out\" | grep -q '${PIP[web-a]}' && echo \"\$out\" | grep -q '${PIP[web-b]}'"
check "client-a -> web-b by its per-pod DNS name" eventually 30 bash -c \
  "fetch client-a http://web-b.web-hl.default.svc.cluster.local:8080/ | grep -qx web-b"
check "client-a resolves svc-b.default.svc.cluster.local to its cluster IP" eventually 30 bash -c \
  "in_pod client-a nslookup svc-b.default.svc.cluster.local | grep -q 'Address.*$CIP_B'"
check "client-a -> svc-b by FQDN (endpoint on node-b)" eventually 30 bash -c \
  "fetch client-a http://svc-b.default.svc.cluster.local/ | grep -qx web-b"
check "client-a -> svc-b by short name" eventually 30 bash -c "fetch client-a http://svc-b/ | grep -qx web-b"
check "client-b -> svc-a by short name (endpoint on node-a)" eventually 30 bash -c "fetch client-b http://svc-a/ | grep -qx web-a"
check "web-a -> svc-a: hairpin through its own service" eventually 30 bash -c "fetch web-a http://$CIP_A/ | grep -qx web-a"
# NodePort from the root namespace: only to addresses that are on our bridge.
for n in "${NODES[@]}"; do
  if ip route get "${IP[$n]}" | grep -q "dev $BR "; then
    check "NodePort $NODEPORT on $n (${IP[$n]}) from the host reaches web-b" eventually 30 bash -c \
      "curl -s --noproxy "*" --max-time 3 http://${IP[$n]}:$NODEPORT/ | grep -qx web-b"
  else
    bad "route to ${IP[$n]} is on $BR" "$(ip route get "${IP[$n]}")"
  fi
done

# ---- SIGKILL node-b's agent: only the agent process. Its containerd and the containers' shims are
# separate processes and keep running; its nft rules, routes and dnsmasq (whose parent-death signal
# is cleared when it sets its user) stay as they were. node-a's data plane must not notice.
B_CONTAINERD=$(cat "$WORK/node-b/containerd/containerd.pid" 2>/dev/null)
B_DNSMASQ=$(cat "$WORK/node-b/cluster-dns/dnsmasq.pid" 2>/dev/null)
B_PID=${AGENT[node-b]}
b_restarts() { kubectl get pods web-b client-b -o jsonpath='{range .items[*]}{.metadata.name}={.status.containerStatuses[0].restartCount}{" "}{end}'; }
B_RESTARTS=$(b_restarts)
kill -KILL "$B_PID"
wait "$B_PID" 2>/dev/null
AGENT[node-b]=
check "node-b's agent is gone" bash -c "! kill -0 $B_PID 2>/dev/null"
check "node-b's containerd still runs" kill -0 "${B_CONTAINERD:-0}"
check "node-b's dnsmasq still runs" kill -0 "${B_DNSMASQ:-0}"
check "web-b still answers by IP from client-a" eventually 20 bash -c \
  "in_pod client-a timeout 5 wget -q -O - http://${PIP[web-b]}:8080/ | grep -qx web-b"
check "node-a's pods reach each other: client-a -> web-a by IP" eventually 20 bash -c "fetch client-a http://${PIP[web-a]}:8080/ | grep -qx web-a"
check "client-a -> svc-a by FQDN after the kill" eventually 20 bash -c \
  "fetch client-a http://svc-a.default.svc.cluster.local/ | grep -qx web-a"
check "client-a -> svc-a by short name after the kill" eventually 20 bash -c "fetch client-a http://svc-a/ | grep -qx web-a"
check "client-a -> web-a by per-pod DNS name after the kill" eventually 20 bash -c \
  "fetch client-a http://web-a.web-hl.default.svc.cluster.local:8080/ | grep -qx web-a"
# The killed node's pods cannot be exec'd into any more (no agent); enter client-b's network
# namespace directly and use node-b's rules, which stay in place.
CLIENT_B_PID=
for f in $(sort -u "$WORK/node-b.podnetns"); do
  for pid in $(pids_in_netns "$f"); do
    if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q '^sleep 3600'; then CLIENT_B_PID=$pid; fi
  done
done
if [ -n "$CLIENT_B_PID" ]; then
  check "from client-b's namespace on the killed node: svc-a's cluster IP reaches web-a" eventually 20 bash -c \
    "nsenter --net=/proc/$CLIENT_B_PID/ns/net timeout 5 busybox wget -q -O - http://$CIP_A/ | grep -qx web-a"
  check "from client-b's namespace: svc-a's name through node-b's resolver (10.96.0.10)" bash -c \
    "nsenter --net=/proc/$CLIENT_B_PID/ns/net timeout 5 busybox nslookup svc-a.default.svc.cluster.local 10.96.0.10 | grep -q 'Address.*$CIP_A'"
  check "from client-b's namespace: web-a by pod IP" bash -c \
    "nsenter --net=/proc/$CLIENT_B_PID/ns/net timeout 5 busybox wget -q -O - http://${PIP[web-a]}:8080/ | grep -qx web-a"
else
  bad "client-b still running after its agent was killed" "no 'sleep 3600' in node-b's pod namespaces"
fi
check_eq "node-a is still Ready" True kubectl get node node-a -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'

# ---- node-b's agent starts again (same data dir, in its namespace), as after a crash: it adopts
# its containerd and the containers as they run (none restarted), the node is Ready again and
# its pods are reachable through the API (exec) and the network again.
b_lease() { kubectl -n kube-node-lease get lease node-b -o jsonpath='{.spec.renewTime}'; }
B_LEASE=$(b_lease)
nsenter --net="/run/netns/${NS[node-b]}" "$CAPSTAN" agent --kubeconfig "$KUBECONFIG" --data-dir "$WORK/node-b" \
  --plugin-dir "$PLUGIN_DIR" --runtime containerd --node-name node-b --node-ip "${IP[node-b]}" \
  >"$WORK/node-b.restart.log" 2>&1 </dev/null &
AGENT[node-b]=$!
export -f b_lease
check "node-b's restarted agent renews its lease" eventually 60 bash -c "[ \"\$(b_lease)\" != '$B_LEASE' ]"
check "node-b is Ready after its agent's restart" eventually 60 bash -c \
  "[ \"\$(kubectl get node node-b -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
check "node-b's restarted agent keeps running" kill -0 "${AGENT[node-b]}"
check "node-b's containerd was adopted, not replaced" bash -c \
  "[ \"\$(cat $WORK/node-b/containerd/containerd.pid)\" = '${B_CONTAINERD:-none}' ] && kill -0 ${B_CONTAINERD:-0}"
if [ -n "$CLIENT_B_PID" ]; then
  check "client-b's container was re-adopted, not restarted (same process)" kill -0 "$CLIENT_B_PID"
fi
check "kubectl exec into client-b works again (through the restarted agent)" eventually 30 in_pod client-b true
check_eq "restartCounts of node-b's pods unchanged ($B_RESTARTS)" "$B_RESTARTS" b_restarts
check "client-b -> svc-a through the restarted node" eventually 30 bash -c "fetch client-b http://svc-a/ | grep -qx web-a"
check "client-a -> web-b by IP after node-b's agent restart" eventually 20 bash -c \
  "fetch client-a http://${PIP[web-b]}:8080/ | grep -qx web-b"

check "nothing from the test bridge was forwarded elsewhere (guard counter 0)" bash -c \
  "nft list table inet $GUARD | grep -q 'counter packets 0 bytes 0 drop'"

# ---- teardown, then nothing of this run may be left
RUNTIME=$((SECONDS - T0))
teardown
trap - EXIT
leftover_containers() { # processes in a container of this run (by cgroup), or the containers' cgroups
  local p id
  for p in /proc/[0-9]*; do
    for id in $CONTAINER_IDS; do grep -q "$id" "$p/cgroup" 2>/dev/null && echo "process ${p#/proc/} in $id"; done
  done
  for id in $CONTAINER_IDS; do ls -d /sys/fs/cgroup/*/k8s.io/"$id" 2>/dev/null; done
}
leftover_procs() { # processes whose command line names the work dir (agents, server, containerd, shims, dnsmasq)
  local p; for p in /proc/[0-9]*; do { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "$WORK/" && echo "${p#/proc/}"; done
}
check_eq "no network namespace of this run is left" "" bash -c "ip netns list | grep -E '^cmn$ID-'"
check "the containers of this run were seen" test -n "$CONTAINER_IDS"
check_eq "no container process or cgroup of this run is left" "" leftover_containers
check_eq "no link of this run is left" "" bash -c "ip -o link show | grep -E ': (cmnbr$ID|cmn${ID}[ab])[:@]'"
check_eq "no nft table of this run is left" "" bash -c "nft list tables | grep $GUARD"
check_eq "no mount under the work dir is left" "" bash -c "grep ' $WORK' /proc/self/mountinfo"
check_eq "no process of this run is left" "" leftover_procs
check "the work dir is removed" bash -c "[ ! -e $WORK ]"
echo "run time: ${RUNTIME}s to the end of the checks, $((SECONDS - T0))s with teardown"
summary
[ $fail -eq 0 ]
