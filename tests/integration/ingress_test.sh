#!/usr/bin/env bash
# Integration test: Ingresses and the Gateway API on `capstan up` with the real nginx. The "pods"
# are network namespaces on a test bridge running tests/integration/ingress_backend.py (each answers
# with its name and the request it got), published through Pod objects bound to a node no agent
# owns (as services_test.sh does); the service proxy's nftables rules carry nginx's requests to
# their ClusterIPs. Checks the Kubernetes path-matching table, hosts and wildcards, TLS with SNI,
# the HTTPS redirect, each annotation, bad input and faults, endpoint churn without reloads, and
# HTTPRoutes with their statuses.
#   ingress_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 when not root or a tool is missing. Everything it
# creates has a name with this run's id and is removed on exit (processes by PID).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
[ "$(id -u)" = 0 ] || { echo "SKIP needs root (network namespaces, nftables)"; exit 77; }
for tool in nft ip curl openssl python3 /usr/sbin/nginx; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP $tool is not installed"; exit 77; }
done
for p in ingress-nginx kinds-gateway service-proxy; do
  [ -f "$PLUGIN_DIR/$p.so" ] || { echo "SKIP $p.so not in $PLUGIN_DIR"; exit 77; }
done

ID=$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-ingress-test.XXXXXX")
export HOME=$WORK/home
mkdir -p "$HOME"
BACKEND=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ingress_backend.py

pick_free() { # CANDIDATE... : first subnet no route covers
  local c
  for c in "$@"; do
    ip -4 route show | awk '{print $1}' | grep -q "^${c%%/*}" && continue
    ip -4 route get "${c%%/*}" 2>/dev/null | grep -q "dev \(lo\|capstan\|cs\)" && continue
    echo "$c"; return 0
  done
  return 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
N=$((ID % 200 + 20))
POD_NET=$(pick_free "10.248.$N.0/24" "10.249.$N.0/24" "10.250.$N.0/24") || { echo "SKIP no free test subnet"; exit 77; }
SVC_CIDR=$(pick_free "10.$((120 + ID % 30)).0.0/16" "10.$((150 + ID % 10)).0.0/16") || { echo "SKIP no free service CIDR"; exit 77; }
P=${POD_NET%.0/24}; S=${SVC_CIDR%.0.0/16}
GW=$P.1
BR=cibr$ID; VIP=civip$ID; TABLE=capstan-proxy-i$ID
HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port); STATUS_PORT=$(free_port); GW_PORT=$(free_port)
PODS=(blue green blue2 secure)
NETNS=()
BACKEND_PIDS=()

