#pragma once
// The cluster state the builders read (a snapshot of the informer caches), the problems they report
// (turned into events and statuses by the controller), and backend resolution: a Service port
// becomes an nginx upstream.
//
// Upstreams point at the Service's ClusterIP, which the node's service proxy balances over the
// ready endpoints: endpoint changes never change the nginx configuration, so they never reload
// nginx. The address is listed twice so that nginx retries a failed connection once more
// (proxy_next_upstream), and the second attempt is balanced again by the proxy. Only headless
// Services (no ClusterIP) and cookie affinity (which must pin a client to one pod) list the pod
// endpoints themselves.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "capstan/object.hpp"
#include "model.hpp"

namespace capstan::ingress {

struct Snapshot {
  std::vector<sdk::ObjectPtr> ingresses, ingress_classes, services, endpoint_slices, secrets;
  std::vector<sdk::ObjectPtr> gateway_classes, gateways, http_routes, namespaces;
};

// A problem found while building, reported on `source` (an event; statuses for Gateway API kinds).
struct Issue {
  Source source;
  std::string type = "Warning";
  std::string reason, message;
  bool operator==(const Issue& o) const {
    return source == o.source && type == o.type && reason == o.reason && message == o.message;
  }
};

// Certificate files for a kubernetes.io/tls Secret, or why it cannot be used.
struct CertFiles {
  std::string certificate, key;
  std::string error;  // non-empty: unusable
  std::vector<std::string> names;  // DNS names the certificate covers (SANs, else CN)
};
using CertLookup = std::function<CertFiles(const std::string& ns, const std::string& name)>;

class Backends {
 public:
  Backends(const Snapshot& snapshot, Model& model);

  struct Result {
    std::string upstream;  // set when usable
    std::string reason;    // else why not: ServiceNotFound, PortNotFound, UnsupportedServiceType, NoEndpoints
    std::string message;
  };
  // The upstream for port `port_number` (or `port_name` when non-empty) of Service ns/name.
  Result service(const std::string& ns, const std::string& name, int32_t port_number, const std::string& port_name,
                 const std::string& affinity_cookie = "");
  bool service_exists(const std::string& ns, const std::string& name) const;

 private:
  std::vector<std::string> endpoint_servers(const std::string& ns, const std::string& service,
                                            const std::string& port_name, int32_t target_port) const;
  Model& model_;
  std::map<std::string, sdk::ObjectPtr> services_;                    // ns/name
  std::map<std::string, std::vector<sdk::ObjectPtr>> slices_;         // ns/service
};

// nginx's upstream names: lower-case letters, digits, '-', '_' and '.' only.
std::string upstream_name(const std::string& ns, const std::string& service, const std::string& port,
                          const std::string& suffix = "");

// Kubernetes host matching: exact, or "*.foo.com" matching exactly one more label.
bool host_matches(const std::string& pattern, const std::string& host);

// The annotations / labels of an object as a map.
std::map<std::string, std::string> annotations_of(const sdk::ObjectPtr& obj);
std::map<std::string, std::string> labels_of(const sdk::ObjectPtr& obj);

}  // namespace capstan::ingress
