#!/usr/bin/env bash
# Real containers: `capstan up` with the containerd runtime (its own containerd) and the
# cni-bridge pod network. Imports a busybox image built by the project, runs a pod with kubectl,
# checks it gets a pod IP from 10.244.0.0/16 on the node bridge and serves HTTP to the host over
# that bridge, checks host-gw routes to a second (fake) node on a bridge of the test's own and
# none through the default-route interface, deletes the pod, then stops the server and checks that
# containerd, its shims, its mounts, network namespaces and the bridge are gone. Also: kubectl
# attach (output, stdin with -i), kubectl run -i --rm, and kubectl top pod/node from the metrics
# the node agent publishes (a busy-looping container shows non-zero CPU). Pulls of absent public
# images fail at once through the closed default registry proxy with no DNS query leaving the host,
# and at shutdown the runtime removes the pods before the network plugin stops (no CNI errors, no
# IP leases left).
#   containerd_runtime_test.sh CAPSTAN_BINARY PLUGIN_DIR
# Skips (77) unless run as root with containerd, ctr, runc, the CNI plugins, kubectl and a static
# busybox installed.
set -u
source "$(dirname "$0")/lib.sh"
capstan_args "$@"

source "$(dirname "$0")/containerd_node.sh"
containerd_node_setup cpt curl
NODE=cri-test-$$

cleanup() {
  stop_server TERM   # a graceful stop removes the pods; stop_server escalates to KILL
  [ $fail -eq 0 ] || cp "$LOG" "${CAPSTAN_TEST_LOG_DIR:-/tmp}/containerd_runtime_test.server.log" 2>/dev/null
  [ -n "${NODES_BR:-}" ] && ip link show dev "$NODES_BR" >/dev/null 2>&1 && ip link delete "$NODES_BR" type bridge
  nft delete table inet "cptpull$$" 2>/dev/null
  containerd_node_teardown
}
trap cleanup EXIT

# ---- image
"$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" localhost/capstan-test/busybox:1
rc=$?
[ $rc = 77 ] && need_skip "no static busybox"
[ $rc = 0 ] || { bad "build busybox image"; summary; exit 1; }

containerd_node_args "$NODE"

# ---- import before the node runs: the plugin starts containerd just for the import
out=$("$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" 2>&1)
if echo "$out" | grep -q "imported localhost/capstan-test/busybox:1"; then ok "image import without a running node"
else bad "image import without a running node" "$(echo "$out" | tail -3 | tr '\n' ' ')"; fi
[ -z "$(shim_pids)" ] && ! pgrep -f "containerd --config $DATA/" >/dev/null && ok "the import's containerd is gone" \
  || bad "the import's containerd is gone"

# ---- start the node
containerd_up '{"metricsInterval":2}' || { summary; exit 1; }
CONTAINERD_PID=$(cat "$DATA/containerd/containerd.pid" 2>/dev/null)
check "private containerd runs" kill -0 "${CONTAINERD_PID:-0}"
check "sandbox image imported" ctr --address "$SOCK" -n k8s.io images check name==capstan.local/pause:1

# import into the running node
out=$("$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" 2>&1)
echo "$out" | grep -q "imported localhost/capstan-test/busybox:1" && ok "image import into the running node" \
  || bad "image import into the running node" "$(echo "$out" | tail -3 | tr '\n' ' ')"

# node gets a pod CIDR, the agent writes the CNI config
for ((i = 0; i < 100; i++)); do
  CIDR=$(kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}' 2>/dev/null)
  [ -n "$CIDR" ] && [ -f "$DATA/cni/net.d/10-capstan.conflist" ] && break
  sleep 0.2
done
case "$CIDR" in 10.244.*/24) ok "node pod CIDR $CIDR" ;; *) bad "node pod CIDR" "got '$CIDR'" ;; esac
check "CNI config written" grep -q "\"bridge\": \"$BRIDGE\"" "$DATA/cni/net.d/10-capstan.conflist"
DEFAULT_DEV=$(ip -o route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i+1); exit}}')
if [ -n "$DEFAULT_DEV" ]; then
  check "egress guard drops bridge -> $DEFAULT_DEV" sh -c "nft list table inet capstan_cni_$BRIDGE | grep -q 'iifname \"$BRIDGE\" oifname \"$DEFAULT_DEV\" drop'"
