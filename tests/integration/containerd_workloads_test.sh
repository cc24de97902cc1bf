#!/usr/bin/env bash
# Workloads on real containers: `capstan up` with the containerd runtime (its own containerd) and
# the cni-bridge pod network, running the busybox image the project builds (imported under two
# tags). Covers what a user meets first:
#   config      ConfigMap + Secret through env (valueFrom, envFrom with prefixes) and volumes
#               (files readable, the secret mount read-only, a ConfigMap update reaching the file
#               while the environment keeps the start-time value);
#   volumes     emptyDir shared by two containers, emptyDir medium Memory on tmpfs, hostPath;
#   probes      readiness httpGet against httpd (Ready) and against a closed port (not Ready),
#               startup tcpSocket (started) and against a closed port (not started), liveness exec
#               failing after a file is removed (restart, Unhealthy and Killing events);
#   pods        init container before the app containers, exit code/reason/phase of a container
#               that exits 3 with restartPolicy Never, `kubectl logs --tail|--previous|-c`,
#               `kubectl exec` exit code propagation;
#   deployments `kubectl create deployment`, `scale`, `set image` to the second tag,
#               `rollout status`, `rollout undo` back to the first tag.
# Then stops the server and checks that no shim, mount or bridge is left.
#   containerd_workloads_test.sh CAPSTAN_BINARY PLUGIN_DIR
# Skips (77) unless run as root with containerd, ctr, runc, the CNI plugins, kubectl and a static
# busybox installed.
set -u
source "$(dirname "$0")/lib.sh"
capstan_args "$@"

source "$(dirname "$0")/containerd_node.sh"
containerd_node_setup cpw
NODE=wl-test-$$
IMG1=localhost/capstan-test/busybox:1
IMG2=localhost/capstan-test/busybox:2
START=$SECONDS

CM_WATCH_PID=
cleanup() {
  [ -n "$CM_WATCH_PID" ] && kill "$CM_WATCH_PID" 2>/dev/null && wait "$CM_WATCH_PID" 2>/dev/null
  stop_server TERM   # a graceful stop removes the pods; stop_server escalates to KILL
  [ $fail -eq 0 ] || cp "$LOG" "${CAPSTAN_TEST_LOG_DIR:-/tmp}/containerd_workloads_test.server.log" 2>/dev/null
  containerd_node_teardown
}
trap cleanup EXIT

# poll SECONDS CMD... : until CMD succeeds (quietly), at most SECONDS
poll() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -ge $end ] && return 1
    sleep 0.5
  done
}
jp() { kubectl get "$1" -o "jsonpath=$2" 2>/dev/null; }   # jp pod/NAME '{...}'
jp_is() { [ "$(jp "$1" "$2")" = "$3" ]; }                  # jp_is pod/NAME '{...}' VALUE
flat() { echo "$1" | tail -${2:-4} | tr '\n' ' '; }
reasons() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}' 2>/dev/null; }

# ---- images: the same busybox build under two tags (for set image / rollout undo)
for img in "$IMG1" "$IMG2"; do
  "$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox-${img##*:}.tar" "$img"
  rc=$?
  [ $rc = 77 ] && need_skip "no static busybox"
  [ $rc = 0 ] || { bad "build busybox image $img"; summary; exit 1; }
done

containerd_node_args "$NODE"

# ---- start the node (the agent's logs/exec endpoint on a free port: 10250 may be taken)
containerd_up '{"port":0}' || { summary; exit 1; }

for img in "$IMG1" "$IMG2"; do
  out=$("$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox-${img##*:}.tar" 2>&1)
  echo "$out" | grep -q "imported $img" && ok "image import $img" || bad "image import $img" "$(flat "$out" 3)"
done

node_ready() {
  [ -n "$(jp "node/$NODE" '{.spec.podCIDR}')" ] && [ -f "$DATA/cni/net.d/10-capstan.conflist" ] &&
    jp_is "node/$NODE" '{.status.conditions[?(@.type=="Ready")].status}' True
}
poll 90 node_ready && ok "node Ready with a pod CIDR" || bad "node Ready with a pod CIDR" "$(flat "$(kubectl get node -o wide 2>&1)")"

mkdir -p "$DATA/hostdir"
echo "host-data" >"$DATA/hostdir/fromhost"

