#!/usr/bin/env bash
# Runs the kubectl API integration test (kubectl_api_test.sh) with one particular kubectl release
# installed beside the real kubectl (kubectl.1.27 ... kubectl.1.33 next to `readlink -f kubectl`),
# by putting it first on PATH as `kubectl`:
#   kubectl_versions_test.sh oldest|newest|1.NN CAPSTAN_BINARY [PLUGIN_DIR]
# oldest/newest pick the lowest/highest minor found. kubectl 1.32+ sends protobuf bodies and asks
# for aggregated discovery; kubectl 1.27 uses JSON and v2beta1/legacy discovery: both must work.
# Exits 77 (skip) when no versioned kubectl is installed.
set -uo pipefail
which=$1
shift
if ! command -v kubectl >/dev/null 2>&1; then echo "SKIP kubectl is not installed"; exit 77; fi
dir=$(dirname "$(readlink -f "$(command -v kubectl)")")
mapfile -t found < <(ls "$dir" 2>/dev/null | grep -E '^kubectl\.1\.[0-9]+$' | sort -t. -k3,3n)
if [ ${#found[@]} -eq 0 ]; then echo "SKIP no kubectl.1.NN beside $dir/kubectl"; exit 77; fi
case $which in
  oldest) pick=${found[0]} ;;
  newest) pick=${found[${#found[@]}-1]} ;;
  *) pick=kubectl.$which ;;
esac
if [ ! -x "$dir/$pick" ]; then echo "SKIP $dir/$pick not found"; exit 77; fi
bin=$(mktemp -d "${TMPDIR:-/tmp}/capstan-kubectl-version.XXXXXX")
trap 'rm -rf "$bin"' EXIT
ln -s "$dir/$pick" "$bin/kubectl"
echo "kubectl: $pick ($("$bin/kubectl" version --client -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])' 2>/dev/null))"
PATH="$bin:$PATH" bash "$(dirname "${BASH_SOURCE[0]}")/kubectl_api_test.sh" "$@"
