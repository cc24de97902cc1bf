// capstan_api_load: a load generator for the Kubernetes API that `capstan server` serves.
// A benchmark, not a test: it prints figures (and a machine-readable `RESULT` line per mode) and
// counts every response that is not what a client expects, without judging the figures.
//
// It speaks HTTP/1.1 with keep-alive over plain POSIX sockets to the loopback plain-HTTP port
// (`capstan server --http-port N`), from one thread with poll(2); each connection has at most
// one request in flight, like a client.
//
//   capstan_api_load creates --port P --clients N --count M [--namespace NS] [--protobuf]
//   capstan_api_load reads   --port P --objects K [--gets 20000] [--read-clients 8] [--lists 50] [--protobuf]
//   capstan_api_load watch   --port P --watchers W [--writes 50]
//   capstan_api_load startup --capstan BIN [--plugin-dir DIR] [--runs 5]
//
// Every mode takes --token T (or $CAPSTAN_TOKEN): the bearer token sent with each request, as the
// API authenticates its plain-HTTP port too (the admin's is <data-dir>/auth/admin.token).
//
// --protobuf sends bodies and asks for answers in application/vnd.kubernetes.protobuf, as client-go
// 1.32+ typed clients do (the ConfigMap is encoded here by hand: the `k8s\0` magic, a
// runtime.Unknown envelope, and ConfigMap's generated.proto numbers); otherwise JSON.
//
// Latencies are measured by this client: from just before a request is written to the moment the
// read that completes it returns (for watch: to the read that delivers the event line).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Options {
  std::string mode;
  int port = 0;
  int clients = 1;
  long count = 1000;
  long objects = 10000;
  long gets = 20000;
  int read_clients = 8;
  long lists = 50;
  int watchers = 100;
  long writes = 50;
  int runs = 5;
  std::string ns;
  std::string capstan;
  std::string plugin_dir;
};

// The wire format of bodies and answers (--protobuf); set once in main.
bool g_protobuf = false;

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: capstan_api_load creates --port P --clients N --count M [--namespace NS] [--protobuf]\n"
               "       capstan_api_load reads   --port P --objects K [--gets N] [--read-clients C] [--lists L] [--protobuf]\n"
               "       capstan_api_load watch   --port P --watchers W [--writes N]\n"
               "       capstan_api_load startup --capstan BIN [--plugin-dir DIR] [--runs N]\n");
  std::exit(2);
}

// ---------------------------------------------------------------- statistics

