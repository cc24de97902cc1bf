#!/usr/bin/env bash
# Runs every libFuzzer target for a while (default 60 s each) with clang + ASan, starting from
# and adding to the stored corpora in tests/fuzz/corpus/. Not part of the test command: the
# corpora are replayed there (fuzz_replay.* tests) without libFuzzer.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${1:-60}
BUILD=${CAPSTAN_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
bash "$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCAPSTAN_BUILD_FUZZERS=ON -DCAPSTAN_BUILD_TESTS=OFF >/dev/null
targets=(fuzz_patch fuzz_yaml_json fuzz_meta_protobuf fuzz_label_selector fuzz_json_codec fuzz_cron_schedule fuzz_protobuf_codec fuzz_quantity fuzz_net fuzz_time)
nice ninja -C "$BUILD" "${targets[@]}"
for t in "${targets[@]}"; do
  bin=$(find "$BUILD" -name "$t" -type f -perm -u+x | head -1)
  echo "== $t ($SECONDS_EACH s)"
  "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 "$ROOT/tests/fuzz/corpus/$t"
done
