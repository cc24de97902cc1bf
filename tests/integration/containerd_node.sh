# Shared by the integration tests that run `capstan up` on real containerd (source after lib.sh
# and capstan_args): prerequisites, a node of the test's own (data dir, bridge, pod subnet), and
# its teardown even when the server died with containers running.
#   containerd_node_setup PREFIX [EXTRA_TOOL...]   sets DATA LOG BRIDGE CLUSTER_CIDR SOCK MKIMAGE
#   containerd_node_args NODE                      sets COMMON: the node's arguments for up/image import
#   containerd_up NODE_AGENT_CONFIG                `capstan up` with them
#   containerd_node_teardown                       call from the test's EXIT trap
#   shim_pids                                      shims serving this node's containerd

need_skip() { echo "SKIP $1"; exit 77; }

containerd_node_setup() {
  local prefix=$1 t
  shift
  [ "$(id -u)" = 0 ] || need_skip "not root: containerd needs root"
  for t in containerd ctr runc ip nft "$@"; do command -v "$t" >/dev/null || need_skip "$t is not installed"; done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || need_skip "containernetworking-plugins not installed"
  MKIMAGE=${MKIMAGE:-$(dirname "$CAPSTAN")/capstan-mkimage}
  [ -x "$MKIMAGE" ] || need_skip "capstan-mkimage not built"
  # Short path: containerd's socket lives under the data dir and unix socket paths are short.
  DATA=$(mktemp -d "/tmp/cpst-$prefix.XXXXXX")
  LOG=$DATA/server.log
  # Bridge names differ per test (prefix) and per run, so parallel runs never share one.
  BRIDGE=$prefix$(printf '%05d' $((RANDOM % 100000)))
  # A /20 of 10.244.0.0/16 of our own, so that parallel runs do not share pod subnets.
  CLUSTER_CIDR=10.244.$(( (RANDOM % 15 + 1) * 16 )).0/20
  SOCK=$DATA/containerd/containerd.sock
}

containerd_node_args() { # NODE : the data dir, plugins, containerd runtime, the node's bridge and pod subnet
  COMMON=(--data-dir "$DATA" --plugin-dir "$PLUGIN_DIR" --runtime containerd --node-name "$1"
          --plugin-config "capstan.network.v1/bridge={\"bridgeName\":\"$BRIDGE\"}"
          --plugin-config "pod-cidr-allocator={\"clusterCIDR\":\"$CLUSTER_CIDR\"}")
}

# containerd_up NODE_AGENT_CONFIG : starts `capstan up "${COMMON[@]}"` on free ports with the node
# agent's configuration (JSON), waits (90 s) for its kubeconfig and exports KUBECONFIG; sets
# SERVER_PID; reports "capstan up with containerd" (false, with the log's tail, when it did not).
containerd_up() {
  local i
  "$CAPSTAN" up "${COMMON[@]}" --port 0 --http-port 0 --bind-address 127.0.0.1 \
    --plugin-config "node-agent=$1" >"$LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 900; i++)); do
    grep -q '^ *kubeconfig: ' "$LOG" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$LOG" | tail -1)
  export KUBECONFIG
  if [ -z "$KUBECONFIG" ] || [ ! -f "$KUBECONFIG" ]; then
    bad "capstan up with containerd" "$(tail -15 "$LOG" | tr '\n' ' ')"
    return 1
  fi
  ok "capstan up with containerd"
}

shim_pids() { # shims serving our containerd (they are started with -address SOCK)
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "containerd-shim.*-address $SOCK " && basename "$p"
  done
}

containerd_node_teardown() {
  local pid t pass
  # Containers still running (the server died): kill them through containerd before it goes.
  for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1
  done
  if [ -f "$DATA/containerd/containerd.pid" ]; then
    pid=$(cat "$DATA/containerd/containerd.pid")
    grep -q containerd "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  for pid in $(shim_pids); do kill -KILL "$pid" 2>/dev/null; done
  for pass in 1 2; do  # a second pass for mounts that appeared while containerd was stopping
    grep -o " $DATA/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  ip link show dev "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE" type bridge
  nft delete table inet "capstan_cni_$BRIDGE" 2>/dev/null
  rm -rf "$DATA"
}
