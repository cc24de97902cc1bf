#include "job_rules.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <set>

#include "../kinds-workloads/pod_spec.hpp"
#include "capstan/selectors.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::batch_kinds {

namespace {

using batch::v1::JobCondition;
using batch::v1::PodFailurePolicyRule;

template <typename G>
std::optional<int64_t> opt(G g) {
  if (g.isValue()) return static_cast<int64_t>(g.getValue());
  return std::nullopt;
}

template <typename G>
std::optional<std::string> opt_text(G g) {
  if (g.isValue()) return std::string(g.getValue().cStr());
  return std::nullopt;
}

std::string idx(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool label_is(capnp::List<k8s::StringEntry>::Reader labels, std::string_view key, std::string* value) {
  for (auto e : labels) {
    if (std::string_view(e.getKey().cStr()) == key) {
      if (value) *value = e.getValue();
      return true;
    }
  }
  return false;
}

// Sets labels[key] = value unless the key is present (a user's conflicting label is reported by
// validation instead).
void add_label_if_absent(capnp::List<k8s::StringEntry>::Builder& labels, meta::ObjectMeta::Builder md,
                         const std::string& key, const std::string& value) {
  if (label_is(labels.asReader(), key, nullptr)) return;
  auto old = labels.asReader();
  auto orphan = capnp::Orphanage::getForMessageContaining(md).newOrphan<capnp::List<k8s::StringEntry>>(old.size() + 1);
  auto list = orphan.get();
  for (unsigned i = 0; i < old.size(); ++i) list.setWithCaveats(i, old[i]);
  list[old.size()].setKey(key);
  list[old.size()].setValue(value);
  md.adoptLabels(std::move(orphan));
  labels = md.getLabels();
}

// The template with the fields a suspended, never started Job may change cleared.
void clear_scheduling_directives(core::v1::PodTemplateSpec::Builder t) {
  auto md = t.getMetadata();
  md.disownLabels();
  md.disownAnnotations();
  auto spec = t.getSpec();
  spec.disownNodeSelector();
  spec.disownTolerations();
  if (spec.hasAffinity()) {
    auto a = spec.getAffinity();
    a.disownNodeAffinity();
    if (!a.hasPodAffinity() && !a.hasPodAntiAffinity()) spec.disownAffinity();
  }
}

void validate_exit_codes(batch::v1::PodFailurePolicyOnExitCodesRequirement::Reader r, const std::string& path,
                         const std::set<std::string>& containers, Causes& causes) {
  const std::string op = r.getOperator();
  if (op.empty()) required(causes, path + ".operator", "valid values: " + go_quote_list({"In", "NotIn"}));
  else if (op != "In" && op != "NotIn") not_supported(causes, path + ".operator", go_quote(op), {"In", "NotIn"});
  if (r.getContainerName().isValue() && !containers.count(r.getContainerName().getValue().cStr()))
    invalid(causes, path + ".containerName", go_quote(r.getContainerName().getValue().cStr()),
            "must be one of the container or initContainer names in the pod template");
  const std::string values_path = path + ".values";
  auto values = r.getValues();
  if (values.size() == 0) invalid(causes, values_path, go_int32_list(values, r.hasValues()), "at least one value is required");
  else if (values.size() > 255) too_many(causes, values_path, values.size(), 255);
  bool ordered = true;
  std::set<int32_t> seen;
  for (unsigned j = 0; j < values.size(); ++j) {
    const int32_t v = values[j];
    if (op == "In" && v == 0) invalid(causes, idx(values_path, j), "0", "must not be 0 for the In operator");
    if (!seen.insert(v).second) duplicate(causes, idx(values_path, j), std::to_string(v));
    if (j > 0 && values[j - 1] > v) ordered = false;
  }
  if (!ordered) invalid(causes, values_path, go_int32_list(values, true), "must be ordered");
}

void validate_pod_failure_policy(JobSpec::Reader spec, const std::string& path, Causes& causes) {
  const std::string rules_path = path + ".rules";
  auto rules = spec.getPodFailurePolicy().getRules();
  if (rules.size() > 20) too_many(causes, rules_path, rules.size(), 20);
  std::set<std::string> containers;
  for (auto c : spec.getTemplate().getSpec().getContainers()) containers.insert(c.getName());
  for (auto c : spec.getTemplate().getSpec().getInitContainers()) containers.insert(c.getName());
  const std::vector<std::string> actions = {"Count", "FailIndex", "FailJob", "Ignore"};
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto rule = rules[i];
    const std::string rule_path = idx(rules_path, i);
    const std::string action = rule.getAction();
    if (action.empty()) {
      required(causes, rule_path + ".action", "valid values: " + go_quote_list(actions));
    } else if (action == "FailIndex") {
      if (spec.getBackoffLimitPerIndex().isUnset())
        invalid(causes, rule_path + ".action", go_quote(action), "requires the backoffLimitPerIndex to be set");
    } else if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
      not_supported(causes, rule_path + ".action", go_quote(action), actions);
    }
    if (rule.hasOnExitCodes()) validate_exit_codes(rule.getOnExitCodes(), rule_path + ".onExitCodes", containers, causes);
    auto patterns = rule.getOnPodConditions();
    if (patterns.size() > 0) {
      const std::string pp = rule_path + ".onPodConditions";
      if (patterns.size() > 20) too_many(causes, pp, patterns.size(), 20);
      for (unsigned j = 0; j < patterns.size(); ++j) {
        auto p = patterns[j];
        for (const auto& m : machinery::is_qualified_name(p.getType().cStr()))
          invalid(causes, idx(pp, j) + ".type", go_quote(p.getType().cStr()), m);
        const std::string status = p.getStatus();
        const std::vector<std::string> statuses = {"False", "True", "Unknown"};
        if (status.empty()) required(causes, idx(pp, j) + ".status", "valid values: " + go_quote_list(statuses));
        else if (std::find(statuses.begin(), statuses.end(), status) == statuses.end())
          not_supported(causes, idx(pp, j) + ".status", go_quote(status), statuses);
      }
    }
    if (rule.hasOnExitCodes() && patterns.size() > 0)
      invalid(causes, rule_path, "", "specifying both OnExitCodes and OnPodConditions is not supported");
    if (!rule.hasOnExitCodes() && patterns.size() == 0)
      invalid(causes, rule_path, "", "specifying one of OnExitCodes and OnPodConditions is required");
  }
}

