#!/usr/bin/env bash
# Integration test: Jobs and CronJobs on `capstan up` with the simulated runtime, driven with the
# real kubectl — a pi-style Job to completion (wait, logs job/x, get columns, events), a failing
# Job to BackoffLimitExceeded after its back-off, an Indexed Job, parallelism, suspend/resume,
# activeDeadlineSeconds, ttlSecondsAfterFinished, validation messages, and CronJobs firing every
# minute with their history limit, Forbid and Replace, `kubectl create job --from=cronjob` and
# `kubectl create cronjob`. The CronJobs are created first and checked last, so the test waits
# for two minute boundaries only once (about two minutes in all).
#   batch_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Ends with "N passed, N failed"; exits 77 without kubectl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-batch-test.XXXXXX")
cleanup() { stop_server TERM; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"
CAPSTAN_COMMAND=up CAPSTAN_ARGS=$SIM_NODE_ARGS start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }

eventually() { # [-t SECONDS] CMD... : polls every 0.25 s (default 30 s)
  local limit=30 i
  if [ "$1" = "-t" ]; then limit=$2; shift 2; fi
  for ((i = 0; i < limit * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}
jsonpath() { kubectl get "$1" "$2" -o jsonpath="$3" 2>/dev/null; }
conditions() { jsonpath job "$1" '{range .status.conditions[*]}{.type}={.status} {end}'; }
has_event() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}' | grep -q -- "$2"; }

check "the node is Ready" eventually bash -c \
  "kubectl get nodes -o jsonpath='{.items[0].status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
check "discovery serves batch/v1 jobs and cronjobs (short name cj)" bash -c \
  "kubectl api-resources --api-group=batch --no-headers | grep -Eq '^cronjobs +cj +batch/v1 +true +CronJob' && kubectl api-resources --api-group=batch --no-headers | grep -Eq '^jobs +batch/v1 +true +Job'"

# ---- CronJobs first: they fire on minute boundaries while the Job checks run.
cat >"$WORK/cron.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: every}
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    metadata: {labels: {app: every}}
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox, args: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: forbid}
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: long, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: replace}
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Replace
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: long, image: busybox, command: [sleep, "3600"]}]
YAML
check "create CronJobs (Allow, Forbid, Replace)" kubectl apply -f "$WORK/cron.yaml"
cron_start=$(date +%s)
check_eq "kubectl get cronjobs columns" "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE" bash -c \
  "kubectl get cronjobs | head -1 | tr -s ' '"
check "a new CronJob shows <none> for TIMEZONE and LAST SCHEDULE, False for SUSPEND" bash -c \
  "kubectl get cj every --no-headers | tr -s ' ' | grep -Eq '^every \*/1 \* \* \* \* <none> False 0 <none> '"
cat >"$WORK/bad-cron.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad}
spec:
  schedule: "CRON_TZ=UTC * * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
YAML
check_fails "TZ in a schedule is refused as upstream does" \
  'spec.schedule: Invalid value: "CRON_TZ=UTC \* \* \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead' \
  kubectl apply -f "$WORK/bad-cron.yaml"
sed -i 's|schedule: "CRON_TZ=UTC \* \* \* \* \*"|schedule: "*/1 * * * * *"|' "$WORK/bad-cron.yaml"
check_fails "a six-field schedule is refused with robfig/cron's message" \
  'expected exactly 5 fields, found 6: \[\*/1 \* \* \* \* \*\]' kubectl apply -f "$WORK/bad-cron.yaml"
sed -i 's|schedule: "\*/1 \* \* \* \* \*"|schedule: "0 9 * * *"\n  timeZone: Mars/Olympus_Mons|' "$WORK/bad-cron.yaml"
check_fails "an unknown time zone is refused" 'spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons' \
  kubectl apply -f "$WORK/bad-cron.yaml"
check "kubectl create cronjob" kubectl create cronjob cc --image=busybox --schedule="0 9 * * *" -- sh -c "echo hi"
check_eq "its defaults" "Allow 3 1 false" kubectl get cj cc -o jsonpath='{.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit} {.spec.suspend}'
check "a CronJob with a time zone" kubectl create cronjob seoul --image=busybox --schedule="0 9 * * *" -- sh -c "echo hi"
check "set its timeZone" kubectl patch cj seoul --type=merge -p '{"spec":{"timeZone":"Asia/Seoul"}}'
check "TIMEZONE column" bash -c "kubectl get cj seoul --no-headers | grep -q 'Asia/Seoul'"

