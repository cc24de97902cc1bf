#!/usr/bin/env bash
# Ingress benchmarks (docs/benchmarks.md, "Ingress"), on `capstan up` with the real nginx:
#   1. requests/s and p50/p99 latency through the Ingress vs through the Service ClusterIP vs
#      straight to the pod IP, all three reaching the same single pod, with keep-alive and with a
#      new connection per request (one client, wrk, same settings, the three targets interleaved;
#      medians of RUNS);
#   2. time from `kubectl apply` of an Ingress to its first 200 (median of APPLIES);
#   3. failed requests under load while 100 endpoint changes and 20 Ingress changes (reloads)
#      happen, with keep-alive and with a new connection per request.
# The backends are nginx instances in two network namespaces (a fixed 2-byte answer); the service
# proxy carries the ClusterIP. Everything runs on this machine; everything is removed on exit.
#   sudo bash tests/perf/ingress_bench.sh [BUILD_DIR]
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$REPO_ROOT/build}
CAPSTAN=$BUILD/bin/capstan; PLUGIN_DIR=$BUILD/plugins-out
RUNS=${RUNS:-3}; DURATION=${DURATION:-8}; CONNECTIONS=${CONNECTIONS:-32}; THREADS=${THREADS:-2}; APPLIES=${APPLIES:-10}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
for t in nft ip wrk curl kubectl python3 /usr/sbin/nginx; do command -v "$t" >/dev/null || { echo "$t missing" >&2; exit 77; }; done
[ -x "$CAPSTAN" ] && [ -f "$PLUGIN_DIR/ingress-nginx.so" ] || { echo "build capstan and the plugins first" >&2; exit 1; }

ID=$$
WORK=$(mktemp -d /tmp/capstan-ingress-bench.XXXXXX)
export HOME=$WORK/home; mkdir -p "$HOME"
N=$((ID % 200 + 20)); P=10.247.$N; POD_NET=$P.0/24
SVC_CIDR=10.$((180 + ID % 20)).0.0/16; S=${SVC_CIDR%.0.0/16}
BR=cbbr$ID; VIP=cbvip$ID; TABLE=capstan-proxy-b$ID
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port); STATUS_PORT=$(free_port)
NETNS=(); BACKEND_PIDS=(); SERVER=
cleanup() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
  local p ns
  for p in "${BACKEND_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  nft delete table ip "$TABLE" 2>/dev/null
  ip route del "$SVC_CIDR" dev "$VIP" 2>/dev/null; ip link del "$VIP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# ---- backends: nginx in two namespaces
ip link add "$BR" type bridge && ip addr add "$P.1/24" dev "$BR" && ip link set "$BR" up || exit 1
for i in 1 2; do
  ns=cb$ID-p$i; NETNS+=("$ns")
  ip netns add "$ns"
  ip link add "cb${ID}v$i" type veth peer name eth0 netns "$ns"
  ip link set "cb${ID}v$i" master "$BR" up
  ip -n "$ns" addr add "$P.$((i + 1))/24" dev eth0; ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$P.1"
  # The backends close first after `Connection: close`: without this, the pod's TIME_WAIT sockets
  # collide with the client's reused ports on the direct path (NAT remaps them on the ClusterIP
  # path), and the direct measurement shows 1 s SYN retries instead of the path's cost. The sysctl
  # belongs to this network namespace only.
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
  d=$WORK/backend$i; mkdir -p "$d/logs"
  cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  keepalive_requests 100000;
  server { listen 8080 reuseport; location / { return 200 "ok"; } }
}
EOF
  ip netns exec "$ns" /usr/sbin/nginx -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" -g 'daemon off;' &
  BACKEND_PIDS+=($!)
done

# ---- the cluster
"$CAPSTAN" up --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" --port 0 --bind-address 127.0.0.1 \
  --use capstan.runtime.v1=sim --disable bridge --disable cluster-dns --plugin-config 'node-agent={"port":0}' \
  --plugin-config "network={\"serviceCIDR\":\"$SVC_CIDR\"}" \
  --plugin-config "endpoints={\"kubernetesServiceIP\":\"$S.0.1\",\"clusterDNSIP\":\"\"}" \
  --plugin-config "service-proxy={\"serviceCIDR\":\"$SVC_CIDR\",\"sinkBridge\":\"$VIP\",\"table\":\"$TABLE\",\"clusterDNSIP\":\"\",\"clusterCIDR\":\"$POD_NET\"}" \
  --plugin-config "ingress-nginx={\"httpPort\":$HTTP_PORT,\"httpsPort\":$HTTPS_PORT,\"statusPort\":$STATUS_PORT,\"workerProcesses\":1}" \
  >"$WORK/server.log" 2>&1 </dev/null &
SERVER=$!
for ((i = 0; i < 300; i++)); do grep -q '^ *kubeconfig: ' "$WORK/server.log" 2>/dev/null && break; sleep 0.1; done
export KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$WORK/server.log" | tail -1)
STATE=$WORK/data/ingress-nginx/state.json
for ((i = 0; i < 100; i++)); do [ -f "$STATE" ] && [ "$(curl -s "http://127.0.0.1:$STATUS_PORT/healthz")" = ok ] && break; sleep 0.2; done

set_ready() { kubectl patch pod "$1" --subresource=status --type=merge -p \
  "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\"}]}}" >/dev/null; }
for i in 1 2; do
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p$i, labels: {app: bench}}
spec: {nodeName: fake-node, containers: [{name: web, image: backend}]}
YAML
  set_ready p$i "$P.$((i + 1))" True
done
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: bench}
spec: {selector: {app: bench}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bench}
spec:
  rules:
  - host: bench.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}]}