fi

# ---- a pod
cat >"$DATA/pod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: httpd
    image: localhost/capstan-test/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
YAML
check "create pod" kubectl apply -f "$DATA/pod.yaml"
phase=
for ((i = 0; i < 300; i++)); do
  phase=$(kubectl get pod web -o jsonpath='{.status.phase}' 2>/dev/null)
  [ "$phase" = Running ] && break
  sleep 0.2
done
[ "$phase" = Running ] && ok "pod Running" || bad "pod Running" "phase '$phase': $(kubectl describe pod web 2>&1 | tail -8 | tr '\n' ' ')"
IP=$(kubectl get pod web -o jsonpath='{.status.podIP}')
case "$IP" in 10.244.*) ok "pod IP $IP from the cluster CIDR" ;; *) bad "pod IP from the cluster CIDR" "got '$IP'" ;; esac

# Only talk to the pod when the route to it is our bridge (never anything else).
if [ -n "$IP" ] && ip route get "$IP" 2>/dev/null | grep -q "dev $BRIDGE "; then
  ok "pod reached through bridge $BRIDGE"
  body=
  for ((i = 0; i < 50; i++)); do
    body=$(curl -s --max-time 2 "http://$IP:8080/" 2>/dev/null) && [ -n "$body" ] && break
    sleep 0.2
  done
  [ "$body" = "hello from capstan" ] && ok "httpd in the pod answers on the pod IP" || bad "httpd answers" "got '$body'"
else
  bad "pod reached through bridge $BRIDGE" "$(ip route get "$IP" 2>&1)"
fi

# ---- a pull that fails: a registry on a closed loopback port (nothing leaves the machine)
kubectl run badimage --image=127.0.0.1:1/capstan/missing:1 >/dev/null 2>&1
reason=
for ((i = 0; i < 100; i++)); do
  reason=$(kubectl get pod badimage -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null)
  case "$reason" in ErrImagePull|ImagePullBackOff) break ;; esac
  sleep 0.2
done
case "$reason" in ErrImagePull|ImagePullBackOff) ok "unreachable registry gives $reason" ;; *) bad "unreachable registry" "reason '$reason'" ;; esac
kubectl delete pod badimage --wait=false >/dev/null 2>&1

# ---- a pull from a public registry never leaves the machine: the plugin starts containerd with its
# registry traffic going to `registryProxy`, by default a closed loopback port, so pulling an absent
# image fails at once and the registry's name is not even resolved. A table of our own counts the
# DNS queries for registry-1.docker.io (docker.io's registry) this host sends, on any interface,
# while the pulls run; it must stay at 0. (Go's resolver always asks over UDP first; the counter
# matches the query's first 16 name bytes, "\x0aregistry-1\x06dock", with or without a search suffix.)
PULL_TABLE=cptpull$$
nft -f - <<NFT
table inet $PULL_TABLE {
  chain out {
    type filter hook output priority -300; policy accept;
    udp dport 53 @th,160,128 0x0a72656769737472792d3106646f636b counter
  }
}
NFT
check "containerd runs with the registry proxy" sh -c "tr '\\0' '\\n' </proc/$CONTAINERD_PID/environ | grep -qx 'HTTPS_PROXY=http://127.0.0.1:1'"
pull_start=$SECONDS
kubectl run nopull-full --image=docker.io/library/doesnotexist:1 >/dev/null 2>&1
kubectl run nopull-short --image=nosuchimage >/dev/null 2>&1
for pod in nopull-full nopull-short; do
  reason=
  for ((i = 0; i < 75; i++)); do
    reason=$(kubectl get pod "$pod" -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null)
    case "$reason" in ErrImagePull|ImagePullBackOff) break ;; esac
    sleep 0.2
  done
  took=$((SECONDS - pull_start))
  case "$reason" in ErrImagePull|ImagePullBackOff) [ "$took" -le 10 ] && ok "$pod: absent public image gives $reason within $took s" \
      || bad "$pod: absent public image gives ErrImagePull quickly" "took $took s" ;;
    *) bad "$pod: absent public image gives ErrImagePull quickly" "reason '$reason'" ;; esac
  msg=$(kubectl get events --field-selector "involvedObject.name=$pod" -o jsonpath='{.items[*].message}' 2>/dev/null)
  echo "$msg" | grep -q 'proxyconnect tcp: dial tcp 127.0.0.1:1: connect: connection refused' \
    && ok "$pod: the event says the proxy refused" || bad "$pod: the event says the proxy refused" "$msg"