# ---- everything at once (the pods start in parallel; the checks below then mostly read)
cat >"$DATA/workloads.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {GREETING: hello, mode: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Pod
metadata: {name: cfg}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: $IMG1
    command: ["sh", "-c", "echo GREETING=\$GREETING; echo PASSWORD=\$PASSWORD; env | grep -E '^(CM|SEC)_' | sort; echo tail-1; echo tail-2; echo tail-3; exec sleep 3600"]
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: app-config, key: GREETING}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    envFrom:
    - {prefix: CM_, configMapRef: {name: app-config}}
    - {prefix: SEC_, secretRef: {name: app-secret}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec}
  volumes:
  - name: cfg
    configMap: {name: app-config}
  - name: sec
    secret: {secretName: app-secret}
---
apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: init
    image: $IMG1
    command: ["sh", "-c", "echo init >> /shared/order"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  containers:
  - name: writer
    image: $IMG1
    command: ["sh", "-c", "echo app >> /shared/order; echo shared-data > /shared/data; echo writer-out; exec sleep 3600"]
    volumeMounts:
    - {name: shared, mountPath: /shared}
    - {name: mem, mountPath: /mem}
    - {name: host, mountPath: /host}
  - name: reader
    image: $IMG1
    command: ["sh", "-c", "echo reader-out; exec sleep 3600"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  volumes:
  - name: shared
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: host
    hostPath: {path: $DATA/hostdir, type: Directory}
---
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG1
    command: ["sh", "-c", "sleep 2; exec httpd -f -p 8080 -h /www"]
    startupProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 60
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: notready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG1
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    readinessProbe:
      httpGet: {path: /index.html, port: 8081}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: notstarted}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG1
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    startupProbe:
      tcpSocket: {port: 8082}
      periodSeconds: 1
      failureThreshold: 1000
---
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: $IMG1
    command: ["sh", "-c", "n=\$(cat /state/n 2>/dev/null || echo 0); n=\$((n+1)); echo \$n > /state/n; touch /tmp/healthy; echo run-\$n; exec sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
    volumeMounts: [{name: state, mountPath: /state}]
  volumes:
  - name: state
    emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata: {name: exit3}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: $IMG1
    command: ["sh", "-c", "echo bye; exit 3"]
YAML
check "create the config, volume, probe and pod objects" kubectl apply -f "$DATA/workloads.yaml"

# ---- deployments: started now so that it rolls out while the pods above are checked
out=$(kubectl create deployment web --image="$IMG1" -- httpd -f -p 8080 -h /www 2>&1)
[ $? = 0 ] && ok "kubectl create deployment" || bad "kubectl create deployment" "$(flat "$out")"
# Short grace period: busybox httpd as PID 1 ignores SIGTERM, so old pods would wait the default 30 s.
kubectl patch deployment web --type=merge -p '{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":1}}}}' >/dev/null 2>&1
check "kubectl scale --replicas=3" kubectl scale deployment web --replicas=3

check "pods Ready (cfg vols ready live)" kubectl wait --for=condition=Ready pod/cfg pod/vols pod/ready pod/live --timeout=90s

# ---- config
logs=$(kubectl logs cfg 2>&1)
for want in GREETING=hello PASSWORD=s3cr3t CM_GREETING=hello CM_mode=blue SEC_password=s3cr3t; do
  echo "$logs" | grep -qx "$want" && ok "env $want (kubectl logs)" || bad "env $want (kubectl logs)" "$(flat "$logs" 10)"
done
check_eq "configMap volume file" blue kubectl exec cfg -- cat /etc/cfg/mode
check_eq "secret volume file" s3cr3t kubectl exec cfg -- cat /etc/sec/password
check_fails "secret volume is read-only" 'Read-only file system' kubectl exec cfg -- sh -c 'echo x > /etc/sec/password'
check "secret volume mounted ro" sh -c "kubectl exec cfg -- cat /proc/mounts | grep ' /etc/sec ' | grep -q '[ ,]ro[ ,]'"
# Updated now, checked at the end (the agent refreshes API data volumes every 10 s).
check "update the ConfigMap" kubectl patch configmap app-config --type=merge -p '{"data":{"mode":"green"}}'
# Watched in the background (the agent refreshes API data volumes every 10 s): the file records
# after how many seconds the container first read the new value.
( t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 75 ]; do
    [ "$(kubectl exec cfg -- cat /etc/cfg/mode 2>/dev/null)" = green ] && { echo $((SECONDS - t0)) >"$DATA/cm-updated"; exit 0; }
    sleep 2
  done ) &
CM_WATCH_PID=$!

# ---- pods: logs --tail, -c, exec exit codes
check_eq "kubectl logs --tail=2" "$(printf 'tail-2\ntail-3')" kubectl logs cfg --tail=2
out=$(kubectl logs vols -c writer 2>&1)
[ "$out" = writer-out ] && ok "kubectl logs -c writer" || bad "kubectl logs -c writer" "$(flat "$out")"
out=$(kubectl logs vols -c reader 2>&1)
[ "$out" = reader-out ] && ok "kubectl logs -c reader" || bad "kubectl logs -c reader" "$(flat "$out")"
kubectl exec cfg -- sh -c 'exit 7' >/dev/null 2>&1
rc=$?
[ $rc = 7 ] && ok "kubectl exec propagates exit code 7" || bad "kubectl exec propagates exit code 7" "got $rc"
kubectl exec cfg -- true >/dev/null 2>&1
rc=$?
[ $rc = 0 ] && ok "kubectl exec exit code 0" || bad "kubectl exec exit code 0" "got $rc"

# ---- volumes and init containers
check_eq "init container ran before the app container" "$(printf 'init\napp')" kubectl exec vols -c reader -- cat /shared/order
check_eq "init container Completed" "Completed 0" \
  kubectl get pod vols -o 'jsonpath={.status.initContainerStatuses[0].state.terminated.reason} {.status.initContainerStatuses[0].state.terminated.exitCode}'
check_eq "emptyDir shared between containers" shared-data kubectl exec vols -c reader -- cat /shared/data
check "emptyDir medium Memory is tmpfs" sh -c "kubectl exec vols -c writer -- cat /proc/mounts | grep -q '^[^ ]* /mem tmpfs '"
check "plain emptyDir is not tmpfs" sh -c "kubectl exec vols -c reader -- cat /proc/mounts | grep ' /shared ' | grep -qv ' /shared tmpfs '"
check_eq "hostPath readable in the container" host-data kubectl exec vols -c writer -- cat /host/fromhost
kubectl exec vols -c writer -- sh -c 'echo from-container > /host/fromcontainer' >/dev/null 2>&1
[ "$(cat "$DATA/hostdir/fromcontainer" 2>/dev/null)" = from-container ] && ok "hostPath written by the container seen on the host" \
  || bad "hostPath written by the container seen on the host"

# ---- probes
check_eq "startup tcpSocket: started" true kubectl get pod ready -o 'jsonpath={.status.containerStatuses[0].started}'
check_eq "readiness httpGet: container ready" true kubectl get pod ready -o 'jsonpath={.status.containerStatuses[0].ready}'
# The negative twins: probes against closed ports keep the container unready / not started.
poll 60 sh -c "kubectl get events --field-selector involvedObject.name=notready -o jsonpath='{.items[*].message}' | grep -q 'Readiness probe failed'" \
  && ok "readiness probe on a closed port: Unhealthy event" || bad "readiness probe on a closed port: Unhealthy event" "$(flat "$(reasons notready)")"
check_eq "readiness probe on a closed port: not Ready" "Running False false" \
  kubectl get pod notready -o 'jsonpath={.status.phase} {.status.conditions[?(@.type=="Ready")].status} {.status.containerStatuses[0].ready}'
poll 60 sh -c "kubectl get events --field-selector involvedObject.name=notstarted -o jsonpath='{.items[*].message}' | grep -q 'Startup probe failed'" \
  && ok "startup probe on a closed port: Unhealthy event" || bad "startup probe on a closed port: Unhealthy event" "$(flat "$(reasons notstarted)")"
check_eq "startup probe on a closed port: not started, not ready" "false false" \
  kubectl get pod notstarted -o 'jsonpath={.status.containerStatuses[0].started} {.status.containerStatuses[0].ready}'

check_eq "liveness: no restart while healthy" 0 kubectl get pod live -o 'jsonpath={.status.containerStatuses[0].restartCount}'
check "liveness: remove the health file" kubectl exec live -- rm /tmp/healthy
restarted() { local n; n=$(jp pod/live '{.status.containerStatuses[0].restartCount}'); [ "${n:-0}" -ge 1 ] && jp_is pod/live '{.status.containerStatuses[0].ready}' true; }
poll 90 restarted && ok "liveness exec failure restarts the container" \
  || bad "liveness exec failure restarts the container" "restartCount '$(jp pod/live '{.status.containerStatuses[0].restartCount}')': $(flat "$(reasons live)")"
ev=$(reasons live)
echo "$ev" | grep -q '^Unhealthy: Liveness probe failed' && ok "event Unhealthy (liveness)" || bad "event Unhealthy (liveness)" "$(flat "$ev" 6)"
echo "$ev" | grep -q '^Killing: .*failed liveness probe' && ok "event Killing" || bad "event Killing" "$(flat "$ev" 6)"
check_eq "kubectl logs --previous" run-1 kubectl logs live --previous
check_eq "kubectl logs after the restart" run-2 kubectl logs live
check_eq "lastState of the killed container" 137 kubectl get pod live -o 'jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}'

# ---- a container exiting 3 with restartPolicy Never
poll 90 jp_is pod/exit3 '{.status.phase}' Failed
check_eq "exit 3: phase Failed, terminated exitCode 3 reason Error" "Failed 3 Error" \
  kubectl get pod exit3 -o 'jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason}'
check_eq "exit 3: not restarted" 0 kubectl get pod exit3 -o 'jsonpath={.status.containerStatuses[0].restartCount}'
check_eq "exit 3: logs kept" bye kubectl logs exit3
# --previous of a container that never restarted: kubelet's 400 message, which the API server
# turns into a Status (kubectl prints only a Status's message).
out=$(kubectl logs exit3 --previous 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q 'previous terminated container "app" in pod "exit3" not found'; then
  ok "kubectl logs --previous without a previous instance: error message"
else bad "kubectl logs --previous without a previous instance: error message" "$(flat "$out")"; fi

# ---- deployments
web_images() { # the images of the Deployment's running, non-terminating pods, sorted
  kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.status.phase}|{.spec.containers[0].image}{"\n"}{end}' 2>/dev/null |
    awk -F'|' '$1 == "" && $2 == "Running" {print $3}' | sort
}
three_of() { [ "$(web_images | tr '\n' ' ')" = "$1 $1 $1 " ]; }
out=$(kubectl rollout status deployment/web --timeout=90s 2>&1)
[ $? = 0 ] && ok "deployment rolled out" || bad "deployment rolled out" "$(flat "$out")"
poll 60 three_of "$IMG1" && ok "3 pods Running with $IMG1" || bad "3 pods Running with $IMG1" "$(web_images | tr '\n' ' ')"
check_eq "deployment readyReplicas 3" 3 kubectl get deployment web -o 'jsonpath={.status.readyReplicas}'

check "kubectl set image to $IMG2" kubectl set image deployment/web "*=$IMG2"
out=$(kubectl rollout status deployment/web --timeout=90s 2>&1)
[ $? = 0 ] && ok "rollout status after set image" || bad "rollout status after set image" "$(flat "$out")"
poll 60 three_of "$IMG2" && ok "3 pods Running with $IMG2" || bad "3 pods Running with $IMG2" "$(web_images | tr '\n' ' ')"
check "kubectl rollout undo" kubectl rollout undo deployment/web
out=$(kubectl rollout status deployment/web --timeout=90s 2>&1)
[ $? = 0 ] && ok "rollout status after undo" || bad "rollout status after undo" "$(flat "$out")"
check_eq "template back to $IMG1" "$IMG1" kubectl get deployment web -o 'jsonpath={.spec.template.spec.containers[0].image}'
poll 60 three_of "$IMG1" && ok "3 pods Running with $IMG1 after undo" || bad "3 pods Running with $IMG1 after undo" "$(web_images | tr '\n' ' ')"

# ---- the ConfigMap update reached the mounted file; the environment keeps the start value
wait "$CM_WATCH_PID" 2>/dev/null
CM_WATCH_PID=
took=$(cat "$DATA/cm-updated" 2>/dev/null)
[ -n "$took" ] && [ "$took" -le 60 ] && ok "ConfigMap update reaches the mounted file (after ${took} s)" \
  || bad "ConfigMap update reaches the mounted file within 60 s" "took '${took:-never}': $(kubectl exec cfg -- cat /etc/cfg/mode 2>&1)"
check_eq "the file, read again" green kubectl exec cfg -- cat /etc/cfg/mode
check_eq "environment keeps the value from the start" blue kubectl exec cfg -- sh -c 'echo $CM_mode'

# ---- stop: containerd, shims, mounts, bridge go away
stop_server TERM
sleep 0.5
[ -z "$(shim_pids)" ] && ok "no shims after stop" || bad "no shims after stop" "$(shim_pids | tr '\n' ' ')"
left=$(grep " $DATA/" /proc/self/mountinfo | awk '{print $5, $9}')
# The node agent unmounts its pods' volumes (tmpfs for secrets and emptyDir medium Memory) at stop.
if [ -z "$left" ]; then ok "no mounts left under the data dir"
else bad "no mounts left under the data dir" "$(echo "$left" | tr '\n' ' ')"; fi
! ip link show dev "$BRIDGE" >/dev/null 2>&1 && ok "bridge removed on stop" || bad "bridge removed on stop"

echo "took $((SECONDS - START)) s"
summary
[ $fail -eq 0 ]
