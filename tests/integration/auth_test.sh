#!/usr/bin/env bash
# Integration test: authentication and RBAC authorization on a fresh `capstan server`, with
# kubectl and curl as a user would: no credentials → 401 (except health and version); the
# admin's certificate and token (system:masters); a user certificate signed by the cluster CA
# (CN alice) refused with kube-apiserver's 403 text until a RoleBinding grants it, and only in
# that namespace; the bootstrap roles (view cannot read Secrets, edit can); aggregation of a
# user's ClusterRole into view; a certificate of another CA and a wrong token → 401; the plain
# HTTP port authenticates too; RBAC validation messages; `kubectl auth can-i [--list]` and
# `auth whoami` (access reviews), SubjectAccessReview and LocalSubjectAccessReview; impersonation
# (`--as`, `--as-group`) allowed to the admin and refused to alice with upstream's message; the
# audit log (--audit-log-path, --audit-policy-file) records all of it; Pod Security admission
# refuses and warns per the namespace labels with upstream's messages.
#   auth_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-auth-test.XXXXXX")
cleanup() {
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The audit log is on for this server: the requests below are its test.
cat >"$WORK/audit-policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"]
- level: RequestResponse
  resources: [{group: "", resources: [configmaps]}]
- level: Metadata
YAML
CAPSTAN_ARGS="${CAPSTAN_ARGS:-} --audit-log-path $WORK/audit.log --audit-policy-file $WORK/audit-policy.yaml"
if ! start_server "$WORK/data" "$WORK/server.log"; then bad "server starts"; summary; exit 1; fi
ok "server starts"
API=$(sed -n 's|^ *API: *\(https://[^ ]*\).*|\1|p' "$WORK/server.log" | tail -1)
HTTP=$(sed -n 's|^ *plain HTTP: *\(http://[^ ]*\).*|\1|p' "$WORK/server.log" | tail -1)
TLS=$WORK/data/tls
ADMIN_TOKEN=$(cat "$WORK/data/auth/admin.token")
CA=$TLS/ca.crt

# A client certificate for CN=$1 (O=$2 if given) signed by the CA at $3/$4.
user_cert() { # NAME ORG CA_CRT CA_KEY OUT_PREFIX
  local subj="/CN=$1"; [ -n "$2" ] && subj="/O=$2/CN=$1"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$5.key" -subj "$subj" -out "$5.csr" 2>/dev/null &&
    printf 'extendedKeyUsage=clientAuth\n' >"$5.ext" &&
    openssl x509 -req -in "$5.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 1 -extfile "$5.ext" -out "$5.crt" 2>/dev/null
}
kubeconfig_for() { # NAME CERT_PREFIX OUT
  KUBECONFIG=$3 kubectl config set-cluster c --server="$API" --certificate-authority="$CA" --embed-certs >/dev/null &&
    KUBECONFIG=$3 kubectl config set-credentials "$1" --client-certificate="$2.crt" --client-key="$2.key" --embed-certs >/dev/null &&
    KUBECONFIG=$3 kubectl config set-context c --cluster=c --user="$1" >/dev/null &&
    KUBECONFIG=$3 kubectl config use-context c >/dev/null
}
code() { curl -s -o "$WORK/body" -w '%{http_code}' --max-time 10 "$@"; }

# ---- no credentials
check_eq "anonymous list of secrets is 401" 401 code -k "$API/api/v1/secrets"
check "the 401 is kube-apiserver's Status" bash -c "grep -q '\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401' '$WORK/body'"
check_eq "anonymous /healthz answers" 200 code -k "$API/healthz"
check_eq "anonymous /version answers" 200 code -k "$API/version"
check_eq "anonymous discovery is 401" 401 code -k "$API/api"
check_eq "the plain HTTP port authenticates too" 401 code "$HTTP/api/v1/namespaces"
check_eq "a wrong token is 401" 401 code -k -H "Authorization: Bearer not-a-token" "$API/api/v1/namespaces"
check_eq "a wrong token is 401 even on /healthz" 401 code -k -H "Authorization: Bearer not-a-token" "$API/healthz"