cleanup() {
  stop_server TERM
  # INGRESS_TEST_KEEP_LOG=FILE keeps the server's log (with nginx's) for a failing run.
  if [ -n "${INGRESS_TEST_KEEP_LOG:-}" ]; then
    cp "$WORK/server.log" "$INGRESS_TEST_KEEP_LOG" 2>/dev/null
    cat "$WORK/data/ingress-nginx/logs/error.log" >>"$INGRESS_TEST_KEEP_LOG" 2>/dev/null
    cp "$WORK/data/ingress-nginx/nginx.conf" "$INGRESS_TEST_KEEP_LOG.conf" 2>/dev/null
    cp "$WORK/data/ingress-nginx/nginx.conf.new" "$INGRESS_TEST_KEEP_LOG.conf.new" 2>/dev/null
  fi
  local pid ns
  for pid in "${BACKEND_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "${NGINX_PID:-}" ] && kill -0 "$NGINX_PID" 2>/dev/null && kill "$NGINX_PID" 2>/dev/null
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  nft delete table ip "$TABLE" 2>/dev/null
  ip route del "$SVC_CIDR" dev "$VIP" 2>/dev/null
  ip link del "$VIP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- TLS material: a certificate per test host, and one for the HTTPS backend
mkcert() { # NAME CN
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" >/dev/null 2>&1
}
mkcert tls tls.test; mkcert gwtls secure.gw.test; mkcert backend secure-backend

# ---- the "pods": one namespace each on a bridge, a backend in each
ip link add "$BR" type bridge && ip addr add "$GW/24" dev "$BR" && ip link set "$BR" up || { echo "FAIL bridge"; exit 1; }
i=0
for pod in "${PODS[@]}"; do
  i=$((i + 1)); ns=ci$ID-$pod; NETNS+=("$ns")
  ip netns add "$ns"
  ip link add "ci${ID}v$i" type veth peer name eth0 netns "$ns"
  ip link set "ci${ID}v$i" master "$BR" up
  ip -n "$ns" addr add "$P.$((i + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$GW"
  if [ "$pod" = secure ]; then
    ip netns exec "$ns" python3 "$BACKEND" "$pod" 8443 "$WORK/backend.crt" "$WORK/backend.key" &
  else
    ip netns exec "$ns" python3 "$BACKEND" "$pod" 8080 &
  fi
  BACKEND_PIDS+=($!)
done
IP_blue=$P.2; IP_green=$P.3; IP_blue2=$P.4; IP_secure=$P.5

# ---- the cluster
log=$WORK/server.log
"$CAPSTAN" up --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 --bind-address 127.0.0.1 \
  --use capstan.runtime.v1=sim --disable bridge --disable cluster-dns --plugin-config 'node-agent={"port":0}' \
  --plugin-config "network={\"serviceCIDR\":\"$SVC_CIDR\"}" \
  --plugin-config "endpoints={\"kubernetesServiceIP\":\"$S.0.1\",\"clusterDNSIP\":\"\"}" \
  --plugin-config "service-proxy={\"serviceCIDR\":\"$SVC_CIDR\",\"sinkBridge\":\"$VIP\",\"table\":\"$TABLE\",\"clusterDNSIP\":\"\",\"clusterCIDR\":\"$POD_NET\"}" \
  --plugin-config "ingress-nginx={\"httpPort\":$HTTP_PORT,\"httpsPort\":$HTTPS_PORT,\"statusPort\":$STATUS_PORT,\"listenAddresses\":[\"127.0.0.1\",\"$GW\"],\"minSyncMillis\":50}" \
  >"$log" 2>&1 </dev/null &
SERVER_PID=$!
for ((i = 0; i < 300; i++)); do
  if grep -q '^ *kubeconfig: ' "$log" 2>/dev/null; then
    KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$log" | tail -1); export KUBECONFIG
    [ -f "$KUBECONFIG" ] && break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited during start-up:"; tail -20 "$log"; echo "0 passed, 1 failed"; exit 1; }
  sleep 0.1
done
STATE=$WORK/data/ingress-nginx/state.json

eventually() { local i; for ((i = 0; i < 100; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
# req HOST PATH [curl args...]: "<code> <backend>" of one request through the Ingress HTTP port
req() {
  local host=$1 path=$2; shift 2
  curl -s -o "$WORK/body" -w '%{http_code}' --max-time 10 -H "Host: $host" "$@" "http://127.0.0.1:$HTTP_PORT$path" >"$WORK/code" 2>/dev/null
  echo "$(cat "$WORK/code") $(sed -n 's/^backend=//p' "$WORK/body" 2>/dev/null)" | sed 's/ $//'
}
expect() { # NAME HOST PATH WANT [curl args]
  local name=$1 host=$2 path=$3 want=$4; shift 4
  local got; got=$(req "$host" "$path" "$@")
  if [ "$got" = "$want" ]; then ok "$name"; else bad "$name" "want '$want' got '$got'"; fi
}
reloads() { python3 -c "import json; print(json.load(open('$STATE'))['reloads'])"; }
hash_now() { curl -s --max-time 2 "http://127.0.0.1:$STATUS_PORT/configuration-hash"; }
# Waits until nginx serves a configuration made after the last change: the hash moves, then stays
# for half a second (a multi-object apply arrives as several changes).
settle() {
  local before=$1 i h
  for ((i = 0; i < 100; i++)); do [ "$(hash_now)" != "$before" ] && break; sleep 0.1; done
  for ((i = 0; i < 40; i++)); do h=$(hash_now); sleep 0.5; [ "$(hash_now)" = "$h" ] && return 0; done
  return 1
}
apply() { local before; before=$(hash_now); kubectl apply -f - >/dev/null && settle "$before"; }

mkpod() { # NAME IP LABELS-JSON
  kubectl apply -f - >/dev/null <<YAML || return 1
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: $3}
spec:
  nodeName: fake-node-$ID
  containers: [{name: web, image: backend, ports: [{name: http, containerPort: 8080}]}]
YAML
  set_ready "$1" "$2" True
}
set_ready() { # NAME IP True|False
  kubectl patch pod "$1" --subresource=status --type=merge -p \
    "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\"}]}}" >/dev/null
}

check "the plugin created the default IngressClass nginx" eventually bash -c \
  "kubectl get ingressclass nginx -o jsonpath='{.spec.controller} {.metadata.annotations.ingressclass\.kubernetes\.io/is-default-class}' | grep -qx 'k8s.io/ingress-nginx true'"
check "nginx runs" eventually bash -c "[ \"\$(curl -s http://127.0.0.1:$STATUS_PORT/healthz)\" = ok ]"
NGINX_PID=$(python3 -c "import json; print(json.load(open('$STATE'))['nginxPid'])")
check "pods" bash -c "$(declare -f mkpod set_ready); ID=$ID; mkpod blue $IP_blue '{app: web, color: blue}' && mkpod green $IP_green '{app: web, color: green}' && mkpod blue2 $IP_blue2 '{app: sticky, color: blue}' && mkpod secure $IP_secure '{app: secure}'"
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: blue}
spec: {selector: {color: blue, app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: green}
spec: {selector: {color: green}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec: {selector: {color: blue}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: secure}
spec: {selector: {app: secure}, ports: [{port: 443, targetPort: 8443}]}
YAML
check "services have their endpoints" eventually bash -c \
  "[ \"\$(kubectl get endpoints sticky -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w)\" = 2 ] && kubectl get endpoints secure -o jsonpath='{.subsets[0].addresses[0].ip}' | grep -q ."

# ---- the path-matching table of the Kubernetes documentation (one host per row group)
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: paths}
spec:
  rules:
  - host: root.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: exact.test
    http: {paths: [{path: /foo, pathType: Exact, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: prefix.test
    http: {paths: [{path: /foo, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: slash.test
    http: {paths: [{path: /foo/, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: elements.test
    http:
      paths:
      - {path: /aaa/bb, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}
      - {path: /aaa/bbb, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}
  - host: longest.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}
      - {path: /aaa, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}
      - {path: /aaa/bbb, pathType: Prefix, backend: {service: {name: green, port: {name: http}}}}
  - host: mixed.test
    http:
      paths:
      - {path: /foo, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}
      - {path: /foo, pathType: Exact, backend: {service: {name: green, port: {number: 80}}}}
  - host: impl.test
    http: {paths: [{path: /foo, pathType: ImplementationSpecific, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: "*.wild.test"
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}]}
YAML
check "the Ingress gets the node's address (kubectl ADDRESS column)" eventually bash -c \
  "kubectl get ingress paths | grep -E '^paths +nginx +root.test,exact.test,prefix.test \+ 6 more... +127.0.0.1 +80 '"
expect "Prefix / matches /" root.test / "200 blue"
expect "Prefix / matches /any/path" root.test /any/path "200 blue"
expect "Exact /foo matches /foo" exact.test /foo "200 blue"
expect "Exact /foo does not match /bar" exact.test /bar "404"
expect "Exact /foo does not match /foo/" exact.test /foo/ "404"
expect "Prefix /foo matches /foo" prefix.test /foo "200 blue"
expect "Prefix /foo matches /foo/" prefix.test /foo/ "200 blue"
expect "Prefix /foo matches /foo/bar (element-wise)" prefix.test /foo/bar "200 blue"
expect "Prefix /foo does not match /foobar" prefix.test /foobar "404"
expect "Prefix /foo/ matches /foo (trailing slash ignored)" slash.test /foo "200 blue"
expect "Prefix /foo/ matches /foo/" slash.test /foo/ "200 blue"
expect "Prefix /aaa/bb does not match /aaa/bbb (it is /aaa/bbb's)" elements.test /aaa/bbb "200 blue"
expect "Prefix /aaa/bb matches /aaa/bb/c" elements.test /aaa/bb/c "200 green"
expect "Prefix /aaa/bbb matches /aaa/bbb/ccc" elements.test /aaa/bbb/ccc "200 blue"
expect "Prefix /aaa/bbb does not match /aaa/bbbxyz" elements.test /aaa/bbbxyz "404"
expect "longest match: /aaa/ccc → /aaa" longest.test /aaa/ccc "200 blue"
expect "longest match: /aaa/bbb → /aaa/bbb" longest.test /aaa/bbb "200 green"
expect "longest match: /ccc → /" longest.test /ccc "200 green"
expect "Exact beats Prefix for the same path" mixed.test /foo "200 green"
expect "… and the Prefix keeps the rest" mixed.test /foo/x "200 blue"
expect "ImplementationSpecific is Prefix" impl.test /foo/x "200 blue"
expect "ImplementationSpecific is element-wise too" impl.test /foox "404"
expect "matching is case-sensitive" prefix.test /FOO "404"
expect "a wildcard host matches one label" a.wild.test / "200 green"
expect "a wildcard host does not match two labels" a.b.wild.test / "404"
expect "a wildcard host does not match the bare domain" wild.test / "404"
expect "an unknown host is 404" nope.test / "404"
expect "the Host header's port is ignored" root.test:$HTTP_PORT / "200 blue"
check "the backend sees the original Host and X-Forwarded-For" bash -c \
  "curl -s -H 'Host: root.test' http://127.0.0.1:$HTTP_PORT/x | grep -q '^host=root.test' && curl -s -H 'Host: root.test' http://127.0.0.1:$HTTP_PORT/x | grep -q '^h:x-forwarded-for=127.0.0.1'"

# ---- defaultBackend and class filtering
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: other}
spec: {controller: example.com/other}
YAML
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback}
spec:
  defaultBackend: {service: {name: green, port: {number: 80}}}
  rules:
  - host: app.test
    http: {paths: [{path: /app, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: not-ours}
spec:
  ingressClassName: other
  rules:
  - host: other.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
YAML
expect "a path of the rule" app.test /app/x "200 blue"
expect "unmatched paths of its hosts go to spec.defaultBackend" app.test /else "200 green"
expect "unmatched hosts go to the oldest defaultBackend" unknown.test / "200 green"
check "an Ingress without a class gets the default class at creation" bash -c \
  "[ \"\$(kubectl get ingress fallback -o jsonpath='{.spec.ingressClassName}')\" = nginx ]"
expect "an Ingress of another class is not served" other.test / "200 green"
check "… and gets no address" bash -c "[ -z \"\$(kubectl get ingress not-ours -o jsonpath='{.status.loadBalancer.ingress}')\" ]"

# ---- TLS: Secrets, SNI, redirect, fallback certificate
kubectl create secret tls tls-cert --cert="$WORK/tls.crt" --key="$WORK/tls.key" >/dev/null
kubectl create secret generic broken-cert --type=kubernetes.io/tls --from-literal=tls.crt=garbage --from-literal=tls.key=garbage >/dev/null
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tls}
spec:
  tls:
  - {hosts: [tls.test], secretName: tls-cert}
  - {hosts: [broken.test], secretName: broken-cert}
  rules:
  - host: tls.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
  - host: broken.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
YAML
check "HTTPS with the Secret's certificate (SNI), verified against it" bash -c \
  "curl -s --max-time 5 --cacert $WORK/tls.crt --resolve tls.test:$HTTPS_PORT:127.0.0.1 https://tls.test:$HTTPS_PORT/x | grep -q '^backend=blue'"
check "the backend is told the request came over HTTPS" bash -c \
  "curl -sk --resolve tls.test:$HTTPS_PORT:127.0.0.1 https://tls.test:$HTTPS_PORT/x | grep -q '^h:x-forwarded-proto=https'"
check "plain HTTP to a TLS host is a 308 to HTTPS" bash -c \
  "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: tls.test' http://127.0.0.1:$HTTP_PORT/a?b=1 | grep -qx '308 https://tls.test:$HTTPS_PORT/a?b=1'"
check "a broken Secret: the fallback certificate is served" bash -c \
  "curl -skv --resolve broken.test:$HTTPS_PORT:127.0.0.1 https://broken.test:$HTTPS_PORT/ 2>&1 | grep -q 'CN=Kubernetes Ingress Controller Fake Certificate'"
check "… and the host still works" bash -c "curl -sk --resolve broken.test:$HTTPS_PORT:127.0.0.1 https://broken.test:$HTTPS_PORT/ | grep -q '^backend=blue'"
check "… with a Warning event" eventually bash -c \
  "kubectl get events --field-selector involvedObject.name=tls,reason=InvalidTLSSecret -o jsonpath='{.items[0].message}' | grep -q 'broken-cert.*default certificate'"
check "a host without TLS gets the fallback certificate on the HTTPS port" bash -c \
  "curl -skv --resolve root.test:$HTTPS_PORT:127.0.0.1 https://root.test:$HTTPS_PORT/ 2>&1 | grep -q 'Fake Certificate'"
check "kubectl get ingress shows PORTS 80, 443" bash -c "kubectl get ingress tls | grep -q '80, 443'"

# ---- annotations
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rewrite
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  rules:
  - host: rewrite.test
    http: {paths: [{path: /something(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: blue, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: noredirect
  annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "false"}
spec:
  tls: [{hosts: [plain.test], secretName: tls-cert}]
  rules:
  - host: plain.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: https-backend
  annotations: {nginx.ingress.kubernetes.io/backend-protocol: HTTPS}
spec:
  rules:
  - host: secure.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: secure, port: {number: 443}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: limits
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 1k
    nginx.ingress.kubernetes.io/proxy-read-timeout: "1"
spec:
  rules:
  - host: limits.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: allow
  annotations: {nginx.ingress.kubernetes.io/whitelist-source-range: "127.0.0.1/32"}
spec:
  rules:
  - host: allow.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: sticky
  annotations: {nginx.ingress.kubernetes.io/affinity: cookie}
spec:
  rules:
  - host: sticky.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: sticky, port: {number: 80}}}}]}
YAML
check "rewrite-target with capture groups: /something/new/x → /new/x" bash -c \
  "curl -s -H 'Host: rewrite.test' http://127.0.0.1:$HTTP_PORT/something/new/x | grep -qx 'path=/new/x'"
check "rewrite-target: /something → /" bash -c "curl -s -H 'Host: rewrite.test' http://127.0.0.1:$HTTP_PORT/something | grep -qx 'path=/'"
check "use-regex paths are case-insensitive, as ingress-nginx's" bash -c \
  "curl -s -H 'Host: rewrite.test' http://127.0.0.1:$HTTP_PORT/SOMETHING/a | grep -qx 'path=/a'"
expect "ssl-redirect: \"false\" keeps plain HTTP on a TLS host" plain.test / "200 blue"
expect "backend-protocol: HTTPS proxies to a TLS backend" secure.test / "200 secure"
check "proxy-body-size 1k: a 2 KiB body is refused with 413" bash -c \
  "[ \"\$(head -c 2048 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Host: limits.test' --data-binary @- http://127.0.0.1:$HTTP_PORT/)\" = 413 ]"
check "… a small body passes" bash -c \
  "[ \"\$(head -c 512 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Host: limits.test' --data-binary @- http://127.0.0.1:$HTTP_PORT/)\" = 200 ]"
check "… and without the annotation 2 KiB passes (default 1m)" bash -c \
  "[ \"\$(head -c 2048 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -H 'Host: root.test' --data-binary @- http://127.0.0.1:$HTTP_PORT/)\" = 200 ]"
expect "proxy-read-timeout 1: a 3 s answer is a 504" limits.test "/?sleep=3" "504"
expect "… without the annotation the same answer passes" root.test "/?sleep=3" "200 blue"
expect "whitelist-source-range: an allowed source passes" allow.test / "200 blue"
check "… another source (a pod, through the bridge address) gets 403" bash -c \
  "[ \"\$(ip netns exec ci$ID-green curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: allow.test' http://$GW:$HTTP_PORT/)\" = 403 ]"
check "affinity: cookie sets INGRESSCOOKIE" bash -c \
  "curl -s -D - -o /dev/null -H 'Host: sticky.test' http://127.0.0.1:$HTTP_PORT/ | grep -qi '^set-cookie: INGRESSCOOKIE=.*Path=/; HttpOnly'"
COOKIE=$(curl -s -D - -o /dev/null -H 'Host: sticky.test' "http://127.0.0.1:$HTTP_PORT/" | sed -n 's/^[Ss]et-[Cc]ookie: \(INGRESSCOOKIE=[^;]*\).*/\1/p' | tr -d '\r')
check "… a client with the cookie always reaches the same pod" bash -c \
  "[ \"\$(for i in \$(seq 1 12); do curl -s -H 'Host: sticky.test' -b '$COOKIE' http://127.0.0.1:$HTTP_PORT/ | sed -n 's/^backend=//p'; done | sort -u | wc -l)\" = 1 ]"
check "… clients without it are spread over both pods" bash -c \
  "[ \"\$(for i in \$(seq 1 30); do curl -s -H 'Host: sticky.test' http://127.0.0.1:$HTTP_PORT/ | sed -n 's/^backend=//p'; done | sort -u | wc -l)\" = 2 ]"
check "an invalid annotation value is ignored with a Warning event" bash -c \
  "kubectl annotate ingress limits nginx.ingress.kubernetes.io/proxy-read-timeout=soon --overwrite >/dev/null" 
check "… (InvalidAnnotation)" eventually bash -c \
  "kubectl get events --field-selector involvedObject.name=limits,reason=InvalidAnnotation -o jsonpath='{.items[0].message}' | grep -q proxy-read-timeout"

# ---- bad input and faults
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: partly-missing}
spec:
  rules:
  - host: missing.test
    http:
      paths:
      - {path: /gone, pathType: Prefix, backend: {service: {name: does-not-exist, port: {number: 80}}}}
      - {path: /here, pathType: Prefix, backend: {service: {name: blue, port: {number: 80}}}}
YAML
expect "a missing backend Service: 503 on its path" missing.test /gone "503"
expect "… the other paths keep serving" missing.test /here "200 blue"
check "… with a Warning event" eventually bash -c \
  "kubectl get events --field-selector involvedObject.name=partly-missing,reason=ServiceNotFound -o jsonpath='{.items[0].message}' | grep -q 'does-not-exist'"
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: younger}
spec:
  rules:
  - host: root.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}]}
  - host: young-only.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}]}
