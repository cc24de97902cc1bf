#pragma once
// CRI container log files: one line per chunk, `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`
// (P = partial, continued by the next line). Parsing, writing and the selection kubectl logs asks
// for (tailLines, sinceTime/sinceSeconds, timestamps, limitBytes), as kubelet's kuberuntime_logs.go.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capstan::agent {

struct CriLogLine {
  int64_t time_ns = 0;
  std::string stream;   // "stdout" or "stderr"
  bool partial = false;
  std::string text;     // without the trailing newline
};

// nullopt for a line that is not in CRI format.
std::optional<CriLogLine> parse_cri_log_line(std::string_view line);
// One complete line, newline included.
std::string format_cri_log_line(int64_t time_ns, const std::string& stream, const std::string& text);

struct LogOptions {
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  int64_t tail_lines = -1;    // -1 = all
  int64_t since_ns = 0;       // absolute; 0 = from the beginning
  int64_t limit_bytes = -1;   // -1 = unlimited
  std::string error;          // invalid parameter
};
// From a query string (without '?'); `now_ns` anchors sinceSeconds.
LogOptions parse_log_options(std::string_view query, int64_t now_ns);

// What kubectl receives for these file lines: entries older than since dropped, the last
// tail_lines kept, partial lines joined, timestamps prefixed when asked. limit_bytes is applied
// by the caller over the whole stream.
std::string render_log_lines(const std::vector<std::string>& file_lines, const LogOptions& options);
// Renders one entry (for follow mode).
std::string render_log_entry(const CriLogLine& line, const LogOptions& options);

// Query string helpers: the decoded values of every `key=` in order.
std::vector<std::string> query_values(std::string_view query, std::string_view key);
std::string url_decode(std::string_view s);

}  // namespace capstan::agent