done
queries=$(nft list table inet "$PULL_TABLE" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$queries" = 0 ] && ok "no DNS query for the registry left the host" || bad "no DNS query for the registry left the host" "counted '$queries'"
nft delete table inet "$PULL_TABLE"
kubectl delete pod nopull-full nopull-short --wait=false >/dev/null 2>&1

# ---- host-gw routes: a second "node" on a bridge of our own gets a route; one whose address is on
# the default-route interface gets none. No packet is sent to either.
NODES_BR=cpn$(printf '%05d' $((RANDOM % 100000)))
NODES_NET=192.168.$((RANDOM % 200 + 20))
ip link add "$NODES_BR" type bridge && ip addr add "$NODES_NET.1/24" dev "$NODES_BR" && ip link set "$NODES_BR" up
DEFAULT_DEV=$(ip -o route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i+1); exit}}')
DEFAULT_ADDR=$(ip -o -4 addr show dev "${DEFAULT_DEV:-none}" 2>/dev/null | awk '{print $4}' | head -1)
fake_node() { # NAME IP
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata: {name: $1}
YAML
  kubectl patch node "$1" --subresource=status --type=merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$2\"}]}}" >/dev/null
}
fake_node "$NODE-peer" "$NODES_NET.2"
PEER_CIDR=
for ((i = 0; i < 100; i++)); do
  PEER_CIDR=$(kubectl get node "$NODE-peer" -o jsonpath='{.spec.podCIDR}' 2>/dev/null)
  [ -n "$PEER_CIDR" ] && ip route show "$PEER_CIDR" | grep -q "via $NODES_NET.2 dev $NODES_BR" && break
  sleep 0.2
done
[ -n "$PEER_CIDR" ] && [ "$PEER_CIDR" != "$CIDR" ] && ok "second node gets its own pod CIDR ($PEER_CIDR)" || bad "second node pod CIDR" "'$PEER_CIDR'"
ip route show "$PEER_CIDR" | grep -q "via $NODES_NET.2 dev $NODES_BR" && ok "host-gw route to the peer's pod CIDR" \
  || bad "host-gw route to the peer's pod CIDR" "$(ip route show "$PEER_CIDR")"
if [ -n "$DEFAULT_ADDR" ]; then
  # An address in the default-route interface's subnet (never contacted): must get no route.
  OUTSIDE_IP=$(echo "$DEFAULT_ADDR" | awk -F'[./]' '{printf "%d.%d.%d.%d", $1, $2, $3, ($4 == 250 ? 251 : 250)}')
  fake_node "$NODE-outside" "$OUTSIDE_IP"
  OUT_CIDR=
  for ((i = 0; i < 50; i++)); do
    OUT_CIDR=$(kubectl get node "$NODE-outside" -o jsonpath='{.spec.podCIDR}' 2>/dev/null); [ -n "$OUT_CIDR" ] && break; sleep 0.2
  done
  sleep 1
  [ -n "$OUT_CIDR" ] && [ -z "$(ip route show "$OUT_CIDR")" ] && ok "no route through the default-route interface" \
    || bad "no route through the default-route interface" "'$OUT_CIDR': $(ip route show "$OUT_CIDR" 2>&1)"
  kubectl delete node "$NODE-outside" >/dev/null 2>&1
