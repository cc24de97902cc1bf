// libFuzzer target: the node agent's decoders of outside input — CRI log lines and the log query
// of the HTTP endpoint, resolv.conf, image references, HTTP status lines, $(VAR)
// expansion. Invariants: nothing crashes; a formatted log line parses back to itself; expansion
// without any '$' is the identity.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "container_config.hpp"
#include "cri_log.hpp"
#include "probes.hpp"

using namespace capstan::agent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto line = parse_cri_log_line(text)) {
    if (line->text.find('\n') == std::string::npos && !line->partial) {
      auto again = parse_cri_log_line(format_cri_log_line(line->time_ns, line->stream, line->text));
      if (!again || again->text != line->text || again->stream != line->stream) abort();
    }
  }
  auto options = parse_log_options(text, 1'700'000'000'000'000'000LL);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  (void)render_log_lines(lines, options);
  (void)parse_resolv_conf(text);
  (void)normalize_image(text);
  (void)parse_status_line(text);
  (void)query_values(text, "command");
  auto lookup = [](const std::string& n) -> std::optional<std::string> { return n + "!"; };
  const std::string expanded = expand(text, lookup);
  if (text.find('$') == std::string::npos && expanded != text) abort();
  return 0;
}
