#include "pod_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/validation.hpp"

namespace capstan::workloads {

namespace {

constexpr int32_t kDefaultMode = 0644;  // 420

// Names that must be DNS-1123 labels (volumes, containers): one cause per problem, as upstream.
bool check_dns_label(const std::string& name, const std::string& field, Causes& causes) {
  const auto problems = machinery::is_dns1123_label(name);
  for (const auto& p : problems) causes.push_back({field, "FieldValueInvalid", "Invalid value: " + quote(name) + ": " + p});
  return problems.empty();
}

std::string supported(const std::vector<std::string>& values) {
  std::string out = "supported values: ";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + quote(values[i]);
  return out;
}

void unsupported(Causes& causes, const std::string& field, std::string_view value, const std::vector<std::string>& ok) {
  causes.push_back({field, "FieldValueNotSupported", "Unsupported value: " + quote(value) + ": " + supported(ok)});
}

bool one_of(std::string_view v, const std::vector<std::string>& ok) {
  return std::find(ok.begin(), ok.end(), v) != ok.end();
}

// imagePullPolicy: Always for `:latest` or no tag, IfNotPresent for any other tag or a digest.
std::string pull_policy(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return "IfNotPresent";
  auto slash = image.rfind('/');
  auto name = slash == std::string_view::npos ? image : image.substr(slash + 1);
  auto colon = name.rfind(':');
  if (colon == std::string_view::npos) return "Always";
  return name.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void default_http_get(core::v1::HTTPGetAction::Builder get) {
  if (get.getPath().size() == 0) get.setPath("/");
  if (get.getScheme().size() == 0) get.setScheme("HTTP");
}

void default_probe(core::v1::Probe::Builder p) {
  if (p.getTimeoutSeconds() == 0) p.setTimeoutSeconds(1);
  if (p.getPeriodSeconds() == 0) p.setPeriodSeconds(10);
  if (p.getSuccessThreshold() == 0) p.setSuccessThreshold(1);
  if (p.getFailureThreshold() == 0) p.setFailureThreshold(3);
  if (p.hasHttpGet()) default_http_get(p.getHttpGet());
}

void default_field_ref(core::v1::ObjectFieldSelector::Builder f) {
  if (f.getApiVersion().size() == 0) f.setApiVersion("v1");
}

void default_container(core::v1::Container::Builder c, bool host_network, bool for_pod) {
  if (c.getTerminationMessagePath().size() == 0) c.setTerminationMessagePath("/dev/termination-log");
  if (c.getTerminationMessagePolicy().size() == 0) c.setTerminationMessagePolicy("File");
  if (c.getImagePullPolicy().size() == 0) c.setImagePullPolicy(pull_policy(c.getImage().cStr()));
  for (auto port : c.getPorts()) {
    if (port.getProtocol().size() == 0) port.setProtocol("TCP");
    if (host_network && port.getHostPort() == 0) port.setHostPort(port.getContainerPort());
  }
  for (auto env : c.getEnv())
    if (env.hasValueFrom() && env.getValueFrom().hasFieldRef()) default_field_ref(env.getValueFrom().getFieldRef());
  if (c.hasLivenessProbe()) default_probe(c.getLivenessProbe());
  if (c.hasReadinessProbe()) default_probe(c.getReadinessProbe());
  if (c.hasStartupProbe()) default_probe(c.getStartupProbe());
  if (c.hasLifecycle()) {
    auto l = c.getLifecycle();
    if (l.hasPostStart() && l.getPostStart().hasHttpGet()) default_http_get(l.getPostStart().getHttpGet());
    if (l.hasPreStop() && l.getPreStop().hasHttpGet()) default_http_get(l.getPreStop().getHttpGet());
  }
  // A pod whose container sets limits but not requests requests its limits.
  if (for_pod && c.hasResources() && c.getResources().getLimits().size() > 0) {
    auto res = c.getResources();
    std::map<std::string, std::string> requests;
    for (auto e : res.asReader().getRequests()) requests[e.getKey()] = e.getValue();
    bool changed = false;
    for (auto e : res.asReader().getLimits()) {
      std::string key = e.getKey();
      if (!requests.count(key)) requests[key] = e.getValue(), changed = true;
    }
    if (changed) {
      auto list = res.initRequests(static_cast<unsigned>(requests.size()));
      unsigned i = 0;
      for (auto& [k, v] : requests) {
        list[i].setKey(k);
        list[i].setValue(v);
        ++i;
      }
    }
  }
}

void default_volume(core::v1::Volume::Builder v) {
  bool any = v.hasHostPath() || v.hasEmptyDir() || v.hasSecret() || v.hasPersistentVolumeClaim() ||
             v.hasDownwardAPI() || v.hasConfigMap() || v.hasProjected();
  if (!any) v.initEmptyDir();
  if (v.hasSecret() && v.getSecret().getDefaultMode().isUnset()) v.getSecret().getDefaultMode().setValue(kDefaultMode);
  if (v.hasConfigMap() && v.getConfigMap().getDefaultMode().isUnset())
    v.getConfigMap().getDefaultMode().setValue(kDefaultMode);
  if (v.hasDownwardAPI()) {
    auto d = v.getDownwardAPI();
    if (d.getDefaultMode().isUnset()) d.getDefaultMode().setValue(kDefaultMode);
    for (auto item : d.getItems())
      if (item.hasFieldRef()) default_field_ref(item.getFieldRef());
  }
  if (v.hasProjected()) {
    auto p = v.getProjected();
    if (p.getDefaultMode().isUnset()) p.getDefaultMode().setValue(kDefaultMode);
    for (auto src : p.getSources()) {
      if (src.hasServiceAccountToken() && src.getServiceAccountToken().getExpirationSeconds().isUnset())
        src.getServiceAccountToken().getExpirationSeconds().setValue(3600);
      if (src.hasDownwardAPI())
        for (auto item : src.getDownwardAPI().getItems())
          if (item.hasFieldRef()) default_field_ref(item.getFieldRef());
    }
  }
}

void check_port(int32_t port, const std::string& field, Causes& causes) {
  if (port < 1 || port > 65535)
    causes.push_back({field, "FieldValueInvalid",
                      "Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive"});
}

void validate_container(core::v1::Container::Reader c, const std::string& path, const std::set<std::string>& volumes,
                        const PodValidateOptions& opts, Causes& causes) {
  if (opts.for_pod && c.getImage().size() == 0) causes.push_back({path + ".image", "FieldValueRequired", "Required value"});
  for (unsigned j = 0; j < c.getPorts().size(); ++j) {
    auto port = c.getPorts()[j];
    std::string pp = path + ".ports[" + std::to_string(j) + "]";
    check_port(port.getContainerPort(), pp + ".containerPort", causes);
    if (port.getHostPort() != 0) check_port(port.getHostPort(), pp + ".hostPort", causes);
    if (!one_of(port.getProtocol().cStr(), {"TCP", "UDP", "SCTP"}))
      unsupported(causes, pp + ".protocol", port.getProtocol().cStr(), {"SCTP", "TCP", "UDP"});
  }
  std::set<std::string> mount_paths;
  for (unsigned j = 0; j < c.getVolumeMounts().size(); ++j) {
    auto m = c.getVolumeMounts()[j];
    std::string mp = path + ".volumeMounts[" + std::to_string(j) + "]";
    std::string name = m.getName();
    if (name.empty()) causes.push_back({mp + ".name", "FieldValueRequired", "Required value"});
    else if (!volumes.count(name)) causes.push_back({mp + ".name", "FieldValueNotFound", "Not found: " + quote(name)});
    std::string mount_path = m.getMountPath();
    if (mount_path.empty()) causes.push_back({mp + ".mountPath", "FieldValueRequired", "Required value"});
    else if (!mount_paths.insert(mount_path).second)
      causes.push_back({mp + ".mountPath", "FieldValueInvalid", "Invalid value: " + quote(mount_path) + ": must be unique"});
  }
  std::string policy = c.getImagePullPolicy();
  if (!one_of(policy, {"Always", "IfNotPresent", "Never"}))
    unsupported(causes, path + ".imagePullPolicy", policy, {"Always", "IfNotPresent", "Never"});
  std::string tmp = c.getTerminationMessagePolicy();
  if (!one_of(tmp, {"File", "FallbackToLogsOnError"}))
    unsupported(causes, path + ".terminationMessagePolicy", tmp, {"File", "FallbackToLogsOnError"});
}

}  // namespace

std::string go_map(capnp::List<k8s::StringEntry>::Reader labels) {
  if (labels.size() == 0) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted;
  for (auto e : labels) sorted[e.getKey()] = e.getValue();
  std::string out = "map[string]string{";
  bool first = true;
  for (auto& [k, v] : sorted) {
    out += (first ? "" : ", ") + quote(k) + ":" + quote(v);
    first = false;
  }
  return out + "}";
}

void default_pod_spec(PodSpec::Builder spec, const PodDefaultOptions& opts) {
  if (spec.getRestartPolicy().size() == 0) spec.setRestartPolicy("Always");
  if (spec.getDnsPolicy().size() == 0) spec.setDnsPolicy("ClusterFirst");
  if (spec.getSchedulerName().size() == 0) spec.setSchedulerName("default-scheduler");
  if (spec.getTerminationGracePeriodSeconds().isUnset()) spec.getTerminationGracePeriodSeconds().setValue(30);
  if (!spec.hasSecurityContext()) spec.initSecurityContext();
  if (spec.getEnableServiceLinks().isUnset()) spec.getEnableServiceLinks().setValue(true);
  // serviceAccount is the deprecated alias of serviceAccountName; they mirror each other.
  if (spec.getServiceAccountName().size() == 0 && spec.getServiceAccount().size() > 0)
    spec.setServiceAccountName(spec.getServiceAccount().cStr());
  if (opts.for_pod) {
    if (spec.getServiceAccountName().size() == 0) spec.setServiceAccountName("default");
    if (spec.getPriority().isUnset() && spec.getPriorityClassName().size() == 0) spec.getPriority().setValue(0);
  }
  if (spec.getServiceAccountName().size() > 0 && spec.getServiceAccount().size() == 0)
    spec.setServiceAccount(spec.getServiceAccountName().cStr());
  const bool host_network = spec.getHostNetwork();
  for (auto c : spec.getInitContainers()) default_container(c, host_network, opts.for_pod);
  for (auto c : spec.getContainers()) default_container(c, host_network, opts.for_pod);
  for (auto v : spec.getVolumes()) default_volume(v);
}

void validate_pod_spec(PodSpec::Reader spec, const std::string& path, Causes& causes, const PodValidateOptions& opts) {
  std::set<std::string> volumes;
  for (unsigned i = 0; i < spec.getVolumes().size(); ++i) {
    std::string name = spec.getVolumes()[i].getName();
    std::string field = path + ".volumes[" + std::to_string(i) + "].name";
    if (name.empty()) causes.push_back({field, "FieldValueRequired", "Required value"});
    else if (check_dns_label(name, field, causes) && !volumes.insert(name).second) causes.push_back({field, "FieldValueDuplicate", "Duplicate value: " + quote(name)});
  }
  if (spec.getContainers().size() == 0) causes.push_back({path + ".containers", "FieldValueRequired", "Required value"});
  std::set<std::string> names;
  auto check = [&](capnp::List<core::v1::Container>::Reader list, const std::string& field) {
    for (unsigned i = 0; i < list.size(); ++i) {
      auto c = list[i];
      std::string cp = path + "." + field + "[" + std::to_string(i) + "]";
      std::string name = c.getName();
      if (name.empty()) causes.push_back({cp + ".name", "FieldValueRequired", "Required value"});
      else if (check_dns_label(name, cp + ".name", causes) && !names.insert(name).second) causes.push_back({cp + ".name", "FieldValueDuplicate", "Duplicate value: " + quote(name)});
      validate_container(c, cp, volumes, opts, causes);
    }
  };
  check(spec.getInitContainers(), "initContainers");
  check(spec.getContainers(), "containers");
  std::string restart = spec.getRestartPolicy();
  if (!one_of(restart, opts.restart_policies)) unsupported(causes, path + ".restartPolicy", restart, opts.restart_policies);
  std::string dns = spec.getDnsPolicy();
  const std::vector<std::string> dns_ok = {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"};
  if (!one_of(dns, dns_ok)) unsupported(causes, path + ".dnsPolicy", dns, dns_ok);
  if (spec.getTerminationGracePeriodSeconds().isValue())
    require_non_negative(spec.getTerminationGracePeriodSeconds().getValue(), path + ".terminationGracePeriodSeconds", causes);
  if (spec.getActiveDeadlineSeconds().isValue() && spec.getActiveDeadlineSeconds().getValue() <= 0)
    causes.push_back({path + ".activeDeadlineSeconds", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(spec.getActiveDeadlineSeconds().getValue()) +
                          ": must be between 1 and 2147483647, inclusive"});
  for (unsigned i = 0; i < spec.getTolerations().size(); ++i) {
    auto t = spec.getTolerations()[i];
    std::string tp = path + ".tolerations[" + std::to_string(i) + "]";
    std::string op = t.getOperator();
    if (!op.empty() && !one_of(op, {"Equal", "Exists"})) unsupported(causes, tp + ".operator", op, {"Equal", "Exists"});
    std::string effect = t.getEffect();
    const std::vector<std::string> effects = {"NoExecute", "NoSchedule", "PreferNoSchedule"};
    if (!effect.empty() && !one_of(effect, effects)) unsupported(causes, tp + ".effect", effect, effects);
  }
}

// v1qos.GetPodQOS: sums per resource (exact, as Quantity.Add), then compares.
std::string qos_class(PodSpec::Reader spec) {
  using machinery::Quantity;
  std::map<std::string, Quantity> requests, limits;
  bool guaranteed = true;
  auto add = [&](std::map<std::string, Quantity>& into, const std::string& key, const Quantity& q) {
    try {
      into[key].add(q);
    } catch (const std::length_error&) {
      guaranteed = false;  // too far apart to sum exactly: not equal to anything either
    }
  };
  auto consider = [&](core::v1::Container::Reader c) {
    auto res = c.getResources();
    for (auto e : res.getRequests()) {
      std::string k = e.getKey();
      auto q = Quantity::parse(e.getValue().cStr());
      if ((k == "cpu" || k == "memory") && q && !q->is_zero()) add(requests, k, *q);
    }
    std::set<std::string> found;
    for (auto e : res.getLimits()) {
      std::string k = e.getKey();
      auto q = Quantity::parse(e.getValue().cStr());
      if ((k == "cpu" || k == "memory") && q && !q->is_zero()) {
        found.insert(k);
        add(limits, k, *q);
      }
    }
    if (found.size() != 2) guaranteed = false;
  };
  for (auto c : spec.getInitContainers()) consider(c);
  for (auto c : spec.getContainers()) consider(c);
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (auto& [k, v] : requests) {
      auto it = limits.find(k);
      if (it == limits.end() || it->second != v) guaranteed = false;
    }
  }
  if (guaranteed && requests.size() == limits.size()) return "Guaranteed";
  return "Burstable";
}

void require_non_negative(int64_t value, const std::string& field, Causes& causes) {
  if (value < 0)
    causes.push_back({field, "FieldValueInvalid",
                      "Invalid value: " + std::to_string(value) + ": must be greater than or equal to 0"});
}

void require_selector_unchanged(LabelSelector::Reader old, LabelSelector::Reader now, Causes& causes) {
  if (!same_value(old, now))
    causes.push_back({"spec.selector", "FieldValueInvalid",
                      "Invalid value: " + go_map(now.getMatchLabels()) + ": field is immutable"});
}

void validate_selector(LabelSelector::Reader selector, const std::string& path, Causes& causes) {
  for (unsigned i = 0; i < selector.getMatchExpressions().size(); ++i) {
    auto r = selector.getMatchExpressions()[i];
    std::string rp = path + ".matchExpressions[" + std::to_string(i) + "]";
    std::string op = r.getOperator();
    if (op == "In" || op == "NotIn") {
      if (r.getValues().size() == 0)
        causes.push_back({rp + ".values", "FieldValueRequired", "Required value: must be specified when `operator` is 'In' or 'NotIn'"});
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (r.getValues().size() > 0)
        causes.push_back({rp + ".values", "FieldValueForbidden", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"});
    } else {
      causes.push_back({rp + ".operator", "FieldValueInvalid", "Invalid value: " + quote(op) + ": not a valid selector operator"});
    }
  }
}

void validate_workload_template(bool has_selector, LabelSelector::Reader selector, bool has_template,
                                PodTemplateSpec::Reader tmpl, const std::string& spec_path, Causes& causes) {
  if (!has_selector) {
    causes.push_back({spec_path + ".selector", "FieldValueRequired", "Required value"});
  } else if (selector_empty(selector)) {
    causes.push_back({spec_path + ".selector", "FieldValueInvalid",
                      "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"});
  } else {
    validate_selector(selector, spec_path + ".selector", causes);
  }
  if (!has_template) {
    causes.push_back({spec_path + ".template", "FieldValueRequired", "Required value"});
    return;
  }
  auto labels = tmpl.getMetadata().getLabels();
  if (has_selector && !selector_empty(selector) && !selector_matches(selector, labels))
    causes.push_back({spec_path + ".template.metadata.labels", "FieldValueInvalid",
                      "Invalid value: " + go_map(labels) + ": `selector` does not match template `labels`"});
  PodValidateOptions opts;
  opts.for_pod = false;
  opts.restart_policies = {"Always"};
  validate_pod_spec(tmpl.getSpec(), spec_path + ".template.spec", causes, opts);
}

}  // namespace capstan::workloads
