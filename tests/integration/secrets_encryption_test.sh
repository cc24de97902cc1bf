#!/usr/bin/env bash
# Integration test: Secrets are encrypted at rest by default. A fresh `capstan server` writes its
# EncryptionConfiguration (aescbc, mode 0600); a Secret's value is nowhere in the database files
# (WAL included) while a ConfigMap's is (the search works); the Secret reads back after kill -9;
# a configuration without its key refuses to start and says which; an operator's configuration
# (aesgcm) is honoured.
#   secrets_encryption_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-encryption-test.XXXXXX")
cleanup() {
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA=$WORK/data
SECRET="Sekr1t-$RANDOM$RANDOM-value"
PLAIN="Plain-$RANDOM$RANDOM-value"
in_db() { # DATA_DIR TEXT : the text is in the database or its WAL
  cat "$1"/store.db* 2>/dev/null | grep -aqF "$2"
}

if ! start_server "$DATA" "$WORK/server.log"; then bad "server starts"; summary; exit 1; fi
ok "server starts"
check "the encryption configuration is written at first start" test -s "$DATA/auth/encryption-config.yaml"
check_eq "it is readable by its owner only" 600 stat -c %a "$DATA/auth/encryption-config.yaml"
check "it encrypts secrets with aescbc" grep -q 'aescbc' "$DATA/auth/encryption-config.yaml"

check "create a Secret" kubectl create secret generic s1 --from-literal=password="$SECRET"
check "create a ConfigMap" kubectl create configmap c1 --from-literal=value="$PLAIN"
check "the ConfigMap's value is in the database files (the search works)" in_db "$DATA" "$PLAIN"
check_fails "the Secret's value is not in the database files, WAL included" '' in_db "$DATA" "$SECRET"
check "what is stored carries the aescbc prefix" in_db "$DATA" "k8s:enc:aescbc:v1:key1:"
check_eq "the API returns the Secret's value" "$SECRET" bash -c \
  "kubectl get secret s1 -o jsonpath='{.data.password}' | base64 -d"

stop_server KILL
if ! start_server "$DATA" "$WORK/server2.log"; then bad "server restarts after kill -9"; summary; exit 1; fi
ok "server restarts after kill -9"
check_eq "the Secret reads back after the restart" "$SECRET" bash -c \
  "kubectl get secret s1 -o jsonpath='{.data.password}' | base64 -d"
check "an update is encrypted too" kubectl patch secret s1 --type merge -p '{"stringData":{"token":"'"$SECRET"'-2"}}'
check_fails "still not in the database files" '' in_db "$DATA" "$SECRET"
stop_server TERM

# A configuration that lacks the key the Secret was written with: refuse to start, and say why.
cat >"$WORK/other.yaml" <<'YAML'
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm: {keys: [{name: other, secret: b29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb28=}]}
YAML
check_fails "a configuration without the Secret's key refuses to start, naming the key" \
  'cannot read /core/secrets/default/s1 from the store: no key of the encryption configuration matches the value.s prefix k8s:enc:aescbc:v1:key1:' \
  timeout 20 "$CAPSTAN" server --data-dir "$DATA" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 \
  --bind-address 127.0.0.1 --encryption-provider-config "$WORK/other.yaml"
check_fails "a malformed configuration refuses to start with the field path" \
  'resources\[0\].providers\[0\].aesgcm.keys\[0\].secret: Invalid value: "REDACTED": secret is not of the expected length' \
  bash -c "sed 's|secret: .*}|secret: c2hvcnQ=}]}|' '$WORK/other.yaml' >'$WORK/bad.yaml'; timeout 20 '$CAPSTAN' server --data-dir '$WORK/d3' \
  --plugin-dir '$PLUGIN_DIR' --port 0 --http-port 0 --bind-address 127.0.0.1 --encryption-provider-config '$WORK/bad.yaml'"

# An operator's configuration: aesgcm on a fresh cluster.
CAPSTAN_ARGS="--encryption-provider-config $WORK/other.yaml"
if ! start_server "$WORK/gcm" "$WORK/server3.log"; then bad "server starts with an aesgcm configuration"; summary; exit 1; fi
ok "server starts with an aesgcm configuration"
check "create a Secret" kubectl create secret generic s2 --from-literal=password="$SECRET"
check "it is stored under aesgcm with the configured key" in_db "$WORK/gcm" "k8s:enc:aesgcm:v1:other:"
check_fails "its value is not in the database files" '' in_db "$WORK/gcm" "$SECRET"
check "no default configuration is written beside an operator's" test ! -e "$WORK/gcm/auth/encryption-config.yaml"

summary
[ $fail -eq 0 ]