YAML
CIP=$(kubectl get svc bench -o jsonpath='{.spec.clusterIP}')
for ((i = 0; i < 200; i++)); do
  [ "$(curl -s -H 'Host: bench.test' "http://127.0.0.1:$HTTP_PORT/")" = ok ] && [ "$(curl -s "http://$CIP/")" = ok ] && break
  sleep 0.1
done
[ "$(curl -s -H 'Host: bench.test' "http://127.0.0.1:$HTTP_PORT/")" = ok ] || { echo "the Ingress does not answer" >&2; tail "$WORK/server.log" >&2; exit 1; }

# wrk → "rps p50_ms p99_ms requests failed"
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
load() { # URL HOST CLOSE(0|1) [SECONDS]
  local out args=(-t"$THREADS" -c"$CONNECTIONS" -d"${4:-$DURATION}s" --latency -H "Host: $2")
  [ "$3" = 1 ] && args+=(-H "Connection: close")
  out=$(wrk "${args[@]}" "$1" 2>&1)
  local rps p50 p99 total non2xx sock
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}'); non2xx=${non2xx:-0}
  sock=$(echo "$out" | awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}'); sock=${sock:-0}
  echo "$rps $p50 $p99 $total $((non2xx + sock))"
}

# Part 1 compares the three paths to the same single pod: the second endpoint is taken out.
set_ready p2 "$P.3" False
for ((i = 0; i < 100; i++)); do [ "$(kubectl get endpoints bench -o jsonpath='{.subsets[0].addresses[*].ip}')" = "$P.2" ] && break; sleep 0.1; done
declare -A R
for mode in 0 1; do
  for ((r = 0; r < RUNS; r++)); do
    for target in ingress clusterip pod; do
      case $target in
        ingress) url=http://127.0.0.1:$HTTP_PORT/ ;;
        clusterip) url=http://$CIP/ ;;
        pod) url=http://$P.2:8080/ ;;
      esac
      R[$target,$mode,$r]=$(load "$url" bench.test "$mode")
    done
  done
done
echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, medians of $RUNS interleaved runs"
echo
echo "| target | connections | requests/s | p50 ms | p99 ms | vs pod |"
echo "|---|---|---|---|---|---|"
for mode in 0 1; do
  pod_rps=$(for ((r = 0; r < RUNS; r++)); do echo "${R[pod,$mode,$r]}" | cut -d' ' -f1; done | median)
  for target in ingress clusterip pod; do
    rps=$(for ((r = 0; r < RUNS; r++)); do echo "${R[$target,$mode,$r]}" | cut -d' ' -f1; done | median)
    p50=$(for ((r = 0; r < RUNS; r++)); do echo "${R[$target,$mode,$r]}" | cut -d' ' -f2; done | median)
    p99=$(for ((r = 0; r < RUNS; r++)); do echo "${R[$target,$mode,$r]}" | cut -d' ' -f3; done | median)
    printf '| %s | %s | %.0f | %.2f | %.2f | %.2f |\n' "$target" "$([ $mode = 0 ] && echo keep-alive || echo new per request)" \
      "$rps" "$p50" "$p99" "$(echo "$rps $pod_rps" | awk '{print $1/$2}')"
  done
done

set_ready p2 "$P.3" True

# ---- 2: apply → first 200
times=()
for ((i = 0; i < APPLIES; i++)); do
  start=$(date +%s%N)
  kubectl apply -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: apply-$i}
spec:
  rules:
  - host: apply-$i.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}]}
YAML
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: apply-$i.test" "http://127.0.0.1:$HTTP_PORT/")" = 200 ]; do sleep 0.005; done
  end=$(date +%s%N)
  times+=($(((end - start) / 1000000)))
done
echo
echo "apply → first 200: median $(printf '%s\n' "${times[@]}" | median) ms (min $(printf '%s\n' "${times[@]}" | sort -n | head -1), max $(printf '%s\n' "${times[@]}" | sort -n | tail -1); $APPLIES Ingresses, kubectl apply included)"

# ---- 3: failures under load while endpoints and Ingresses change
churn() { # 100 endpoint changes and 20 Ingress changes, interleaved over ~20 s
  local i j=0
  for ((i = 0; i < 100; i++)); do
    if ((i % 2 == 0)); then set_ready p2 "$P.3" False; else set_ready p2 "$P.3" True; fi
    if ((i % 5 == 4)); then
      j=$((j + 1))
      kubectl apply -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: churn}
spec:
  rules:
  - host: churn.test
    http: {paths: [{path: /v$j, pathType: Prefix, backend: {service: {name: bench, port: {number: 80}}}}]}
YAML
    fi
    sleep 0.2
  done
}
echo
echo "| under load (wrk ${CONNECTIONS} connections, Ingress) | requests | failed | nginx reloads |"
echo "|---|---|---|---|"
for mode in 0 1; do
  before=$(python3 -c "import json; print(json.load(open('$STATE'))['reloads'])")
  load "http://127.0.0.1:$HTTP_PORT/" bench.test "$mode" 26 >"$WORK/churn.out" &
  lp=$!
  sleep 2; churn; wait $lp
  after=$(python3 -c "import json; print(json.load(open('$STATE'))['reloads'])")
  read -r rps p50 p99 total failed <"$WORK/churn.out"
  echo "| 100 endpoint changes + 20 Ingress changes, $([ $mode = 0 ] && echo keep-alive || echo new connection per request) | $total | $failed | $((after - before)) |"
  set_ready p2 "$P.3" True
done
