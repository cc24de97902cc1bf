#pragma once
// kube-apiserver's rules for batch/v1 Job specs, shared by the Job kind and the CronJob kind's
// jobTemplate: defaulting (pkg/apis/batch/v1/defaults.go), selector generation
// (pkg/registry/batch/job/strategy.go) and validation (pkg/apis/batch/validation/validation.go),
// with upstream's messages.

#include <string>

#include "capstan/batch_v1.capnp.h"
#include "field_errors.hpp"

namespace capstan::batch_kinds {

using batch::v1::Job;
using batch::v1::JobSpec;

inline constexpr const char* kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr const char* kControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr const char* kLegacyJobNameLabel = "job-name";
inline constexpr const char* kLegacyControllerUidLabel = "controller-uid";

// Defaults that apply wherever a JobSpec appears (Job and CronJob jobTemplate): the pod
// template's PodSpec defaults and podFailurePolicy onPodConditions[].status "True".
void default_job_spec_nested(JobSpec::Builder spec);
// SetDefaults_Job: completions/parallelism 1, backoffLimit 6 (MaxInt32 with backoffLimitPerIndex),
// completionMode NonIndexed, suspend false, podReplacementPolicy (Failed with a podFailurePolicy,
// else TerminatingOrFailed), manualSelector false, and the Job's labels from its template's when
// it has none. Includes default_job_spec_nested.
void default_job(Job::Builder job);
// Without manualSelector: the template gets job-name / controller-uid labels (both spellings) and
// the selector matches batch.kubernetes.io/controller-uid, as the registry's PrepareForCreate.
void generate_selector(Job::Builder job);

struct JobValidationOptions {
  bool require_prefixed_labels = true;
  // Suspended Jobs that never started may change node affinity, node selector, tolerations,
  // labels, annotations and scheduling gates of their template.
  bool allow_mutable_scheduling_directives = false;
};

// validateJobSpec: everything but the selector (shared with jobTemplate).
void validate_job_spec(JobSpec::Reader spec, const std::string& path, Causes& causes);
// ValidateJob (create).
void validate_job(Job::Reader job, const JobValidationOptions& opts, Causes& causes);
// ValidateJobUpdate: the spec rules again plus what may not change.
void validate_job_update(Job::Reader job, Job::Reader old, const JobValidationOptions& opts, Causes& causes);
// ValidateJobUpdateStatus with the transition checks kube-apiserver 1.33 applies.
void validate_job_status_update(Job::Reader job, Job::Reader old, Causes& causes);

// Helpers on conditions.
bool condition_true(capnp::List<batch::v1::JobCondition>::Reader conditions, std::string_view type);
bool job_finished(Job::Reader job);

// Go's validateIndexesFormat: the number of indexes in "1,3-5,7", or an error text.
bool validate_indexes_format(std::string_view indexes, int32_t completions, int32_t& total, std::string& error);

}  // namespace capstan::batch_kinds
