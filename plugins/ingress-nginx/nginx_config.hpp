#pragma once
// Renders a Model as one nginx.conf (Debian's nginx 1.22, no third-party modules).
//
// Path matching, per virtual server:
//  - Exact "/p"         → location = "/p"
//  - Prefix "/"         → location /
//  - Prefix "/p"        → location "/p/" and location = "/p" (element-wise: /p and /p/..., never
//                         /pq), unless the server has regular-expression paths, where it becomes
//                         location ~ "^/p(/|$)" so that nginx's regex order (longest path first)
//                         still gives longest-match-wins;
//  - regular expression → location ~* "^re" (Ingress use-regex, ingress-nginx's form) or
//                         ~ "^(?:re)$" (Gateway API RegularExpression).
// One nginx location serves every route whose path covers it (an Exact /p location also serves
// the Prefix /p and Prefix / routes...), in Gateway API precedence; routes with header, query or
// method conditions are picked at run time through map variables and an internal redirect to a
// per-route location, so a request that fails a route's conditions falls through to the next
// candidate as the Gateway API requires.
//
// The rendered text carries a `# source <kind>/<ns>/<name>` comment before each piece, and
// render() returns which lines came from which object, so that a configuration `nginx -t` rejects
// can be traced to the object that caused it.

#include <map>
#include <string>

#include "model.hpp"

namespace capstan::ingress {

struct RenderOptions {
  std::string dir;            // the nginx prefix: pid file, logs/, tmp/ live here
  bool set_user = false;      // running as root: workers run as nobody
  int worker_processes = 0;   // 0 = auto
  bool access_log = false;
  int https_redirect_port = 443;  // where the Ingress HTTP→HTTPS redirect points
};

struct Rendered {
  std::string text;
  std::string hash;                  // of the configuration (hex), also served on the status port
  std::map<int, Source> line_source;  // first line of each object's piece → its source
  // The object a line number (1-based) belongs to, if any.
  const Source* source_of_line(int line) const;
};

Rendered render(const Model& model, const RenderOptions& options);

// Quoting for nginx directive arguments: regexes (backslashes and quotes escaped) and literal
// values (also '$', which nginx would read as a variable).
std::string quote_regex(const std::string& raw);
std::string quote_value(const std::string& raw);
// PCRE metacharacters escaped.
std::string regex_escape(const std::string& raw);

}  // namespace capstan::ingress
