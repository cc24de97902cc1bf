// Writes the nftables scripts tests/perf/services_bench.sh times, with the proxy's own generator:
//   service_proxy_bench_gen many TABLE N DIR       -> DIR/full.nft (N services x 3 endpoints),
//                                                     DIR/change.nft (one endpoint of one service replaced)
//   service_proxy_bench_gen one TABLE VIP POD[,POD...] DIR [NODEPORT AFFINITY_SECONDS]
//                                                  -> DIR/full.nft (one service VIP:80 -> POD:80)
#include <cstdio>
#include <fstream>
#include <string>

#include "nft_rules.hpp"

using namespace capstan::proxy;

namespace {

ServicePortRule rule(const std::string& name, const std::string& vip, std::vector<Backend> backends) {
  ServicePortRule r;
  r.key = "bench/" + name + "/tcp/http";
  r.protocol = "tcp";
  r.addresses = {vip};
  r.port = 80;
  r.backends = std::move(backends);
  return r;
}

std::string ip(int a, int b, int c, int d) {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d);
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string mode = argv[1];
  ProxyConfig cfg;
  cfg.dns_ip.clear();
  if (mode == "many" && argc == 5) {
    cfg.table = argv[2];
    const int n = std::stoi(argv[3]);
    const std::string dir = argv[4];
    ProxyState state;
    for (int i = 0; i < n; ++i) {
      std::vector<Backend> b;
      for (int k = 0; k < 3; ++k) b.push_back({ip(10, 244, 1 + (i * 3 + k) / 250, 1 + (i * 3 + k) % 250), 8080});
      auto r = rule("s" + std::to_string(i), ip(10, 96, 1 + i / 250, 1 + i % 250), b);
      state[r.key] = r;
    }
    write(dir + "/full.nft", render_full(cfg, state));
    ProxyState changed = state;
    auto& r = changed.at("bench/s" + std::to_string(n / 2) + "/tcp/http");
    r.backends[1] = {"10.250.0.1", 8080};
    write(dir + "/change.nft", render_changes(cfg, state, changed));
    write(dir + "/change-back.nft", render_changes(cfg, changed, state));
    return 0;
  }
  if (mode == "one" && (argc == 6 || argc == 8)) {
    cfg.table = argv[2];
    cfg.cluster_cidr = "";
    ProxyState state;
    std::vector<Backend> backends;
    std::string pods = argv[4];
    for (size_t at = 0; at != std::string::npos;) {
      size_t comma = pods.find(',', at);
      backends.push_back({pods.substr(at, comma == std::string::npos ? comma : comma - at), 80});
      at = comma == std::string::npos ? comma : comma + 1;
    }
    auto r = rule("web", argv[3], backends);
    if (argc == 8) {  // NODEPORT AFFINITY_SECONDS
      r.node_port = std::stoi(argv[6]);
      r.affinity_timeout = std::stoi(argv[7]);
    }
    state[r.key] = r;
    write(std::string(argv[5]) + "/full.nft", render_full(cfg, state));
    return 0;
  }
  std::fprintf(stderr, "usage: see the comment at the top of bench_gen.cpp\n");
  return 2;
}