# ---- the pi-style Job
cat >"$WORK/pi.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl
        command: ["sh", "-c", "echo 3.14159265358979323846264338327950288419716939937510582097494459"]
      restartPolicy: Never
  backoffLimit: 4
YAML
check "create the pi Job" kubectl apply -f "$WORK/pi.yaml"
check "kubectl wait --for=condition=complete" kubectl wait --for=condition=complete job/pi --timeout=60s
check "kubectl logs job/pi prints pi" bash -c "kubectl logs job/pi | grep -q '^3.14159265358979323846'"
check_eq "SuccessCriteriaMet then Complete" "SuccessCriteriaMet=True Complete=True " conditions pi
check_eq "reason and message" "CompletionsReached Reached expected number of succeeded pods" \
  jsonpath job pi '{.status.conditions[1].reason} {.status.conditions[1].message}'
check_eq "kubectl get jobs columns" "NAME STATUS COMPLETIONS DURATION AGE" bash -c "kubectl get jobs pi | head -1 | tr -s ' '"
check "kubectl get jobs row: Complete 1/1" bash -c "kubectl get jobs pi --no-headers | tr -s ' ' | grep -Eq '^pi Complete 1/1 [0-9]+s [0-9]+s$'"
check_eq "-o wide columns" "NAME STATUS COMPLETIONS DURATION AGE CONTAINERS IMAGES SELECTOR" bash -c "kubectl get jobs pi -o wide | head -1 | tr -s ' '"
check "-o wide selector is the controller-uid" bash -c \
  "kubectl get jobs pi -o wide --no-headers | grep -Eq 'pi +perl +batch.kubernetes.io/controller-uid=[0-9a-f-]{36}$'"
uid=$(jsonpath job pi '{.metadata.uid}')
check_eq "the generated selector" "$uid" jsonpath job pi '{.spec.selector.matchLabels.batch\.kubernetes\.io/controller-uid}'
check_eq "the Job's labels are its template's" "pi $uid pi $uid" \
  jsonpath job pi '{.metadata.labels.job-name} {.metadata.labels.controller-uid} {.metadata.labels.batch\.kubernetes\.io/job-name} {.metadata.labels.batch\.kubernetes\.io/controller-uid}'
check_eq "defaults as kube-apiserver" "1 1 4 NonIndexed false false TerminatingOrFailed" \
  jsonpath job pi '{.spec.completions} {.spec.parallelism} {.spec.backoffLimit} {.spec.completionMode} {.spec.suspend} {.spec.manualSelector} {.spec.podReplacementPolicy}'
# (Capstan prints an emptied list as [] where Kubernetes omits it: the codec keeps empty lists.)
check "its pod Succeeded, labelled job-name, finalizer released" bash -c \
  "kubectl get pods -l job-name=pi -o jsonpath='{.items[*].status.phase}|{.items[*].metadata.finalizers}' | grep -Eq '^Succeeded\|(\[\])? *$'"
check "describe job shows the events" bash -c \
  "kubectl describe job pi | grep -q 'SuccessfulCreate.*Created pod: pi-' && kubectl describe job pi | grep -q 'Completed.*Job completed'"
check "describe job shows pod statuses" bash -c "kubectl describe job pi | grep -q '0 Active (0 Ready) / 1 Succeeded / 0 Failed'"

cat >"$WORK/invalid.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: invalid}
spec:
  template: {spec: {containers: [{name: c, image: busybox}]}}
YAML
check_fails "a Job whose pods would restart Always is refused" \
  'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"' kubectl apply -f "$WORK/invalid.yaml"

# ---- a failing Job: back-off 10 s then 20 s, then BackoffLimitExceeded
cat >"$WORK/fail.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: f, image: busybox, command: [sh, -c, 'exit 1']}]
YAML
check "create a failing Job" kubectl apply -f "$WORK/fail.yaml"
fail_start=$(date +%s)

# ---- Indexed, parallel, suspended, deadline and TTL Jobs, meanwhile
cat >"$WORK/jobs.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: idx}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'printenv JOB_COMPLETION_INDEX; hostname']}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: par}
spec:
  completions: 4
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "2"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: later}
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo resumed']}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: ttl}
spec:
  ttlSecondsAfterFinished: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo bye']}]
