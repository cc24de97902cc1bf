# Shared by crash_recovery_test.sh and tests/perf/recovery_bench.sh: a `capstan up` node on real
# containerd running a Deployment of busybox httpd, and the ways to kill parts of it. Source after
# lib.sh (capstan_args) and containerd_node.sh (containerd_node_setup), then call crash_node_init.
#   crash_node_init                  PORT (a free loopback port kept across restarts), COMMON flags
#   start_bg / start_up              start `capstan up` (start_up also waits for the kubeconfig)
#   answers_within T0 SECONDS PATH   polls GET PATH until 200; WAITED_MS since T0 (ms)
#   node_ready, deploy_web N, all_ready [N]   the node, the Deployment, every pod Ready and answering
#   node_processes, container_pids, shim_of_ip IP, pid_of_ip IP
#   kill_capstan, kill_containerd, kill_shim_of_pod POD, power_cut   the kills (SIGKILL, by PID)
#   containerd_node_teardown_all     containerd_node_teardown plus what a killed capstan left
# Needs $IMG (the busybox image name) and sets SERVER_PID, LOG, KUBECONFIG.

LOGN=0
WEB_REPLICAS=2

poll() { # poll SECONDS CMD... : until CMD succeeds (quietly), at most SECONDS
  local limit=$1; shift
  local end=$((SECONDS + limit))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -ge $end ] && return 1
    sleep 0.2
  done
}
jp() { kubectl --request-timeout=5s get "$1" -o "jsonpath=$2" 2>/dev/null; }
webp() { kubectl --request-timeout=5s get pods -l app=web -o "jsonpath=$1" 2>/dev/null; }
flat() { echo "$1" | tail -${2:-4} | tr '\n' ' '; }
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

crash_node_init() {
  PORT=$(free_port)
  containerd_node_args "$NODE"
}

# Besides containerd_node_teardown: what a killed capstan left running (dnsmasq, nginx), found by
# the data directory in their command lines.
containerd_node_teardown_all() {
  local p
  containerd_node_teardown
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$DATA/" && [ "${p#/proc/}" != $$ ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
}

# start_bg : starts `capstan up` on $PORT (same port every time) with no descriptor of this
# script but stdin/stdout/stderr (so that what it holds is its own), sets SERVER_PID and LOG.
# start_up : start_bg, then waits for the kubeconfig line (90 s); fails when capstan exits first.
start_bg() {
  LOGN=$((LOGN + 1))
  LOG=$DATA/server$LOGN.log
  /usr/bin/python3 -c 'import os, sys; os.closerange(3, 65536); os.execv(sys.argv[1], sys.argv[1:])' \
    "$CAPSTAN" up "${COMMON[@]}" --port "$PORT" --bind-address 127.0.0.1 \
    --plugin-config 'node-agent={"port":0}' >"$LOG" 2>&1 </dev/null &
  SERVER_PID=$!
}
start_up() {
  [ -n "$SERVER_PID" ] || start_bg
  local i
  for ((i = 0; i < 900; i++)); do
    grep -q '^ *kubeconfig: ' "$LOG" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=; return 1; }
    sleep 0.1
  done
  KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$LOG" | tail -1)
  export KUBECONFIG
  [ -n "$KUBECONFIG" ] && [ -f "$KUBECONFIG" ] || return 1
}

# answers_within T0 SECONDS PATH : polls GET PATH (kubeconfig of the previous run: same data dir,
# same credentials) until it answers 200; sets WAITED_MS (since T0)
answers_within() {
  local t0=$1 limit=$2 path=$3
  while :; do
    kubectl --request-timeout=1s get --raw "$path" >/dev/null 2>&1 && { WAITED_MS=$(($(now_ms) - t0)); return 0; }
    [ $(($(now_ms) - t0)) -gt $((limit * 1000)) ] && { WAITED_MS=; return 1; }
    sleep 0.02
  done
}