struct Percentiles {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {  // nearest-rank
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

// ---------------------------------------------------------------- connections

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(1);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// One keep-alive connection with an incremental HTTP/1.1 response parser (Content-Length and
// chunked bodies). A streaming connection (watch) hands each complete body line to on_line.
struct Conn {
  enum State { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailer };
  int fd = -1;
  std::string out;
  size_t out_off = 0;
  std::string in;
  State st = kHead;
  bool headers_seen = false;
  int status = 0;
  bool chunked = false;
  bool close_after = false;
  size_t remaining = 0;
  std::string body;
  std::string line;  // streaming: partial line
  bool stream = false;
  bool busy = false;
  bool closed = false;
  long tag = -1;
  Clock::time_point sent;
};

// Returns 1 when a whole response has been parsed (its status and body are in c), 0 when more
// bytes are needed, -1 on a protocol error.
int parse(Conn& c, const std::function<void(Conn&, std::string_view)>& on_line) {
  size_t pos = 0;
  auto finish = [&](int r) {
    c.in.erase(0, pos);
    return r;
  };
  for (;;) {
    switch (c.st) {
      case Conn::kHead: {
        size_t e = c.in.find("\r\n\r\n", pos);
        if (e == std::string::npos) return finish(0);
        std::string_view head(c.in.data() + pos, e - pos);
        if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return finish(-1);
        c.status = std::atoi(std::string(head.substr(9, 3)).c_str());
        c.chunked = false;
        c.close_after = false;
        size_t length = 0;
        size_t ls = head.find("\r\n");
        while (ls != std::string_view::npos) {
          size_t le = head.find("\r\n", ls + 2);
          std::string h(head.substr(ls + 2, (le == std::string_view::npos ? head.size() : le) - ls - 2));
          std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::tolower(ch); });
          if (h.rfind("content-length:", 0) == 0) length = std::strtoul(h.c_str() + 15, nullptr, 10);
          if (h.rfind("transfer-encoding:", 0) == 0 && h.find("chunked") != std::string::npos) c.chunked = true;
          if (h.rfind("connection:", 0) == 0 && h.find("close") != std::string::npos) c.close_after = true;
          ls = le;
        }
        pos = e + 4;
        c.headers_seen = true;
        c.body.clear();
        if (c.chunked) {
          c.st = Conn::kChunkSize;
        } else {
          c.remaining = length;
          c.st = Conn::kBody;
        }
        break;
      }
      case Conn::kBody: {
        size_t take = std::min(c.remaining, c.in.size() - pos);
        c.body.append(c.in, pos, take);
        pos += take;
        c.remaining -= take;
        if (c.remaining > 0) return finish(0);
        c.st = Conn::kHead;
        return finish(1);
      }
      case Conn::kChunkSize: {
        size_t e = c.in.find("\r\n", pos);
        if (e == std::string::npos) return finish(0);
        c.remaining = std::strtoul(c.in.c_str() + pos, nullptr, 16);
        pos = e + 2;
        c.st = c.remaining == 0 ? Conn::kTrailer : Conn::kChunkData;
        break;
      }
      case Conn::kChunkData: {
        size_t take = std::min(c.remaining, c.in.size() - pos);
        if (c.stream) {
          c.line.append(c.in, pos, take);
          size_t nl;
          while ((nl = c.line.find('\n')) != std::string::npos) {
            if (nl > 0) on_line(c, std::string_view(c.line.data(), nl));
            c.line.erase(0, nl + 1);
          }
        } else {
          c.body.append(c.in, pos, take);
        }
        pos += take;
        c.remaining -= take;
        if (c.remaining > 0) return finish(0);
        c.st = Conn::kChunkEnd;
        break;
      }
      case Conn::kChunkEnd:
        if (c.in.size() - pos < 2) return finish(0);
        pos += 2;
        c.st = Conn::kChunkSize;
        break;
      case Conn::kTrailer: {
        size_t e = c.in.find("\r\n", pos);
        if (e == std::string::npos) return finish(0);
        bool last = e == pos;
        pos = e + 2;
        if (last) {
          c.st = Conn::kHead;
          return finish(1);
        }
        break;
      }
    }
  }
}

// Writes as much of c.out as the socket takes; false if the connection failed.
bool flush_out(Conn& c) {
  while (c.out_off < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  c.out.clear();
  c.out_off = 0;
  return true;
}

void send_request(Conn& c, std::string req, long tag) {
  c.out = std::move(req);
  c.out_off = 0;
  c.busy = true;
  c.tag = tag;
  c.sent = Clock::now();
  if (!flush_out(c)) c.closed = true;
}

constexpr const char* kProtobuf = "application/vnd.kubernetes.protobuf";

// The bearer token every request carries (--token or $CAPSTAN_TOKEN): the API authenticates its
// plain-HTTP port too. Empty: no credentials (only /readyz and the like answer).
std::string g_token;

std::string host_headers() {
  std::string h = "Host: 127.0.0.1\r\n";
  if (!g_token.empty()) h += "Authorization: Bearer " + g_token + "\r\n";
  return h;
}

std::string http_get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\n" + host_headers() + "Accept: " +
         (g_protobuf ? std::string(kProtobuf) + ", application/json" : std::string("application/json")) + "\r\n\r\n";
}

// Protobuf wire pieces for the hand-encoded ConfigMap.
void pb_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void pb_bytes(std::string& out, uint32_t number, const std::string& bytes) {
  pb_varint(out, (uint64_t{number} << 3) | 2);
  pb_varint(out, bytes.size());
  out += bytes;
}
std::string pb_map_entry(const std::string& key, const std::string& value) {
  std::string e;
  pb_bytes(e, 1, key);
  pb_bytes(e, 2, value);
  return e;
}

// The same ConfigMap as configmap_body, in protobuf: ConfigMap {metadata = 1 ObjectMeta {name = 1,
// labels = 11}, data = 2}, inside `k8s\0` + runtime.Unknown {typeMeta = 1 {apiVersion = 1,
// kind = 2}, raw = 2}.
std::string configmap_protobuf(const std::string& name) {
  std::string meta;
  pb_bytes(meta, 1, name);
  pb_bytes(meta, 11, pb_map_entry("app", "perf"));
  std::string cm;
  pb_bytes(cm, 1, meta);
  pb_bytes(cm, 2, pb_map_entry("key", "value-" + name));
  pb_bytes(cm, 2, pb_map_entry("other", "0123456789abcdef"));
  std::string type_meta;
  pb_bytes(type_meta, 1, "v1");
  pb_bytes(type_meta, 2, "ConfigMap");
  std::string out("k8s\0", 4);
  pb_bytes(out, 1, type_meta);
  pb_bytes(out, 2, cm);
  return out;
}