# ---- the admin
check "the admin kubeconfig (system:masters certificate) lists namespaces" kubectl get namespaces
check_eq "the admin token works on the plain HTTP port" 200 code -H "Authorization: Bearer $ADMIN_TOKEN" "$HTTP/api/v1/namespaces"
check_eq "the admin token works over HTTPS" 200 code -k -H "Authorization: Bearer $ADMIN_TOKEN" "$API/api/v1/secrets"

# ---- a user of the cluster CA, without any binding
user_cert alice "" "$CA" "$TLS/ca.key" "$WORK/alice" && kubeconfig_for alice "$WORK/alice" "$WORK/alice.kubeconfig"
check "a certificate for alice is made with the cluster CA" test -s "$WORK/alice.crt"
AK() { KUBECONFIG=$WORK/alice.kubeconfig kubectl "$@"; }
for i in $(seq 1 50); do kubectl get clusterrole view >/dev/null 2>&1 && break; sleep 0.2; done
check_fails "alice cannot list pods, with upstream's message" \
  '^Error from server \(Forbidden\): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"$' \
  AK get pods
check_fails "alice cannot list nodes (cluster scope text)" \
  'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope' AK get nodes
check "alice reaches discovery (system:discovery for system:authenticated)" bash -c "KUBECONFIG=$WORK/alice.kubeconfig kubectl api-versions | grep -q '^v1$'"

# ---- bootstrap roles and bindings
check "the bootstrap roles exist" kubectl get clusterrole cluster-admin admin edit view system:discovery system:basic-user
check "view is aggregated from system:aggregate-to-view" bash -c "kubectl get clusterrole view -o jsonpath='{.rules[*].resources}' | grep -q pods"
check "cluster-admin is bound to system:masters" bash -c "kubectl get clusterrolebinding cluster-admin -o jsonpath='{.subjects[0].name}' | grep -qx system:masters"

kubectl create namespace team >/dev/null
kubectl -n team create secret generic s1 --from-literal=k=v >/dev/null
check "bind view to alice in team" kubectl -n team create rolebinding alice-view --clusterrole=view --user=alice
for i in $(seq 1 50); do AK -n team get pods >/dev/null 2>&1 && break; sleep 0.1; done
check "alice lists pods in team" AK -n team get pods
check_fails "alice still cannot list pods in default" 'pods is forbidden' AK -n default get pods
check_fails "view does not read secrets" 'secrets "s1" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "team"' AK -n team get secret s1
check_fails "view does not create" 'configmaps is forbidden: User "alice" cannot create resource "configmaps"' AK -n team create configmap c1 --from-literal=a=b

check "bind edit to alice in team" kubectl -n team create rolebinding alice-edit --clusterrole=edit --user=alice
for i in $(seq 1 50); do AK -n team get secret s1 >/dev/null 2>&1 && break; sleep 0.1; done
check "edit reads secrets" AK -n team get secret s1
check "edit creates configmaps" AK -n team create configmap c1 --from-literal=a=b
check_fails "edit cannot create rolebindings" 'rolebindings.rbac.authorization.k8s.io is forbidden' \
  AK -n team create rolebinding x --clusterrole=admin --user=alice

# ---- escalation prevention: admin in team may bind what it holds, not more
kubectl -n team create rolebinding alice-admin --clusterrole=admin --user=alice >/dev/null
for i in $(seq 1 50); do AK -n team get roles >/dev/null 2>&1 && break; sleep 0.1; done
check "admin in team binds view to someone else" AK -n team create rolebinding carol-view --clusterrole=view --user=carol
check_fails "admin cannot bind cluster-admin (escalation), upstream's message" \
  'rolebindings.rbac.authorization.k8s.io "carol-root" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:' \
  AK -n team create rolebinding carol-root --clusterrole=cluster-admin --user=carol
check_fails "admin cannot write a Role granting nodes" 'is attempting to grant RBAC permissions not currently held:.*|Resources:\["nodes"\]' \
  AK -n team create role nodes-reader --verb=get --resource=nodes
