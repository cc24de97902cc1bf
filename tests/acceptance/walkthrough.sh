#!/usr/bin/env bash
# Runs sections of the seed walkthrough (../shared/acceptance/seed-walkthrough.sh) against a fresh
# `capstan up` on real containers: builds the walkthrough's images offline, starts a cluster on a
# temporary data directory, imports the images with `capstan image import`, runs the sections and
# stops the cluster (which removes its containerd, bridge, rules and DNS). Needs root.
#   bash tests/acceptance/walkthrough.sh [SECTION...]    (default: pods deployments services config probes volumes)
# Env: CAPSTAN (binary, default build/bin/capstan), PLUGIN_DIR, WALKTHROUGH (the script),
# INGRESS_PORT (the Ingress HTTP port; default 80, or a free port when 80 is taken).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${CAPSTAN:-$ROOT/build/bin/capstan}
PLUGIN_DIR=${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}
WALKTHROUGH=${WALKTHROUGH:-$ROOT/../shared/acceptance/seed-walkthrough.sh}
[ -f "$WALKTHROUGH" ] || { echo "walkthrough not found: $WALKTHROUGH" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (containerd, bridges, nftables)" >&2; exit 2; }
sections=("$@"); [ ${#sections[@]} -gt 0 ] || sections=(pods deployments services config probes volumes)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-walk.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 120); do kill -0 "$PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
bash "$(dirname "$WALKTHROUGH")/build-images.sh" "$WORK/images" >/dev/null || { echo "image build failed"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
taken() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${INGRESS_PORT:-}" ]; then
  INGRESS_PORT=80
  taken 80 || taken 443 && INGRESS_PORT=$(free_port)
fi
export INGRESS_PORT
up_args=()
[ "$INGRESS_PORT" = 80 ] || up_args=(--plugin-config "ingress-nginx={\"httpPort\":$INGRESS_PORT,\"httpsPort\":$(free_port)}")
"$CAPSTAN" up --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" --port 0 "${up_args[@]}" >"$WORK/up.log" 2>&1 </dev/null &
PID=$!
for _ in $(seq 300); do grep -q '^ *kubeconfig: ' "$WORK/up.log" && break; sleep 0.1; done
export KUBECONFIG=$WORK/data/kubeconfig
for f in "$WORK"/images/*.tar; do
  "$CAPSTAN" image import --data-dir "$WORK/data" --plugin-dir "$PLUGIN_DIR" "$f" || echo "warning: could not import $f"
done
total_p=0; total_f=0
for s in "${sections[@]}"; do
  out=$(bash "$WALKTHROUGH" "$s" 2>&1)
  echo "$out" | grep -E '^(PASS|FAIL|SKIP|==) '
  last=$(echo "$out" | tail -1)
  echo "== $s: $last"
  total_p=$((total_p + $(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')))
  total_f=$((total_f + $(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
