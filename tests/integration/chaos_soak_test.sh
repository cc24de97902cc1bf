#!/usr/bin/env bash
# Chaos soak (issue 12): `capstan up` on real containerd with a two-replica Deployment behind a
# ClusterIP Service and a stream of API writes, while a seeded random sequence of kills runs for
# ROUNDS rounds (20 by default): kill -9 of capstan up (started again at once), of containerd, of
# one pod's shim, of dnsmasq, or a power cut (every process of the node). After each round:
#   - the API is back and every write it acknowledged (HTTP 201) is there;
#   - the Deployment is Ready again, its pods answer, and its Service answers from the host;
#   - nothing leaked: mounts under the data dir, pod network namespaces, veths on the bridge,
#     host-local IP leases, rules of the service proxy's and the CNI's nft tables, container
#     cgroups, loop devices — each compared with the steady state before the first kill.
# Prints the recovery time of each round and, at the end, per kind of kill. The seed is printed;
# CHAOS_SEED=N replays a sequence.
#   flock /tmp/capstan-integration.lock bash tests/integration/chaos_soak_test.sh CAPSTAN_BINARY PLUGIN_DIR
# Skips (77) unless root with containerd, ctr, runc, the CNI plugins, kubectl, curl and busybox-static.
set -u
source "$(dirname "$0")/lib.sh"
capstan_args "$@"
source "$(dirname "$0")/containerd_node.sh"
source "$(dirname "$0")/crash_node.sh"
containerd_node_setup chs curl
NODE=chaos-$$
IMG=localhost/capstan-test/busybox:1
ROUNDS=${ROUNDS:-20}
SEED=${CHAOS_SEED:-$((($(date +%s) + $$) % 32768))}
WRITER=

