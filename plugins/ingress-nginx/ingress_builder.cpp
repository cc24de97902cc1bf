#include "ingress_builder.hpp"

#include <algorithm>
#include <set>

#include "annotations.hpp"
#include "capstan/networking_v1.capnp.h"

namespace capstan::ingress {

namespace {

using networking::v1::Ingress;
using networking::v1::IngressBackend;
using networking::v1::IngressClass;

const char* const kClassAnnotation = "kubernetes.io/ingress.class";
const char* const kDefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

std::string path_type_name(PathMatch::Type t) {
  switch (t) {
    case PathMatch::Type::kExact: return "Exact";
    case PathMatch::Type::kPrefix: return "Prefix";
    default: return "regular expression";
  }
}

Server& server_for(Model& model, int port, bool tls, const std::string& host) {
  Port& p = model.ports[port];
  p.number = port;
  p.tls = tls;
  p.http2 = tls;
  Server& s = p.servers[host];
  s.hostname = host;
  return s;
}

}  // namespace

std::string normalize_prefix(const std::string& path) {
  if (path.empty()) return "/";
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

bool ingress_is_ours(const sdk::ObjectPtr& obj, const std::vector<sdk::ObjectPtr>& classes, const Settings& settings) {
  auto spec = obj->as<Ingress>().getSpec();
  auto controller_of = [&](const std::string& name) -> std::string {
    for (const auto& c : classes)
      if (c->name() == name) return c->as<IngressClass>().getSpec().getController();
    return "";
  };
  if (spec.getIngressClassName().isValue())
    return controller_of(spec.getIngressClassName().getValue().cStr()) == settings.controller_class;
  auto annotations = annotations_of(obj);
  auto it = annotations.find(kClassAnnotation);
  if (it != annotations.end()) return it->second == settings.ingress_class;
  if (settings.watch_ingress_without_class) return true;
  // An Ingress without a class (created before any default class existed) belongs to the default
  // class's controller.
  for (const auto& c : classes)
    if (c->as<IngressClass>().getSpec().getController() == settings.controller_class &&
        annotations_of(c)[kDefaultClassAnnotation] == "true")
      return true;
  return false;
}

IngressBuild build_ingresses(const Snapshot& snapshot, const Settings& settings, const CertLookup& certs, Model& model) {
  IngressBuild out;
  for (const auto& ing : snapshot.ingresses)
    if (!ing->metadata().hasDeletionTimestamp() && ingress_is_ours(ing, snapshot.ingress_classes, settings))
      out.handled.push_back(ing);
  std::sort(out.handled.begin(), out.handled.end(), [](const sdk::ObjectPtr& a, const sdk::ObjectPtr& b) {
    const std::string ca = a->metadata().getCreationTimestamp(), cb = b->metadata().getCreationTimestamp();
    if (ca != cb) return ca < cb;
    return a->ns() + "/" + a->name() < b->ns() + "/" + b->name();
  });

  Backends backends(snapshot, model);
  bool catch_all_fallback = false;
  std::map<std::string, Source> cert_owner;  // host → the Ingress whose certificate it serves

  for (const auto& obj : out.handled) {
    const Source src{"Ingress", obj->ns(), obj->name()};
    auto issue = [&](std::string reason, std::string message) {
      out.issues.push_back({src, "Warning", std::move(reason), std::move(message)});
    };
    const std::string created = obj->metadata().getCreationTimestamp();
    const IngressAnnotations ann = parse_annotations(annotations_of(obj));
    for (const auto& p : ann.problems) issue("InvalidAnnotation", p);
    auto spec = obj->as<Ingress>().getSpec();

    auto backend_action = [&](IngressBackend::Reader b) {
      Action a;
      a.protocol = ann.backend_protocol;
      a.client_max_body_size = ann.proxy_body_size;
      a.connect_timeout = ann.proxy_connect_timeout;
      a.send_timeout = ann.proxy_send_timeout;
      a.read_timeout = ann.proxy_read_timeout;
      a.allow_sources = ann.allow_sources;
      if (b.hasService()) {
        auto svc = b.getService();
        const std::string cookie = ann.affinity_cookie ? ann.session_cookie_name : "";
        auto r = backends.service(obj->ns(), svc.getName().cStr(), svc.getPort().getNumber(), svc.getPort().getName().cStr(),
                                  cookie);
        if (r.upstream.empty()) {
          issue(r.reason, r.message + "; its paths answer 503");
          a.type = Action::Type::kStatus;
          a.status = 503;
        } else {
          a.type = Action::Type::kProxy;
          a.backends = {{r.upstream, 1, 0}};
          a.affinity_cookie = cookie;
          a.affinity_cookie_path = ann.session_cookie_path.empty() ? "/" : ann.session_cookie_path;
          a.affinity_cookie_max_age = ann.session_cookie_max_age;
        }
      } else {
        issue("UnsupportedBackend", "resource backends are not supported by this controller; the path answers 503");
        a.type = Action::Type::kStatus;
        a.status = 503;
      }
      return a;
    };

    // Hosts of the tls sections, and their Secrets.
    struct Tls {
      std::vector<std::string> hosts;
      std::string secret;
    };
    std::vector<Tls> tls;
    for (auto t : spec.getTls()) {
      Tls entry;
      for (auto h : t.getHosts()) entry.hosts.push_back(h);
      entry.secret = t.getSecretName();
      tls.push_back(std::move(entry));
    }
    auto tls_of = [&](const std::string& host) -> const Tls* {
      for (const auto& t : tls) {
        if (t.hosts.empty() && !host.empty()) return &t;  // no hosts: every host of the Ingress
        for (const auto& h : t.hosts)
          if (h == host || host_matches(h, host)) return &t;
      }
      return nullptr;
    };

    std::set<std::string> hosts;
    auto rules = spec.getRules();
    for (unsigned i = 0; i < rules.size(); ++i) {
      const std::string host = rules[i].getHost();
      hosts.insert(host);
      Server& https = server_for(model, settings.https_port, true, host);
      Server& http = server_for(model, settings.http_port, false, host);
      const Tls* t = tls_of(host);
      const bool redirect = (t && ann.ssl_redirect) || ann.force_ssl_redirect;
      if (t && !t->secret.empty() && !cert_owner.count(host)) {
        CertFiles files = certs(obj->ns(), t->secret);
        if (!files.error.empty()) {
          issue("InvalidTLSSecret", "secret \"" + obj->ns() + "/" + t->secret + "\": " + files.error +
                                        "; host \"" + host + "\" is served with the default certificate");
        } else {
          https.certificate = files.certificate;
          https.key = files.key;
          https.tls_source = src;
        }
        cert_owner[host] = src;
      }
      if (redirect && !http.fallback) {
        Action r;
        r.type = Action::Type::kStatus;
        r.status = 404;
        r.ssl_redirect = true;
        http.fallback = r;
      }
      if (!rules[i].hasHttp()) continue;
      auto paths = rules[i].getHttp().getPaths();
      for (unsigned j = 0; j < paths.size(); ++j) {
        const std::string value = paths[j].getPath();
        const std::string type = paths[j].getPathType();
        PathMatch pm;
        if (type == "Exact") {
          pm = {PathMatch::Type::kExact, value};
        } else if (ann.regex_paths()) {
          pm = {PathMatch::Type::kRegexCaseInsensitive, value.empty() ? "/" : value};
        } else {
          pm = {PathMatch::Type::kPrefix, normalize_prefix(value)};
        }
        auto taken = std::find_if(https.routes.begin(), https.routes.end(), [&](const Route& r) { return r.path == pm; });
        if (taken != https.routes.end()) {
          issue("PathConflict", "path \"" + pm.value + "\" (" + path_type_name(pm.type) + ") of host \"" +
                                    (host.empty() ? "*" : host) + "\" is already routed by " + taken->source.kind + " " +
                                    taken->source.ns + "/" + taken->source.name + ", which is older; this path is ignored");
          continue;
        }
        Route route;
        route.path = pm;
        route.action = backend_action(paths[j].getBackend());
        if (!ann.rewrite_target.empty() && pm.type != PathMatch::Type::kExact) {
          route.action.rewrite_target = ann.rewrite_target;
          route.action.rewrite_regex = pm.value;
        } else if (!ann.rewrite_target.empty()) {
          route.action.rewrite_target = ann.rewrite_target;
          route.action.rewrite_regex = "^" + pm.value + "$";
        }
        route.source = src;
        route.created = created;
        route.rule_index = static_cast<int>(i);
        route.match_index = static_cast<int>(j);
        https.routes.push_back(route);
        route.action.ssl_redirect = redirect;
        http.routes.push_back(std::move(route));
      }
    }

    if (spec.hasDefaultBackend()) {
      Action a = backend_action(spec.getDefaultBackend());
      for (const auto& host : hosts) {
        Server& https = server_for(model, settings.https_port, true, host);
        Server& http = server_for(model, settings.http_port, false, host);
        if (!https.fallback) https.fallback = a;
        const Tls* t = tls_of(host);
        Action plain = a;
        plain.ssl_redirect = (t && ann.ssl_redirect) || ann.force_ssl_redirect;
        // Replaces the 404 placeholder a TLS host got above (its redirect is kept in `plain`).
        if (!http.fallback || (http.fallback->type == Action::Type::kStatus && http.fallback->status == 404))
          http.fallback = plain;
      }
      if (!catch_all_fallback && !hosts.count("")) {
        server_for(model, settings.https_port, true, "").fallback = a;
        server_for(model, settings.http_port, false, "").fallback = a;
        catch_all_fallback = true;
      } else if (hosts.count("")) {
        catch_all_fallback = true;
      }
    }
  }
  return out;
}

}  // namespace capstan::ingress
