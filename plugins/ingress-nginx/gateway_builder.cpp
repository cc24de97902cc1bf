#include "gateway_builder.hpp"

#include <algorithm>
#include <cctype>

#include "capstan/gateway_v1.capnp.h"
#include "capstan/selectors.hpp"

namespace capstan::ingress {

namespace {

using namespace gateway::v1;

const char* const kGroup = "gateway.networking.k8s.io";

template <typename Opt>
std::string text_or(Opt opt, const char* fallback) {
  return opt.isValue() ? std::string(opt.getValue().cStr()) : std::string(fallback);
}

ConditionState cond(std::string type, bool ok, std::string reason, std::string message) {
  return {std::move(type), ok ? "True" : "False", std::move(reason), std::move(message)};
}

// Gateway API hostname matching: "*.example.com" matches any name with that suffix (one or more
// labels), unlike an Ingress wildcard.
bool gw_matches(const std::string& pattern, const std::string& host) {
  if (pattern == host) return true;
  if (pattern.rfind("*.", 0) != 0) return false;
  const std::string suffix = pattern.substr(1);
  return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The hostnames a route serves through a listener: the intersection of both (the more specific
// name of each matching pair); nullopt when they do not intersect.
std::optional<std::vector<std::string>> intersect(const std::string& listener, const std::vector<std::string>& route) {
  if (route.empty()) return std::vector<std::string>{listener};
  if (listener.empty()) return route;
  std::vector<std::string> out;
  for (const auto& h : route) {
    if (gw_matches(listener, h)) out.push_back(h);
    else if (gw_matches(h, listener)) out.push_back(listener);
  }
  if (out.empty()) return std::nullopt;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool header_name_ok(const std::string& n) {
  if (n.empty()) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '-') return false;
  return true;
}

bool query_name_ok(const std::string& n) {
  if (n.empty()) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '_') return false;
  return true;
}

// "1h30m", "500ms" → whole seconds (rounded up), 0 when absent.
int duration_seconds(const std::string& d) {
  int64_t ms = 0, n = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(d[i]))) {
      n = n * 10 + (d[i] - '0');
      continue;
    }
    if (d.compare(i, 2, "ms") == 0) {
      ms += n;
      ++i;
    } else if (d[i] == 'h') {
      ms += n * 3600000;
    } else if (d[i] == 'm') {
      ms += n * 60000;
    } else if (d[i] == 's') {
      ms += n * 1000;
    }
    n = 0;
  }
  return static_cast<int>((ms + 999) / 1000);
}

struct Listen {  // a listener of one of our Gateways, as the routes see it
  const GatewayState* gateway = nullptr;
  ListenerState* state = nullptr;
  Listener::Reader spec;
  std::string gw_ns;
  bool tls = false;
  CertFiles cert;
};

}  // namespace