std::string http_post(const std::string& path, const std::string& body, bool protobuf = false) {
  const std::string type = protobuf ? kProtobuf : "application/json";
  return "POST " + path + " HTTP/1.1\r\n" + host_headers() + "Content-Type: " + type + "\r\nAccept: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string configmap_body(const std::string& name);
std::string configmap_protobuf(const std::string& name);
// A ConfigMap create in the run's wire format.
std::string post_configmap(const std::string& path, const std::string& name) {
  return g_protobuf ? http_post(path, configmap_protobuf(name), true) : http_post(path, configmap_body(name));
}

std::string configmap_body(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","labels":{"app":"perf"}},"data":{"key":"value-)" + name + R"(","other":"0123456789abcdef"}})";
}

// Polls conns once (up to timeout_ms). For each readable connection, reads, parses and calls
// on_response for each complete response. Connections the server closes get closed=true.
void poll_once(std::vector<Conn>& conns, int timeout_ms, const std::function<void(Conn&)>& on_response,
               const std::function<void(Conn&, std::string_view)>& on_line,
               std::vector<pollfd>& pfds, std::vector<size_t>& idx) {
  pfds.clear();
  idx.clear();
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    if (c.fd < 0 || c.closed) continue;
    short ev = POLLIN;
    if (c.out_off < c.out.size()) ev |= POLLOUT;
    pfds.push_back({c.fd, ev, 0});
    idx.push_back(i);
  }
  int n = ::poll(pfds.data(), pfds.size(), timeout_ms);
  if (n <= 0) return;
  static thread_local std::vector<char> buf(1 << 16);
  for (size_t k = 0; k < pfds.size(); ++k) {
    if (pfds[k].revents == 0) continue;
    Conn& c = conns[idx[k]];
    if (pfds[k].revents & POLLOUT) {
      if (!flush_out(c)) {
        c.closed = true;
        continue;
      }
    }
    if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
      for (;;) {
        ssize_t r = ::recv(c.fd, buf.data(), buf.size(), 0);
        if (r > 0) {
          c.in.append(buf.data(), static_cast<size_t>(r));
          if (static_cast<size_t>(r) < buf.size()) break;
        } else if (r == 0) {
          c.closed = true;
          break;
        } else {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.closed = true;
          break;
        }
      }
      for (;;) {
        int p = parse(c, on_line);
        if (p < 0) {
          std::fprintf(stderr, "protocol error on connection %d: %.200s\n", c.fd, c.in.c_str());
          c.closed = true;
          break;
        }
        if (p == 0) break;
        c.busy = false;
        on_response(c);
        if (c.close_after) {
          c.closed = true;
          break;
        }
      }
    }
  }
}

void close_all(std::vector<Conn>& conns) {
  for (auto& c : conns)
    if (c.fd >= 0) ::close(c.fd);
  conns.clear();
}

// ---------------------------------------------------------------- closed-loop driver

struct RunStats {
  long ok = 0;
  long errors = 0;
  long conn_failures = 0;
  double seconds = 0;
  std::vector<double> lat_ms;
  std::map<int, long> status_counts;
  std::vector<std::string> samples;  // first few unexpected responses
  bool hung = false;
};