YAML
check "create Indexed, parallel, suspended, deadline and TTL Jobs" kubectl apply -f "$WORK/jobs.yaml"

check "Indexed: completes" kubectl wait --for=condition=complete job/idx --timeout=60s
check_eq "Indexed: completedIndexes" "0-2" jsonpath job idx '{.status.completedIndexes}'
check "Indexed: pods named idx-<index>-<suffix> with the index annotation and label" bash -c '
  for i in 0 1 2; do
    n=$(kubectl get pods -l batch.kubernetes.io/job-completion-index=$i,job-name=idx -o jsonpath="{.items[0].metadata.name}")
    [[ $n == idx-$i-????? ]] || exit 1
    [ "$(kubectl get pod $n -o jsonpath="{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}")" = $i ] || exit 1
  done'
# (The simulated runtime's `hostname` prints the sandbox name, so the hostname is checked in the
# pod spec; on containers `hostname` prints idx-2.)
check "Indexed: JOB_COMPLETION_INDEX in the logs, hostname <job>-<index>" bash -c '
  n=$(kubectl get pods -l batch.kubernetes.io/job-completion-index=2,job-name=idx -o jsonpath="{.items[0].metadata.name}")
  kubectl logs $n | grep -qx 2 && [ "$(kubectl get pod $n -o jsonpath="{.spec.hostname}")" = idx-2 ]'

check "parallelism 2: two pods run at once" eventually bash -c \
  "[ \"\$(kubectl get job par -o jsonpath='{.status.active}')\" = 2 ]"
check "parallelism 2: COMPLETIONS 4/4" eventually -t 60 bash -c "kubectl get job par --no-headers | grep -q ' 4/4 '"
check_eq "parallelism 2: four pods in all" "4" bash -c "kubectl get pods -l job-name=par --no-headers | wc -l | tr -d ' '"

check "suspended: STATUS Suspended, no pods" eventually bash -c \
  "kubectl get job later --no-headers | grep -q ' Suspended ' && [ -z \"\$(kubectl get pods -l job-name=later -o name)\" ]"
check_eq "suspended: the condition" "Suspended=True " conditions later
check "resume" kubectl patch job later --type=merge -p '{"spec":{"suspend":false}}'
check "resumed: completes" kubectl wait --for=condition=complete job/later --timeout=60s
check "resumed: Suspended=False JobResumed" bash -c \
  "[ \"\$(kubectl get job later -o jsonpath='{.status.conditions[?(@.type==\"Suspended\")].reason}')\" = JobResumed ]"

check "activeDeadlineSeconds: Failed" kubectl wait --for=condition=failed job/deadline --timeout=30s
check_eq "activeDeadlineSeconds: DeadlineExceeded" "DeadlineExceeded Job was active longer than specified deadline" \
  jsonpath job deadline '{.status.conditions[?(@.type=="Failed")].reason} {.status.conditions[?(@.type=="Failed")].message}'
check "activeDeadlineSeconds: its pod is gone" eventually bash -c "[ -z \"\$(kubectl get pods -l job-name=deadline -o name)\" ]"
check "ttlSecondsAfterFinished: the Job is deleted with its pods" eventually bash -c \
  "! kubectl get job ttl && [ -z \"\$(kubectl get pods -l job-name=ttl -o name)\" ]"

check "failing Job: Failed after its back-off" kubectl wait --for=condition=failed job/fails --timeout=90s
fail_took=$(( $(date +%s) - fail_start ))
check "failing Job: took the 10 s + 20 s back-off (${fail_took}s)" test "$fail_took" -ge 29
check_eq "failing Job: backoffLimit+1 pods tried" "3" bash -c "kubectl get pods -l job-name=fails --no-headers | wc -l | tr -d ' '"
check_eq "failing Job: FailureTarget then Failed" "FailureTarget=True Failed=True " conditions fails
check_eq "failing Job: reason and message" "BackoffLimitExceeded Job has reached the specified backoff limit" \
  jsonpath job fails '{.status.conditions[1].reason} {.status.conditions[1].message}'
check "failing Job: STATUS Failed 0/1" bash -c "kubectl get job fails --no-headers | tr -s ' ' | grep -q '^fails Failed 0/1 '"
check "failing Job: the Warning event" eventually has_event fails "BackoffLimitExceeded: Job has reached the specified backoff limit"