check "admin writes a Role within its rights" AK -n team create role pod-reader --verb=get --resource=pods

# ---- aggregation: a ClusterRole labelled aggregate-to-view extends view
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: read-nodes
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
YAML
check "view gains the rules of a role labelled aggregate-to-view" bash -c \
  "for i in \$(seq 1 50); do kubectl get clusterrole view -o jsonpath='{.rules[*].resources}' | grep -q nodes && exit 0; sleep 0.1; done; exit 1"
kubectl create clusterrolebinding alice-view-all --clusterrole=view --user=alice >/dev/null
check "a ClusterRoleBinding to view lets alice list nodes" bash -c \
  "for i in \$(seq 1 50); do KUBECONFIG=$WORK/alice.kubeconfig kubectl get nodes >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1"

# ---- groups from the certificate's O
user_cert bob ops "$CA" "$TLS/ca.key" "$WORK/bob" && kubeconfig_for bob "$WORK/bob" "$WORK/bob.kubeconfig"
kubectl -n team create rolebinding ops-edit --clusterrole=edit --group=ops >/dev/null
check "bob is granted through his group (certificate O=ops)" bash -c \
  "for i in \$(seq 1 50); do KUBECONFIG=$WORK/bob.kubeconfig kubectl -n team get configmaps >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1"

# ---- a certificate from another CA
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/evil-ca.key" -subj "/CN=evil" -days 1 -out "$WORK/evil-ca.crt" 2>/dev/null
user_cert mallory system:masters "$WORK/evil-ca.crt" "$WORK/evil-ca.key" "$WORK/mallory"
check_eq "a system:masters certificate of another CA is 401" 401 code -k --cert "$WORK/mallory.crt" --key "$WORK/mallory.key" "$API/api/v1/secrets"

# ---- RBAC validation
check_fails "roleRef is immutable" 'cannot change roleRef' bash -c \
  "kubectl -n team get rolebinding alice-view -o json | sed 's/\"name\": \"view\"/\"name\": \"edit\"/' | kubectl replace -f -"
check_fails "a ClusterRoleBinding to a Role is refused" 'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"' \
  bash -c "printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: bad}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}\nsubjects: [{kind: User, name: a}]\n' | kubectl create -f -"

# ---- access reviews (kubectl auth can-i, whoami) and impersonation (--as), with the newest kubectl
kdir=$(dirname "$(readlink -f "$(command -v kubectl)")")
K33=kubectl; [ -x "$kdir/kubectl.1.33" ] && K33="$kdir/kubectl.1.33"
AK33() { KUBECONFIG=$WORK/alice.kubeconfig "$K33" "$@"; }
check_eq "can-i: alice may get pods in team" yes AK33 auth can-i get pods -n team
# (kubectl warns on stderr that clusterroles are not namespaced, as it does against any cluster)
check_eq "can-i: alice may not create clusterroles" no bash -c "KUBECONFIG=$WORK/alice.kubeconfig '$K33' auth can-i create clusterroles 2>/dev/null"
check_fails "can-i answers no with exit status 1" '' AK33 auth can-i delete nodes
check_eq "can-i: the admin may do anything" yes "$K33" auth can-i '*' '*'
check_eq "can-i for a subresource" yes AK33 auth can-i get pods --subresource=log -n team
check "can-i --list shows alice's rules in team" bash -c \
  "KUBECONFIG=$WORK/alice.kubeconfig '$K33' auth can-i --list -n team | grep -E '^configmaps +\[\] +\[\] +\[.*create'"
check "can-i --list shows the non-resource rules" bash -c \
  "KUBECONFIG=$WORK/alice.kubeconfig '$K33' auth can-i --list -n team | grep -E '^ +\[/healthz\] +\[\] +\[get\]'"
check "whoami names alice and her groups" bash -c \
  "AK() { KUBECONFIG=$WORK/alice.kubeconfig '$K33' \"\$@\"; }; out=\$(AK auth whoami); echo \"\$out\" | grep -E '^Username +alice' && echo \"\$out\" | grep -q 'system:authenticated'"