// Sends `total` requests over `clients` keep-alive connections, each with one request in flight.
// make(i) builds request i; a response is ok when its status is in `ok_status`. A connection the
// server closes is reopened (its in-flight request counted as a connection failure).
RunStats drive(int port, int clients, long total, const std::function<std::string(long)>& make,
               std::vector<int> ok_status, const std::function<void(long, const Conn&)>& on_ok = {}) {
  RunStats s;
  s.lat_ms.reserve(static_cast<size_t>(total));
  std::vector<Conn> conns(static_cast<size_t>(clients));
  for (auto& c : conns) {
    c.fd = connect_loopback(port);
    if (c.fd < 0) {
      std::perror("connect");
      std::exit(1);
    }
  }
  long next = 0, done = 0;
  auto on_response = [&](Conn& c) {
    auto now = Clock::now();
    ++done;
    s.status_counts[c.status]++;
    if (std::find(ok_status.begin(), ok_status.end(), c.status) != ok_status.end()) {
      ++s.ok;
      s.lat_ms.push_back(ms_between(c.sent, now));
      if (on_ok) on_ok(c.tag, c);
    } else {
      ++s.errors;
      if (s.samples.size() < 5)
        s.samples.push_back("request #" + std::to_string(c.tag) + " -> HTTP " + std::to_string(c.status) + ": " +
                            c.body.substr(0, 300));
    }
  };
  std::vector<pollfd> pfds;
  std::vector<size_t> idx;
  const auto start = Clock::now();
  auto last_progress = start;
  long last_done = 0;
  while (done < total) {
    for (auto& c : conns) {
      if (c.closed) {
        if (c.busy) {
          ++s.conn_failures;
          ++done;
          if (s.samples.size() < 5)
            s.samples.push_back("request #" + std::to_string(c.tag) + ": connection closed before the response");
        }
        ::close(c.fd);
        c = Conn{};
        c.fd = connect_loopback(port);
        if (c.fd < 0) {
          std::perror("reconnect");
          std::exit(1);
        }
      }
      if (!c.busy && next < total) {
        send_request(c, make(next), next);
        ++next;
      }
    }
    if (done >= total) break;
    poll_once(conns, 100, on_response, {}, pfds, idx);
    auto now = Clock::now();
    if (done != last_done) {
      last_done = done;
      last_progress = now;
    } else if (ms_between(last_progress, now) > 30000) {
      long in_flight = 0;
      for (auto& c : conns) in_flight += c.busy ? 1 : 0;
      std::fprintf(stderr, "HANG: no response for 30 s; %ld of %ld done, %ld requests in flight\n", done, total,
                   in_flight);
      s.hung = true;
      break;
    }
  }
  s.seconds = ms_between(start, Clock::now()) / 1000.0;
  close_all(conns);
  return s;
}

void print_errors(const RunStats& s) {
  if (s.errors == 0 && s.conn_failures == 0) return;
  std::printf("  status counts:");
  for (auto& [k, v] : s.status_counts) std::printf(" %d:%ld", k, v);
  std::printf("  connection failures: %ld\n", s.conn_failures);
  for (auto& x : s.samples) std::printf("  e.g. %s\n", x.c_str());
}

// One request on a fresh connection, waiting up to 60 s; returns the status (0 on failure).
int one_request(int port, const std::string& req, std::string* body = nullptr) {
  std::vector<Conn> conns(1);
  conns[0].fd = connect_loopback(port);
  if (conns[0].fd < 0) return 0;
  int status = 0;
  bool got = false;
  send_request(conns[0], req, 0);
  std::vector<pollfd> pfds;
  std::vector<size_t> idx;
  auto start = Clock::now();
  while (!got && !conns[0].closed && ms_between(start, Clock::now()) < 60000)
    poll_once(
        conns, 100,
        [&](Conn& c) {
          status = c.status;
          if (body) *body = c.body;
          got = true;
        },
        {}, pfds, idx);
  close_all(conns);
  return status;
}

// Creates namespace ns (201, or 409 if it exists); exits on anything else.
void ensure_namespace(int port, const std::string& ns) {
  std::string body = R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + R"("}})";
  std::string resp;
  int st = one_request(port, http_post("/api/v1/namespaces", body), &resp);
  // 403: a user who may not create namespaces works in one made for them (tests/perf/auth_bench.sh).
  if (st != 201 && st != 409 && st != 403) {
    std::fprintf(stderr, "creating namespace %s: HTTP %d %s\n", ns.c_str(), st, resp.substr(0, 300).c_str());
    std::exit(1);
  }
}

std::string run_id() {
  return std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() %
                        100000000);
}

// ---------------------------------------------------------------- modes

