#!/usr/bin/env bash
# Benchmark: what authentication and RBAC cost a request. One server, one run, side by side:
#   admin   — the admin's bearer token (system:masters: the kernel allows it before any plugin)
#   rbac    — user "bench" by bearer token, allowed by the last of 1,000 RoleBindings it holds in
#             its namespace (999 bind Roles for other resources), so the RBAC authorizer walks
#             all of them on every request
# For each: creates/s and create p50/p99 with 64 clients, and GET p50/p99 with 8 connections.
#   bash tests/perf/auth_bench.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# The load generator is $API_LOAD, capstan_api_load beside the binary, or compiled here.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
[ -x "$CAPSTAN" ] || { echo "capstan binary not found: $CAPSTAN" >&2; exit 1; }
BINDINGS=${BINDINGS:-1000}
CREATES=${CREATES:-20000}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-auth-bench.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

LOAD=${API_LOAD:-$(dirname "$CAPSTAN")/capstan_api_load}
if [ ! -x "$LOAD" ]; then
  LOAD=$WORK/capstan_api_load
  "${CXX:-c++}" -std=c++20 -O2 -pthread "$REPO_ROOT/tests/perf/api_load.cpp" -o "$LOAD" || exit 1
fi

# Both users' tokens in the server's token file, written before its first start.
ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
BENCH_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$WORK/data/auth" && chmod 700 "$WORK/data/auth"
echo "$ADMIN_TOKEN" >"$WORK/data/auth/admin.token"
printf '%s,capstan-admin,capstan-admin,"system:masters"\n%s,bench,bench\n' "$ADMIN_TOKEN" "$BENCH_TOKEN" \
  >"$WORK/data/auth/tokens.csv"
chmod 600 "$WORK/data/auth/"*

"$CAPSTAN" server --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
PORT=
for _ in $(seq 1 200); do
  PORT=$(sed -n 's|^ *plain HTTP: http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/server.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start" >&2; tail "$WORK/server.log" >&2; exit 1; }
export KUBECONFIG=$WORK/data/kubeconfig

echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $BINDINGS RoleBindings for user bench in namespace rbac-bench"
kubectl create namespace rbac-bench >/dev/null
kubectl create namespace admin-bench >/dev/null
{
  echo "apiVersion: v1"
  echo "kind: List"
  echo "items:"
  for ((i = 0; i < BINDINGS - 1; i++)); do
    cat <<YAML
- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: other-$i, namespace: rbac-bench}, rules: [{apiGroups: [""], resources: [widgets$i], verbs: [get, list, create]}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: b-$(printf %04d $i), namespace: rbac-bench}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: other-$i}, subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bench}]}
YAML
  done
  cat <<YAML
- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: configmaps, namespace: rbac-bench}, rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list, create]}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: b-9999-configmaps, namespace: rbac-bench}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmaps}, subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bench}]}
YAML
} >"$WORK/bindings.yaml"
t0=$(date +%s.%N)
# (--validate=false: kubectl validates a List against /openapi/v2, which is not served yet)
kubectl create --validate=false -f "$WORK/bindings.yaml" >/dev/null || { echo "creating the bindings failed" >&2; exit 1; }
echo "  created $((2 * BINDINGS)) Roles and RoleBindings in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
# Until the RBAC cache has them all, bench is refused: wait for its first allowed request.
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BENCH_TOKEN" \
    "http://127.0.0.1:$PORT/api/v1/namespaces/rbac-bench/configmaps?limit=1")
  [ "$code" = 200 ] && break
  sleep 0.1
done
[ "$code" = 200 ] || { echo "bench is not allowed after 10 s (HTTP $code)" >&2; exit 1; }

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
declare -A RESULT
for who in admin rbac; do
  token=$ADMIN_TOKEN ns=admin-bench
  [ $who = rbac ] && token=$BENCH_TOKEN ns=rbac-bench
  echo "== $who"
  out=$(CAPSTAN_TOKEN=$token "$LOAD" creates --port "$PORT" --clients 64 --count "$CREATES" --namespace "$ns" 2>&1)
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  RESULT[$who-creates]=$(echo "$out" | grep '^RESULT' | tail -1)
  out=$(CAPSTAN_TOKEN=$token "$LOAD" reads --port "$PORT" --objects 2000 --gets 20000 --read-clients 8 --lists 0 --namespace "$ns" 2>&1)
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  RESULT[$who-reads]=$(echo "$out" | grep '^RESULT' | tail -1)
done

echo
echo "== summary (admin | user through $BINDINGS RoleBindings | ratio)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }'; }
row() { printf '%-34s %-12s %-12s %s\n' "$1" "$2" "$3" "$4"; }
row "figure" "admin" "rbac" "rbac/admin"
for k in rate p50_ms p99_ms; do
  a=$(field "${RESULT[admin-creates]}" $k) b=$(field "${RESULT[rbac-creates]}" $k)
  row "creates, 64 clients: $k" "$a" "$b" "$(ratio "$a" "$b")"
done
for k in get_rate get_p50_ms get_p99_ms; do
  a=$(field "${RESULT[admin-reads]}" $k) b=$(field "${RESULT[rbac-reads]}" $k)
  row "GET, 8 connections: $k" "$a" "$b" "$(ratio "$a" "$b")"
done
row "errors (creates / GETs)" "$(field "${RESULT[admin-creates]}" errors) / $(field "${RESULT[admin-reads]}" get_errors)" \
  "$(field "${RESULT[rbac-creates]}" errors) / $(field "${RESULT[rbac-reads]}" get_errors)" "0"