YAML
expect "the same host and path in two Ingresses: the older one wins" root.test / "200 blue"
expect "… the younger one's other rules are served" young-only.test / "200 green"
check "… with a Warning event on the younger one" eventually bash -c \
  "kubectl get events --field-selector involvedObject.name=younger,reason=PathConflict -o jsonpath='{.items[0].message}' | grep -q 'default/paths'"
BEFORE=$(hash_now); RELOADS=$(reloads)
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad-regex
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  rules:
  - host: bad.test
    http: {paths: [{path: "/broken(", pathType: ImplementationSpecific, backend: {service: {name: blue, port: {number: 80}}}}]}
YAML
check "a configuration nginx -t rejects is not loaded: a RELOAD Warning on the object" eventually bash -c \
  "kubectl get events --field-selector involvedObject.name=bad-regex,reason=RELOAD -o jsonpath='{.items[0].message}' | grep -q 'nginx -t rejects'"
check "… nginx still serves the last good configuration" bash -c "[ \"\$(curl -s http://127.0.0.1:$STATUS_PORT/configuration-hash)\" = '$BEFORE' ]"
expect "… and keeps routing" root.test / "200 blue"
apply <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: after-bad}
spec:
  rules:
  - host: after.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: green, port: {number: 80}}}}]}
