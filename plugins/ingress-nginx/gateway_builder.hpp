#pragma once
// Gateway API (gateway.networking.k8s.io/v1) → Model, on the same nginx as the Ingresses, with the
// status the spec asks a controller to report:
//
//  - GatewayClass: Accepted for classes whose controllerName is ours;
//  - Gateway: Accepted, Programmed (set by the controller once nginx serves it), addresses = the
//    node's; per listener Accepted (UnsupportedProtocol, PortUnavailable), ResolvedRefs
//    (InvalidCertificateRef, RefNotPermitted, InvalidRouteKinds), Conflicted (ProtocolConflict),
//    Programmed, attachedRoutes and supportedKinds;
//  - HTTPRoute, per parentRef that names one of our Gateways: Accepted (NotAllowedByListeners,
//    NoMatchingListenerHostname, NoMatchingParent, UnsupportedValue) and ResolvedRefs
//    (BackendNotFound, InvalidKind, RefNotPermitted).
//
// Listeners bind their own port on the node's addresses; an HTTP listener may share the Ingress
// HTTP port and an HTTPS listener the Ingress HTTPS port (their virtual servers are merged), a
// listener whose port has the other protocol there is not accepted (PortUnavailable). Cross-
// namespace references need a ReferenceGrant, which Capstan does not serve yet: they are refused
// (RefNotPermitted).

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "model.hpp"
#include "settings.hpp"

namespace capstan::ingress {

struct ConditionState {
  std::string type, status, reason, message;
  bool operator==(const ConditionState& o) const {
    return type == o.type && status == o.status && reason == o.reason && message == o.message;
  }
};

struct ListenerState {
  std::string name;
  int32_t attached_routes = 0;
  bool supports_http_route = true;
  std::vector<ConditionState> conditions;  // Accepted, Programmed, ResolvedRefs, Conflicted
  bool usable = false;                     // served by nginx
};

struct GatewayState {
  sdk::ObjectPtr object;
  std::vector<ConditionState> conditions;  // Accepted (Programmed is added by the controller)
  std::vector<ListenerState> listeners;
  bool accepted = false;
};

struct RouteParentState {
  int parent_index = 0;  // into spec.parentRefs
  std::vector<ConditionState> conditions;  // Accepted, ResolvedRefs
};

struct RouteState {
  sdk::ObjectPtr object;
  std::vector<RouteParentState> parents;  // only parentRefs naming our Gateways
};

struct GatewayBuild {
  std::vector<std::pair<sdk::ObjectPtr, ConditionState>> classes;  // our GatewayClasses: Accepted
  std::vector<GatewayState> gateways;
  std::vector<RouteState> routes;
  std::vector<Issue> issues;
};

// `port_available(port)` tells whether a listener port not already used by the model can be bound.
GatewayBuild build_gateways(const Snapshot& snapshot, const Settings& settings, const CertLookup& certs,
                            const std::function<bool(int)>& port_available, Model& model);

}  // namespace capstan::ingress
