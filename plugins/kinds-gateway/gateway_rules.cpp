#include "gateway_rules.hpp"

#include <map>
#include <set>

#include "crd_checks.hpp"

namespace capstan::gateway_kinds {

namespace {

using namespace gateway::v1;
using Op = sdk::AdmissionRequest::Operation;
using sdk::field::go_quote;

template <typename T>
struct Mutable {
  capnp::MallocMessageBuilder message;
  typename T::Builder root;
  explicit Mutable(typename T::Reader from) : root((message.setRoot(from), message.getRoot<T>())) {}
  std::string bytes() { return sdk::serialize(message); }
};

std::string idx(const std::string& path, unsigned i) { return path + "[" + std::to_string(i) + "]"; }

template <typename Opt>
std::string text_or(Opt opt, const char* fallback) {
  return opt.isValue() ? std::string(opt.getValue().cStr()) : std::string(fallback);
}

// The conditions a CRD default gives a new object before any controller saw it.
void pending_conditions(capnp::List<Condition>::Builder list, const std::vector<std::string>& types) {
  for (unsigned i = 0; i < types.size(); ++i) {
    list[i].setType(types[i]);
    list[i].setStatus("Unknown");
    list[i].setReason("Pending");
    list[i].setMessage("Waiting for controller");
    list[i].setLastTransitionTime("1970-01-01T00:00:00Z");
  }
}

std::string condition_status(capnp::List<Condition>::Reader conditions, const char* type) {
  for (auto c : conditions)
    if (c.getType() == type) return c.getStatus();
  return "";
}

// ---- references

void check_group_kind(Causes& c, const std::string& path, bool has_group, std::string_view group, bool has_kind,
                      std::string_view kind) {
  if (has_group) {
    max_length(c, path + ".group", group, 253);
    pattern(c, path + ".group", group, kGroupPattern);
  }
  if (has_kind) name_of_type(c, path + ".kind", kind, 1, 63, kKindPattern);
}

void check_namespace(Causes& c, const std::string& path, bool has, std::string_view ns) {
  if (has) name_of_type(c, path + ".namespace", ns, 1, 63, kNamespacePattern);
}

void check_secret_ref(Causes& c, const std::string& path, SecretObjectReference::Reader r) {
  check_group_kind(c, path, r.getGroup().isValue(), text_or(r.getGroup(), ""), r.getKind().isValue(), text_or(r.getKind(), ""));
  name_of_type(c, path + ".name", r.getName().cStr(), 1, 253);
  check_namespace(c, path, r.getNamespace().isValue(), text_or(r.getNamespace(), ""));
}

void check_backend_ref(Causes& c, const std::string& path, bool has_group, std::string_view group, bool has_kind,
                       std::string_view kind, std::string_view name, bool has_ns, std::string_view ns, bool has_port,
                       int32_t port) {
  check_group_kind(c, path, has_group, group, has_kind, kind);
  name_of_type(c, path + ".name", name, 1, 253);
  check_namespace(c, path, has_ns, ns);
  if (has_port) range(c, path + ".port", port, 1, 65535);
  if (group.empty() && kind == "Service" && !has_port) cel(c, path, "object", "Must have port for Service reference");
}

// ---- GatewayClass

void validate_gateway_class(GatewayClass::Reader gc, Causes& c) {
  auto spec = gc.getSpec();
  const std::string controller = spec.getControllerName();
  if (!spec.hasControllerName()) sdk::field::required(c, "spec.controllerName");
  else name_of_type(c, "spec.controllerName", controller, 1, 253, kGatewayControllerPattern);
  if (spec.hasParametersRef()) {
    auto p = spec.getParametersRef();
    const std::string path = "spec.parametersRef";
    max_length(c, path + ".group", p.getGroup().cStr(), 253);
    pattern(c, path + ".group", p.getGroup().cStr(), kGroupPattern);
    name_of_type(c, path + ".kind", p.getKind().cStr(), 1, 63, kKindPattern);
    name_of_type(c, path + ".name", p.getName().cStr(), 1, 253);
    check_namespace(c, path, p.getNamespace().isValue(), text_or(p.getNamespace(), ""));
  }
  if (spec.getDescription().isValue()) max_length(c, "spec.description", spec.getDescription().getValue().cStr(), 64);
}

// ---- Gateway

void validate_listener_tls(Causes& c, const std::string& path, ListenerTLSConfig::Reader tls) {
  const std::string mode = text_or(tls.getMode(), "Terminate");
  enumeration(c, path + ".mode", mode, {"Terminate", "Passthrough"});
  auto refs = tls.getCertificateRefs();
  max_items(c, path + ".certificateRefs", refs.size(), 64);
  for (unsigned i = 0; i < refs.size(); ++i) check_secret_ref(c, idx(path + ".certificateRefs", i), refs[i]);
  if (tls.getOptions().size() > 16)
    c.push_back({path + ".options", "FieldValueTooMany",
                 "Too many: " + std::to_string(tls.getOptions().size()) + ": must have at most 16 items"});
  if (mode == "Terminate" && refs.size() == 0 && tls.getOptions().size() == 0)
    cel(c, path, "object", "certificateRefs or options must be specified when mode is Terminate");
}

void validate_listener(Causes& c, const std::string& path, Listener::Reader l) {
  name_of_type(c, path + ".name", l.getName().cStr(), 1, 253, kSectionNamePattern);
  if (l.getHostname().isValue()) name_of_type(c, path + ".hostname", l.getHostname().getValue().cStr(), 1, 253, kHostnamePattern);
  range(c, path + ".port", l.getPort(), 1, 65535);
  name_of_type(c, path + ".protocol", l.getProtocol().cStr(), 1, 255, kProtocolPattern);
  if (l.hasTls()) validate_listener_tls(c, path + ".tls", l.getTls());
  if (l.hasAllowedRoutes()) {
    auto ar = l.getAllowedRoutes();
    if (ar.hasNamespaces() && ar.getNamespaces().getFrom().isValue())
      enumeration(c, path + ".allowedRoutes.namespaces.from", ar.getNamespaces().getFrom().getValue().cStr(),
                  {"All", "Selector", "Same"});
    auto kinds = ar.getKinds();
    max_items(c, path + ".allowedRoutes.kinds", kinds.size(), 8);
    for (unsigned i = 0; i < kinds.size(); ++i)
      check_group_kind(c, idx(path + ".allowedRoutes.kinds", i), kinds[i].getGroup().isValue(),
                       text_or(kinds[i].getGroup(), ""), true, kinds[i].getKind().cStr());
  }
}

void validate_gateway(Gateway::Reader gw, Causes& c) {
  auto spec = gw.getSpec();
  if (!spec.hasGatewayClassName()) sdk::field::required(c, "spec.gatewayClassName");
  else name_of_type(c, "spec.gatewayClassName", spec.getGatewayClassName().cStr(), 1, 253);
  auto ls = spec.getListeners();
  if (!spec.hasListeners()) sdk::field::required(c, "spec.listeners");
  else min_items(c, "spec.listeners", ls.size(), 1);
  max_items(c, "spec.listeners", ls.size(), 64);
  for (unsigned i = 0; i < ls.size(); ++i) validate_listener(c, idx("spec.listeners", i), ls[i]);
  // The CEL rules on the listener list, in the CRD's order.
  auto in = [](std::string_view p, std::initializer_list<std::string_view> set) {
    for (auto s : set)
      if (p == s) return true;
    return false;
  };
  bool tls_forbidden = false, tls_mode = false, tls_set = false, hostname_forbidden = false;
  for (auto l : ls) {
    const std::string_view proto = l.getProtocol().cStr();
    if (in(proto, {"HTTP", "TCP", "UDP"}) && l.hasTls()) tls_forbidden = true;
    if (proto == "HTTPS" && l.hasTls() && l.getTls().getMode().isValue() && l.getTls().getMode().getValue().size() &&
        l.getTls().getMode().getValue() != "Terminate")
      tls_mode = true;
    if (proto == "TLS" && !(l.hasTls() && l.getTls().getMode().isValue() && l.getTls().getMode().getValue().size()))
      tls_set = true;
    if (in(proto, {"TCP", "UDP"}) && l.getHostname().isValue() && l.getHostname().getValue().size()) hostname_forbidden = true;
  }
  if (tls_forbidden) cel(c, "spec.listeners", "array", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
  if (tls_mode) cel(c, "spec.listeners", "array", "tls mode must be Terminate for protocol HTTPS");
  if (tls_set) cel(c, "spec.listeners", "array", "tls mode must be set for protocol TLS");
  if (hostname_forbidden) cel(c, "spec.listeners", "array", "hostname must not be specified for protocols ['TCP', 'UDP']");
  std::map<std::string, int> names;
  std::map<std::string, int> combos;
  for (auto l : ls) {
    names[l.getName()]++;
    combos[std::to_string(l.getPort()) + "/" + std::string(l.getProtocol().cStr()) + "/" +
           (l.getHostname().isValue() ? "h:" + std::string(l.getHostname().getValue().cStr()) : std::string("-"))]++;
  }
  for (auto& [n, count] : names)
    if (count > 1) {
      cel(c, "spec.listeners", "array", "Listener name must be unique within the Gateway");
      break;
    }
  for (auto& [k, count] : combos)
    if (count > 1) {
      cel(c, "spec.listeners", "array", "Combination of port, protocol and hostname must be unique for each listener");
      break;
    }
  auto addrs = spec.getAddresses();
  max_items(c, "spec.addresses", addrs.size(), 16);
  std::map<std::string, int> seen;
  for (unsigned i = 0; i < addrs.size(); ++i) {
    const std::string type = text_or(addrs[i].getType(), "IPAddress");
    const std::string value = addrs[i].getValue();
    max_length(c, idx("spec.addresses", i) + ".value", value, 253);
    if (type == "Hostname" && !value.empty()) {
      Causes probe;
      pattern(probe, "", value, kHostnamePattern);
      if (!probe.empty())
        cel(c, idx("spec.addresses", i), "object",
            "Hostname value must be empty or contain only valid characters (matching "
            "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
    }
    if (!value.empty()) seen[type + "/" + value]++;
  }
  for (auto& [k, count] : seen)
    if (count > 1) {
      cel(c, "spec.addresses", "array",
          k.rfind("Hostname/", 0) == 0 ? "Hostname values must be unique" : "IPAddress values must be unique");
    }
}

// ---- HTTPRoute

void default_filter(HTTPRouteFilter::Builder f) {
  if (f.hasRequestRedirect() && !f.getRequestRedirect().getStatusCode().isValue())
    f.getRequestRedirect().getStatusCode().setValue(302);
  if (f.hasRequestMirror()) {
    auto m = f.getRequestMirror();
    auto b = m.getBackendRef();
    if (!b.getGroup().isValue()) b.getGroup().setValue("");
    if (!b.getKind().isValue()) b.getKind().setValue("Service");
    if (m.hasFraction() && !m.getFraction().getDenominator().isValue()) m.getFraction().getDenominator().setValue(100);
  }
}

void validate_path_modifier(Causes& c, const std::string& path, HTTPPathModifier::Reader m) {
  const std::string type = m.getType();
  enumeration(c, path + ".type", type, {"ReplaceFullPath", "ReplacePrefixMatch"});
  if (m.getReplaceFullPath().isValue()) max_length(c, path + ".replaceFullPath", m.getReplaceFullPath().getValue().cStr(), 1024);
  if (m.getReplacePrefixMatch().isValue())
    max_length(c, path + ".replacePrefixMatch", m.getReplacePrefixMatch().getValue().cStr(), 1024);
  if (type == "ReplaceFullPath" && !m.getReplaceFullPath().isValue())
    cel(c, path, "object", "replaceFullPath must be specified when type is set to 'ReplaceFullPath'");
  if (m.getReplaceFullPath().isValue() && type != "ReplaceFullPath")
    cel(c, path, "object", "type must be 'ReplaceFullPath' when replaceFullPath is set");
  if (type == "ReplacePrefixMatch" && !m.getReplacePrefixMatch().isValue())
    cel(c, path, "object", "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'");
  if (m.getReplacePrefixMatch().isValue() && type != "ReplacePrefixMatch")
    cel(c, path, "object", "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set");
}

void validate_header_filter(Causes& c, const std::string& path, HTTPHeaderFilter::Reader h) {
  for (auto [list, name] : {std::pair{h.getSet(), "set"}, std::pair{h.getAdd(), "add"}}) {
    max_items(c, path + "." + name, list.size(), 16);
    for (unsigned i = 0; i < list.size(); ++i) {
      name_of_type(c, idx(path + "." + name, i) + ".name", list[i].getName().cStr(), 1, 256, kHeaderNamePattern);
      min_length(c, idx(path + "." + name, i) + ".value", list[i].getValue().cStr(), 1);
      max_length(c, idx(path + "." + name, i) + ".value", list[i].getValue().cStr(), 4096);
    }
  }
  max_items(c, path + ".remove", h.getRemove().size(), 16);
}

void validate_filter(Causes& c, const std::string& path, HTTPRouteFilter::Reader f) {
  const std::string type = f.getType();
  enumeration(c, path + ".type", type,
              {"RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite",
               "ExtensionRef", "CORS"});
  struct Member {
    const char* type;
    const char* field;
    bool present;
  };
  const Member members[] = {{"CORS", "cors", false},
                            {"RequestHeaderModifier", "requestHeaderModifier", f.hasRequestHeaderModifier()},
                            {"ResponseHeaderModifier", "responseHeaderModifier", f.hasResponseHeaderModifier()},
                            {"RequestMirror", "requestMirror", f.hasRequestMirror()},
                            {"RequestRedirect", "requestRedirect", f.hasRequestRedirect()},
                            {"URLRewrite", "urlRewrite", f.hasUrlRewrite()},
                            {"ExtensionRef", "extensionRef", f.hasExtensionRef()}};
  for (const auto& m : members) {
    if (m.present && type != m.type)
      cel(c, path, "object", std::string("filter.") + m.field + " must be nil if the filter.type is not " + m.type);
    if (!m.present && type == m.type)
      cel(c, path, "object", std::string("filter.") + m.field + " must be specified for " + m.type + " filter.type");
  }
  if (f.hasRequestHeaderModifier()) validate_header_filter(c, path + ".requestHeaderModifier", f.getRequestHeaderModifier());
  if (f.hasResponseHeaderModifier()) validate_header_filter(c, path + ".responseHeaderModifier", f.getResponseHeaderModifier());
  if (f.hasRequestRedirect()) {
    auto r = f.getRequestRedirect();
    const std::string p = path + ".requestRedirect";
    if (r.getScheme().isValue()) enumeration(c, p + ".scheme", r.getScheme().getValue().cStr(), {"http", "https"});
    if (r.getHostname().isValue()) name_of_type(c, p + ".hostname", r.getHostname().getValue().cStr(), 1, 253, kPreciseHostnamePattern);
    if (r.hasPath()) validate_path_modifier(c, p + ".path", r.getPath());
    if (r.getPort().isValue()) range(c, p + ".port", r.getPort().getValue(), 1, 65535);
    if (r.getStatusCode().isValue()) enumeration(c, p + ".statusCode", r.getStatusCode().getValue(), {301, 302, 303, 307, 308});
  }
  if (f.hasUrlRewrite()) {
    auto r = f.getUrlRewrite();
    const std::string p = path + ".urlRewrite";
    if (r.getHostname().isValue()) name_of_type(c, p + ".hostname", r.getHostname().getValue().cStr(), 1, 253, kPreciseHostnamePattern);
    if (r.hasPath()) validate_path_modifier(c, p + ".path", r.getPath());
  }
  if (f.hasRequestMirror()) {
    auto m = f.getRequestMirror();
    auto b = m.getBackendRef();
    check_backend_ref(c, path + ".requestMirror.backendRef", b.getGroup().isValue(), text_or(b.getGroup(), ""),
                      b.getKind().isValue(), text_or(b.getKind(), "Service"), b.getName().cStr(), b.getNamespace().isValue(),
                      text_or(b.getNamespace(), ""), b.getPort().isValue(), b.getPort().isValue() ? b.getPort().getValue() : 0);
    if (m.getPercent().isValue()) range(c, path + ".requestMirror.percent", m.getPercent().getValue(), 0, 100);
    if (m.getPercent().isValue() && m.hasFraction())
      cel(c, path + ".requestMirror", "object", "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
    if (m.hasFraction()) {
      auto fr = m.getFraction();
      const int32_t den = fr.getDenominator().isValue() ? fr.getDenominator().getValue() : 100;
      if (fr.getNumerator() > den)
        cel(c, path + ".requestMirror.fraction", "object", "numerator must be less than or equal to denominator");
    }
  }
}

void validate_filters(Causes& c, const std::string& path, capnp::List<HTTPRouteFilter>::Reader filters) {
  max_items(c, path, filters.size(), 16);
  std::map<std::string, int> count;
  for (unsigned i = 0; i < filters.size(); ++i) {
    validate_filter(c, idx(path, i), filters[i]);
    count[filters[i].getType()]++;
  }
  if (count["RequestRedirect"] && count["URLRewrite"])
    cel(c, path, "array", "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both");
  for (const char* t : {"CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"})
    if (count[t] > 1) cel(c, path, "array", std::string(t) + " filter cannot be repeated");
}

void validate_path_match(Causes& c, const std::string& path, HTTPPathMatch::Reader p) {
  const std::string type = text_or(p.getType(), "PathPrefix");
  const std::string value = text_or(p.getValue(), "/");
  enumeration(c, path + ".type", type, {"Exact", "PathPrefix", "RegularExpression"});
  max_length(c, path + ".value", value, 1024);
  const bool plain = type == "Exact" || type == "PathPrefix";
  if (!plain) return;
  const std::string tail = " when type one of ['Exact', 'PathPrefix']";
  if (value.rfind('/', 0) != 0) cel(c, path, "object", "value must be an absolute path and start with '/'" + tail);
  for (const char* seq : {"//", "/./", "/../", "%2f", "%2F", "#"})
    if (value.find(seq) != std::string::npos) cel(c, path, "object", std::string("must not contain '") + seq + "'" + tail);
  for (const char* suffix : {"/..", "/."})
    if (value.size() >= std::string_view(suffix).size() &&
        value.compare(value.size() - std::string_view(suffix).size(), std::string::npos, suffix) == 0)
      cel(c, path, "object", std::string("must not end with '") + suffix + "'" + tail);
  static const char* const kPathChars = R"(^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$)";
  Causes probe;
  pattern(probe, "", value, kPathChars);
  if (!probe.empty())
    cel(c, path, "object",
        "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types "
        "['Exact', 'PathPrefix']");
}

bool has_prefix_replace(capnp::List<HTTPRouteFilter>::Reader filters, bool redirect) {
  int n = 0;
  for (auto f : filters) {
    if (redirect && f.hasRequestRedirect() && f.getRequestRedirect().hasPath() &&
        f.getRequestRedirect().getPath().getType() == "ReplacePrefixMatch" &&
        f.getRequestRedirect().getPath().getReplacePrefixMatch().isValue())
      ++n;
    if (!redirect && f.hasUrlRewrite() && f.getUrlRewrite().hasPath() &&
        f.getUrlRewrite().getPath().getType() == "ReplacePrefixMatch" &&
        f.getUrlRewrite().getPath().getReplacePrefixMatch().isValue())
      ++n;
  }
  return n == 1;  // CEL exists_one
}

void validate_rule(Causes& c, const std::string& path, HTTPRouteRule::Reader r) {
  if (r.getName().isValue()) name_of_type(c, path + ".name", r.getName().getValue().cStr(), 1, 253, kSectionNamePattern);
  auto matches = r.getMatches();
  max_items(c, path + ".matches", matches.size(), 64);
  for (unsigned i = 0; i < matches.size(); ++i) {
    const std::string mp = idx(path + ".matches", i);
    auto m = matches[i];
    if (m.hasPath()) validate_path_match(c, mp + ".path", m.getPath());
    auto headers = m.getHeaders();
    max_items(c, mp + ".headers", headers.size(), 16);
    for (unsigned h = 0; h < headers.size(); ++h) {
      const std::string hp = idx(mp + ".headers", h);
      enumeration(c, hp + ".type", text_or(headers[h].getType(), "Exact"), {"Exact", "RegularExpression"});
      name_of_type(c, hp + ".name", headers[h].getName().cStr(), 1, 256, kHeaderNamePattern);
      min_length(c, hp + ".value", headers[h].getValue().cStr(), 1);
      max_length(c, hp + ".value", headers[h].getValue().cStr(), 4096);
    }
    auto qps = m.getQueryParams();
    max_items(c, mp + ".queryParams", qps.size(), 16);
    for (unsigned q = 0; q < qps.size(); ++q) {
      const std::string qp = idx(mp + ".queryParams", q);
      enumeration(c, qp + ".type", text_or(qps[q].getType(), "Exact"), {"Exact", "RegularExpression"});
      name_of_type(c, qp + ".name", qps[q].getName().cStr(), 1, 256, kHeaderNamePattern);
      min_length(c, qp + ".value", qps[q].getValue().cStr(), 1);
      max_length(c, qp + ".value", qps[q].getValue().cStr(), 1024);
    }
    if (m.getMethod().isValue())
      enumeration(c, mp + ".method", m.getMethod().getValue().cStr(),
                  {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"});
  }
  validate_filters(c, path + ".filters", r.getFilters());
  auto backends = r.getBackendRefs();
  max_items(c, path + ".backendRefs", backends.size(), 16);
  bool backend_redirect = false, backend_rewrite = false;
  for (unsigned i = 0; i < backends.size(); ++i) {
    const std::string bp = idx(path + ".backendRefs", i);
    auto b = backends[i];
    check_backend_ref(c, bp, b.getGroup().isValue(), text_or(b.getGroup(), ""), b.getKind().isValue(),
                      text_or(b.getKind(), "Service"), b.getName().cStr(), b.getNamespace().isValue(),
                      text_or(b.getNamespace(), ""), b.getPort().isValue(), b.getPort().isValue() ? b.getPort().getValue() : 0);
    if (b.getWeight().isValue()) range(c, bp + ".weight", b.getWeight().getValue(), 0, 1000000);
    validate_filters(c, bp + ".filters", b.getFilters());
    backend_redirect |= has_prefix_replace(b.getFilters(), true);
    backend_rewrite |= has_prefix_replace(b.getFilters(), false);
  }
  // The CEL rules on the rule object, in the CRD's order.
  const bool one_prefix_match =
      matches.size() == 1 && matches[0].hasPath() && text_or(matches[0].getPath().getType(), "PathPrefix") == "PathPrefix";
  bool redirect_filter = false;
  for (auto f : r.getFilters()) redirect_filter |= f.hasRequestRedirect();
  if (backends.size() > 0 && redirect_filter)
    cel(c, path, "object", "RequestRedirect filter must not be used together with backendRefs");
  if (has_prefix_replace(r.getFilters(), true) && !one_prefix_match)
    cel(c, path, "object",
        "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified");
  if (has_prefix_replace(r.getFilters(), false) && !one_prefix_match)
    cel(c, path, "object",
        "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified");
  if (backend_redirect && !one_prefix_match)
    cel(c, path, "object",
        "Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix "
        "match must be specified");
  if (backend_rewrite && !one_prefix_match)
    cel(c, path, "object",
        "Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match "
        "must be specified");
  if (r.hasTimeouts()) {
    auto t = r.getTimeouts();
    if (t.getRequest().isValue()) pattern(c, path + ".timeouts.request", t.getRequest().getValue().cStr(), kDurationPattern);
    if (t.getBackendRequest().isValue())
      pattern(c, path + ".timeouts.backendRequest", t.getBackendRequest().getValue().cStr(), kDurationPattern);
  }
}

std::string parent_key(ParentReference::Reader p) {
  return text_or(p.getGroup(), "gateway.networking.k8s.io") + "/" + text_or(p.getKind(), "Gateway") + "/" +
         text_or(p.getNamespace(), "") + "/" + std::string(p.getName().cStr());
}

void validate_http_route(HTTPRoute::Reader route, Causes& c) {
  auto spec = route.getSpec();
  auto parents = spec.getParentRefs();
  max_items(c, "spec.parentRefs", parents.size(), 32);
  for (unsigned i = 0; i < parents.size(); ++i) {
    const std::string pp = idx("spec.parentRefs", i);
    auto p = parents[i];
    check_group_kind(c, pp, p.getGroup().isValue(), text_or(p.getGroup(), ""), p.getKind().isValue(), text_or(p.getKind(), ""));
    check_namespace(c, pp, p.getNamespace().isValue(), text_or(p.getNamespace(), ""));
    name_of_type(c, pp + ".name", p.getName().cStr(), 1, 253);
    if (p.getSectionName().isValue())
      name_of_type(c, pp + ".sectionName", p.getSectionName().getValue().cStr(), 1, 253, kSectionNamePattern);
    if (p.getPort().isValue()) range(c, pp + ".port", p.getPort().getValue(), 1, 65535);
  }
  // sectionName rules over references to the same parent.
  bool mixed = false, repeated = false;
  for (unsigned i = 0; i < parents.size(); ++i)
    for (unsigned j = 0; j < parents.size(); ++j) {
      if (parent_key(parents[i]) != parent_key(parents[j])) continue;
      const std::string si = text_or(parents[i].getSectionName(), ""), sj = text_or(parents[j].getSectionName(), "");
      if (si.empty() != sj.empty()) mixed = true;
      if (i != j && si == sj) repeated = true;
    }
  if (mixed)
    cel(c, "spec.parentRefs", "array", "sectionName must be specified when parentRefs includes 2 or more references to the same parent");
  if (repeated)
    cel(c, "spec.parentRefs", "array", "sectionName must be unique when parentRefs includes 2 or more references to the same parent");
  auto hosts = spec.getHostnames();
  max_items(c, "spec.hostnames", hosts.size(), 16);
  for (unsigned i = 0; i < hosts.size(); ++i) name_of_type(c, idx("spec.hostnames", i), hosts[i].cStr(), 1, 253, kHostnamePattern);
  auto rules = spec.getRules();
  max_items(c, "spec.rules", rules.size(), 16);
  size_t total = 0;
  for (unsigned i = 0; i < rules.size(); ++i) {
    validate_rule(c, idx("spec.rules", i), rules[i]);
    total += rules[i].getMatches().size();
  }
  if (total > 128)
    cel(c, "spec.rules", "array",
        "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route "
        "must be less than 128");
}

}  // namespace

void default_gateway(Gateway::Builder gw) {
  for (auto l : gw.getSpec().getListeners()) {
    if (!l.hasAllowedRoutes()) l.initAllowedRoutes();
    auto ar = l.getAllowedRoutes();
    if (!ar.hasNamespaces()) ar.initNamespaces();
    if (!ar.getNamespaces().getFrom().isValue()) ar.getNamespaces().getFrom().setValue("Same");
    for (auto k : ar.getKinds())
      if (!k.getGroup().isValue()) k.getGroup().setValue("gateway.networking.k8s.io");
    if (l.hasTls() && !l.getTls().getMode().isValue()) l.getTls().getMode().setValue("Terminate");
    if (l.hasTls())
      for (auto r : l.getTls().getCertificateRefs()) {
        if (!r.getGroup().isValue()) r.getGroup().setValue("");
        if (!r.getKind().isValue()) r.getKind().setValue("Secret");
      }
  }
  for (auto a : gw.getSpec().getAddresses())
    if (!a.getType().isValue()) a.getType().setValue("IPAddress");
}

void default_http_route(HTTPRoute::Builder route) {
  auto spec = route.getSpec();
  for (auto p : spec.getParentRefs()) {
    if (!p.getGroup().isValue()) p.getGroup().setValue("gateway.networking.k8s.io");
    if (!p.getKind().isValue()) p.getKind().setValue("Gateway");
  }
  if (!spec.hasRules()) spec.initRules(1);
  for (auto r : spec.getRules()) {
    if (!r.hasMatches()) r.initMatches(1);
    for (auto m : r.getMatches()) {
      if (!m.hasPath()) m.initPath();
      auto p = m.getPath();
      if (!p.getType().isValue()) p.getType().setValue("PathPrefix");
      if (!p.getValue().isValue()) p.getValue().setValue("/");
      for (auto h : m.getHeaders())
        if (!h.getType().isValue()) h.getType().setValue("Exact");
      for (auto q : m.getQueryParams())
        if (!q.getType().isValue()) q.getType().setValue("Exact");
    }
    for (auto f : r.getFilters()) default_filter(f);
    for (auto b : r.getBackendRefs()) {
      if (!b.getGroup().isValue()) b.getGroup().setValue("");
      if (!b.getKind().isValue()) b.getKind().setValue("Service");
      if (!b.getWeight().isValue()) b.getWeight().setValue(1);
      for (auto f : b.getFilters()) default_filter(f);
    }
  }
}

sdk::AdmissionResult admit_gateway_class(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<GatewayClass> m(req.object->as<GatewayClass>());
  if (req.operation == Op::kCreate && m.root.getStatus().getConditions().size() == 0)
    pending_conditions(m.root.getStatus().initConditions(1), {"Accepted"});
  Causes c;
  validate_gateway_class(m.root.asReader(), c);
  if (req.operation == Op::kUpdate && req.old_object &&
      req.old_object->as<GatewayClass>().getSpec().getControllerName() != m.root.asReader().getSpec().getControllerName())
    cel(c, "spec.controllerName", "string", "Value is immutable");
  if (!c.empty()) return sdk::AdmissionResult::invalid("", std::move(c));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

sdk::AdmissionResult admit_gateway(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<Gateway> m(req.object->as<Gateway>());
  default_gateway(m.root);
  if (req.operation == Op::kCreate && m.root.getStatus().getConditions().size() == 0)
    pending_conditions(m.root.getStatus().initConditions(2), {"Accepted", "Programmed"});
  Causes c;
  validate_gateway(m.root.asReader(), c);
  if (!c.empty()) return sdk::AdmissionResult::invalid("", std::move(c));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

sdk::AdmissionResult admit_http_route(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<HTTPRoute> m(req.object->as<HTTPRoute>());
  default_http_route(m.root);
  Causes c;
  validate_http_route(m.root.asReader(), c);
  if (!c.empty()) return sdk::AdmissionResult::invalid("", std::move(c));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

std::vector<std::string> print_gateway_class(const sdk::ObjectPtr& obj) {
  return {condition_status(obj->as<GatewayClass>().getStatus().getConditions(), "Accepted")};
}

std::vector<std::string> print_gateway(const sdk::ObjectPtr& obj) {
  auto st = obj->as<Gateway>().getStatus();
  // A string column prints the first JSONPath result only.
  const std::string address = st.getAddresses().size() ? st.getAddresses()[0].getValue().cStr() : "";
  return {address, condition_status(st.getConditions(), "Programmed")};
}

std::vector<std::string> print_http_route(const sdk::ObjectPtr& obj) {
  auto hosts = obj->as<HTTPRoute>().getSpec().getHostnames();
  if (hosts.size() == 0) return {""};
  std::string out = "[";
  for (unsigned i = 0; i < hosts.size(); ++i) out += (i ? ",\"" : "\"") + std::string(hosts[i].cStr()) + "\"";
  return {out + "]"};
}

}  // namespace capstan::gateway_kinds