check "kubectl get all lists jobs and cronjobs" bash -c \
  "kubectl get all | grep -q '^job.batch/pi ' && kubectl get all | grep -q '^cronjob.batch/every '"
check "delete a Job: its pods go too" kubectl delete job par --timeout=30s
check "par's pods are collected" eventually bash -c "[ -z \"\$(kubectl get pods -l job-name=par -o name)\" ]"

# ---- back to the CronJobs: wait for two schedules after their creation
cron_wait=$(( cron_start - cron_start % 60 + 120 + 15 - $(date +%s) ))
if [ "$cron_wait" -gt 0 ]; then echo "(waiting ${cron_wait}s for the second minute boundary)"; sleep "$cron_wait"; fi
every_jobs() { kubectl get jobs -l app=every -o jsonpath='{.items[*].metadata.name}'; }
check "Allow: jobs named every-<minutes since the epoch>" eventually bash -c "kubectl get jobs -l app=every -o name | grep -Eq 'every-[0-9]{8}$'"
check "Allow: the greeting is in the logs" bash -c \
  "for j in \$(kubectl get jobs -l app=every -o name); do kubectl logs \$j 2>/dev/null; done | grep -q 'Hello from the Kubernetes cluster'"
check "Allow: successfulJobsHistoryLimit 1 keeps only the newest" eventually bash -c \
  "[ \"\$(kubectl get jobs -l app=every --no-headers | wc -l)\" = 1 ] && kubectl get events --field-selector involvedObject.name=every | grep -q 'SuccessfulDelete.*Deleted job every-'"
check "Allow: lastScheduleTime and lastSuccessfulTime" bash -c \
  "[ -n \"\$(kubectl get cj every -o jsonpath='{.status.lastScheduleTime}')\" ] && [ -n \"\$(kubectl get cj every -o jsonpath='{.status.lastSuccessfulTime}')\" ]"
j=$(kubectl get jobs -l app=every -o jsonpath='{.items[0].metadata.name}')
check "Allow: the scheduled-timestamp annotation matches the name" bash -c \
  "ts=\$(kubectl get job $j -o jsonpath='{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}'); [ \"$j\" = \"every-\$(( \$(date -u -d \"\$ts\" +%s) / 60 ))\" ]"
check "Allow: LAST SCHEDULE is an age" bash -c "kubectl get cj every --no-headers | tr -s ' ' | cut -d' ' -f10 | grep -Eq '^[0-9]+s$|^[0-9]+m'"
check "Forbid: still one job, running" bash -c "[ \"\$(kubectl get jobs -o name | grep -c '/forbid-')\" = 1 ]"
check "Forbid: JobAlreadyActive" has_event forbid "JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid"
check_eq "Forbid: ACTIVE 1" "1" bash -c "kubectl get cj forbid --no-headers | tr -s ' ' | cut -d' ' -f9"
check "Replace: one job, the older one deleted" bash -c \
  "[ \"\$(kubectl get jobs -o name | grep -c '/replace-')\" = 1 ] && kubectl get events --field-selector involvedObject.name=replace | grep -q 'SuccessfulDelete.*Deleted job replace-'"
check "Replace: status.active names the current job" bash -c \
  "[ \"\$(kubectl get cj replace -o jsonpath='{.status.active[0].name}')\" = \"\$(kubectl get jobs -o name | grep '/replace-' | cut -d/ -f2)\" ]"
check "kubectl create job --from=cronjob/every" kubectl create job manual --from=cronjob/every
check_eq "it carries the instantiate annotation and the CronJob as owner" "manual CronJob every" \
  jsonpath job manual '{.metadata.annotations.cronjob\.kubernetes\.io/instantiate} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name}'
check "it completes" kubectl wait --for=condition=complete job/manual --timeout=60s
check "suspend a CronJob" kubectl patch cj forbid --type=merge -p '{"spec":{"suspend":true}}'
check "SUSPEND True" bash -c "kubectl get cj forbid --no-headers | tr -s ' ' | grep -q '^forbid \* \* \* \* \* <none> True '"
check "deleting a CronJob deletes its Jobs" kubectl delete cj replace --timeout=30s
check "replace's jobs are collected" eventually bash -c "! kubectl get jobs -o name | grep -q '/replace-'"

summary
[ "$fail" -eq 0 ]
