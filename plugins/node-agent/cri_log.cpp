#include "cri_log.hpp"

#include <cstdio>
#include <ctime>

#include "agent_logic.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::agent {

std::optional<CriLogLine> parse_cri_log_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 < 20) return std::nullopt;
  CriLogLine out;
  const std::string ts(line.substr(0, sp1));
  auto time = machinery::parse_rfc3339(ts);
  if (!time) return std::nullopt;
  out.time_ns = *time;
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::nullopt;
  out.stream = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (out.stream != "stdout" && out.stream != "stderr") return std::nullopt;
  // The tag (F or P) is followed by a space and the text; an old format without a tag has none.
  std::string_view rest = line.substr(sp2 + 1);
  if (rest.size() >= 1 && (rest[0] == 'F' || rest[0] == 'P') && (rest.size() == 1 || rest[1] == ' ')) {
    out.partial = rest[0] == 'P';
    out.text = std::string(rest.size() > 1 ? rest.substr(2) : std::string_view());
  } else {
    return std::nullopt;
  }
  return out;
}

std::string format_cri_log_line(int64_t time_ns, const std::string& stream, const std::string& text) {
  return machinery::format_rfc3339_nano_fixed(time_ns) + " " + stream + " F " + text + "\n";
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) {
        out += s[i];
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> query_values(std::string_view query, std::string_view key) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    size_t eq = part.find('=');
    std::string k = url_decode(part.substr(0, eq));
    if (k == key) out.push_back(eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1)));
    pos = amp + 1;
  }
  return out;
}

namespace {

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "True" || v.empty(); }

bool parse_int(const std::string& v, int64_t& out) {
  if (v.empty() || v.size() > 18) return false;
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return false;
  int64_t n = 0;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    n = n * 10 + (v[i] - '0');
  }
  out = v[0] == '-' ? -n : n;
  return true;
}

}  // namespace

LogOptions parse_log_options(std::string_view query, int64_t now_ns) {
  LogOptions o;
  auto one = [&](const char* k) -> std::optional<std::string> {
    auto v = query_values(query, k);
    if (v.empty()) return std::nullopt;
    return v.back();
  };
  if (auto v = one("follow")) o.follow = truthy(*v);
  if (auto v = one("previous")) o.previous = truthy(*v);
  if (auto v = one("timestamps")) o.timestamps = truthy(*v);
  if (auto v = one("tailLines")) {
    if (!parse_int(*v, o.tail_lines) || o.tail_lines < 0) o.error = "invalid tailLines: " + *v;
  }
  if (auto v = one("limitBytes")) {
    if (!parse_int(*v, o.limit_bytes) || o.limit_bytes < 1) o.error = "invalid limitBytes: " + *v;
  }
  if (auto v = one("sinceSeconds")) {
    int64_t s = 0;
    if (!parse_int(*v, s) || s < 1) o.error = "invalid sinceSeconds: " + *v;
    else o.since_ns = now_ns - s * 1'000'000'000LL;
  }
  if (auto v = one("sinceTime")) {
    auto t = machinery::parse_rfc3339(*v);
    if (!t) o.error = "invalid sinceTime: " + *v;
    else o.since_ns = *t;
  }
  return o;
}

std::string render_log_entry(const CriLogLine& line, const LogOptions& options) {
  std::string out;
  if (options.timestamps) out = machinery::format_rfc3339_nano_fixed(line.time_ns) + " ";
  out += line.text;
  if (!line.partial) out += "\n";
  return out;
}

std::string render_log_lines(const std::vector<std::string>& file_lines, const LogOptions& options) {
  std::vector<CriLogLine> entries;
  for (const auto& l : file_lines) {
    auto p = parse_cri_log_line(l);
    if (!p || p->time_ns < options.since_ns) continue;
    entries.push_back(std::move(*p));
  }
  // tailLines counts complete lines (a run of partials plus its final F is one line).
  size_t start = 0;
  if (options.tail_lines >= 0) {
    int64_t complete = 0;
    start = entries.size();
    for (size_t i = entries.size(); i-- > 0;) {
      if (!entries[i].partial) {
        if (complete == options.tail_lines) break;
        ++complete;
      }
      start = i;
    }
    if (options.tail_lines == 0) start = entries.size();
  }
  std::string out;
  bool continuing = false;
  for (size_t i = start; i < entries.size(); ++i) {
    if (continuing) out += entries[i].text + (entries[i].partial ? "" : "\n");
    else out += render_log_entry(entries[i], options);
    continuing = entries[i].partial;
  }
  return out;
}

}  // namespace capstan::agent