node_ready() {
  [ -n "$(jp "node/$NODE" '{.spec.podCIDR}')" ] && [ -f "$DATA/cni/net.d/10-capstan.conflist" ] &&
    [ "$(jp "node/$NODE" '{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

deploy_web() { # [REPLICAS] : the Deployment `web` (busybox httpd with a 1 s readiness probe)
  WEB_REPLICAS=${1:-2}
  cat >"$DATA/web.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: $WEB_REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: $IMG
        command: ["sh", "-c", "echo ok >/tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
        readinessProbe:
          httpGet: {path: /index.html, port: 8080}
          periodSeconds: 1
YAML
  kubectl apply -f "$DATA/web.yaml"
}

# pods_answer / all_ready : the WEB_REPLICAS pods Running, Ready, and answering on their IPs
pods_answer() {
  local ips ip n=0
  ips=$(webp '{range .items[*]}{.status.podIP}{"\n"}{end}')
  for ip in $ips; do
    [ "$(timeout 3 busybox wget -q -O - "http://$ip:8080/index.html" 2>/dev/null)" = ok ] || return 1
    n=$((n + 1))
  done
  [ $n = "$WEB_REPLICAS" ]
}
all_ready() {
  local want="" i
  for ((i = 0; i < WEB_REPLICAS; i++)); do want+="Running/True "; done
  [ "$(webp '{range .items[*]}{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')" = "$want" ] &&
    pods_answer
}

# descendants PID... : the PIDs and every process below them
descendants() {
  local -A kids=()
  local p pp
  for p in /proc/[0-9]*; do
    pp=$(awk '{sub(/.*\) /, ""); print $2}' "$p/stat" 2>/dev/null) || continue
    kids[$pp]+=" ${p#/proc/}"
  done
  local queue=("$@") out=()
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    out+=("$p")
    for pp in ${kids[$p]:-}; do queue+=("$pp"); done
  done
  echo "${out[@]}"
}
node_processes() { # containerd and below, the shims (re-parented away from containerd) and below, and below capstan
  local roots=() cd
  [ -n "$SERVER_PID" ] && roots+=("$SERVER_PID")
  cd=$(cat "$DATA/containerd/containerd.pid" 2>/dev/null) && roots+=("$cd")
  roots+=($(shim_pids))
  [ ${#roots[@]} -gt 0 ] || return 0
  descendants "${roots[@]}" | tr ' ' '\n' | grep -vx "${SERVER_PID:-none}" | sort -un
}
container_pids() { # the httpd processes of our pods, sorted
  local p
  for p in $(node_processes); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = httpd ] && echo "$p"; done | sort -n | tr '\n' ' '
}
restart_counts() { webp '{range .items[*]}{.status.containerStatuses[0].restartCount}{" "}{end}'; }
pod_uids() { webp '{range .items[*]}{.metadata.uid}{" "}{end}'; }
pid_of_ip() { # IP : the httpd in the network namespace holding the pod's IP
  local p
  for p in $(container_pids); do
    nsenter -t "$p" -n ip -o -4 addr show 2>/dev/null | grep -q " $1/" && echo "$p"
  done | head -1
}
shim_of_ip() { # IP : the containerd shim of the pod with that IP
  local httpd shim
  httpd=$(pid_of_ip "$1")
  [ -n "$httpd" ] || return 1
  shim=$(awk '{sub(/.*\) /, ""); print $2}' "/proc/$httpd/stat" 2>/dev/null)
  grep -q containerd-shim "/proc/$shim/cmdline" 2>/dev/null && echo "$shim"
}

# ---- the kills (each by PID, SIGKILL)
kill_capstan() { kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }
kill_containerd() { # sets OLD_CONTAINERD
  OLD_CONTAINERD=$(cat "$DATA/containerd/containerd.pid")
  kill -KILL "$OLD_CONTAINERD"
}
containerd_back() { # the new containerd answers (after kill_containerd)
  local p
  p=$(cat "$DATA/containerd/containerd.pid" 2>/dev/null) && [ "$p" != "$OLD_CONTAINERD" ] && kill -0 "$p" 2>/dev/null &&
    ctr --address "$SOCK" -n k8s.io version >/dev/null 2>&1
}
kill_shim_of_ip() { # IP : kills that pod's shim (its containers die with it); fails when not found
  local shim
  shim=$(shim_of_ip "$1") || return 1
  [ -n "$shim" ] || return 1
  kill -KILL "$shim"
}
# power_cut : every process of the node killed at once (capstan, containerd, every shim and
# container, dnsmasq, nginx); containerd's state and root directories, mounts and netns left.
# Sets CUT_VICTIMS; fails when one survived.
power_cut() {
  local p left
  CUT_VICTIMS=$(node_processes | tr '\n' ' ')
  kill -KILL "$SERVER_PID" $CUT_VICTIMS 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
  for p in $CUT_VICTIMS; do kill -0 "$p" 2>/dev/null && sleep 0.2; done
  left=$(for p in $CUT_VICTIMS; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
  [ -z "$left" ]
}