check "whoami -o json is a SelfSubjectReview" bash -c \
  "KUBECONFIG=$WORK/bob.kubeconfig '$K33' auth whoami -o json | grep -q '\"kind\": \"SelfSubjectReview\"'"
check_eq "the admin impersonates alice (can-i --as)" no bash -c "'$K33' auth can-i create clusterroles --as alice 2>/dev/null"
check_eq "impersonated alice gets her rights" yes "$K33" auth can-i get pods -n team --as alice
check "whoami --as alice --as-group shows the impersonated user and only the named groups" bash -c \
  "'$K33' auth whoami --as alice --as-group dev --as-group system:authenticated -o jsonpath='{.status.userInfo.username} {.status.userInfo.groups}' | grep -qx 'alice \[\"dev\",\"system:authenticated\"\]'"
check_fails "named groups replace system:authenticated, so alice in dev alone may not even ask" 'not enabled in the cluster or you do not have permission' \
  "$K33" auth whoami --as alice --as-group dev
check_fails "alice may not impersonate, upstream's message" \
  'users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope' \
  AK33 get pods -n team --as carol
check_eq "impersonating a group without a user is refused (500, as upstream)" 500 \
  code -k -H "Authorization: Bearer $ADMIN_TOKEN" -H "Impersonate-Group: dev" "$API/api/v1/namespaces"
check "the refusal says why" grep -q 'without impersonating a user' "$WORK/body"
check "a SubjectAccessReview answers for another user" bash -c "kubectl create -o jsonpath='{.status.allowed}' -f - <<'YAML' | grep -qx true
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec: {user: alice, resourceAttributes: {namespace: team, verb: list, resource: pods}}
YAML"
check_fails "a SubjectAccessReview without a user or group is invalid, upstream's message" \
  'spec.user: Invalid value: "": at least one of user or group must be specified' bash -c "kubectl create -f - <<'YAML'
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec: {resourceAttributes: {verb: list, resource: pods}}
YAML"
check_fails "a LocalSubjectAccessReview stays in its namespace" 'must match metadata.namespace' bash -c "kubectl create -f - <<'YAML'
apiVersion: authorization.k8s.io/v1
kind: LocalSubjectAccessReview
metadata: {namespace: team}
spec: {user: alice, resourceAttributes: {namespace: default, verb: list, resource: pods}}
YAML"
check_eq "reviews are not stored: GET is 405" 405 code -k -H "Authorization: Bearer $ADMIN_TOKEN" \
  "$API/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
check "discovery lists only create for reviews" bash -c \
  "kubectl get --raw /apis/authorization.k8s.io/v1 | grep -q '\"name\":\"selfsubjectaccessreviews\"[^}]*\"verbs\":\[\"create\"\]'"

# ---- the cluster CA in every namespace (kube-root-ca.crt), for pods that verify the API
check "kube-root-ca.crt holds the cluster CA in a new namespace" bash -c \
  "for i in \$(seq 1 50); do kubectl -n team get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' 2>/dev/null | diff -q - '$CA' >/dev/null && exit 0; sleep 0.1; done; exit 1"
kubectl -n team delete configmap kube-root-ca.crt >/dev/null 2>&1
check "a deleted kube-root-ca.crt is put back" bash -c \
  "for i in \$(seq 1 50); do kubectl -n team get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' 2>/dev/null | diff -q - '$CA' >/dev/null && exit 0; sleep 0.1; done; exit 1"
kubectl -n team patch configmap kube-root-ca.crt --type merge -p '{"data":{"ca.crt":"forged"}}' >/dev/null 2>&1
check "an edited kube-root-ca.crt is restored" bash -c \
  "for i in \$(seq 1 50); do kubectl -n team get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' 2>/dev/null | diff -q - '$CA' >/dev/null && exit 0; sleep 0.1; done; exit 1"

# ---- Pod Security admission (the pod-security.kubernetes.io namespace labels)
kubectl create namespace locked >/dev/null
kubectl label namespace locked pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted >/dev/null
check_fails "restricted refuses a plain pod with upstream's message" \
  'pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "web" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "web" must set securityContext.capabilities.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "web" must set securityContext.runAsNonRoot=true\), seccompProfile \(pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"\)' \
  "$K33" -n locked run web --image=nginx --restart=Never