GatewayBuild build_gateways(const Snapshot& snapshot, const Settings& settings, const CertLookup& certs,
                            const std::function<bool(int)>& port_available, Model& model) {
  GatewayBuild out;
  std::set<std::string> classes;
  for (const auto& c : snapshot.gateway_classes) {
    if (c->as<GatewayClass>().getSpec().getControllerName() != settings.gateway_controller.c_str()) continue;
    classes.insert(c->name());
    out.classes.push_back({c, cond("Accepted", true, "Accepted", "The GatewayClass is served by Capstan's ingress-nginx")});
  }
  std::map<std::string, std::map<std::string, std::string>> ns_labels;
  for (const auto& n : snapshot.namespaces) ns_labels[n->name()] = labels_of(n);

  // Gateways, oldest first (port conflicts are decided for the older listener).
  std::vector<sdk::ObjectPtr> gateways;
  for (const auto& g : snapshot.gateways)
    if (!g->metadata().hasDeletionTimestamp() && classes.count(g->as<Gateway>().getSpec().getGatewayClassName().cStr()))
      gateways.push_back(g);
  std::sort(gateways.begin(), gateways.end(), [](const sdk::ObjectPtr& a, const sdk::ObjectPtr& b) {
    const std::string ca = a->metadata().getCreationTimestamp(), cb = b->metadata().getCreationTimestamp();
    return ca != cb ? ca < cb : a->ns() + "/" + a->name() < b->ns() + "/" + b->name();
  });
  out.gateways.reserve(gateways.size());
  std::map<int, bool> port_tls;  // ports taken by Gateway listeners: TLS or not
  for (const auto& [n, p] : model.ports) port_tls[n] = p.tls;
  std::vector<Listen> listens;
  for (const auto& obj : gateways) {
    GatewayState gs;
    gs.object = obj;
    auto spec = obj->as<Gateway>().getSpec();
    const Source src{"Gateway", obj->ns(), obj->name()};
    bool unsupported_address = false;
    for (auto a : spec.getAddresses())
      if (text_or(a.getType(), "IPAddress") != "IPAddress" || a.getValue().size()) unsupported_address = true;
    int valid = 0;
    auto listeners = spec.getListeners();
    for (auto l : listeners) {
      ListenerState ls;
      ls.name = l.getName();
      const std::string proto = l.getProtocol();
      const int port = l.getPort();
      bool accepted = true, resolved = true;
      ConditionState accepted_c = cond("Accepted", true, "Accepted", "The listener is accepted");
      ConditionState resolved_c = cond("ResolvedRefs", true, "ResolvedRefs", "All references are resolved");
      ConditionState conflicted_c = cond("Conflicted", false, "NoConflicts", "No conflicts");
      if (proto != "HTTP" && proto != "HTTPS") {
        accepted = false;
        ls.supports_http_route = false;
        accepted_c = cond("Accepted", false, "UnsupportedProtocol", "Protocol " + proto + " is not supported; HTTP and HTTPS are");
      }
      if (l.hasAllowedRoutes() && l.getAllowedRoutes().getKinds().size()) {
        bool http_route = false, invalid = false;
        for (auto k : l.getAllowedRoutes().getKinds()) {
          if (text_or(k.getGroup(), kGroup) == kGroup && k.getKind() == "HTTPRoute") http_route = true;
          else invalid = true;
        }
        ls.supports_http_route = ls.supports_http_route && http_route;
        if (invalid) {
          resolved = false;
          resolved_c = cond("ResolvedRefs", false, "InvalidRouteKinds", "Only HTTPRoute is supported");
        }
      }
      const bool tls = proto == "HTTPS";
      Listen listen;
      listen.tls = tls;
      listen.gw_ns = obj->ns();
      if (accepted) {
        auto taken = port_tls.find(port);
        if (taken != port_tls.end() && taken->second != tls) {
          accepted = false;
          conflicted_c = cond("Conflicted", true, "ProtocolConflict",
                              "Port " + std::to_string(port) + " is already served with " + (taken->second ? "HTTPS" : "HTTP"));
          accepted_c = cond("Accepted", false, "PortUnavailable", "Port " + std::to_string(port) + " is used for another protocol");
        } else if (taken == port_tls.end() && !port_available(port)) {
          accepted = false;
          accepted_c = cond("Accepted", false, "PortUnavailable", "Port " + std::to_string(port) + " cannot be bound on this node");
        }
      }
      if (accepted && tls) {
        auto t = l.getTls();
        if (text_or(t.getMode(), "Terminate") != "Terminate") {
          accepted = false;
          accepted_c = cond("Accepted", false, "UnsupportedValue", "TLS mode Passthrough is not supported");
        }
        for (auto ref : t.getCertificateRefs()) {
          const std::string ns = text_or(ref.getNamespace(), obj->ns().c_str());
          if (text_or(ref.getGroup(), "") != "" || text_or(ref.getKind(), "Secret") != "Secret") {
            resolved = false;
            resolved_c = cond("ResolvedRefs", false, "InvalidCertificateRef", "Only core Secrets are supported as certificates");
            continue;
          }
          if (ns != obj->ns()) {
            resolved = false;
            resolved_c = cond("ResolvedRefs", false, "RefNotPermitted",
                              "Certificate " + ns + "/" + std::string(ref.getName().cStr()) +
                                  " is in another namespace and ReferenceGrants are not supported");
            continue;
          }
          CertFiles f = certs(ns, ref.getName().cStr());
          if (!f.error.empty()) {
            resolved = false;
            resolved_c = cond("ResolvedRefs", false, "InvalidCertificateRef",
                              "Secret " + ns + "/" + std::string(ref.getName().cStr()) + ": " + f.error);
            out.issues.push_back({src, "Warning", "InvalidCertificateRef",
                                  "listener " + ls.name + ": secret \"" + ns + "/" + std::string(ref.getName().cStr()) +
                                      "\": " + f.error});
            continue;
          }
          if (listen.cert.certificate.empty()) listen.cert = f;
        }
        if (t.getCertificateRefs().size() == 0) {
          resolved = false;
          resolved_c = cond("ResolvedRefs", false, "InvalidCertificateRef", "No certificateRefs");
        }
      }
      ls.conditions = {accepted_c, resolved_c, conflicted_c};
      ls.usable = accepted && resolved;
      if (ls.usable) {
        ++valid;
        port_tls[port] = tls;
        Port& p = model.ports[port];
        p.number = port;
        p.tls = tls;
        p.http2 = p.http2 || tls;
      }
      gs.listeners.push_back(ls);
    }
    if (unsupported_address) {
      gs.conditions = {cond("Accepted", false, "UnsupportedAddress", "Requested addresses are not supported; the node's is used")};
    } else if (valid == static_cast<int>(listeners.size())) {
      gs.conditions = {cond("Accepted", true, "Accepted", "The Gateway is accepted")};
      gs.accepted = true;
    } else if (valid > 0) {
      gs.conditions = {cond("Accepted", true, "ListenersNotValid", "Some listeners are not valid")};
      gs.accepted = true;
    } else {
      gs.conditions = {cond("Accepted", false, "ListenersNotValid", "No listener is valid")};
    }
    out.gateways.push_back(std::move(gs));
    GatewayState& stored = out.gateways.back();
    for (unsigned i = 0; i < listeners.size(); ++i) {
      Listen lt;
      lt.gateway = &stored;
      lt.state = &stored.listeners[i];
      lt.spec = listeners[i];
      lt.gw_ns = obj->ns();
      lt.tls = listeners[i].getProtocol() == "HTTPS";
      listens.push_back(lt);
    }
    // Certificates were found on the temporary `listen`; find them again per listener.
    for (auto& lt : listens)
      if (lt.gateway == &stored && lt.tls && lt.state->usable)
        for (auto ref : lt.spec.getTls().getCertificateRefs()) {
          CertFiles f = certs(lt.gw_ns, ref.getName().cStr());
          if (f.error.empty()) {
            lt.cert = f;
            break;
          }
        }
  }

  Backends backends(snapshot, model);
  std::vector<sdk::ObjectPtr> routes = snapshot.http_routes;
  std::sort(routes.begin(), routes.end(), [](const sdk::ObjectPtr& a, const sdk::ObjectPtr& b) {
    const std::string ca = a->metadata().getCreationTimestamp(), cb = b->metadata().getCreationTimestamp();
    return ca != cb ? ca < cb : a->ns() + "/" + a->name() < b->ns() + "/" + b->name();
  });
  for (const auto& obj : routes) {
    if (obj->metadata().hasDeletionTimestamp()) continue;
    auto route = obj->as<HTTPRoute>();
    auto spec = route.getSpec();
    const Source src{"HTTPRoute", obj->ns(), obj->name()};
    std::vector<std::string> hostnames;
    for (auto h : spec.getHostnames()) hostnames.push_back(h);

    // What the route can be programmed as (independent of its parents).
    std::string unsupported;
    ConditionState resolved = cond("ResolvedRefs", true, "ResolvedRefs", "All references are resolved");
    std::vector<Route> built;
    auto rules = spec.getRules();
    for (unsigned ri = 0; ri < rules.size(); ++ri) {
      auto rule = rules[ri];
      Action action;
      action.type = Action::Type::kProxy;
      bool redirect = false;
      for (auto f : rule.getFilters()) {
        const std::string type = f.getType();
        if (type == "RequestHeaderModifier" || type == "ResponseHeaderModifier") {
          auto h = type == "RequestHeaderModifier" ? f.getRequestHeaderModifier() : f.getResponseHeaderModifier();
          HeaderChange& hc = type == "RequestHeaderModifier" ? action.request_headers : action.response_headers;
          for (auto x : h.getSet()) {
            if (!header_name_ok(x.getName())) unsupported = "header name \"" + std::string(x.getName().cStr()) + "\"";
            hc.set.emplace_back(x.getName(), x.getValue());
          }
          for (auto x : h.getAdd()) {
            if (!header_name_ok(x.getName())) unsupported = "header name \"" + std::string(x.getName().cStr()) + "\"";
            hc.add.emplace_back(x.getName(), x.getValue());
          }
          for (auto x : h.getRemove()) {
            if (!header_name_ok(x)) unsupported = "header name \"" + std::string(x.cStr()) + "\"";
            hc.remove.emplace_back(x);
          }
        } else if (type == "RequestRedirect") {
          auto r = f.getRequestRedirect();
          redirect = true;
          action.type = Action::Type::kRedirect;
          action.redirect.scheme = text_or(r.getScheme(), "");
          action.redirect.hostname = text_or(r.getHostname(), "");
          action.redirect.port = r.getPort().isValue() ? r.getPort().getValue() : 0;
          action.redirect.status = r.getStatusCode().isValue() ? r.getStatusCode().getValue() : 302;
          if (r.hasPath()) {
            auto p = r.getPath();
            if (p.getType() == "ReplaceFullPath") action.redirect.path = {PathChange::Type::kFull, text_or(p.getReplaceFullPath(), "/")};
            else action.redirect.path = {PathChange::Type::kPrefix, text_or(p.getReplacePrefixMatch(), "/")};
          }
        } else if (type == "URLRewrite") {
          auto r = f.getUrlRewrite();
          action.host_rewrite = text_or(r.getHostname(), "");
          if (r.hasPath()) {
            auto p = r.getPath();
            if (p.getType() == "ReplaceFullPath") action.rewrite = {PathChange::Type::kFull, text_or(p.getReplaceFullPath(), "/")};
            else action.rewrite = {PathChange::Type::kPrefix, text_or(p.getReplacePrefixMatch(), "/")};
          }
        } else {
          unsupported = "filter " + type;
        }
      }
      if (rule.hasTimeouts()) {
        const int t = duration_seconds(text_or(rule.getTimeouts().getBackendRequest(), "").empty()
                                           ? text_or(rule.getTimeouts().getRequest(), "")
                                           : text_or(rule.getTimeouts().getBackendRequest(), ""));
        if (t > 0) action.read_timeout = action.send_timeout = t;
      }
      if (!redirect) {
        for (auto b : rule.getBackendRefs()) {
          WeightedUpstream wu;
          wu.weight = b.getWeight().isValue() ? b.getWeight().getValue() : 1;
          wu.status = 500;
          if (b.getFilters().size()) unsupported = "filters on backendRefs";
          const std::string group = text_or(b.getGroup(), ""), kind = text_or(b.getKind(), "Service");
          const std::string ns = text_or(b.getNamespace(), obj->ns().c_str());
          if (!group.empty() || kind != "Service") {
            if (resolved.status == "True")
              resolved = cond("ResolvedRefs", false, "InvalidKind", "Backend kind " + kind + (group.empty() ? "" : "." + group) + " is not supported");
          } else if (ns != obj->ns()) {
            if (resolved.status == "True")
              resolved = cond("ResolvedRefs", false, "RefNotPermitted",
                              "Backend " + ns + "/" + std::string(b.getName().cStr()) +
                                  " is in another namespace and ReferenceGrants are not supported");
          } else {
            auto r = backends.service(ns, b.getName().cStr(), b.getPort().isValue() ? b.getPort().getValue() : 0, "");
            if (!r.upstream.empty()) {
              wu.upstream = r.upstream;
            } else if (r.reason == "ServiceNotFound" || r.reason == "PortNotFound") {
              if (resolved.status == "True") resolved = cond("ResolvedRefs", false, "BackendNotFound", r.message);
            } else if (r.reason == "NoEndpoints") {
              wu.status = 503;
            } else if (resolved.status == "True") {
              resolved = cond("ResolvedRefs", false, "UnsupportedProtocol", r.message);
            }
          }
          action.backends.push_back(wu);
        }
        // No backend at all: 500, as the spec asks.
        if (action.backends.empty()) action.backends.push_back(WeightedUpstream{"", 1, 500});
      }
      // Matches (the CRD default gives every rule at least one).
      auto matches = rule.getMatches();
      for (unsigned mi = 0; mi < matches.size(); ++mi) {
        auto m = matches[mi];
        Route r;
        const std::string type = m.hasPath() ? text_or(m.getPath().getType(), "PathPrefix") : "PathPrefix";
        const std::string value = m.hasPath() ? text_or(m.getPath().getValue(), "/") : "/";
        if (type == "Exact") r.path = {PathMatch::Type::kExact, value};
        else if (type == "RegularExpression") r.path = {PathMatch::Type::kRegex, value};
        else {
          std::string p = value;
          while (p.size() > 1 && p.back() == '/') p.pop_back();
          r.path = {PathMatch::Type::kPrefix, p};
        }
        for (auto h : m.getHeaders()) {
          if (!header_name_ok(h.getName())) unsupported = "header name \"" + std::string(h.getName().cStr()) + "\"";
          r.conditions.push_back({text_or(h.getType(), "Exact") == "RegularExpression" ? Condition::Type::kHeaderRegex
                                                                                       : Condition::Type::kHeaderExact,
                                  h.getName(), h.getValue()});
        }
        for (auto q : m.getQueryParams()) {
          if (!query_name_ok(q.getName())) unsupported = "query parameter name \"" + std::string(q.getName().cStr()) + "\"";
          r.conditions.push_back({text_or(q.getType(), "Exact") == "RegularExpression" ? Condition::Type::kQueryRegex
                                                                                       : Condition::Type::kQueryExact,
                                  q.getName(), q.getValue()});
        }
        if (m.getMethod().isValue()) r.conditions.push_back({Condition::Type::kMethod, "", m.getMethod().getValue()});
        r.action = action;
        r.source = src;
        r.created = obj->metadata().getCreationTimestamp();
        r.rule_index = static_cast<int>(ri);
        r.match_index = static_cast<int>(mi);
        built.push_back(std::move(r));
      }
    }

    RouteState rs;
    rs.object = obj;
    auto parents = spec.getParentRefs();
    for (unsigned pi = 0; pi < parents.size(); ++pi) {
      auto p = parents[pi];
      if (text_or(p.getGroup(), kGroup) != kGroup || text_or(p.getKind(), "Gateway") != "Gateway") continue;
      const std::string gw_ns = text_or(p.getNamespace(), obj->ns().c_str());
      std::vector<Listen*> candidates;
      bool gateway_found = false;
      for (auto& lt : listens) {
        if (lt.gw_ns != gw_ns || lt.gateway->object->name() != p.getName().cStr()) continue;
        gateway_found = true;
        if (p.getSectionName().isValue() && lt.state->name != p.getSectionName().getValue().cStr()) continue;
        if (p.getPort().isValue() && lt.spec.getPort() != p.getPort().getValue()) continue;
        candidates.push_back(&lt);
      }
      if (!gateway_found) continue;  // not one of our Gateways: its controller reports
      RouteParentState ps;
      ps.parent_index = static_cast<int>(pi);
      ConditionState accepted = cond("Accepted", true, "Accepted", "The route is accepted");
      std::vector<std::pair<Listen*, std::vector<std::string>>> attach;
      if (candidates.empty()) {
        accepted = cond("Accepted", false, "NoMatchingParent", "No listener matches the parentRef's sectionName or port");
      } else {
        bool allowed_any = false;
        for (Listen* lt : candidates) {
          if (!lt->state->usable || !lt->state->supports_http_route) continue;
          // allowedRoutes.namespaces
          std::string from = "Same";
          if (lt->spec.hasAllowedRoutes() && lt->spec.getAllowedRoutes().hasNamespaces())
            from = text_or(lt->spec.getAllowedRoutes().getNamespaces().getFrom(), "Same");
          bool ns_ok = from == "All" || (from == "Same" && obj->ns() == lt->gw_ns);
          if (from == "Selector" && lt->spec.getAllowedRoutes().getNamespaces().hasSelector())
            ns_ok = sdk::selector_matches(lt->spec.getAllowedRoutes().getNamespaces().getSelector(), ns_labels[obj->ns()]);
          if (!ns_ok) continue;
          allowed_any = true;
          auto hosts = intersect(text_or(lt->spec.getHostname(), ""), hostnames);
          if (hosts) attach.emplace_back(lt, *hosts);
        }
        if (!allowed_any)
          accepted = cond("Accepted", false, "NotAllowedByListeners", "No listener of the parent allows this route");
        else if (attach.empty())
          accepted = cond("Accepted", false, "NoMatchingListenerHostname",
                          "No listener hostname intersects the route's hostnames");
      }
      if (accepted.status == "True" && !unsupported.empty()) {
        accepted = cond("Accepted", false, "UnsupportedValue", "The route uses " + unsupported + ", which is not supported");
        out.issues.push_back({src, "Warning", "UnsupportedValue", "the route uses " + unsupported + ", which is not supported"});
        attach.clear();
      }
      ps.conditions = {accepted, resolved};
      for (auto& [lt, hosts] : attach) {
        ++lt->state->attached_routes;
        Port& port = model.ports[lt->spec.getPort()];
        for (const auto& h : hosts) {
          Server& s = port.servers[h];
          s.hostname = h;
          if (h.rfind("*.", 0) == 0) s.any_depth_wildcard = true;
          if (lt->tls && s.certificate.empty() && !lt->cert.certificate.empty()) {
            s.certificate = lt->cert.certificate;
            s.key = lt->cert.key;
            s.tls_source = Source{"Gateway", lt->gw_ns, lt->gateway->object->name()};
          }
          for (const auto& r : built) {
            const bool dup = std::any_of(s.routes.begin(), s.routes.end(), [&](const Route& o) {
              return o.source == r.source && o.rule_index == r.rule_index && o.match_index == r.match_index;
            });
            if (!dup) s.routes.push_back(r);
          }
        }
      }
      rs.parents.push_back(std::move(ps));
    }
    if (!rs.parents.empty()) out.routes.push_back(std::move(rs));
  }
  return out;
}

}  // namespace capstan::ingress
