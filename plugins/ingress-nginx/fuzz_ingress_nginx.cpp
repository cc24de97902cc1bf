// libFuzzer target: what users put into this plugin's input reaches the nginx configuration —
// annotation values (parse_annotations), paths, host names, header names and values, redirect and
// rewrite values — and Secret bytes reach OpenSSL (check_pair). Invariants: nothing crashes, and
// whatever the values, the rendered configuration keeps its structure: every quoted string closes
// on its line and braces outside quotes balance (a value can never open or close a block).
#include <cctype>
#include <cstddef>
#include <map>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "annotations.hpp"
#include "certificates.hpp"
#include "nginx_config.hpp"

using namespace capstan::ingress;

namespace {

bool structure_intact(const std::string& text) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      else if (c == '\n') return false;
      continue;
    }
    if (c == '#') {  // comment to the end of the line
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth < 0) return false;
  }
  return !quoted && depth == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) f.push_back(text.substr(start, nl - start));
  f.push_back(text.substr(start));
  while (f.size() < 8) f.push_back("");

  std::map<std::string, std::string> ann;
  for (const char* name : {"rewrite-target", "proxy-body-size", "proxy-read-timeout", "whitelist-source-range",
                           "session-cookie-name", "session-cookie-path", "backend-protocol", "use-regex"})
    ann[std::string(kAnnotationPrefix) + name] = f[0];
  const IngressAnnotations a = parse_annotations(ann);

  Model m;
  m.listen_addresses = {"127.0.0.1"};
  m.default_certificate = "/c.crt";
  m.default_key = "/c.key";
  m.upstreams["u"] = Upstream{"u", {"10.0.0.1:80"}, a.affinity_cookie ? a.session_cookie_name : ""};
  Port& p = m.ports[80];
  p.number = 80;
  Server& s = p.servers[f[1]];
  s.hostname = f[1];
  Route r;
  r.path = {static_cast<PathMatch::Type>(size % 4), f[2]};
  r.action.type = static_cast<Action::Type>(size % 3);
  r.action.backends = {{"u", 1, 0}, {"", 1, 500}};
  r.action.rewrite_target = a.rewrite_target;
  r.action.rewrite_regex = f[2];
  r.action.client_max_body_size = a.proxy_body_size;
  r.action.allow_sources = a.allow_sources;
  r.action.affinity_cookie = a.affinity_cookie ? a.session_cookie_name : "";
  r.action.request_headers.set = {{"X-A", f[3]}};
  r.action.request_headers.add = {{"X-B", f[4]}};
  r.action.response_headers.set = {{"X-C", f[5]}};
  r.action.rewrite = {PathChange::Type::kPrefix, f[6]};
  r.action.redirect.path = {PathChange::Type::kFull, f[6]};
  r.action.host_rewrite = f[7];
  r.conditions = {{Condition::Type::kHeaderExact, "X-D", f[3]}, {Condition::Type::kQueryRegex, "q", f[4]}};
  r.source = {"HTTPRoute", "default", "r"};
  s.routes.push_back(r);
  RenderOptions o;
  o.dir = "/tmp/x";
  const Rendered out = render(m, o);
  // Values are escaped; braces/quotes inside values never escape their quotes. Header and host
  // names come from validated fields upstream (the builders refuse others), so they are kept
  // to the characters the API allows here.
  bool names_ok = true;
  for (char c : f[1])
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '*')) names_ok = false;
  if (names_ok && !structure_intact(out.text)) abort();

  (void)check_pair(f[3], f[4]);
  return 0;
}