int mode_creates(const Options& o) {
  std::string ns = o.ns.empty() ? "default" : o.ns;
  if (ns != "default") ensure_namespace(o.port, ns);
  std::string prefix = "c" + run_id() + "-" + std::to_string(o.clients) + "-";
  std::string path = "/api/v1/namespaces/" + ns + "/configmaps";
  auto s = drive(o.port, o.clients, o.count,
                 [&](long i) { return post_configmap(path, prefix + std::to_string(i)); }, {201});
  auto p = percentiles(s.lat_ms);
  double rate = static_cast<double>(s.ok) / s.seconds;
  std::printf("creates (%s): %d clients, %ld creates in %.3f s: %.0f creates/s; latency p50 %.2f ms p99 %.2f ms max %.2f ms; "
              "%ld ok, %ld errors\n",
              g_protobuf ? "protobuf" : "json", o.clients, o.count, s.seconds, rate, p.p50, p.p99, p.max, s.ok, s.errors + s.conn_failures);
  print_errors(s);
  std::printf("RESULT creates wire=%s clients=%d count=%ld ok=%ld errors=%ld hung=%d seconds=%.3f rate=%.0f p50_ms=%.2f "
              "p99_ms=%.2f max_ms=%.2f\n",
              g_protobuf ? "protobuf" : "json", o.clients, o.count, s.ok, s.errors + s.conn_failures, s.hung ? 1 : 0,
              s.seconds, rate, p.p50, p.p99,
              p.max);
  return s.errors + s.conn_failures == 0 && !s.hung ? 0 : 1;
}

int mode_reads(const Options& o) {
  std::string id = run_id();
  std::string ns = o.ns.empty() ? "perf-reads-" + id : o.ns;
  ensure_namespace(o.port, ns);
  std::string path = "/api/v1/namespaces/" + ns + "/configmaps";
  std::string prefix = "r-";
  int failures = 0;

  auto pre = drive(o.port, 16, o.objects,
                   [&](long i) { return post_configmap(path, prefix + std::to_string(i)); }, {201});
  std::printf("reads: pre-created %ld of %ld objects in namespace %s in %.3f s (%.0f creates/s, 16 clients)\n",
              pre.ok, o.objects, ns.c_str(), pre.seconds, static_cast<double>(pre.ok) / pre.seconds);
  print_errors(pre);
  failures += pre.errors + pre.conn_failures + (pre.hung ? 1 : 0) > 0;

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<long> pick(0, std::max<long>(0, o.objects - 1));
  std::vector<long> names(static_cast<size_t>(o.gets));
  for (auto& n : names) n = pick(rng);
  auto gets = drive(o.port, o.read_clients, o.gets,
                    [&](long i) { return http_get(path + "/" + prefix + std::to_string(names[static_cast<size_t>(i)])); },
                    {200});
  auto gp = percentiles(gets.lat_ms);
  std::printf("reads: %ld single-object GETs over %d connections in %.3f s (%.0f/s): p50 %.2f ms p99 %.2f ms max %.2f "
              "ms; %ld errors\n",
              o.gets, o.read_clients, gets.seconds, static_cast<double>(gets.ok) / gets.seconds, gp.p50, gp.p99, gp.max,
              gets.errors + gets.conn_failures);
  print_errors(gets);
  failures += gets.errors + gets.conn_failures + (gets.hung ? 1 : 0) > 0;

  size_t list_bytes = 0;
  long list_items = -1;
  auto lists = drive(
      o.port, 1, o.lists, [&](long) { return http_get(path); }, {200},
      [&](long i, const Conn& c) {
        list_bytes = c.body.size();
        if (i == 0) {  // count the items once: every item's data carries "value-<its name>" once
          list_items = 0;
          std::string needle = "value-" + prefix;
          for (size_t at = c.body.find(needle); at != std::string::npos; at = c.body.find(needle, at + 1)) ++list_items;
        }
      });
  auto lp = percentiles(lists.lat_ms);
  if (o.lists > 0)
    std::printf("reads: %ld full LISTs of %ld objects (%zu bytes, %ld items counted) in %.3f s: p50 %.2f ms p99 %.2f ms "
              "max %.2f ms; %ld errors\n",
              o.lists, o.objects, list_bytes, list_items, lists.seconds, lp.p50, lp.p99, lp.max,
              lists.errors + lists.conn_failures);
  print_errors(lists);
  failures += lists.errors + lists.conn_failures + (lists.hung ? 1 : 0) > 0;
  if (list_items >= 0 && list_items != o.objects) {
    std::printf("  LIST returned %ld items, expected %ld\n", list_items, o.objects);
    ++failures;
  }

  std::printf("RESULT reads wire=%s objects=%ld precreate_rate=%.0f get_clients=%d gets=%ld get_errors=%ld get_p50_ms=%.2f "
              "get_p99_ms=%.2f get_max_ms=%.2f get_rate=%.0f lists=%ld list_errors=%ld list_bytes=%zu list_items=%ld "
              "list_p50_ms=%.2f list_p99_ms=%.2f\n",
              g_protobuf ? "protobuf" : "json", o.objects, static_cast<double>(pre.ok) / pre.seconds, o.read_clients, o.gets,
              gets.errors + gets.conn_failures, gp.p50, gp.p99, gp.max, static_cast<double>(gets.ok) / gets.seconds,
              o.lists, lists.errors + lists.conn_failures, list_bytes, list_items, lp.p50, lp.p99);
  return failures == 0 ? 0 : 1;
}

