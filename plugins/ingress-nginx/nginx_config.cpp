#include "nginx_config.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>

namespace capstan::ingress {

namespace {

const char* const kRoutePrefix = "/__capstan_route__/";
const char* const kHashPlaceholder = "@@CAPSTAN_CONFIG_HASH@@";

// Text with a line counter and a map from line numbers to the object the lines came from.
class Writer {
 public:
  void line(const std::string& text) {
    out_ += text;
    out_ += '\n';
    ++next_;
  }
  void source(const Source& s) {
    sources_[next_] = s;
    line("# source " + s.key());
  }
  void end_source() { sources_[next_] = Source{}; }
  // Appends another writer's text, shifting its line map.
  void append(const Writer& w) {
    for (const auto& [l, s] : w.sources_) sources_[next_ + l - 1] = s;
    out_ += w.out_;
    next_ += w.next_ - 1;
  }
  const std::string& text() const { return out_; }
  std::map<int, Source>& sources() { return sources_; }

 private:
  std::string out_;
  int next_ = 1;
  std::map<int, Source> sources_;
};

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// $http_x_foo for header X-Foo.
std::string header_variable(const std::string& name) {
  std::string v = "http_" + lower(name);
  for (auto& c : v)
    if (c == '-') c = '_';
  return v;
}

// A map key matching `raw` literally (map treats a leading '~' as a regex and some words as
// parameters: both are escaped with a backslash).
std::string map_literal(const std::string& raw) {
  if (raw.empty()) return "\"\"";
  if (raw[0] == '~' || raw == "default" || raw == "hostnames" || raw == "include" || raw == "volatile")
    return quote_regex("\\" + raw);
  return quote_regex(raw);
}

// How specific a path match is, for ordering candidates (higher first).
std::tuple<int, size_t> path_rank(const PathMatch& p) {
  switch (p.type) {
    case PathMatch::Type::kExact: return {3, p.value.size()};
    case PathMatch::Type::kPrefix: return {2, p.value.size()};
    default: return {1, p.value.size()};
  }
}

bool prefix_covers(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return true;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

// One nginx location: what it matches and the routes it may serve.
struct Location {
  enum class Kind { kExact, kPrefix, kRegex, kRegexCI } kind;
  std::string value;  // the raw location argument (before quoting)
  size_t sort_length = 0;
  PathMatch origin;   // the URIs it serves: exactly one path, a prefix, or a regular expression
  std::vector<const Route*> candidates;
  Source source;
};

struct Globals {
  Writer maps;
  std::map<std::string, std::string> condition_vars;  // condition key → variable
  int counter = 0;
  std::string next(const char* prefix) { return std::string(prefix) + std::to_string(++counter); }
};

struct Context {
  const Model& model;
  const RenderOptions& options;
  Globals& globals;
  const Port& port;
};

std::string condition_variable(Context& ctx, const Condition& c, const Source& src) {
  std::string source_var, key;
  switch (c.type) {
    case Condition::Type::kHeaderExact:
    case Condition::Type::kHeaderRegex: source_var = "$" + header_variable(c.name); break;
    case Condition::Type::kQueryExact:
    case Condition::Type::kQueryRegex: source_var = "$arg_" + c.name; break;
    case Condition::Type::kMethod: source_var = "$request_method"; break;
  }
  const bool regex = c.type == Condition::Type::kHeaderRegex || c.type == Condition::Type::kQueryRegex;
  const std::string match = regex ? quote_regex("~^(?:" + c.value + ")$") : map_literal(c.value);
  key = source_var + " " + match;
  auto it = ctx.globals.condition_vars.find(key);
  if (it != ctx.globals.condition_vars.end()) return it->second;
  const std::string var = ctx.globals.next("capstan_c");
  ctx.globals.maps.source(src);
  ctx.globals.maps.line("map " + source_var + " $" + var + " {");
  ctx.globals.maps.line("  " + match + " 1;");
  ctx.globals.maps.line("  default 0;");
  ctx.globals.maps.line("}");
  ctx.globals.maps.end_source();
  ctx.globals.condition_vars[key] = var;
  return var;
}

int redirect_port(const Context& ctx, const Redirect& r, std::string& scheme) {
  scheme = r.scheme.empty() ? (ctx.port.tls ? "https" : "http") : r.scheme;
  int port = r.port;
  if (port == 0) port = r.scheme.empty() ? ctx.port.number : (scheme == "https" ? 443 : 80);
  if ((scheme == "http" && port == 80) || (scheme == "https" && port == 443)) return 0;
  return port;
}

// Sets $capstan_path to `path_var` with `change` applied; emits nothing when there is no change.
// `matched` is the route's path match (the prefix a ReplacePrefixMatch replaces).
bool emit_path_change(Writer& w, const std::string& indent, const PathChange& change, const PathMatch& matched,
                      const std::string& path_var) {
  if (change.type == PathChange::Type::kNone) return false;
  if (change.type == PathChange::Type::kFull) {
    w.line(indent + "set $capstan_path " + quote_value(change.value) + ";");
    return true;
  }
  // ReplacePrefixMatch: the matched prefix (without its trailing '/') is replaced; a replacement
  // ending in '/' does not double the separator.
  std::string prefix = matched.value;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  const bool slash_end = !change.value.empty() && change.value.back() == '/';
  const std::string regex = "^" + regex_escape(prefix) + (slash_end ? "/?(.*)$" : "(/.*)?$");
  w.line(indent + "set $capstan_path " + path_var + ";");
  w.line(indent + "if (" + path_var + " ~ " + quote_regex(regex) + ") {");
  w.line(indent + "  set $capstan_path " + quote_value(change.value).insert(quote_value(change.value).size() - 1, "$1") + ";");
  w.line(indent + "}");
  return true;
}

void emit_headers(Context& ctx, Writer& w, const std::string& indent, const Action& a, const Source& src) {
  // proxy_set_header in a location replaces every inherited one: the full set is written here.
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", a.host_rewrite.empty() ? "$host" : quote_value(a.host_rewrite)},
      {"X-Real-IP", "$remote_addr"},
      {"X-Forwarded-For", "$proxy_add_x_forwarded_for"},
      {"X-Forwarded-Host", "$host"},
      {"X-Forwarded-Port", "$server_port"},
      {"X-Forwarded-Proto", "$scheme"},
      {"X-Request-ID", "$request_id"},
      {"Upgrade", "$http_upgrade"},
      {"Connection", "$capstan_connection"}};
  auto put = [&](const std::string& name, const std::string& value) {
    for (auto& h : headers)
      if (lower(h.first) == lower(name)) {
        h.second = value;
        return;
      }
    headers.emplace_back(name, value);
  };
  for (const auto& [name, value] : a.request_headers.set) put(name, quote_value(value));
  for (const auto& [name, value] : a.request_headers.add) {
    const std::string var = ctx.globals.next("capstan_add");
    const std::string hv = "$" + header_variable(name);
    ctx.globals.maps.source(src);
    ctx.globals.maps.line("map " + hv + " $" + var + " {");
    ctx.globals.maps.line("  \"\" " + quote_value(value) + ";");
    std::string joined = quote_value(value);
    joined.insert(1, hv + ",");
    ctx.globals.maps.line("  default " + joined + ";");
    ctx.globals.maps.line("}");
    ctx.globals.maps.end_source();
    put(name, "$" + var);
  }
  for (const auto& name : a.request_headers.remove) put(name, "\"\"");
  for (const auto& [name, value] : headers) w.line(indent + "proxy_set_header " + name + " " + value + ";");
  for (const auto& name : a.response_headers.remove) w.line(indent + "proxy_hide_header " + name + ";");
  for (const auto& [name, value] : a.response_headers.set) {
    w.line(indent + "proxy_hide_header " + name + ";");
    w.line(indent + "add_header " + name + " " + quote_value(value) + " always;");
  }
  for (const auto& [name, value] : a.response_headers.add)
    w.line(indent + "add_header " + name + " " + quote_value(value) + " always;");
}

// The directives that make a request get `a`. `path_var` holds the request path ("$uri", or the
// saved original path in a per-route internal location, where the URI must be restored).
void emit_action(Context& ctx, Writer& w, const std::string& indent, const Action& a, const PathMatch& matched,
                 const std::string& path_var, const Source& src) {
  const bool internal = path_var != "$uri";
  for (const auto& cidr : a.allow_sources) w.line(indent + "allow " + cidr + ";");
  if (!a.allow_sources.empty()) w.line(indent + "deny all;");
  if (a.ssl_redirect && !ctx.port.tls) {
    const std::string port = ctx.options.https_redirect_port == 443 ? "" : ":" + std::to_string(ctx.options.https_redirect_port);
    w.line(indent + "return 308 https://$host" + port + "$request_uri;");
    return;
  }
  if (a.type == Action::Type::kStatus) {
    w.line(indent + "return " + std::to_string(a.status) + ";");
    return;
  }
  if (a.type == Action::Type::kRedirect) {
    std::string scheme;
    const int port = redirect_port(ctx, a.redirect, scheme);
    std::string path = path_var;
    if (emit_path_change(w, indent, a.redirect.path, matched, path_var)) path = "$capstan_path";
    std::string location = scheme + "://" + (a.redirect.hostname.empty() ? "$host" : a.redirect.hostname) +
                           (port ? ":" + std::to_string(port) : "");
    w.line(indent + "return " + std::to_string(a.redirect.status) + " \"" + location + path + "$is_args$args\";");
    return;
  }
  // Proxy. The backend: one upstream, or a weighted split decided per request.
  std::vector<WeightedUpstream> shares;
  int64_t total = 0;
  for (const auto& b : a.backends)
    if (b.weight > 0) {
      shares.push_back(b);
      total += b.weight;
    }
  if (shares.empty()) {
    w.line(indent + "return 500;");
    return;
  }
  std::string target;
  if (shares.size() == 1) {
    if (shares[0].upstream.empty()) {
      w.line(indent + "return " + std::to_string(shares[0].status) + ";");
      return;
    }
    target = shares[0].upstream;
  } else {
    const std::string var = ctx.globals.next("capstan_split");
    ctx.globals.maps.source(src);
    ctx.globals.maps.line("split_clients \"${request_id}\" $" + var + " {");
    int64_t used = 0;  // hundredths of a percent
    for (size_t i = 0; i < shares.size(); ++i) {
      const std::string value = shares[i].upstream.empty() ? "__status_" + std::to_string(shares[i].status) : shares[i].upstream;
      if (i + 1 == shares.size()) {
        ctx.globals.maps.line("  * " + value + ";");
        break;
      }
      const int64_t hundredths = shares[i].weight * 10000 / total;
      used += hundredths;
      if (hundredths == 0) continue;
      char pct[32];
      std::snprintf(pct, sizeof pct, "%lld.%02lld%%", static_cast<long long>(hundredths / 100),
                    static_cast<long long>(hundredths % 100));
      ctx.globals.maps.line(std::string("  ") + pct + " " + value + ";");
    }
    ctx.globals.maps.line("}");
    ctx.globals.maps.end_source();
    std::set<int> statuses;
    for (const auto& s : shares)
      if (s.upstream.empty()) statuses.insert(s.status);
    for (int s : statuses)
      w.line(indent + "if ($" + var + " = __status_" + std::to_string(s) + ") { return " + std::to_string(s) + "; }");
    target = "$" + var;
  }
  if (!a.client_max_body_size.empty()) w.line(indent + "client_max_body_size " + a.client_max_body_size + ";");
  const char* module = (a.protocol == "GRPC" || a.protocol == "GRPCS") ? "grpc" : "proxy";
  w.line(indent + module + "_connect_timeout " + std::to_string(a.connect_timeout) + "s;");
  w.line(indent + module + "_send_timeout " + std::to_string(a.send_timeout) + "s;");
  w.line(indent + module + "_read_timeout " + std::to_string(a.read_timeout) + "s;");
  emit_headers(ctx, w, indent, a, src);
  if (!a.affinity_cookie.empty() && shares.size() == 1) {
    // The Set-Cookie header of a client that has no affinity cookie yet (see the upstream's hash).
    const std::string var = "capstan_setcookie_" + lower(a.affinity_cookie) + "_" + std::to_string(ctx.globals.counter++);
    std::string value = a.affinity_cookie + "=$request_id; Path=" + a.affinity_cookie_path;
    if (!a.affinity_cookie_max_age.empty()) value += "; Max-Age=" + a.affinity_cookie_max_age;
    value += "; HttpOnly";
    ctx.globals.maps.source(src);
    ctx.globals.maps.line("map $cookie_" + a.affinity_cookie + " $" + var + " {");
    ctx.globals.maps.line("  \"\" \"" + value + "\";");
    ctx.globals.maps.line("  default \"\";");
    ctx.globals.maps.line("}");
    ctx.globals.maps.end_source();
    w.line(indent + "add_header Set-Cookie $" + var + ";");
  }
  // The path sent upstream: rewrite-target (Ingress), URLRewrite (Gateway API), or the original
  // path restored in an internal location. `rewrite ... break` ends the rewrite directives, so it
  // comes last.
  if (!a.rewrite_target.empty()) {
    w.line(indent + "rewrite " + quote_regex("(?i)" + a.rewrite_regex) + " " + quote_regex(a.rewrite_target) + " break;");
  } else if (emit_path_change(w, indent, a.rewrite, matched, path_var)) {
    w.line(indent + "rewrite ^ $capstan_path break;");
  } else if (internal) {
    w.line(indent + "rewrite ^ " + path_var + " break;");
  }
  if (a.protocol == "GRPC" || a.protocol == "GRPCS") {
    w.line(indent + "grpc_pass " + std::string(a.protocol == "GRPC" ? "grpc://" : "grpcs://") + target + ";");
  } else {
    w.line(indent + "proxy_http_version 1.1;");
    if (a.protocol == "HTTPS") w.line(indent + "proxy_ssl_server_name on;");
    w.line(indent + "proxy_pass " + std::string(a.protocol == "HTTPS" ? "https://" : "http://") + target + ";");
  }
}

// Whether `r` matches every request path the location can receive.
bool covers(const Route& r, const Location& loc) {
  const PathMatch& o = loc.origin;
  if (r.path.type == PathMatch::Type::kPrefix && r.path.value == "/") return true;
  switch (o.type) {
    case PathMatch::Type::kExact:
      if (r.path.type == PathMatch::Type::kExact) return r.path.value == o.value;
      return r.path.type == PathMatch::Type::kPrefix && prefix_covers(r.path.value, o.value);
    case PathMatch::Type::kPrefix:
      return r.path.type == PathMatch::Type::kPrefix && prefix_covers(r.path.value, o.value);
    default:
      return r.path == o;
  }
}

// Gateway API precedence among candidates covering the same location.
bool before(const Route* a, const Route* b) {
  auto ra = path_rank(a->path), rb = path_rank(b->path);
  if (ra != rb) return ra > rb;
  auto count = [](const Route* r, bool method) {
    int n = 0, headers = 0, query = 0;
    for (const auto& c : r->conditions) {
      if (c.type == Condition::Type::kMethod) ++n;
      else if (c.type == Condition::Type::kHeaderExact || c.type == Condition::Type::kHeaderRegex) ++headers;
      else ++query;
    }
    return method ? n : headers * 1000 + query;
  };
  if (count(a, true) != count(b, true)) return count(a, true) > count(b, true);
  if (count(a, false) != count(b, false)) return count(a, false) > count(b, false);
  if (a->created != b->created) return a->created < b->created;
  if (a->source.key() != b->source.key()) return a->source.key() < b->source.key();
  if (a->rule_index != b->rule_index) return a->rule_index < b->rule_index;
  return a->match_index < b->match_index;
}

std::string location_line(const Location& loc) {
  switch (loc.kind) {
    case Location::Kind::kExact: return "location = " + quote_regex(loc.value) + " {";
    case Location::Kind::kPrefix: return "location " + quote_regex(loc.value) + " {";
    case Location::Kind::kRegex: return "location ~ " + quote_regex(loc.value) + " {";
    case Location::Kind::kRegexCI: return "location ~* " + quote_regex(loc.value) + " {";
  }
  return "";
}

void emit_server(Context& ctx, Writer& w, Writer& internal, const Server& server) {
  const bool regex_mode = std::any_of(server.routes.begin(), server.routes.end(), [](const Route& r) {
    return r.path.type == PathMatch::Type::kRegex || r.path.type == PathMatch::Type::kRegexCaseInsensitive;
  });
  // The locations.
  std::vector<Location> locations;
  std::set<std::string> seen;
  auto add = [&](Location::Kind kind, std::string value, size_t sort_length, const Source& src) -> Location* {
    const std::string key = std::to_string(static_cast<int>(kind)) + value;
    if (!seen.insert(key).second) return nullptr;
    Location loc;
    loc.kind = kind;
    loc.value = std::move(value);
    loc.sort_length = sort_length;
    loc.source = src;
    locations.push_back(std::move(loc));
    return &locations.back();
  };
  for (const auto& r : server.routes) {
    const size_t len = r.path.value.size();
    Location* l = nullptr;
    switch (r.path.type) {
      case PathMatch::Type::kExact:
        if ((l = add(Location::Kind::kExact, r.path.value, len, r.source))) l->origin = r.path;
        break;
      case PathMatch::Type::kPrefix:
        if (r.path.value == "/") {
          if ((l = add(Location::Kind::kPrefix, "/", 1, r.source))) l->origin = r.path;
        } else if (regex_mode) {
          if ((l = add(Location::Kind::kRegex, "^" + regex_escape(r.path.value) + "(/|$)", len, r.source))) l->origin = r.path;
        } else {
          if ((l = add(Location::Kind::kPrefix, r.path.value + "/", len, r.source))) l->origin = r.path;
          if ((l = add(Location::Kind::kExact, r.path.value, len, r.source)))
            l->origin = PathMatch{PathMatch::Type::kExact, r.path.value};
        }
        break;
      case PathMatch::Type::kRegexCaseInsensitive:
        if ((l = add(Location::Kind::kRegexCI, "^" + r.path.value, len, r.source))) l->origin = r.path;
        break;
      case PathMatch::Type::kRegex:
        if ((l = add(Location::Kind::kRegex, "^(?:" + r.path.value + ")$", len, r.source))) l->origin = r.path;
        break;
    }
  }
  for (auto& loc : locations) {
    for (const auto& r : server.routes)
      if (covers(r, loc)) loc.candidates.push_back(&r);
    std::stable_sort(loc.candidates.begin(), loc.candidates.end(), before);
  }
  // Regex locations are tried in order: longest path first, as ingress-nginx sorts them.
  std::stable_sort(locations.begin(), locations.end(), [](const Location& a, const Location& b) {
    const bool ra = a.kind == Location::Kind::kRegex || a.kind == Location::Kind::kRegexCI;
    const bool rb = b.kind == Location::Kind::kRegex || b.kind == Location::Kind::kRegexCI;
    if (ra != rb) return !ra;
    if (ra) return a.sort_length > b.sort_length;
    return false;
  });

  const bool has_root = seen.count(std::to_string(static_cast<int>(Location::Kind::kPrefix)) + "/") > 0;
  for (const auto& loc : locations) {
    w.source(loc.source);
    w.line("    " + location_line(loc));
    const Route* fallthrough = nullptr;
    std::vector<const Route*> conditional;
    for (const Route* r : loc.candidates) {
      if (r->conditions.empty()) {
        fallthrough = r;
        break;
      }
      conditional.push_back(r);
    }
    if (!conditional.empty()) {
      // The best candidate whose conditions all hold: evaluated from the least preferred to the
      // most preferred, so the last `set` wins.
      w.line("      set $capstan_route \"\";");
      for (auto it = conditional.rbegin(); it != conditional.rend(); ++it) {
        const Route* r = *it;
        std::string combined, expected;
        for (const auto& c : r->conditions) {
          combined += "${" + condition_variable(ctx, c, r->source) + "}";
          expected += "1";
        }
        const std::string id = ctx.globals.next("r");
        w.line("      set $capstan_match \"" + combined + "\";");
        w.line("      if ($capstan_match = " + expected + ") { set $capstan_route " + id + "; }");
        // The route's own internal location, reached by an internal redirect.
        internal.source(r->source);
        internal.line("    location ^~ " + std::string(kRoutePrefix) + id + "/ {");
        internal.line("      internal;");
        emit_action(ctx, internal, "      ", r->action, r->path, "$capstan_uri", r->source);
        internal.line("    }");
        internal.end_source();
        w.line("      if ($capstan_route = " + id + ") { set $capstan_uri $uri; rewrite ^ " + kRoutePrefix + id +
               "$uri last; }");
      }
    }
    if (fallthrough) {
      emit_action(ctx, w, "      ", fallthrough->action, fallthrough->path, "$uri", fallthrough->source);
    } else if (server.fallback) {
      emit_action(ctx, w, "      ", *server.fallback, PathMatch{PathMatch::Type::kPrefix, "/"}, "$uri", loc.source);
    } else {
      w.line("      return 404;");
    }
    w.line("    }");
    w.end_source();
  }
  if (!has_root) {
    w.line("    location / {");
    if (server.fallback) emit_action(ctx, w, "      ", *server.fallback, PathMatch{PathMatch::Type::kPrefix, "/"}, "$uri", Source{});
    else w.line("      return 404;");
    w.line("    }");
  }
}

// Kubernetes wildcards match one label (Ingress) or any number of labels (Gateway API), never
// nginx's own "*.foo.com" semantics: written as regular expressions.
std::string server_name_of(const Server& server) {
  const std::string& host = server.hostname;
  if (host.empty()) return "_";
  if (host.rfind("*.", 0) == 0)
    return quote_regex(std::string("~^") + (server.any_depth_wildcard ? ".+" : "[^.]+") + regex_escape(host.substr(1)) + "$");
  return host;
}

}  // namespace

std::string regex_escape(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string quote_regex(const std::string& raw) {
  std::string out = "\"";
  for (char c : raw) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string quote_value(const std::string& raw) {
  std::string out = "\"";
  for (char c : raw) {
    if (c == '$') {
      out += "${capstan_dollar}";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

const Source* Rendered::source_of_line(int line) const {
  auto it = line_source.upper_bound(line);
  if (it == line_source.begin()) return nullptr;
  --it;
  return it->second.kind.empty() ? nullptr : &it->second;
}

Rendered render(const Model& model, const RenderOptions& options) {
  Globals globals;
  Writer servers, internal;
  for (const auto& [number, port] : model.ports) {
    Context ctx{model, options, globals, port};
    // Every port has a catch-all server: unknown hosts get 404 (or the catch-all's fallback).
    std::map<std::string, Server> all = port.servers;
    if (!all.count("")) all[""].hostname = "";
    for (const auto& [host, server] : all) {
      Writer block;
      block.line("  server {");
      for (const auto& addr : model.listen_addresses) {
        std::string listen = "    listen " + (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) + ":" +
                             std::to_string(number);
        if (port.tls) listen += " ssl";
        if (port.tls && port.http2) listen += " http2";
        if (host.empty()) listen += " default_server";
        block.line(listen + ";");
      }
      block.line("    server_name " + server_name_of(server) + ";");
      if (port.tls) {
        if (!server.tls_source.kind.empty()) block.source(server.tls_source);
        const std::string cert = server.certificate.empty() ? model.default_certificate : server.certificate;
        const std::string key = server.certificate.empty() ? model.default_key : server.key;
        block.line("    ssl_certificate " + quote_regex(cert) + ";");
        block.line("    ssl_certificate_key " + quote_regex(key) + ";");
        if (!server.tls_source.kind.empty()) block.end_source();
      }
      Writer internal_block;
      emit_server(ctx, block, internal_block, server);
      block.append(internal_block);
      block.line("  }");
      servers.append(block);
    }
  }

  Writer w;
  w.line("# Generated by Capstan's ingress-nginx plugin from Ingresses and Gateway API routes; do not edit.");
  w.line("# configuration " + std::string(kHashPlaceholder));
  if (options.set_user) w.line("user nobody nogroup;");
  w.line(options.worker_processes > 0 ? "worker_processes " + std::to_string(options.worker_processes) + ";"
                                      : "worker_processes auto;");
  w.line("pid " + quote_regex(options.dir + "/nginx.pid") + ";");
  w.line("error_log " + quote_regex(options.dir + "/logs/error.log") + " notice;");
  w.line("worker_shutdown_timeout 240s;");
  w.line("events {");
  w.line("  worker_connections 16384;");
  w.line("}");
  w.line("http {");
  w.line("  default_type text/plain;");
  w.line(options.access_log ? "  access_log " + quote_regex(options.dir + "/logs/access.log") + ";" : "  access_log off;");
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    w.line(std::string("  ") + t + "_temp_path " + quote_regex(options.dir + "/tmp/" + t) + ";");
  w.line("  server_tokens off;");
  w.line("  sendfile on;");
  w.line("  tcp_nodelay on;");
  w.line("  keepalive_timeout 75s;");
  w.line("  keepalive_requests 10000;");
  w.line("  server_names_hash_bucket_size 256;");
  w.line("  server_names_hash_max_size 8192;");
  w.line("  map_hash_bucket_size 256;");
  w.line("  variables_hash_bucket_size 256;");
  w.line("  variables_hash_max_size 8192;");
  w.line("  large_client_header_buffers 4 16k;");
  w.line("  proxy_next_upstream error timeout;");
  w.line("  proxy_next_upstream_tries 3;");
  w.line("  proxy_buffer_size 16k;");
  w.line("  proxy_buffers 8 16k;");
  w.line("  ssl_protocols TLSv1.2 TLSv1.3;");
  w.line("  ssl_session_cache shared:capstan_ssl:10m;");
  w.line("  ssl_session_timeout 10m;");
  w.line("  map $http_upgrade $capstan_connection {");
  w.line("    default upgrade;");
  w.line("    \"\" \"\";");
  w.line("  }");
  w.line("  geo $capstan_dollar {");
  w.line("    default \"$\";");
  w.line("  }");
  w.append(globals.maps);
  for (const auto& [name, up] : model.upstreams) {
    w.line("  upstream " + name + " {");
    if (!up.affinity_cookie.empty()) {
      // Sticky sessions: a consistent hash of the affinity cookie, or of a fresh id (which the
      // location sends back as the cookie) for a client that has none.
      const std::string var = "capstan_affinity_" + std::to_string(globals.counter++);
      w.line("    hash $" + var + " consistent;");
      Writer map;
      map.line("  map $cookie_" + up.affinity_cookie + " $" + var + " {");
      map.line("    \"\" $request_id;");
      map.line("    default $cookie_" + up.affinity_cookie + ";");
      map.line("  }");
      // Maps must be at http level: written after this upstream (order does not matter to nginx).
      for (const auto& s : up.servers) w.line("    server " + s + " max_fails=1 fail_timeout=5s;");
      w.line("    keepalive 64;");
      w.line("  }");
      w.append(map);
      continue;
    }
    for (const auto& s : up.servers) w.line("    server " + s + " max_fails=0;");
    w.line("    keepalive 64;");
    w.line("  }");
  }
  if (model.status_port > 0) {
    w.line("  server {");
    w.line("    listen 127.0.0.1:" + std::to_string(model.status_port) + ";");
    w.line("    location = /healthz { return 200 \"ok\\n\"; }");
    w.line("    location = /configuration-hash { return 200 \"" + std::string(kHashPlaceholder) + "\"; }");
    w.line("    location = /nginx_status { stub_status; }");
    w.line("    location / { return 404; }");
    w.line("  }");
  }
  w.append(servers);
  w.line("}");

  Rendered r;
  const std::string with_placeholder = w.text();
  r.hash = sha256_hex(with_placeholder).substr(0, 16);
  r.text = with_placeholder;
  for (size_t pos; (pos = r.text.find(kHashPlaceholder)) != std::string::npos;)
    r.text.replace(pos, std::string(kHashPlaceholder).size(), r.hash);
  r.line_source = w.sources();
  return r;
}

}  // namespace capstan::ingress