YAML
expect "… and later changes are still applied (the bad object is left out)" after.test / "200 green"
kubectl delete ingress bad-regex >/dev/null

# ---- endpoint churn: no reload
RELOADS=$(reloads)
for i in 1 2 3; do
  set_ready green "$IP_green" False; sleep 0.3; set_ready green "$IP_green" True; sleep 0.3
done
check "endpoint changes under traffic: every request answered" bash -c \
  "for i in \$(seq 1 20); do [ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: a.wild.test' http://127.0.0.1:$HTTP_PORT/)\" = 200 ] || exit 1; done"
check "endpoint changes do not reload nginx" bash -c "[ \"\$(python3 -c \"import json; print(json.load(open('$STATE'))['reloads'])\")\" = '$RELOADS' ]"

# ---- nginx killed: restarted with the last good configuration
HASH=$(hash_now)
# Never `kill -9 -1` (every process): only a real pid read from the state file.
[ "${NGINX_PID:-0}" -gt 1 ] 2>/dev/null && kill -9 "$NGINX_PID"
check "nginx killed: it is restarted" eventually bash -c \
  "[ \"\$(python3 -c \"import json; print(json.load(open('$STATE'))['restarts'])\")\" -ge 1 ] && [ \"\$(curl -s http://127.0.0.1:$STATUS_PORT/configuration-hash)\" = '$HASH' ]"
