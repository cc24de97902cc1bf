#include "agent_logic.hpp"

#include <cstdio>
#include <ctime>

namespace capstan::agent {

std::chrono::seconds restart_backoff(int restarts) {
  int64_t s = 10;
  for (int i = 0; i < restarts && s < 300; ++i) s *= 2;
  return std::chrono::seconds(s < 300 ? s : 300);
}

bool should_restart(const std::string& policy, int exit_code) {
  if (policy == "Never") return false;
  if (policy == "OnFailure") return exit_code != 0;
  return true;  // Always (the default)
}

std::string pod_phase(const std::string& policy, const std::vector<ContainerView>& init,
                      const std::vector<ContainerView>& app) {
  using S = ContainerView::State;
  for (const auto& c : init) {
    if (c.state == S::kTerminated && c.exit_code != 0 && policy == "Never") return "Failed";
    if (!(c.state == S::kTerminated && c.exit_code == 0)) return "Pending";
  }
  int waiting = 0, running = 0, succeeded = 0, failed = 0;
  for (const auto& c : app) {
    switch (c.state) {
      case S::kWaiting: ++waiting; break;
      case S::kRunning:
      case S::kBackOff: ++running; break;
      case S::kTerminated: (c.exit_code == 0 ? succeeded : failed)++; break;
    }
  }
  if (app.empty() || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (policy == "Never") return failed > 0 ? "Failed" : "Succeeded";
  if (policy == "OnFailure") return failed > 0 ? "Running" : "Succeeded";
  return "Running";
}

std::string format_time(int64_t ns, bool micro) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micro) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>((ns / 1000) % 1'000'000));
    out += frac;
  }
  return out + "Z";
}

int64_t parse_time(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t ns = static_cast<int64_t>(timegm(&tm)) * 1'000'000'000;
  const char* p = text.c_str() + consumed;
  if (*p == '.') {
    int64_t scale = 100'000'000;
    for (++p; *p >= '0' && *p <= '9'; ++p, scale /= 10) ns += (*p - '0') * scale;
  }
  return ns;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace capstan::agent
