#!/usr/bin/env bash
# Builds Capstan (only what is out of date) and runs a single-node cluster.
#   bash scripts/up.sh          then: export KUBECONFIG=/var/lib/capstan/kubeconfig; kubectl get ns
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh
BUILD=${CAPSTAN_BUILD_DIR:-$ROOT/build}
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
# The binary first (this also re-runs cmake if the build files are stale), then the plugins;
# the tests are not needed to run.
nice ninja -C "$BUILD" capstan
plugins=()
while read -r t; do plugins+=("$t"); done < <(ninja -C "$BUILD" -t targets all 2>/dev/null \
  | sed -n 's#^\(plugins-out/[^:]*\.so\): .*#\1#p')
[ ${#plugins[@]} -eq 0 ] || nice ninja -C "$BUILD" "${plugins[@]}"
exec "$BUILD/bin/capstan" up --data-dir "${CAPSTAN_DATA_DIR:-/var/lib/capstan}" "$@"
