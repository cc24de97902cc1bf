#include "probes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace capstan::agent {

const char* probe_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness: return "Liveness";
    case ProbeKind::kReadiness: return "Readiness";
    case ProbeKind::kStartup: return "Startup";
  }
  return "";
}

ProbeTracker::ProbeTracker(ProbeKind kind, ProbeTiming timing)
    : kind_(kind), timing_(timing),
      // kubelet: readiness starts failed, liveness succeeded, startup unknown (not started).
      result_(kind == ProbeKind::kLiveness ? Result::kSuccess
                                           : (kind == ProbeKind::kReadiness ? Result::kFailure : Result::kUnknown)) {
  if (timing_.success_threshold < 1) timing_.success_threshold = 1;
  if (timing_.failure_threshold < 1) timing_.failure_threshold = 3;
}

bool ProbeTracker::record(bool success) {
  const Result r = success ? Result::kSuccess : Result::kFailure;
  if (r == last_) ++run_;
  else {
    last_ = r;
    run_ = 1;
  }
  if ((r == Result::kFailure && run_ < timing_.failure_threshold) ||
      (r == Result::kSuccess && run_ < timing_.success_threshold))
    return false;
  const bool changed = result_ != r;
  result_ = r;
  return changed;
}

int parse_status_line(const std::string& line) {
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || line[8] != ' ') return -1;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ' && line[12] != '\r') return -1;
  return code;
}

bool destination_is_local(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return false;
  const uint32_t ip = ntohl(addr.s_addr);
  if ((ip >> 24) == 127) return true;
  // The node's own addresses.
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    bool mine = false;
    for (ifaddrs* i = list; i; i = i->ifa_next)
      if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
          reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == addr.s_addr)
        mine = true;
    freeifaddrs(list);
    if (mine) return true;
  }
  // The longest matching route of the main table must not be the default route.
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);  // header
  int best = -1;
  while (std::getline(routes, line)) {
    std::istringstream f(line);
    std::string iface, dest, gw, flags, refcnt, use, metric, mask;
    if (!(f >> iface >> dest >> gw >> flags >> refcnt >> use >> metric >> mask)) continue;
    // The file holds little-endian hex of network-order values: strtoul gives host order on x86.
    const uint32_t d = ntohl(static_cast<uint32_t>(std::strtoul(dest.c_str(), nullptr, 16)));
    const uint32_t m = ntohl(static_cast<uint32_t>(std::strtoul(mask.c_str(), nullptr, 16)));
    if ((ip & m) != d) continue;
    const int len = __builtin_popcount(m);
    if (len > best) best = len;
  }
  return best > 0;
}

namespace {

// Connects with a timeout; returns the fd or -1 with `error` in Go's dial words.
int dial(const std::string& host, int port, int timeout_ms, std::string& error) {
  const std::string where = host + ":" + std::to_string(port);
  if (!destination_is_local(host)) {
    error = "dial tcp " + where + ": refused by the node agent: the address is not on a local network";
    return -1;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "dial tcp " + where + ": socket: " + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    error = "dial tcp " + where + ": connect: " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) {
    error = "dial tcp " + where + ": i/o timeout";
    ::close(fd);
    return -1;
  }
  int soerr = 0;
  socklen_t len = sizeof soerr;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
  if (soerr != 0) {
    std::string msg = std::strerror(soerr);
    for (auto& c : msg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    error = "dial tcp " + where + ": connect: " + msg;
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

ProbeOutcome tcp_probe(const std::string& host, int port, int timeout_seconds) {
  std::string error;
  int fd = dial(host, port, std::max(1, timeout_seconds) * 1000, error);
  if (fd < 0) return {false, error};
  ::close(fd);
  return {true, ""};
}

ProbeOutcome http_probe(const std::string& host, int port, const std::string& path_in,
                        const std::vector<std::pair<std::string, std::string>>& headers, int timeout_seconds,
                        const std::string& scheme) {
  const std::string path = path_in.empty() ? "/" : (path_in[0] == '/' ? path_in : "/" + path_in);
  const std::string url = "http://" + host + ":" + std::to_string(port) + path;
  const int timeout_ms = std::max(1, timeout_seconds) * 1000;
  std::string error;
  int fd = dial(host, port, timeout_ms, error);
  if (fd < 0) return {false, "Get \"" + url + "\": " + error};
  std::string host_header = host + ":" + std::to_string(port), ua = "kube-probe/1.31", accept = "*/*";
  std::string extra;
  for (const auto& [k, v] : headers) {
    std::string lower = k;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "host") host_header = v;
    else if (lower == "user-agent") ua = v;
    else if (lower == "accept") accept = v;
    else extra += k + ": " + v + "\r\n";
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host_header + "\r\nUser-Agent: " + ua +
                          "\r\nAccept: " + accept + "\r\n" + extra + "Connection: close\r\n\r\n";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining = [&] {
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  size_t sent = 0;
  while (sent < req.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining()) <= 0) {
      ::close(fd);
      return {false, "Get \"" + url + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"};
    }
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return {false, "Get \"" + url + "\": write: " + std::strerror(errno)};
    }
    sent += static_cast<size_t>(n);
  }
  std::string head;
  char buf[1024];
  while (head.find("\r\n") == std::string::npos && head.size() < 8192) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, remaining()) <= 0) {
      ::close(fd);
      return {false, "Get \"" + url + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"};
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const int code = parse_status_line(head.substr(0, head.find("\r\n")));
  if (code < 0) return {false, "Get \"" + url + "\": malformed HTTP response"};
  if (code >= 200 && code < 400) {
    if (scheme == "HTTPS") return {true, "HTTPS probe answered over plain HTTP"};
    return {true, ""};
  }
  return {false, "HTTP probe failed with statuscode: " + std::to_string(code)};
}

}  // namespace capstan::agent