cleanup() {
  [ -n "$WRITER" ] && { kill "$WRITER" 2>/dev/null; wait "$WRITER" 2>/dev/null; }
  stop_server TERM
  [ $fail -eq 0 ] || for f in "$DATA"/server*.log; do
    cp "$f" "${CAPSTAN_TEST_LOG_DIR:-/tmp}/chaos_soak_test.$(basename "$f")" 2>/dev/null
  done
  containerd_node_teardown_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" "$IMG"
rc=$?
[ $rc = 77 ] && need_skip "no static busybox"
[ $rc = 0 ] || { bad "build busybox image"; summary; exit 1; }

hex_cgroups() { # container cgroup directories (64 hex digits) of the memory hierarchy
  find /sys/fs/cgroup/memory -mindepth 1 -maxdepth 4 -type d -regextype egrep -regex '.*/[0-9a-f]{64}' 2>/dev/null |
    sed 's|.*/||' | sort -u
}
BASE_CGROUPS=$(hex_cgroups)  # before our node: what is there already is not ours

crash_node_init
if ! start_up; then bad "capstan up with containerd" "$(flat "$(tail -15 "$LOG")" 15)"; summary; exit 1; fi
ok "capstan up with containerd on port $PORT"
out=$("$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" 2>&1)
echo "$out" | grep -q "imported $IMG" && ok "image import" || bad "image import" "$(flat "$out" 3)"
poll 90 node_ready && ok "node Ready" || bad "node Ready" "$(flat "$(kubectl get node -o wide 2>&1)")"
check "create the Deployment" deploy_web 2
check "create its Service" kubectl expose deployment web --port 80 --target-port 8080
CIP=$(jp svc/web '{.spec.clusterIP}')
service_answers() { [ "$(timeout 3 busybox wget -q -O - "http://$CIP/index.html" 2>/dev/null)" = ok ]; }
recovered() { all_ready && service_answers; }
poll 120 recovered && ok "Deployment Ready, Service $CIP answers" ||
  { bad "Deployment Ready, Service answers" "$(flat "$(kubectl get pods -o wide 2>&1)")"; summary; exit 1; }

# ---- the steady state every round must come back to
cidr=$(jp "node/$NODE" '{.spec.podCIDR}')
GW=${cidr%.0/*}.1
dns_answers() { timeout 3 busybox nslookup kubernetes.default.svc.cluster.local "$GW" 2>/dev/null | grep -q "10\.96\.0\.1"; }
dns_pid() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = dnsmasq ] && grep -qF -- "$DATA/" "$p/cmdline" 2>/dev/null && echo "${p#/proc/}"
  done | head -1
}
state() { # one line per kind of resource: what must not grow across rounds
  echo "mounts $(grep -c " $DATA/" /proc/self/mountinfo)"
  echo "netns $(ls /var/run/netns 2>/dev/null | grep -c '^cni-') $(findmnt -rn -t nsfs 2>/dev/null | wc -l)"
  echo "veths $(ip -o link show master "$BRIDGE" 2>/dev/null | wc -l)"
  echo "leases $(find "$DATA/cni/ipam" -type f -regextype egrep -regex '.*/[0-9.]+' 2>/dev/null | wc -l)"
  echo "proxy-rules $(nft -a list table ip capstan-proxy 2>/dev/null | grep -c 'handle')"
  echo "cni-rules $(nft -a list table inet "capstan_cni_$BRIDGE" 2>/dev/null | grep -c 'handle')"
  echo "loops $(losetup -l -n -O BACK-FILE 2>/dev/null | grep -c "$DATA/")"
  local known leaked
  known=$(ctr --address "$SOCK" -n k8s.io containers ls -q 2>/dev/null | sort -u)
  leaked=$(comm -23 <(hex_cgroups) <(printf '%s\n' "$BASE_CGROUPS" $known | sort -u) | wc -l)
  echo "stray-cgroups $leaked"
}
sleep 3  # probes and relists settle
STEADY=$(state)
echo "steady state: $(echo "$STEADY" | tr '\n' ' ')"
check "the steady state has the pods' resources" bash -c "echo '$STEADY' | grep -qx 'veths 2' && echo '$STEADY' | grep -qx 'leases 2'"

# ---- the writer: ConfigMaps w-1, w-2, ... through the API; each 201 is appended to acked
API=https://127.0.0.1:$PORT
TOKEN=$(cat "$DATA/auth/admin.token")
: >"$DATA/acked"
(
  n=0
  while :; do
    n=$((n + 1))
    code=$(curl -sk --max-time 3 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' \
      --data "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"w-$n\"},\"data\":{\"n\":\"$n\"}}" \
      "$API/api/v1/namespaces/default/configmaps" 2>/dev/null)
    [ "$code" = 201 ] && echo "w-$n" >>"$DATA/acked"
    sleep 0.05
  done
) &
WRITER=$!
acked_present() { # every write acknowledged before the list was asked for is in it
  local acked have
  acked=$(sort -u "$DATA/acked")
  have=$(kubectl --request-timeout=10s get configmaps -o name 2>/dev/null | sed 's|^configmap/||' | sort -u)
  [ -n "$have" ] || return 1
  ACKED_N=$(echo "$acked" | grep -c .)
  MISSING=$(comm -23 <(echo "$acked") <(echo "$have"))
  [ -z "$MISSING" ]
}

# ---- the rounds
KINDS=(capstan containerd shim dnsmasq power)
RANDOM=$SEED
echo "seed: $SEED (CHAOS_SEED=$SEED replays this sequence)"
declare -A TIMES
for ((r = 1; r <= ROUNDS; r++)); do
  kind=${KINDS[$((RANDOM % ${#KINDS[@]}))]}
  t0=$(now_ms)
  case $kind in
    capstan) kill_capstan; t0=$(now_ms); start_bg ;;
    containerd) kill_containerd ;;
    shim)
      victim=$(webp "{.items[$((RANDOM % 2))].status.podIP}")
      kill_shim_of_ip "$victim" || { bad "round $r: found the shim of the pod at $victim"; continue; } ;;
    dnsmasq)
      old_dns=$(dns_pid)
      [ -n "$old_dns" ] && kill -KILL "$old_dns" || { bad "round $r: found dnsmasq"; continue; } ;;
    power) power_cut || bad "round $r: power cut killed everything" "$CUT_VICTIMS"; t0=$(now_ms); start_bg ;;
  esac
  if [ "$kind" = capstan ] || [ "$kind" = power ]; then
    answers_within "$t0" 30 /readyz && start_up || { bad "round $r ($kind): API back" "$(flat "$(tail -5 "$LOG")" 5)"; summary; exit 1; }
  fi
  [ "$kind" = containerd ] && { poll 60 containerd_back || bad "round $r ($kind): containerd back"; }
  [ "$kind" = dnsmasq ] && { poll 30 dns_answers || bad "round $r ($kind): DNS answers again"; }
  if poll 120 recovered; then
    ms=$(($(now_ms) - t0))
    TIMES[$kind]+="$ms "
    ok "round $r ($kind): API back, Deployment Ready, Service answers ($ms ms)"
  else
    bad "round $r ($kind): Deployment Ready and Service answering" "$(flat "$(kubectl get pods -o wide 2>&1)")"
  fi
  acked_present && ok "round $r ($kind): all $ACKED_N acknowledged writes present" ||
    bad "round $r ($kind): acknowledged writes present" "missing: $(echo "$MISSING" | head -5 | tr '\n' ' ')"
  # Leaks: the node's resources come back to the steady state (cleanup may lag a relist or two).
  for ((i = 0; i < 30; i++)); do now_state=$(state); [ "$now_state" = "$STEADY" ] && break; sleep 0.5; done
  [ "$now_state" = "$STEADY" ] && ok "round $r ($kind): nothing leaked" ||
    bad "round $r ($kind): nothing leaked" "$(diff <(echo "$STEADY") <(echo "$now_state") | grep '^[<>]' | tr '\n' ' ')"
done

kill "$WRITER" 2>/dev/null; wait "$WRITER" 2>/dev/null; WRITER=
echo "writes acknowledged: $(wc -l <"$DATA/acked")"
percentile() { # P VALUES... : nearest rank
  local p=$1; shift
  local sorted n k
  sorted=($(printf '%s\n' "$@" | sort -n)); n=${#sorted[@]}
  k=$(((p * n + 99) / 100)); [ "$k" -lt 1 ] && k=1
  echo "${sorted[$((k - 1))]}"
}
for kind in "${KINDS[@]}"; do
  [ -n "${TIMES[$kind]:-}" ] || continue
  read -ra v <<<"${TIMES[$kind]}"
  echo "time: $kind: ${#v[@]} rounds, recovery p50 $(percentile 50 "${v[@]}") ms, max $(percentile 100 "${v[@]}") ms"
done
summary
[ $fail -eq 0 ]