bool parse_index_interval(std::string_view s, int32_t completions, int32_t& x, int32_t& y, std::string& error) {
  std::vector<std::string_view> limits;
  size_t start = 0;
  while (true) {
    size_t dash = s.find('-', start);
    limits.push_back(s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (limits.size() > 2) {
    error = "the fragment " + go_quote(s) +
            " violates the requirement that an index interval can have at most two parts separated by '-'";
    return false;
  }
  auto atoi = [&](std::string_view v, int64_t& out) {
    std::string_view d = v;
    bool neg = false;
    if (!d.empty() && (d[0] == '+' || d[0] == '-')) {
      neg = d[0] == '-';
      d = d.substr(1);
    }
    if (d.empty() || d.size() > 18) return false;
    int64_t n = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    out = neg ? -n : n;
    return true;
  };
  int64_t a, b;
  if (!atoi(limits[0], a)) {
    error = "cannot convert string to integer for index: " + go_quote(limits[0]);
    return false;
  }
  if (a >= completions) {
    error = "too large index: " + go_quote(limits[0]);
    return false;
  }
  if (limits.size() > 1) {
    if (!atoi(limits[1], b)) {
      error = "cannot convert string to integer for index: " + go_quote(limits[1]);
      return false;
    }
    if (b >= completions) {
      error = "too large index: " + go_quote(limits[1]);
      return false;
    }
    if (a >= b) {
      error = "non-increasing order, previous: " + std::to_string(a) + ", current: " + std::to_string(b);
      return false;
    }
    x = static_cast<int32_t>(a);
    y = static_cast<int32_t>(b);
    return true;
  }
  x = y = static_cast<int32_t>(a);
  return true;
}

void validate_success_policy(JobSpec::Reader spec, const std::string& path, Causes& causes) {
  const std::string rules_path = path + ".rules";
  auto rules = spec.getSuccessPolicy().getRules();
  if (rules.size() == 0)
    required(causes, rules_path, "at least one rules must be specified when the successPolicy is specified");
  if (rules.size() > 20) too_many(causes, rules_path, rules.size(), 20);
  if (spec.getCompletions().isUnset()) return;  // reported as required; nothing to check against
  const int32_t completions = spec.getCompletions().getValue();
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto rule = rules[i];
    const std::string rp = idx(rules_path, i);
    if (rule.getSucceededCount().isUnset() && rule.getSucceededIndexes().isUnset())
      required(causes, rp, "at least one of succeededCount or succeededIndexes must be specified");
    int32_t total = 0;
    if (rule.getSucceededIndexes().isValue()) {
      const std::string indexes = rule.getSucceededIndexes().getValue();
      if (indexes.size() > 64 * 1024) too_long(causes, rp + ".succeededIndexes", 64 * 1024);
      std::string err;
      if (!validate_indexes_format(indexes, completions, total, err))
        invalid(causes, rp + ".succeededIndexes", go_quote(indexes), "error parsing succeededIndexes: " + err);
    }
    if (rule.getSucceededCount().isValue()) {
      const int32_t count = rule.getSucceededCount().getValue();
      non_negative(causes, rp + ".succeededCount", count);
      if (count > completions)
        invalid(causes, rp + ".succeededCount", std::to_string(count),
                "must be less than or equal to " + std::to_string(completions) + " (the number of specified completions)");
      if (rule.getSucceededIndexes().isValue() && count > total)
        invalid(causes, rp + ".succeededCount", std::to_string(count),
                "must be less than or equal to " + std::to_string(total) +
                    " (the number of indexes in the specified succeededIndexes field)");
    }
  }
}

// IsDomainPrefixedPath
void validate_managed_by(const std::string& value, const std::string& path, Causes& causes) {
  if (value.empty()) {
    required(causes, path);
  } else {
    const size_t slash = value.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) {
      invalid(causes, path, go_quote(value), "must be a domain-prefixed path (such as \"acme.io/foo\")");
    } else {
      const std::string host = value.substr(0, slash), rest = value.substr(slash + 1);
      for (const auto& m : machinery::is_dns1123_subdomain(host)) invalid(causes, path, go_quote(host), m);
      bool ok = !rest.empty();
      for (char c : rest) {
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                             std::string_view("/-._~%!$&'()*+,;=:").find(c) != std::string_view::npos;
        if (!allowed) ok = false;
      }
      if (!ok)
        invalid(causes, path, go_quote(rest),
                "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
    }
  }
  if (value.size() > 63) too_long(causes, path, 63);
}

std::string opt_repr(std::optional<int64_t> v) { return v ? std::to_string(*v) : "\"null\""; }
std::string opt_text_repr(std::optional<std::string> v) { return v ? go_quote(*v) : "\"null\""; }

void validate_selector(meta::LabelSelector::Reader selector, const std::string& path, Causes& causes) {
  auto exprs = selector.getMatchExpressions();
  for (unsigned i = 0; i < exprs.size(); ++i) {
    auto r = exprs[i];
    const std::string rp = idx(path + ".matchExpressions", i);
    const std::string op = r.getOperator();
    if (op == "In" || op == "NotIn") {
      if (r.getValues().size() == 0) required(causes, rp + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (r.getValues().size() > 0) forbidden(causes, rp + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      invalid(causes, rp + ".operator", go_quote(op), "not a valid selector operator");
    }
  }
}

void validate_generated_selector(Job::Reader job, bool prefixed_labels, Causes& causes) {
  auto spec = job.getSpec();
  if (spec.getManualSelector().isValue() && spec.getManualSelector().getValue()) return;
  if (!spec.hasSelector()) return;
  const std::string uid = job.getMetadata().getUid();
  const std::string name = job.getMetadata().getName();
  if (uid.empty()) required(causes, "metadata.uid");
  auto labels = spec.getTemplate().getMetadata().getLabels();
  const std::string labels_path = "spec.template.metadata.labels";
  auto has_label = [&](const std::string& key, const std::string& want) {
    std::string got;
    if (!label_is(labels, key, &got)) required(causes, labels_path + "[" + key + "]", want);
    else if (got != want) invalid(causes, labels_path + "[" + key + "]", go_map(labels), "must be '" + want + "'");
  };
  has_label(kLegacyControllerUidLabel, uid);
  has_label(kLegacyJobNameLabel, name);
  sdk::Labels expected{{kLegacyControllerUidLabel, uid}, {kLegacyJobNameLabel, name}};
  if (prefixed_labels) {
    has_label(kControllerUidLabel, uid);
    has_label(kJobNameLabel, name);
    expected[kControllerUidLabel] = uid;
    expected[kJobNameLabel] = name;
  }
  if (!sdk::selector_matches(spec.getSelector(), expected))
    invalid(causes, "spec.selector", go_label_selector(spec.getSelector(), true), "`selector` not auto-generated");
}

// ValidateJobSpec: validateJobSpec plus the selector.
void validate_job_spec_with_selector(JobSpec::Reader spec, Causes& causes) {
  validate_job_spec(spec, "spec", causes);
  if (!spec.hasSelector()) required(causes, "spec.selector");
  else validate_selector(spec.getSelector(), "spec.selector", causes);
  auto labels = spec.getTemplate().getMetadata().getLabels();
  if (!spec.hasSelector() || !sdk::selector_matches(spec.getSelector(), labels))
    invalid(causes, "spec.template.metadata.labels", go_map(labels), "`selector` does not match template `labels`");
}

}  // namespace

bool condition_true(capnp::List<JobCondition>::Reader conditions, std::string_view type) {
  for (auto c : conditions)
    if (std::string_view(c.getType().cStr()) == type && c.getStatus() == "True") return true;
  return false;
}

bool job_finished(Job::Reader job) {
  return condition_true(job.getStatus().getConditions(), "Complete") ||
         condition_true(job.getStatus().getConditions(), "Failed");
}

bool validate_indexes_format(std::string_view indexes, int32_t completions, int32_t& total, std::string& error) {
  total = 0;
  if (indexes.empty()) return true;
  std::optional<int32_t> last;
  size_t start = 0;
  while (true) {
    size_t comma = indexes.find(',', start);
    auto part = indexes.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    int32_t x, y;
    if (!parse_index_interval(part, completions, x, y, error)) return false;
    if (last && *last >= x) {
      error = "non-increasing order, previous: " + std::to_string(*last) + ", current: " + std::to_string(x);
      return false;
    }
    total += y - x + 1;
    last = y;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return true;
}

void default_job_spec_nested(JobSpec::Builder spec) {
  workloads::default_pod_spec(spec.getTemplate().getSpec(), {.for_pod = false});
  if (spec.hasPodFailurePolicy()) {
    for (auto rule : spec.getPodFailurePolicy().getRules())
      for (auto p : rule.getOnPodConditions())
        if (p.getStatus().size() == 0) p.setStatus("True");
  }
}

void default_job(Job::Builder job) {
  auto spec = job.getSpec();
  if (spec.getCompletions().isUnset() && spec.getParallelism().isUnset()) {
    spec.getCompletions().setValue(1);
    spec.getParallelism().setValue(1);
  }
  if (spec.getParallelism().isUnset()) spec.getParallelism().setValue(1);
  if (spec.getBackoffLimit().isUnset())
    spec.getBackoffLimit().setValue(spec.getBackoffLimitPerIndex().isValue() ? INT32_MAX : 6);
  auto md = job.getMetadata();
  if (md.getLabels().size() == 0 && spec.getTemplate().getMetadata().getLabels().size() > 0)
    md.setLabels(spec.getTemplate().getMetadata().getLabels().asReader());
  if (spec.getCompletionMode().isUnset()) spec.getCompletionMode().setValue("NonIndexed");
  if (spec.getSuspend().isUnset()) spec.getSuspend().setValue(false);
  if (spec.getPodReplacementPolicy().isUnset())
    spec.getPodReplacementPolicy().setValue(spec.hasPodFailurePolicy() ? "Failed" : "TerminatingOrFailed");
  if (spec.getManualSelector().isUnset()) spec.getManualSelector().setValue(false);
  default_job_spec_nested(spec);
}

void generate_selector(Job::Builder job) {
  auto spec = job.getSpec();
  if (spec.getManualSelector().isValue() && spec.getManualSelector().getValue()) return;
  const std::string name = job.getMetadata().getName().cStr();
  const std::string uid = job.getMetadata().getUid().cStr();
  auto tmd = spec.getTemplate().getMetadata();
  auto labels = tmd.getLabels();
  add_label_if_absent(labels, tmd, kLegacyJobNameLabel, name);
  add_label_if_absent(labels, tmd, kJobNameLabel, name);
  add_label_if_absent(labels, tmd, kLegacyControllerUidLabel, uid);
  add_label_if_absent(labels, tmd, kControllerUidLabel, uid);
  auto selector = spec.getSelector();
  auto match = selector.getMatchLabels();
  if (!label_is(match.asReader(), kControllerUidLabel, nullptr)) {
    auto old = match.asReader();
    auto orphan =
        capnp::Orphanage::getForMessageContaining(selector).newOrphan<capnp::List<k8s::StringEntry>>(old.size() + 1);
    for (unsigned i = 0; i < old.size(); ++i) orphan.get().setWithCaveats(i, old[i]);
    orphan.get()[old.size()].setKey(kControllerUidLabel);
    orphan.get()[old.size()].setValue(uid);
    selector.adoptMatchLabels(std::move(orphan));
  }
  // The Job's own labels default to its template's (SetDefaults_Job runs again on every read
  // upstream, so a Job without labels shows the generated ones).
  auto md = job.getMetadata();
  if (md.getLabels().size() == 0) md.setLabels(spec.getTemplate().getMetadata().getLabels().asReader());
}

void validate_job_spec(JobSpec::Reader spec, const std::string& path, Causes& causes) {
  auto parallelism = opt(spec.getParallelism());
  auto completions = opt(spec.getCompletions());
  auto per_index = opt(spec.getBackoffLimitPerIndex());
  auto max_failed = opt(spec.getMaxFailedIndexes());
  if (parallelism) non_negative(causes, path + ".parallelism", *parallelism);
  if (completions) non_negative(causes, path + ".completions", *completions);
  if (auto v = opt(spec.getActiveDeadlineSeconds())) non_negative(causes, path + ".activeDeadlineSeconds", *v);
  if (auto v = opt(spec.getBackoffLimit())) non_negative(causes, path + ".backoffLimit", *v);
  if (auto v = opt(spec.getTtlSecondsAfterFinished())) non_negative(causes, path + ".ttlSecondsAfterFinished", *v);
  if (per_index) non_negative(causes, path + ".backoffLimitPerIndex", *per_index);
  if (max_failed) {
    non_negative(causes, path + ".maxFailedIndexes", *max_failed);
    if (!per_index) required(causes, path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified");
  }
  if (auto v = opt_text(spec.getManagedBy())) validate_managed_by(*v, path + ".managedBy", causes);
  auto mode = opt_text(spec.getCompletionMode());
  if (mode) {
    if (*mode != "NonIndexed" && *mode != "Indexed")
      not_supported(causes, path + ".completionMode", go_quote(*mode), {"NonIndexed", "Indexed"});
    if (*mode == "Indexed") {
      if (!completions) required(causes, path + ".completions", "when completion mode is Indexed");
      if (parallelism && *parallelism > 100000)
        invalid(causes, path + ".parallelism", std::to_string(*parallelism),
                "must be less than or equal to 100000 when completion mode is Indexed");
      if (completions && max_failed && *max_failed > *completions)
        invalid(causes, path + ".maxFailedIndexes", std::to_string(*max_failed), "must be less than or equal to completions");
      if (max_failed && *max_failed > 100000)
        invalid(causes, path + ".maxFailedIndexes", std::to_string(*max_failed), "must be less than or equal to 100000");
      if (completions && *completions > 100000 && per_index) {
        if (!max_failed) required(causes, path + ".maxFailedIndexes", "must be specified when completions is above 100000");
        if (parallelism && *parallelism > 10000)
          invalid(causes, path + ".parallelism", std::to_string(*parallelism),
                  "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index");
        if (max_failed && *max_failed > 10000)
          invalid(causes, path + ".maxFailedIndexes", std::to_string(*max_failed),
                  "must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index");
      }
    }
  }
  const bool indexed = mode && *mode == "Indexed";
  if (!mode || *mode == "NonIndexed") {
    if (per_index) invalid(causes, path + ".backoffLimitPerIndex", std::to_string(*per_index), "requires indexed completion mode");
    if (max_failed) invalid(causes, path + ".maxFailedIndexes", std::to_string(*max_failed), "requires indexed completion mode");
  }
  if (spec.hasPodFailurePolicy()) validate_pod_failure_policy(spec, path + ".podFailurePolicy", causes);
  if (spec.hasSuccessPolicy()) {
    if (!indexed) invalid(causes, path + ".successPolicy", "batch.SuccessPolicy{...}", "requires indexed completion mode");
    else validate_success_policy(spec, path + ".successPolicy", causes);
  }
  if (auto policy = opt_text(spec.getPodReplacementPolicy())) {
    if (spec.hasPodFailurePolicy()) {
      if (*policy != "Failed") not_supported(causes, path + ".podReplacementPolicy", go_quote(*policy), {"Failed"});
    } else if (*policy != "Failed" && *policy != "TerminatingOrFailed") {
      not_supported(causes, path + ".podReplacementPolicy", go_quote(*policy), {"Failed", "TerminatingOrFailed"});
    }
  }
  auto tmpl = spec.getTemplate();
  workloads::validate_pod_spec(tmpl.getSpec(), path + ".template.spec", causes, {.for_pod = false});
  const std::string restart = tmpl.getSpec().getRestartPolicy();
  const std::string restart_path = path + ".template.spec.restartPolicy";
  if (restart == "Always" || restart.empty())
    required(causes, restart_path, "valid values: \"OnFailure\", \"Never\"");
  else if (restart != "OnFailure" && restart != "Never")
    not_supported(causes, restart_path, go_quote(restart), {"OnFailure", "Never"});
  else if (spec.hasPodFailurePolicy() && restart != "Never")
    invalid(causes, restart_path, go_quote(restart), "only \"Never\" is supported when podFailurePolicy is specified");
}

void validate_job(Job::Reader job, const JobValidationOptions& opts, Causes& causes) {
  validate_generated_selector(job, opts.require_prefixed_labels, causes);
  validate_job_spec_with_selector(job.getSpec(), causes);
  auto spec = job.getSpec();
  if (spec.getCompletionMode().isValue() && spec.getCompletionMode().getValue() == "Indexed" &&
      spec.getCompletions().isValue() && spec.getCompletions().getValue() > 0) {
    const std::string name = job.getMetadata().getName();
    const std::string hostname = name + "-" + std::to_string(spec.getCompletions().getValue() - 1);
    if (!machinery::is_dns1123_label(hostname).empty())
      invalid(causes, "metadata.name", go_quote(name), "will not able to create pod with invalid DNS label: " + hostname);
  }
}

void validate_job_update(Job::Reader job, Job::Reader old, const JobValidationOptions& opts, Causes& causes) {
  auto spec = job.getSpec();
  auto old_spec = old.getSpec();
  validate_job_spec_with_selector(spec, causes);
  // Completions: immutable, except for Indexed Jobs scaled with parallelism (elastic Indexed Jobs).
  auto completions = opt(spec.getCompletions()), old_completions = opt(old_spec.getCompletions());
  const bool indexed = spec.getCompletionMode().isValue() && spec.getCompletionMode().getValue() == "Indexed";
  if (completions != old_completions) {
    if (!indexed) {
      invalid(causes, "spec.completions", opt_repr(completions), "field is immutable");
    } else if (completions && completions != opt(spec.getParallelism())) {
      invalid(causes, "spec.completions", std::to_string(*completions), "can only be modified in tandem with spec.parallelism");
    }
  }
  if (spec.hasSelector() != old_spec.hasSelector() || !machinery::same_value(spec.getSelector(), old_spec.getSelector()))
    invalid(causes, "spec.selector", go_label_selector(spec.getSelector(), spec.hasSelector()), "field is immutable");
  // The template, but for the scheduling directives of a suspended Job that never started.
  {
    capnp::MallocMessageBuilder a, b;
    a.setRoot(spec.getTemplate());
    b.setRoot(old_spec.getTemplate());
    auto ta = a.getRoot<core::v1::PodTemplateSpec>(), tb = b.getRoot<core::v1::PodTemplateSpec>();
    if (opts.allow_mutable_scheduling_directives) {
      clear_scheduling_directives(ta);
      clear_scheduling_directives(tb);
    }
    if (!machinery::same_value(ta.asReader(), tb.asReader()))
      invalid(causes, "spec.template", "core.PodTemplateSpec{...}", "field is immutable");
  }
  auto mode = opt_text(spec.getCompletionMode()), old_mode = opt_text(old_spec.getCompletionMode());
  if (mode != old_mode) invalid(causes, "spec.completionMode", opt_text_repr(mode), "field is immutable");
  if (spec.hasPodFailurePolicy() != old_spec.hasPodFailurePolicy() ||
      !machinery::same_value(spec.getPodFailurePolicy(), old_spec.getPodFailurePolicy()))
    invalid(causes, "spec.podFailurePolicy", spec.hasPodFailurePolicy() ? "batch.PodFailurePolicy{...}" : "\"null\"",
            "field is immutable");
  if (opt(spec.getBackoffLimitPerIndex()) != opt(old_spec.getBackoffLimitPerIndex()))
    invalid(causes, "spec.backoffLimitPerIndex", opt_repr(opt(spec.getBackoffLimitPerIndex())), "field is immutable");
  if (opt_text(spec.getManagedBy()) != opt_text(old_spec.getManagedBy()))
    invalid(causes, "spec.managedBy", opt_text_repr(opt_text(spec.getManagedBy())), "field is immutable");
  if (spec.hasSuccessPolicy() != old_spec.hasSuccessPolicy() || !machinery::same_value(spec.getSuccessPolicy(), old_spec.getSuccessPolicy()))
    invalid(causes, "spec.successPolicy", spec.hasSuccessPolicy() ? "batch.SuccessPolicy{...}" : "\"null\"",
            "field is immutable");
}

void validate_job_status_update(Job::Reader job, Job::Reader old, Causes& causes) {
  auto st = job.getStatus(), os = old.getStatus();
  auto spec = job.getSpec();
  non_negative(causes, "status.active", st.getActive());
  non_negative(causes, "status.succeeded", st.getSucceeded());
  non_negative(causes, "status.failed", st.getFailed());
  if (st.getReady().isValue()) non_negative(causes, "status.ready", st.getReady().getValue());
  if (st.getTerminating().isValue()) non_negative(causes, "status.terminating", st.getTerminating().getValue());
  std::set<std::string> seen;
  auto uncounted = st.getUncountedTerminatedPods();
  for (const char* which : {"succeeded", "failed"}) {
    auto list = std::string(which) == "succeeded" ? uncounted.getSucceeded() : uncounted.getFailed();
    for (unsigned i = 0; i < list.size(); ++i) {
      const std::string uid = list[i];
      const std::string p = idx("status.uncountedTerminatedPods." + std::string(which), i);
      if (uid.empty()) invalid(causes, p, "\"\"", "must not be empty");
      else if (!seen.insert(uid).second) duplicate(causes, p, go_quote(uid));
    }
  }
  auto conds = st.getConditions(), old_conds = os.getConditions();
  const bool complete = condition_true(conds, "Complete"), old_complete = condition_true(old_conds, "Complete");
  const bool failed = condition_true(conds, "Failed"), old_failed = condition_true(old_conds, "Failed");
  const bool target = condition_true(conds, "FailureTarget"), old_target = condition_true(old_conds, "FailureTarget");
  const bool criteria = condition_true(conds, "SuccessCriteriaMet");
  const bool finished = complete || failed, old_finished = old_complete || old_failed;
  const bool indexed = spec.getCompletionMode().isValue() && spec.getCompletionMode().getValue() == "Indexed";
  auto opt_i = [](auto g) { return g.isValue() ? std::optional<int64_t>(g.getValue()) : std::nullopt; };
  const bool finished_changed = finished != old_finished, complete_changed = complete != old_complete,
             failed_changed = failed != old_failed, target_changed = target != old_target;
  const bool completed_indexes_changed = st.getCompletedIndexes() != os.getCompletedIndexes();
  const bool failed_indexes_changed = opt_text(st.getFailedIndexes()) != opt_text(os.getFailedIndexes());
  const bool active_changed = st.getActive() != os.getActive();
  const bool start_changed = st.getStartTime() != os.getStartTime();
  const bool completion_changed = st.getCompletionTime() != os.getCompletionTime();
  const bool uncounted_changed = !machinery::same_value(st.getUncountedTerminatedPods(), os.getUncountedTerminatedPods());
  const bool ready_changed = opt_i(st.getReady()) != opt_i(os.getReady());
  const bool terminating_changed = opt_i(st.getTerminating()) != opt_i(os.getTerminating());
  const bool has_start = st.hasStartTime() && st.getStartTime().size() > 0;
  const bool has_completion = st.hasCompletionTime() && st.getCompletionTime().size() > 0;

  if ((complete_changed || failed_changed) && complete && failed)
    invalid(causes, "status.conditions", "", "cannot set Complete=True and Failed=true conditions");
  if ((complete_changed || target_changed) && complete && target)
    invalid(causes, "status.conditions", "", "cannot set Complete=True and FailureTarget=true conditions");
  if ((complete_changed || completion_changed) && has_completion && !complete)
    invalid(causes, "status.completionTime", go_quote(st.getCompletionTime().cStr()),
            "cannot set completionTime when there is no Complete=True condition");
  if ((complete_changed || completion_changed) && !has_completion && complete)
    required(causes, "status.completionTime", "completionTime is required for Complete jobs");
  if ((start_changed || completion_changed) && has_start && has_completion &&
      machinery::parse_rfc3339_seconds(st.getCompletionTime().cStr()).value_or(0) < machinery::parse_rfc3339_seconds(st.getStartTime().cStr()).value_or(0))
    invalid(causes, "status.completionTime", go_quote(st.getCompletionTime().cStr()),
            "completionTime cannot be set before startTime");
  if ((failed_changed || failed_indexes_changed) && failed && !target)
    invalid(causes, "status.conditions", "", "cannot set Failed=True condition without the FailureTarget=true condition");
  if (complete_changed && complete && !criteria)
    invalid(causes, "status.conditions", "", "cannot set Complete=True condition without the SuccessCriteriaMet=true condition");
  if ((finished_changed || active_changed) && finished && st.getActive() > 0)
    invalid(causes, "status.active", std::to_string(st.getActive()), "active>0 is invalid for finished job");
  if ((finished_changed || start_changed) && finished && !has_start)
    required(causes, "status.startTime", "startTime is required for finished job");
  if ((finished_changed || uncounted_changed) && finished &&
      uncounted.getSucceeded().size() + uncounted.getFailed().size() > 0)
    invalid(causes, "status.uncountedTerminatedPods", "batch.UncountedTerminatedPods{...}",
            "uncountedTerminatedPods needs to be empty for finished job");
  if (completed_indexes_changed && spec.getCompletions().isValue()) {
    int32_t total;
    std::string err;
    if (!validate_indexes_format(st.getCompletedIndexes().cStr(), spec.getCompletions().getValue(), total, err))
      invalid(causes, "status.completedIndexes", go_quote(st.getCompletedIndexes().cStr()), "error parsing completedIndexes: " + err);
  }
  if (completed_indexes_changed && st.getCompletedIndexes().size() != 0 && !indexed)
    invalid(causes, "status.completedIndexes", go_quote(st.getCompletedIndexes().cStr()),
            "cannot set non-empty completedIndexes when non-indexed completion mode");
  if (failed_indexes_changed && spec.getBackoffLimitPerIndex().isUnset() && st.getFailedIndexes().isValue())
    invalid(causes, "status.failedIndexes", go_quote(st.getFailedIndexes().getValue().cStr()),
            "cannot set non-null failedIndexes when backoffLimitPerIndex is null");
  if ((finished_changed || terminating_changed) && finished && st.getTerminating().isValue() &&
      st.getTerminating().getValue() > 0)
    invalid(causes, "status.terminating", std::to_string(st.getTerminating().getValue()), "terminating>0 is invalid for finished job");
  if ((ready_changed || active_changed) && st.getReady().isValue() && st.getReady().getValue() > st.getActive())
    invalid(causes, "status.ready", std::to_string(st.getReady().getValue()), "cannot set more ready pods than active");
  if (criteria && failed) invalid(causes, "status.conditions", "", "cannot set SuccessCriteriaMet=True and Failed=true conditions");
  if (criteria && target)
    invalid(causes, "status.conditions", "", "cannot set SuccessCriteriaMet=True and FailureTarget=true conditions");
  if (spec.hasSuccessPolicy() && !criteria && complete)
    invalid(causes, "status.conditions", "", "cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True");
  // Transitions.
  for (const char* type : {"Failed", "Complete", "FailureTarget"})
    if (condition_true(old_conds, type) && !condition_true(conds, type))
      invalid(causes, "status.conditions", "", std::string("cannot disable the terminal ") + type + "=True condition");
  if (st.getFailed() < os.getFailed())
    invalid(causes, "status.failed", std::to_string(st.getFailed()), "cannot decrease the failed counter");
  const bool may_decrease_succeeded =
      indexed && spec.getCompletions().isValue() && spec.getParallelism().isValue() &&
      spec.getCompletions().getValue() == spec.getParallelism().getValue();
  if (!may_decrease_succeeded && st.getSucceeded() < os.getSucceeded())
    invalid(causes, "status.succeeded", std::to_string(st.getSucceeded()), "cannot decrease the succeeded counter");
  const bool old_has_completion = os.hasCompletionTime() && os.getCompletionTime().size() > 0;
  if (has_completion && old_has_completion && st.getCompletionTime() != os.getCompletionTime())
    invalid(causes, "status.completionTime", go_quote(st.getCompletionTime().cStr()), "completionTime cannot be mutated");
  const bool old_has_start = os.hasStartTime() && os.getStartTime().size() > 0;
  const bool suspended = spec.getSuspend().isValue() && spec.getSuspend().getValue();
  if (old_has_start && start_changed && !suspended)
    required(causes, "status.startTime", "startTime cannot be removed for unsuspended job");
  if (condition_true(old_conds, "SuccessCriteriaMet") && !criteria)
    invalid(causes, "status.conditions", "", "cannot disable the SuccessCriteriaMet=True condition");
  if (old_complete && !condition_true(old_conds, "SuccessCriteriaMet") && criteria)
    invalid(causes, "status.conditions", "", "cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions");
}

}  // namespace capstan::batch_kinds