int mode_watch(const Options& o) {
  std::string id = run_id();
  std::string ns = o.ns.empty() ? "perf-watch-" + id : o.ns;
  ensure_namespace(o.port, ns);
  std::string path = "/api/v1/namespaces/" + ns + "/configmaps";
  const std::string prefix = "w" + id + "-";  // object names: unique to this run

  // The collection's current revision: the list's metadata.resourceVersion. In a namespace of
  // our own the list is empty, so the only resourceVersion in it is the list's.
  std::string list;
  int st = one_request(o.port, http_get(path), &list);
  std::string rv;
  const std::string key = "\"resourceVersion\":\"";
  size_t at = list.rfind(key);
  if (st != 200 || at == std::string::npos) {
    std::fprintf(stderr, "watch: listing %s: HTTP %d %s\n", path.c_str(), st, list.substr(0, 300).c_str());
    return 1;
  }
  at += key.size();
  rv = list.substr(at, list.find('"', at) - at);

  // Open the watchers.
  const auto t_open = Clock::now();
  std::vector<Conn> conns(static_cast<size_t>(o.watchers) + 1);  // the last one writes
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_loopback(o.port);
    if (conns[i].fd < 0) {
      std::fprintf(stderr, "watch: connect #%zu: %s (raise ulimit -n?)\n", i, std::strerror(errno));
      return 1;
    }
  }
  Conn& writer = conns.back();
  for (int w = 0; w < o.watchers; ++w) {
    conns[static_cast<size_t>(w)].stream = true;
    send_request(conns[static_cast<size_t>(w)], http_get(path + "?watch=true&resourceVersion=" + rv), w);
  }

  const long writes = o.writes;
  std::vector<Clock::time_point> sent(static_cast<size_t>(writes));
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(writes) * static_cast<size_t>(o.watchers));
  std::vector<double> write_lat;
  long received_this = 0, other_events = 0, unexpected = 0, write_errors = 0;
  long current = -1;
  std::map<std::string, long> event_types;
  bool write_done = false;

  auto on_line = [&](Conn&, std::string_view line) {
    auto now = Clock::now();
    size_t ts = line.find("\"type\":\"");
    std::string type = ts == std::string_view::npos
                           ? "?"
                           : std::string(line.substr(ts + 8, line.find('"', ts + 8) - ts - 8));
    event_types[type]++;
    size_t p = line.find(prefix);
    if (p == std::string_view::npos) {
      ++other_events;
      return;
    }
    long i = std::strtol(std::string(line.substr(p + prefix.size(), 12)).c_str(), nullptr, 10);
    if (i < 0 || i >= writes || i != current) {
      ++unexpected;
      return;
    }
    lat.push_back(ms_between(sent[static_cast<size_t>(i)], now));
    ++received_this;
  };
  long watch_rejected = 0;
  std::vector<std::string> samples;
  auto on_response = [&](Conn& c) {
    if (&c == &writer) {
      if (c.status == 201) {
        write_lat.push_back(ms_between(c.sent, Clock::now()));
      } else {
        ++write_errors;
        if (samples.size() < 5)
          samples.push_back("write #" + std::to_string(c.tag) + " -> HTTP " + std::to_string(c.status) + ": " +
                            c.body.substr(0, 300));
      }
      write_done = true;
    } else {  // a watch response that ended (or a non-200 answer to the watch request)
      ++watch_rejected;
      if (samples.size() < 5)
        samples.push_back("watch #" + std::to_string(c.tag) + " ended with HTTP " + std::to_string(c.status) + ": " +
                          c.body.substr(0, 300));
    }
  };
  std::vector<pollfd> pfds;
  std::vector<size_t> idx;

  // Wait for every watcher's response headers (the server registers the watch before answering).
  long established = 0;
  const auto open_deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < open_deadline) {
    poll_once(conns, 100, on_response, on_line, pfds, idx);
    established = 0;
    for (int w = 0; w < o.watchers; ++w) {
      const Conn& c = conns[static_cast<size_t>(w)];
      if (c.headers_seen && c.status == 200 && !c.closed) ++established;
    }
    bool all_answered = true;
    for (int w = 0; w < o.watchers; ++w)
      all_answered &= conns[static_cast<size_t>(w)].headers_seen || conns[static_cast<size_t>(w)].closed;
    if (all_answered) break;
  }
  const double open_ms = ms_between(t_open, Clock::now());
  std::printf("watch: %ld of %d watch streams established in %.1f ms (namespace %s, resourceVersion %s)\n",
              established, o.watchers, open_ms, ns.c_str(), rv.c_str());
  if (established < o.watchers) {
    std::printf("  %ld watch requests not established\n", o.watchers - established);
    for (auto& x : samples) std::printf("  e.g. %s\n", x.c_str());
  }
  // Let the server settle before the timed writes.
  auto settle = Clock::now() + std::chrono::milliseconds(300);
  while (Clock::now() < settle) poll_once(conns, 50, on_response, on_line, pfds, idx);

  long missing = 0;
  for (long i = 0; i < writes; ++i) {
    current = i;
    received_this = 0;
    write_done = false;
    sent[static_cast<size_t>(i)] = Clock::now();
    send_request(writer, http_post(path, configmap_body(prefix + std::to_string(i))), i);
    sent[static_cast<size_t>(i)] = writer.sent;
    const auto deadline = writer.sent + std::chrono::seconds(10);
    while ((received_this < established || !write_done) && Clock::now() < deadline && !writer.closed)
      poll_once(conns, 20, on_response, on_line, pfds, idx);
    if (received_this < established) missing += established - received_this;
    if (!write_done) {
      ++write_errors;
      if (samples.size() < 5) samples.push_back("write #" + std::to_string(i) + ": no response within 10 s");
      if (writer.closed) break;
    }
  }
  long closed_streams = 0;
  for (int w = 0; w < o.watchers; ++w) closed_streams += conns[static_cast<size_t>(w)].closed ? 1 : 0;
  close_all(conns);

  auto p = percentiles(lat);
  auto wp = percentiles(write_lat);
  std::printf("watch: %ld writes x %ld watchers: %zu events timed, %ld missing (10 s timeout), %ld unexpected, "
              "%ld other; write->event p50 %.2f ms p99 %.2f ms max %.2f ms; write latency p50 %.2f ms p99 %.2f ms; "
              "%ld write errors, %ld watch streams closed by the server\n",
              writes, established, lat.size(), missing, unexpected, other_events, p.p50, p.p99, p.max, wp.p50, wp.p99,
              write_errors, closed_streams);
  std::printf("  event types:");
  for (auto& [k, v] : event_types) std::printf(" %s:%ld", k.c_str(), v);
  std::printf("\n");
  for (auto& x : samples) std::printf("  e.g. %s\n", x.c_str());
  std::printf("RESULT watch watchers=%d established=%ld writes=%ld events=%zu missing=%ld write_errors=%ld "
              "closed=%ld open_ms=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f write_p50_ms=%.2f write_p99_ms=%.2f\n",
              o.watchers, established, writes, lat.size(), missing, write_errors, closed_streams, open_ms, p.p50, p.p99,
              p.max, wp.p50, wp.p99);
  return established == o.watchers && missing == 0 && write_errors == 0 && closed_streams == 0 ? 0 : 1;
}