check "restricted admits a pod that meets it" bash -c "'$K33' -n locked apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: tidy}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: nginx
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML"
kubectl create namespace open >/dev/null
kubectl label namespace open pod-security.kubernetes.io/enforce=baseline pod-security.kubernetes.io/warn=restricted >/dev/null
check "baseline admits a plain pod and warn=restricted warns, upstream's text" bash -c \
  "'$K33' -n open run web --image=nginx --restart=Never 2>&1 | grep -q 'Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false'"
check_fails "baseline refuses host namespaces and hostPath" \
  'violates PodSecurity "baseline:latest": host namespaces \(hostNetwork\), hostPath volumes \(volume "root"\)' bash -c "'$K33' -n open apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: hostile}
spec:
  hostNetwork: true
  volumes: [{name: root, hostPath: {path: /}}]
  containers: [{name: c, image: nginx}]
YAML"
check "a Deployment whose pods would violate is admitted with upstream's warning" bash -c \
  "'$K33' -n locked create deployment web --image=nginx 2>&1 | grep -q 'Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"nginx\" must set securityContext.allowPrivilegeEscalation=false)'"
check_fails "a malformed level label is refused, upstream's message" \
  'metadata.labels\[pod-security.kubernetes.io/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted' \
  kubectl label namespace open pod-security.kubernetes.io/enforce=strict --overwrite

# ---- the audit log (audit.k8s.io/v1 Events, one JSON line per stage)
audit_has() { # NAME PYTHON-CONDITION-ON-e : some event satisfies the condition
  check "$1" python3 -c "
import json, sys
events = [json.loads(l) for l in open('$WORK/audit.log')]
sys.exit(0 if any($2 for e in events) else 1)"
}
check "every audit line is an audit.k8s.io/v1 Event" python3 -c "
import json, sys
events = [json.loads(l) for l in open('$WORK/audit.log')]
sys.exit(0 if events and all(e['kind'] == 'Event' and e['apiVersion'] == 'audit.k8s.io/v1' for e in events) else 1)"
audit_has "alice's forbidden pod list is recorded with its 403" \
  "e['user'].get('username') == 'alice' and e['verb'] == 'list' and e.get('objectRef', {}).get('resource') == 'pods' and e['responseStatus']['code'] == 403"
audit_has "a request without credentials is recorded with its 401 and no user" \
  "e['user'] == {} and e['responseStatus']['code'] == 401"
audit_has "an impersonated request names both users" \
  "e['user'].get('groups', [None])[0] == 'system:masters' and e.get('impersonatedUser', {}).get('username') == 'alice'"
audit_has "a configmap create at RequestResponse carries its request and response objects" \
  "e['level'] == 'RequestResponse' and e['verb'] == 'create' and e.get('requestObject', {}).get('metadata', {}).get('name') == 'c1' and e.get('responseObject', {}).get('kind') == 'ConfigMap'"
check "health checks are not audited (level None)" python3 -c "
import json, sys
sys.exit(1 if any(e['requestURI'].startswith('/readyz') for e in map(json.loads, open('$WORK/audit.log'))) else 0)"
check "RequestReceived is omitted by the policy" python3 -c "
import json, sys
sys.exit(1 if any(e['stage'] == 'RequestReceived' for e in map(json.loads, open('$WORK/audit.log'))) else 0)"
check "responses carry the Audit-Id of their events" bash -c \
  "id=\$(curl -s -k -D - -o /dev/null -H 'Authorization: Bearer $ADMIN_TOKEN' '$API/api/v1/namespaces/team/configmaps/c1' | tr -d '\r' | sed -n 's/^[Aa]udit-[Ii]d: //p'); [ -n \"\$id\" ] && grep -q \"\\\"auditID\\\":\\\"\$id\\\"\" '$WORK/audit.log'"

check "the server kept serving" kubectl get --raw /readyz
summary
[ $fail -eq 0 ]
