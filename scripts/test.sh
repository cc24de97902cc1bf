#!/usr/bin/env bash
# Builds everything in build/ and runs every test: the GoogleTest unit tests and the integration
# tests (registered with ctest, label "integration"). Exits non-zero on any failure; the last line
# is "N passed, N failed, N skipped".
#   bash scripts/test.sh
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${CAPSTAN_BUILD_DIR:-$ROOT/build}
JOBS=${CAPSTAN_JOBS:-$(nproc)}
# ccache hits across clones: paths under the checkout are hashed relative to it.
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1

bash scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    || { echo "configure failed"; echo "0 passed, 1 failed"; exit 1; }
fi
nice ninja -C "$BUILD" -j "$JOBS" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

JUNIT=$BUILD/ctest-results.xml
rm -f "$JUNIT"
nice ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --output-junit "$JUNIT" </dev/null
rc=$?

# Count from ctest's JUnit report: passed, failed (including timeouts and not-run), skipped.
read -r passed failed skipped < <(python3 - "$JUNIT" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1 0"); sys.exit()
p = f = s = 0
for tc in root.iter("testcase"):
    st = tc.get("status", "")
    if st == "run" and tc.find("failure") is None and tc.find("error") is None: p += 1
    elif st in ("skipped", "disabled") or (tc.find("skipped") is not None and tc.find("failure") is None): s += 1
    else: f += 1
print(p, f, s)
PY
)
: "${passed:=0}" "${failed:=1}" "${skipped:=0}"
if [ "$skipped" -gt 0 ]; then
  echo "skipped tests (see their output for why):"
  python3 - "$JUNIT" <<'PY' || true
import sys, xml.etree.ElementTree as ET
for tc in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    if tc.get("status") in ("skipped", "disabled") or tc.find("skipped") is not None:
        out = (tc.findtext("system-out") or "").strip().splitlines()
        print(f"  {tc.get('name')}: {out[-1] if out else ''}")
PY
fi
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
