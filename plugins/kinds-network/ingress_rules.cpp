#include "ingress_rules.hpp"

#include <set>
#include <string_view>

#include "capstan/field_errors.hpp"

namespace capstan::network {

namespace {

using namespace networking::v1;
using sdk::field::Causes;
using sdk::field::go_quote;
using Op = sdk::AdmissionRequest::Operation;

template <typename T>
struct Mutable {
  capnp::MallocMessageBuilder message;
  typename T::Builder root;
  explicit Mutable(typename T::Reader from) : root((message.setRoot(from), message.getRoot<T>())) {}
  std::string bytes() { return sdk::serialize(message); }
};

std::string annotation(meta::ObjectMeta::Reader md, std::string_view key, bool* present = nullptr) {
  for (auto e : md.getAnnotations())
    if (std::string_view(e.getKey().cStr()) == key) {
      if (present) *present = true;
      return e.getValue();
    }
  if (present) *present = false;
  return {};
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

void validate_backend(IngressBackend::Reader backend, const std::string& path, Causes& causes) {
  const bool has_resource = backend.hasResource(), has_service = backend.hasService();
  if (has_resource && has_service) return sdk::field::invalid(causes, path, go_quote(""), "cannot set both resource and service backends");
  if (has_resource) {
    auto r = backend.getResource();
    const std::string rp = path + ".resource";
    if (r.getApiGroup().isValue())
      for (auto& m : sdk::field::dns1123_subdomain(r.getApiGroup().getValue().cStr()))
        sdk::field::invalid(causes, rp + ".apiGroup", go_quote(r.getApiGroup().getValue().cStr()), m);
    if (r.getKind().size() == 0) sdk::field::required(causes, rp + ".kind");
    else
      for (auto& m : sdk::field::path_segment_name(r.getKind().cStr()))
        sdk::field::invalid(causes, rp + ".kind", go_quote(r.getKind().cStr()), m);
    if (r.getName().size() == 0) sdk::field::required(causes, rp + ".name");
    else
      for (auto& m : sdk::field::path_segment_name(r.getName().cStr()))
        sdk::field::invalid(causes, rp + ".name", go_quote(r.getName().cStr()), m);
    return;
  }
  if (!has_service) return sdk::field::invalid(causes, path, go_quote(""), "resource or service backend is required");
  auto svc = backend.getService();
  const std::string name = svc.getName();
  if (name.empty()) sdk::field::required(causes, path + ".service.name");
  else
    for (auto& m : sdk::field::dns1035_label(name)) sdk::field::invalid(causes, path + ".service.name", go_quote(name), m);
  const std::string port_name = svc.getPort().getName();
  const int32_t port_number = svc.getPort().getNumber();
  if (!port_name.empty() && port_number != 0) {
    sdk::field::invalid(causes, path, go_quote(""), "cannot set both port name & port number");
  } else if (!port_name.empty()) {
    for (auto& m : sdk::field::port_name(port_name))
      sdk::field::invalid(causes, path + ".service.port.name", go_quote(port_name), m);
  } else if (port_number != 0) {
    for (auto& m : sdk::field::port_number(port_number))
      sdk::field::invalid(causes, path + ".service.port.number", std::to_string(port_number), m);
  } else {
    sdk::field::required(causes, path, "port name or number is required");
  }
}

void validate_path(HTTPIngressPath::Reader p, const std::string& path, Causes& causes) {
  const std::string value = p.getPath();
  if (!p.hasPathType()) return sdk::field::required(causes, path + ".pathType", "pathType must be specified");
  const std::string type = p.getPathType();
  if (type == "Exact" || type == "Prefix") {
    if (!starts_with(value, "/")) sdk::field::invalid(causes, path + ".path", go_quote(value), "must be an absolute path");
    if (!value.empty()) {
      for (const char* seq : {"//", "/./", "/../", "%2f", "%2F"})
        if (value.find(seq) != std::string::npos)
          sdk::field::invalid(causes, path + ".path", go_quote(value), std::string("must not contain '") + seq + "'");
      for (const char* suffix : {"/..", "/."})
        if (ends_with(value, suffix))
          sdk::field::invalid(causes, path + ".path", go_quote(value), std::string("cannot end with '") + suffix + "'");
    }
  } else if (type == "ImplementationSpecific") {
    if (!value.empty() && !starts_with(value, "/"))
      sdk::field::invalid(causes, path + ".path", go_quote(value), "must be an absolute path");
  } else {
    sdk::field::not_supported(causes, path + ".pathType", go_quote(type), {"Exact", "ImplementationSpecific", "Prefix"});
  }
  validate_backend(p.getBackend(), path + ".backend", causes);
}

// validateIngressRuleValue: the http paths of one rule.
void validate_rule_value(IngressRule::Reader rule, const std::string& path, Causes& causes) {
  if (!rule.hasHttp()) return;
  auto paths = rule.getHttp().getPaths();
  if (paths.size() == 0) sdk::field::required(causes, path + ".http.paths");
  for (unsigned i = 0; i < paths.size(); ++i)
    validate_path(paths[i], path + ".http.paths[" + std::to_string(i) + "]", causes);
}

bool has_invalid_wildcard_rule(IngressSpec::Reader spec) {
  for (auto rule : spec.getRules()) {
    if (std::string_view(rule.getHost().cStr()).find('*') == std::string_view::npos) continue;
    Causes c;
    validate_rule_value(rule, "", c);
    if (!c.empty()) return true;
  }
  return false;
}

bool has_invalid_secret_name(IngressSpec::Reader spec) {
  for (auto tls : spec.getTls())
    if (tls.getSecretName().size() && !sdk::field::dns1123_subdomain(tls.getSecretName().cStr()).empty()) return true;
  return false;
}

void validate_parameters(IngressClassParametersReference::Reader p, const std::string& path, Causes& causes) {
  if (p.getApiGroup().isValue())
    for (auto& m : sdk::field::dns1123_subdomain(p.getApiGroup().getValue().cStr()))
      sdk::field::invalid(causes, path + ".apiGroup", go_quote(p.getApiGroup().getValue().cStr()), m);
  if (p.getKind().size() == 0) sdk::field::required(causes, path + ".kind");
  else
    for (auto& m : sdk::field::path_segment_name(p.getKind().cStr()))
      sdk::field::invalid(causes, path + ".kind", go_quote(p.getKind().cStr()), m);
  if (p.getName().size() == 0) sdk::field::required(causes, path + ".name");
  else
    for (auto& m : sdk::field::path_segment_name(p.getName().cStr()))
      sdk::field::invalid(causes, path + ".name", go_quote(p.getName().cStr()), m);
  if (!p.getScope().isValue()) return sdk::field::required(causes, path + ".scope");
  const std::string scope = p.getScope().getValue();
  if (scope != "Cluster" && scope != "Namespace")
    return sdk::field::not_supported(causes, path + ".scope", go_quote(scope), {"Cluster", "Namespace"});
  if (scope == "Namespace") {
    if (!p.getNamespace().isValue()) {
      sdk::field::required(causes, path + ".namespace", "`parameters.scope` is set to 'Namespace'");
    } else {
      const std::string ns = p.getNamespace().getValue();
      for (auto& m : sdk::field::dns1123_label(ns)) sdk::field::invalid(causes, path + ".namespace", go_quote(ns), m);
    }
  }
  if (scope == "Cluster" && p.getNamespace().isValue())
    sdk::field::forbidden(causes, path + ".namespace", "`parameters.scope` is set to 'Cluster'");
}

}  // namespace

std::vector<std::string> default_ingress_classes(const std::vector<sdk::ObjectPtr>& classes) {
  std::vector<std::string> out;
  for (const auto& c : classes)
    if (annotation(c->metadata(), kDefaultIngressClassAnnotation) == "true") out.push_back(c->name());
  return out;
}

void validate_ingress_spec(IngressSpec::Reader spec, const IngressValidationOptions& opts, Causes& causes) {
  if (spec.getRules().size() == 0 && !spec.hasDefaultBackend())
    // Go prints the nil []IngressRule with %#v.
    sdk::field::invalid(causes, "spec",
                        spec.hasRules() ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)",
                        "either `defaultBackend` or `rules` must be specified");
  if (spec.hasDefaultBackend()) validate_backend(spec.getDefaultBackend(), "spec.defaultBackend", causes);
  auto rules = spec.getRules();
  for (unsigned i = 0; i < rules.size(); ++i) {
    const std::string path = "spec.rules[" + std::to_string(i) + "]";
    const std::string host = rules[i].getHost();
    bool wildcard = false;
    if (!host.empty()) {
      if (sdk::field::is_ip(host)) sdk::field::invalid(causes, path + ".host", go_quote(host), "must be a DNS name, not an IP address");
      if (host.find('*') != std::string::npos) {
        for (auto& m : sdk::field::wildcard_dns1123_subdomain(host)) sdk::field::invalid(causes, path + ".host", go_quote(host), m);
        wildcard = true;
      } else {
        for (auto& m : sdk::field::dns1123_subdomain(host)) sdk::field::invalid(causes, path + ".host", go_quote(host), m);
      }
    }
    if (!wildcard || !opts.allow_invalid_wildcard_host_rule) validate_rule_value(rules[i], path, causes);
  }
  auto tls = spec.getTls();
  for (unsigned t = 0; t < tls.size(); ++t) {
    auto hosts = tls[t].getHosts();
    for (unsigned i = 0; i < hosts.size(); ++i) {
      const std::string host = hosts[i];
      const std::string path = "spec.tls[" + std::to_string(t) + "].hosts[" + std::to_string(i) + "]";
      auto msgs = host.find('*') != std::string::npos ? sdk::field::wildcard_dns1123_subdomain(host)
                                                      : sdk::field::dns1123_subdomain(host);
      for (auto& m : msgs) sdk::field::invalid(causes, path, go_quote(host), m);
    }
    const std::string secret = tls[t].getSecretName();
    if (!opts.allow_invalid_secret_name && !secret.empty())
      for (auto& m : sdk::field::dns1123_subdomain(secret))
        sdk::field::invalid(causes, "spec.tls[" + std::to_string(t) + "].secretName", go_quote(secret), m);
  }
  if (spec.getIngressClassName().isValue()) {
    const std::string cls = spec.getIngressClassName().getValue();
    for (auto& m : sdk::field::dns1123_subdomain(cls)) sdk::field::invalid(causes, "spec.ingressClassName", go_quote(cls), m);
  }
}

sdk::AdmissionResult admit_ingress(const sdk::AdmissionRequest& req,
                                   const std::function<std::vector<sdk::ObjectPtr>()>& classes) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Causes causes;
  auto ing = req.object->as<Ingress>();
  if (req.subresource == "status") {
    // ValidateIngressStatusUpdate: the load-balancer addresses.
    auto lbs = ing.getStatus().getLoadBalancer().getIngress();
    std::set<std::string> existing;
    if (req.old_object)
      for (auto lb : req.old_object->as<Ingress>().getStatus().getLoadBalancer().getIngress())
        if (lb.getIp().size()) existing.insert(lb.getIp());
    for (unsigned i = 0; i < lbs.size(); ++i) {
      const std::string path = "status.loadBalancer.ingress[" + std::to_string(i) + "]";
      const std::string ip = lbs[i].getIp(), hostname = lbs[i].getHostname();
      if (!ip.empty() && !existing.count(ip) && !sdk::field::is_ip(ip))
        sdk::field::invalid(causes, path + ".ip", go_quote(ip), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
      if (!hostname.empty()) {
        for (auto& m : sdk::field::dns1123_subdomain(hostname)) sdk::field::invalid(causes, path + ".hostname", go_quote(hostname), m);
        if (sdk::field::is_ip(hostname))
          sdk::field::invalid(causes, path + ".hostname", go_quote(hostname), "must be a DNS name, not an IP address");
      }
    }
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
    return sdk::AdmissionResult::allow();
  }

  std::string mutated;
  if (req.operation == Op::kCreate) {
    IngressValidationOptions opts;
    validate_ingress_spec(ing.getSpec(), opts, causes);
    bool annotated = false;
    const std::string annotated_class = annotation(ing.getMetadata(), kIngressClassAnnotation, &annotated);
    if (annotated && ing.getSpec().getIngressClassName().isValue() &&
        annotated_class != ing.getSpec().getIngressClassName().getValue().cStr())
      sdk::field::invalid(causes, std::string("annotations.") + kIngressClassAnnotation, go_quote(annotated_class),
                          "must match `ingressClassName` when both are specified");
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
    // DefaultIngressClass (a mutating admission plugin: it runs before validation upstream, but it
    // only fills a field validation accepts).
    if (!ing.getSpec().getIngressClassName().isValue() && !annotated) {
      auto defaults = default_ingress_classes(classes());
      if (defaults.size() > 1) {
        sdk::AdmissionResult r;
        r.allowed = false;
        r.code = 403;
        r.reason = "Forbidden";
        r.message = "ingresses.networking.k8s.io " + go_quote(req.object->name()) +
                    " is forbidden: Internal error occurred: " + std::to_string(defaults.size()) +
                    " default IngressClasses were found, only 1 allowed";
        return r;
      }
      if (defaults.size() == 1) {
        Mutable<Ingress> m(ing);
        m.root.getSpec().getIngressClassName().setValue(defaults[0]);
        mutated = m.bytes();
      }
    }
  } else if (req.old_object) {
    auto old = req.old_object->as<Ingress>();
    IngressValidationOptions opts;
    opts.allow_invalid_secret_name = has_invalid_secret_name(old.getSpec());
    opts.allow_invalid_wildcard_host_rule = has_invalid_wildcard_rule(old.getSpec());
    validate_ingress_spec(ing.getSpec(), opts, causes);
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  }
  sdk::AdmissionResult r;
  r.mutated = std::move(mutated);
  return r;
}

sdk::AdmissionResult admit_ingress_class(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<IngressClass> m(req.object->as<IngressClass>());
  auto spec = m.root.getSpec();
  // SetDefaults_IngressClass.
  if (spec.hasParameters() && !spec.getParameters().getScope().isValue()) spec.getParameters().getScope().setValue("Cluster");
  Causes causes;
  auto s = m.root.asReader().getSpec();
  if (req.operation == Op::kUpdate && req.old_object) {
    const std::string was = req.old_object->as<IngressClass>().getSpec().getController();
    if (was != s.getController().cStr())
      sdk::field::invalid(causes, "spec.controller", go_quote(s.getController().cStr()), "field is immutable");
  }
  const std::string controller = s.getController();
  if (controller.empty()) {
    sdk::field::required(causes, "spec.controller");
  } else {
    if (controller.size() > 250) sdk::field::too_long(causes, "spec.controller", 250);
    sdk::field::domain_prefixed_path(causes, "spec.controller", controller);
  }
  if (s.hasParameters()) validate_parameters(s.getParameters(), "spec.parameters", causes);
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

std::vector<std::string> print_ingress(const sdk::ObjectPtr& obj) {
  auto ing = obj->as<Ingress>();
  auto spec = ing.getSpec();
  const std::string cls = spec.getIngressClassName().isValue() ? spec.getIngressClassName().getValue().cStr() : "<none>";
  // formatHosts: the first three hosts, then "+ N more..." counted over rules (upstream's arithmetic).
  std::vector<std::string> hosts;
  bool more = false;
  for (auto rule : spec.getRules()) {
    if (hosts.size() == 3) more = true;
    if (!more && rule.getHost().size()) hosts.push_back(rule.getHost());
  }
  std::string host_cell;
  for (size_t i = 0; i < hosts.size(); ++i) host_cell += (i ? "," : "") + hosts[i];
  if (hosts.empty()) host_cell = "*";
  else if (more) host_cell += " + " + std::to_string(static_cast<int>(spec.getRules().size()) - 3) + " more...";
  // ingressLoadBalancerStatusStringer: sorted unique IPs (else hostnames), clipped to 16 bytes.
  std::set<std::string> addrs;
  for (auto lb : ing.getStatus().getLoadBalancer().getIngress()) {
    if (lb.getIp().size()) addrs.insert(lb.getIp());
    else if (lb.getHostname().size()) addrs.insert(lb.getHostname());
  }
  std::string address;
  for (const auto& a : addrs) address += (address.empty() ? "" : ",") + a;
  if (address.size() > 16) address = address.substr(0, 13) + "...";
  const std::string ports = spec.getTls().size() ? "80, 443" : "80";
  return {cls, host_cell, address, ports};
}

std::vector<std::string> print_ingress_class(const sdk::ObjectPtr& obj) {
  auto spec = obj->as<IngressClass>().getSpec();
  std::string parameters = "<none>";
  if (spec.hasParameters()) {
    auto p = spec.getParameters();
    parameters = p.getKind();
    if (p.getApiGroup().isValue()) parameters += "." + std::string(p.getApiGroup().getValue().cStr());
    parameters += "/" + std::string(p.getName().cStr());
  }
  return {parameters};
}

}  // namespace capstan::network
