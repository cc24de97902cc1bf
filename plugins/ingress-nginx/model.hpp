#pragma once
// What nginx should serve, independent of where it came from: the Ingress and Gateway API
// builders both fill one Model, and nginx_config.cpp renders it. Every piece carries the object it
// came from (`Source`) so that a configuration nginx rejects can be traced back to that object.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace capstan::ingress {

// The API object a piece of configuration comes from ("Ingress", "default", "web").
struct Source {
  std::string kind, ns, name;
  std::string key() const { return kind + "/" + ns + "/" + name; }
  bool operator<(const Source& o) const { return key() < o.key(); }
  bool operator==(const Source& o) const { return key() == o.key(); }
};

// One nginx upstream block.
struct Upstream {
  std::string name;                  // unique, [a-z0-9_.-]
  std::vector<std::string> servers;  // "10.96.0.5:80"
  std::string affinity_cookie;       // non-empty: hash on this cookie (sticky sessions)
  bool operator==(const Upstream& o) const {
    return name == o.name && servers == o.servers && affinity_cookie == o.affinity_cookie;
  }
};

struct WeightedUpstream {
  std::string upstream;  // empty: this share of requests answers `status` (an invalid backend)
  int32_t weight = 1;
  int status = 500;
};

struct HeaderChange {
  std::vector<std::pair<std::string, std::string>> set, add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

// A path rewrite or redirect path: the full path replaced, or the matched prefix replaced.
struct PathChange {
  enum class Type { kNone, kFull, kPrefix } type = Type::kNone;
  std::string value;
};

struct Redirect {
  std::string scheme;    // "" = the request's
  std::string hostname;  // "" = the request's
  int port = 0;          // 0 = derived (see nginx_config.cpp)
  PathChange path;
  int status = 302;
};

// What a matching request gets.
struct Action {
  enum class Type { kProxy, kRedirect, kStatus } type = Type::kStatus;
  int status = 404;                        // kStatus
  std::vector<WeightedUpstream> backends;  // kProxy (several: weighted split)
  std::string protocol = "HTTP";           // HTTP, HTTPS, GRPC, GRPCS (Ingress backend-protocol)
  Redirect redirect;                       // kRedirect
  // Changes on the way to the backend.
  PathChange rewrite;                      // Gateway URLRewrite
  std::string rewrite_target;              // Ingress rewrite-target (regex replacement of the path)
  std::string rewrite_regex;               // the regex rewrite_target applies to
  std::string host_rewrite;                // Gateway URLRewrite hostname
  HeaderChange request_headers, response_headers;
  // Ingress annotations that tune the location.
  std::string client_max_body_size;        // "1m" (nginx default), "8m", "0"
  int connect_timeout = 5, send_timeout = 60, read_timeout = 60;  // seconds
  std::vector<std::string> allow_sources;  // CIDRs; non-empty = everything else is denied (403)
  std::string affinity_cookie;             // the upstream's cookie, for Set-Cookie
  std::string affinity_cookie_path = "/";
  std::string affinity_cookie_max_age;     // "" = session cookie
  bool ssl_redirect = false;               // on the plain-HTTP side: 308 to HTTPS instead
  bool force_ssl_redirect = false;         // redirect even when the host has no TLS
};

// How a route matches the request path.
struct PathMatch {
  enum class Type { kExact, kPrefix, kRegex, kRegexCaseInsensitive } type = Type::kPrefix;
  std::string value;  // Prefix values are normalised: no trailing '/' except for "/"
  bool operator==(const PathMatch& o) const { return type == o.type && value == o.value; }
};

// Extra conditions (Gateway API): all must hold.
struct Condition {
  enum class Type { kHeaderExact, kHeaderRegex, kQueryExact, kQueryRegex, kMethod } type;
  std::string name, value;
};

struct Route {
  PathMatch path;
  std::vector<Condition> conditions;
  Action action;
  Source source;
  // Precedence among routes of one server once the path is decided (Gateway API order): more
  // conditions first, then older objects, then name, rule and match index.
  std::string created;  // RFC 3339
  int rule_index = 0, match_index = 0;
};

// A virtual server: one host name (exact, "*.foo.com", or "" for the catch-all) on one port.
struct Server {
  std::string hostname;
  bool any_depth_wildcard = false;  // "*.foo.com" matches a.b.foo.com too (Gateway API hostnames)
  std::vector<Route> routes;
  std::optional<Action> fallback;  // unmatched paths (an Ingress defaultBackend); else 404
  // TLS (on TLS ports): certificate files; empty = the default certificate.
  std::string certificate, key;
  Source tls_source;
};

struct Port {
  int number = 0;
  bool tls = false;
  bool http2 = false;
  std::map<std::string, Server> servers;  // by hostname
};

struct Model {
  std::map<int, Port> ports;
  std::map<std::string, Upstream> upstreams;  // by name
  std::string default_certificate, default_key;  // the fallback certificate's files
  int status_port = 0;                      // loopback-only port serving /healthz and the config hash
  std::vector<std::string> listen_addresses;  // where every port is bound
};

}  // namespace capstan::ingress