fi
kubectl delete node "$NODE-peer" >/dev/null 2>&1
for ((i = 0; i < 50; i++)); do [ -z "$(ip route show "$PEER_CIDR")" ] && break; sleep 0.2; done
[ -z "$(ip route show "$PEER_CIDR")" ] && ok "route removed with the node" || bad "route removed with the node"

eventually_gone() { local i; for ((i = 0; i < 100; i++)); do kubectl get pod "$1" >/dev/null 2>&1 || return 0; sleep 0.2; done; return 1; }

# ---- kubectl attach: output streamed from a running container, and stdin delivered with -i
cat >"$DATA/attach.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: tick
    image: localhost/capstan-test/busybox:1
    command: ["sh", "-c", "i=0; while :; do echo tick \$i; i=\$((i+1)); sleep 0.5; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: echoer}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: echo
    image: localhost/capstan-test/busybox:1
    stdin: true
    command: ["sh", "-c", "while read l; do echo got:\$l; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: burner, labels: {app: burner}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: spin
    image: localhost/capstan-test/busybox:1
    command: ["sh", "-c", "while :; do :; done"]
YAML
check "create attach and top pods" kubectl apply -f "$DATA/attach.yaml"
check "they run" kubectl wait --for=condition=Ready pod/ticker pod/echoer pod/burner --timeout=60s
out=$(timeout 5 kubectl attach ticker 2>&1)
echo "$out" | grep -q '^tick [0-9]' && ok "kubectl attach streams the container's output" \
  || bad "kubectl attach streams the container's output" "$(echo "$out" | tail -3 | tr '\n' ' ')"
out=$( (echo hello; sleep 1; echo world; sleep 2) | timeout 8 kubectl attach -i echoer -c echo 2>&1)
echo "$out" | grep -q '^got:hello' && echo "$out" | grep -q '^got:world' && ok "kubectl attach -i delivers stdin" \
  || bad "kubectl attach -i delivers stdin" "$(echo "$out" | tail -3 | tr '\n' ' ')"
# kubectl run -i --rm: creates a pod with stdin (stdinOnce), attaches, deletes it at the end.
out=$(echo hi | timeout 60 kubectl run -i --rm runner --image=localhost/capstan-test/busybox:1 --restart=Never \
  --pod-running-timeout=50s -- sh -c 'read l; echo got:$l' 2>&1)
echo "$out" | grep -q '^got:hi' && ok "kubectl run -i --rm attaches stdin and output" \
  || bad "kubectl run -i --rm attaches stdin and output" "$(echo "$out" | tail -3 | tr '\n' ' ')"
check "kubectl run --rm deletes its pod" eventually_gone runner

# ---- kubectl top: the node agent publishes metrics.k8s.io every metricsInterval (2 s here)
cpu=
for ((i = 0; i < 60; i++)); do
  cpu=$(kubectl top pod burner --no-headers 2>/dev/null | awk '{print $2}')
  [ -n "$cpu" ] && [ "${cpu%m}" != "$cpu" ] && [ "${cpu%m}" -gt 0 ] 2>/dev/null && break
  sleep 0.5
done
[ -n "$cpu" ] && [ "${cpu%m}" -gt 0 ] 2>/dev/null && ok "kubectl top pod shows a busy container's CPU ($cpu)" \
  || bad "kubectl top pod shows a busy container's CPU" "got '$cpu': $(kubectl top pod burner 2>&1 | tail -2 | tr '\n' ' ')"
check "kubectl top pod -l" sh -c "kubectl top pod -l app=burner --no-headers | grep -Eq '^burner +[0-9]+m +[0-9]+Mi'"
check "kubectl top node" sh -c "kubectl top node --no-headers | grep -Eq '^$NODE +[0-9]+m +[0-9]+% +[0-9]+Mi +[0-9]+%'"
kubectl delete pod ticker echoer burner --wait=false >/dev/null 2>&1

# ---- delete
check "delete pod" kubectl delete pod web --wait=false
n=1
for ((i = 0; i < 300; i++)); do
  n=$(ctr --address "$SOCK" -n k8s.io containers ls -q 2>/dev/null | wc -l)
  [ "$n" = 0 ] && break
  sleep 0.2
done
[ "$n" = 0 ] && ok "containers and sandbox removed after delete" || bad "containers and sandbox removed after delete" "$n left"
# Removing the Pod object once its containers are gone is the node agent's job (graceful deletion).
gone=
for ((i = 0; i < 100; i++)); do
  kubectl get pod web >/dev/null 2>&1 || { gone=1; break; }
  sleep 0.2
done
[ -n "$gone" ] && ok "pod object removed" || skipped "pod object removed" "still present after its containers were removed (node agent)"
[ -z "$(shim_pids)" ] && ok "no shims left after delete" || bad "no shims left after delete" "$(shim_pids | tr '\n' ' ')"

# ---- stop: containerd, shims, mounts, bridge go away
# a pod still running when the node stops
sed 's/name: web}/name: survivor}/' "$DATA/pod.yaml" | kubectl apply -f - >/dev/null 2>&1
for ((i = 0; i < 150; i++)); do
  [ "$(kubectl get pod survivor -o jsonpath='{.status.phase}' 2>/dev/null)" = Running ] && break
  sleep 0.2
done
check_eq "a pod runs when the node stops" Running kubectl get pod survivor -o jsonpath='{.status.phase}'
CTRLOG_LINES=$(wc -l <"$DATA/containerd/containerd.log")
stop_server TERM
# The runtime stops before the network plugin (it declares "capstan.network.v1.*?"), so containerd
# tears the pods' networks down while the CNI configuration is still there.
grep -q 'cri-containerd: stopped and removed [0-9]* pod sandboxes' "$LOG" && ! grep -q 'cannot remove pod sandboxes' "$LOG" \
  && ok "pods stopped and removed at shutdown" || bad "pods stopped and removed at shutdown" "$(grep 'sandbox' "$LOG" | tail -2)"
removed_at=$(grep -n 'cri-containerd: stopped and removed' "$LOG" | head -1 | cut -d: -f1)
bridge_gone_at=$(grep -n "cni-bridge: removed bridge $BRIDGE" "$LOG" | head -1 | cut -d: -f1)
[ -n "$removed_at" ] && [ -n "$bridge_gone_at" ] && [ "$removed_at" -lt "$bridge_gone_at" ] \
  && ! grep -q 'pods still attached' "$LOG" && ok "the runtime stops before the network plugin" \
  || bad "the runtime stops before the network plugin" "$(grep -E 'stopped and removed|pods still attached|removed bridge' "$LOG" | cut -c1-160 | tr '\n' ' ')"
leases=$(ls "$DATA/cni/ipam/capstan" 2>/dev/null | grep -E '^[0-9.]+$')
[ -d "$DATA/cni/ipam/capstan" ] && [ -z "$leases" ] && ok "no pod IP lease left after shutdown" || bad "no pod IP lease left after shutdown" "$leases"
cni_errors=$(tail -n +$((CTRLOG_LINES + 1)) "$DATA/containerd/containerd.log" | grep -E 'no network config found|failed to destroy network|cni plugin not initialized')
[ -z "$cni_errors" ] && ok "no CNI errors while the pods are removed at shutdown" \
  || bad "no CNI errors while the pods are removed at shutdown" "$(echo "$cni_errors" | head -2 | cut -c1-300)"
sleep 0.5
! kill -0 "${CONTAINERD_PID:-0}" 2>/dev/null && ok "containerd stopped with the server" || bad "containerd stopped with the server"
[ -z "$(shim_pids)" ] && ok "no shims after stop" || bad "no shims after stop" "$(shim_pids | tr '\n' ' ')"
m=$(grep -c " $DATA/" /proc/self/mountinfo)
[ "$m" = 0 ] && ok "no mounts left under the data dir" || bad "no mounts left under the data dir" "$m left"
! ip link show dev "$BRIDGE" >/dev/null 2>&1 && ok "bridge removed on stop" || bad "bridge removed on stop"
! nft list table inet "capstan_cni_$BRIDGE" >/dev/null 2>&1 && ok "egress guard removed on stop" || bad "egress guard removed on stop"

summary
[ $fail -eq 0 ]