expect "… and serves the configuration again" root.test / "200 blue"
NGINX_PID=$(python3 -c "import json; print(json.load(open('$STATE'))['nginxPid'])")

# ---- Gateway API on the same nginx
kubectl create secret tls gw-cert --cert="$WORK/gwtls.crt" --key="$WORK/gwtls.key" >/dev/null
apply <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: capstan}
spec: {controllerName: capstan.io/ingress-nginx}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: capstan
  listeners:
  - {name: http, port: $HTTP_PORT, protocol: HTTP, hostname: "*.gw.test"}
  - name: https
    port: $HTTPS_PORT
    protocol: HTTPS
    hostname: secure.gw.test
    tls: {certificateRefs: [{name: gw-cert}]}
  - {name: own, port: $GW_PORT, protocol: HTTP}
  - {name: udp, port: $GW_PORT, protocol: UDP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app}
spec:
  parentRefs: [{name: gw, sectionName: http}, {name: gw, sectionName: https}]
  hostnames: [app.gw.test, secure.gw.test]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: X-Canary, value: "yes"}]}]
    backendRefs: [{name: green, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Gateway, value: capstan}]}}]
    backendRefs: [{name: blue, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /split}}]
    backendRefs: [{name: blue, port: 80, weight: 1}, {name: green, port: 80, weight: 1}]
  - matches: [{path: {type: PathPrefix, value: /canary}}]
    backendRefs: [{name: blue, port: 80, weight: 100}, {name: green, port: 80, weight: 0}]
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /v1}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]
    backendRefs: [{name: blue, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: broken-backend}
spec:
  parentRefs: [{name: gw, sectionName: own}]
  rules: [{backendRefs: [{name: nowhere, port: 80}]}]
YAML
check "GatewayClass Accepted" eventually bash -c "kubectl get gc capstan | grep -E '^capstan +capstan.io/ingress-nginx +True'"
check "Gateway Programmed with the node's address" eventually bash -c "kubectl get gtw gw | grep -E '^gw +capstan +127.0.0.1 +True'"
check "listeners: attached routes and the UDP one refused" eventually bash -c \
  "[ \"\$(kubectl get gtw gw -o jsonpath='{range .status.listeners[*]}{.name}={.attachedRoutes}/{.conditions[?(@.type==\"Accepted\")].reason},{end}')\" = 'http=1/Accepted,https=1/Accepted,own=1/Accepted,udp=0/UnsupportedProtocol,' ]"
check "HTTPRoute Accepted and ResolvedRefs for both parents" eventually bash -c \
  "[ \"\$(kubectl get httproute app -o jsonpath='{range .status.parents[*]}{.conditions[?(@.type==\"Accepted\")].status}{.conditions[?(@.type==\"ResolvedRefs\")].status},{end}')\" = 'TrueTrue,TrueTrue,' ]"
expect "a header match picks its rule" app.gw.test /api/x "200 green" -H "X-Canary: yes"
expect "without the header the next rule answers" app.gw.test /api/x "200 blue"
check "RequestHeaderModifier sets a header" bash -c \
  "curl -s -H 'Host: app.gw.test' http://127.0.0.1:$HTTP_PORT/api | grep -qx 'h:x-gateway=capstan'"
check "weighted backendRefs 1:1 reach both" bash -c \
  "[ \"\$(for i in \$(seq 1 30); do curl -s -H 'Host: app.gw.test' http://127.0.0.1:$HTTP_PORT/split | sed -n 's/^backend=//p'; done | sort -u | wc -l)\" = 2 ]"
check "weight 0 gets nothing" bash -c \
  "[ \"\$(for i in \$(seq 1 20); do curl -s -H 'Host: app.gw.test' http://127.0.0.1:$HTTP_PORT/canary | sed -n 's/^backend=//p'; done | sort -u)\" = blue ]"
check "RequestRedirect: 301 with the new path" bash -c \
  "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: app.gw.test' http://127.0.0.1:$HTTP_PORT/old | grep -qx '301 http://app.gw.test:$HTTP_PORT/new'"
check "URLRewrite ReplacePrefixMatch: /v1/x → /v2/x" bash -c \
  "curl -s -H 'Host: app.gw.test' http://127.0.0.1:$HTTP_PORT/v1/x | grep -qx 'path=/v2/x'"
expect "a host outside the listener's wildcard is not routed (the default backend answers)" app.other.test /api "200 green"
check "HTTPS listener: the certificateRef's certificate, verified" bash -c \
  "curl -s --cacert $WORK/gwtls.crt --resolve secure.gw.test:$HTTPS_PORT:127.0.0.1 https://secure.gw.test:$HTTPS_PORT/api | grep -q '^backend=blue'"
expect "Ingresses and routes share the HTTP port" root.test / "200 blue"
check "a missing backend: ResolvedRefs False BackendNotFound" eventually bash -c \
  "[ \"\$(kubectl get httproute broken-backend -o jsonpath='{.status.parents[0].conditions[?(@.type==\"ResolvedRefs\")].reason}')\" = BackendNotFound ]"
check "… and 500 on its own listener port" bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$GW_PORT/)\" = 500 ]"

# ---- shutdown
stop_server TERM
check "nginx is stopped with the server" bash -c "! kill -0 $NGINX_PID 2>/dev/null"
check "the ports are free again" bash -c "! (echo > /dev/tcp/127.0.0.1/$HTTP_PORT) 2>/dev/null"

summary
[ $fail -eq 0 ]