// Starts `capstan server` runs times; the first `runs` on a fresh data directory each (cold: the
// PKI is generated), then `runs` restarts on one existing data directory (warm). For each, the
// server's own "ready in N ms" and the wall clock from fork to the first 200 from /readyz.
int mode_startup(const Options& o) {
  if (o.capstan.empty()) usage();
  namespace fs = std::filesystem;
  auto start_one = [&](const std::string& dir, double& reported, double& wall) -> bool {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return false;
    const auto t0 = Clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(pipefd[1], 1);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      std::vector<std::string> args = {o.capstan, "server", "--data-dir", dir, "--port", "0", "--http-port", "0"};
      if (!o.plugin_dir.empty()) {
        args.push_back("--plugin-dir");
        args.push_back(o.plugin_dir);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(pipefd[1]);
    std::string out;
    int port = 0;
    char buf[4096];
    reported = -1;
    while (port == 0) {
      pollfd pf{pipefd[0], POLLIN, 0};
      if (::poll(&pf, 1, 20000) <= 0) break;
      ssize_t n = ::read(pipefd[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      size_t r = out.find(" ready in ");
      if (r != std::string::npos && reported < 0) reported = std::atof(out.c_str() + r + 10);
      size_t h = out.find("plain HTTP: http://127.0.0.1:");
      if (h != std::string::npos && out.find('\n', h) != std::string::npos) port = std::atoi(out.c_str() + h + 29);
    }
    bool ok = false;
    if (port > 0) {
      while (ms_between(t0, Clock::now()) < 20000) {
        if (one_request(port, http_get("/readyz")) == 200) {
          wall = ms_between(t0, Clock::now());
          ok = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    ::close(pipefd[0]);
    if (!ok) std::fprintf(stderr, "startup: server did not become ready; its stdout: %s\n", out.c_str());
    return ok;
  };
  auto median = [](std::vector<double> v) {
    if (v.empty()) return -1.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> cold_rep, cold_wall, warm_rep, warm_wall;
  std::vector<std::string> dirs;
  for (int i = 0; i < o.runs; ++i) {
    char tmpl[] = "/tmp/capstan-perf-start.XXXXXX";
    if (!::mkdtemp(tmpl)) return 1;
    dirs.push_back(tmpl);
    double rep = 0, wall = 0;
    if (start_one(tmpl, rep, wall)) {
      cold_rep.push_back(rep);
      cold_wall.push_back(wall);
    }
  }
  for (int i = 0; i < o.runs && !dirs.empty(); ++i) {
    double rep = 0, wall = 0;
    if (start_one(dirs[0], rep, wall)) {
      warm_rep.push_back(rep);
      warm_wall.push_back(wall);
    }
  }
  for (auto& d : dirs) {
    std::error_code ec;
    fs::remove_all(d, ec);
  }
  auto list = [](const std::vector<double>& v) {
    std::string s;
    for (double x : v) s += (s.empty() ? "" : ",") + std::to_string(static_cast<long>(std::lround(x)));
    return s;
  };
  std::printf("startup: cold (fresh data dir): ready-in %s ms, fork->/readyz 200 %s ms\n", list(cold_rep).c_str(),
              list(cold_wall).c_str());
  std::printf("startup: warm (existing data dir): ready-in %s ms, fork->/readyz 200 %s ms\n", list(warm_rep).c_str(),
              list(warm_wall).c_str());
  std::printf("RESULT startup runs=%d cold_ready_ms=%.0f cold_wall_ms=%.1f warm_ready_ms=%.0f warm_wall_ms=%.1f "
              "failures=%zu\n",
              o.runs, median(cold_rep), median(cold_wall), median(warm_rep), median(warm_wall),
              2 * static_cast<size_t>(o.runs) - cold_rep.size() - warm_rep.size());
  return cold_rep.size() + warm_rep.size() == 2 * static_cast<size_t>(o.runs) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  Options o;
  o.mode = argv[1];
  if (const char* t = std::getenv("CAPSTAN_TOKEN")) g_token = t;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--port") o.port = std::stoi(val());
    else if (a == "--clients") o.clients = std::stoi(val());
    else if (a == "--count") o.count = std::stol(val());
    else if (a == "--objects") o.objects = std::stol(val());
    else if (a == "--gets") o.gets = std::stol(val());
    else if (a == "--read-clients") o.read_clients = std::stoi(val());
    else if (a == "--lists") o.lists = std::stol(val());
    else if (a == "--watchers") o.watchers = std::stoi(val());
    else if (a == "--writes") o.writes = std::stol(val());
    else if (a == "--runs") o.runs = std::stoi(val());
    else if (a == "--namespace") o.ns = val();
    else if (a == "--token") g_token = val();
    else if (a == "--capstan") o.capstan = val();
    else if (a == "--plugin-dir") o.plugin_dir = val();
    else if (a == "--protobuf") g_protobuf = true;
    else usage();
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (o.mode == "startup") return mode_startup(o);
  if (o.port <= 0) usage();
  if (o.mode == "creates") return mode_creates(o);
  if (o.mode == "reads") return mode_reads(o);
  if (o.mode == "watch" && !g_protobuf) return mode_watch(o);  // watch reads JSON event lines
  usage();
}
