#pragma once
// networking.k8s.io/v1 Ingresses → Model, the way ingress-nginx reads them:
//
//  - only Ingresses of this controller's class (ingressClassName → an IngressClass whose
//    spec.controller is ours; the legacy kubernetes.io/ingress.class annotation; no class at all
//    when watchIngressWithoutClass is set or our class is the default one);
//  - oldest first (creationTimestamp, then namespace/name): on the same host, path and path type
//    the oldest Ingress wins and the others get a Warning event;
//  - every host is served on the HTTP and the HTTPS port; hosts named in a tls section use the
//    Secret's certificate (SNI) and their plain-HTTP requests get a 308 to HTTPS;
//  - Kubernetes path semantics: Exact, Prefix element by element, ImplementationSpecific as
//    Prefix; Ingresses with use-regex or rewrite-target have regular-expression paths (Prefix and
//    ImplementationSpecific), and — unlike ingress-nginx — that never changes how other Ingresses'
//    paths on the same host match;
//  - a backend Service that cannot be used answers 503 on its paths (with an event); the other
//    paths keep working; spec.defaultBackend serves unmatched paths of its hosts and, from the
//    oldest Ingress that has one, unmatched hosts; else 404.

#include <string>
#include <vector>

#include "cluster.hpp"
#include "model.hpp"
#include "settings.hpp"

namespace capstan::ingress {

// Whether this controller handles the Ingress.
bool ingress_is_ours(const sdk::ObjectPtr& ingress, const std::vector<sdk::ObjectPtr>& classes, const Settings& settings);

struct IngressBuild {
  std::vector<sdk::ObjectPtr> handled;  // ours, oldest first: their status gets our address
  std::vector<Issue> issues;
};

IngressBuild build_ingresses(const Snapshot& snapshot, const Settings& settings, const CertLookup& certs, Model& model);

// "/foo/" → "/foo" (Prefix paths ignore a trailing slash); "" → "/".
std::string normalize_prefix(const std::string& path);

}  // namespace capstan::ingress
