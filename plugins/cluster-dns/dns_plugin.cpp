// capstan.agent.v1/cluster-dns: runs dnsmasq as this node's cluster resolver and feeds it one hosts
// file per Service (dns_records.hpp). dnsmasq reads --hostsdir changes by itself (inotify), so a
// record change is a file write, never a restart.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/machinery/process.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/sync_loop.hpp"
#include "capstan/node_gateway.hpp"
#include "capstan/plugin.hpp"
#include "dns_records.hpp"

namespace {

using namespace capstan;
using namespace capstan::dns;
namespace fs = std::filesystem;

using machinery::kServices;
using machinery::kEndpoints;
using machinery::kNodes;

struct Settings {
  std::string data_dir = "/var/lib/capstan";
  std::string node_name;
  std::string listen_address;  // empty: the first address of the node's pod CIDR
  int port = 53;
  std::string domain = "cluster.local";
  std::vector<std::string> upstream;
  bool host_resolvers = false;  // forward other names to /etc/resolv.conf's servers
  std::string binary = "/usr/sbin/dnsmasq";
};

Settings parse(const std::string& text) {
  Settings s;
  if (text.empty()) return s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return s;
  s.data_dir = j.value("dataDir", s.data_dir);
  s.node_name = j.value("nodeName", s.node_name);
  s.listen_address = j.value("listenAddress", s.listen_address);
  s.port = j.value("port", s.port);
  s.domain = j.value("clusterDomain", s.domain);
  s.host_resolvers = j.value("forwardToHostResolvers", s.host_resolvers);
  s.binary = j.value("dnsmasq", s.binary);
  if (j.contains("upstreamServers") && j["upstreamServers"].is_array())
    for (auto& v : j["upstreamServers"])
      if (v.is_string()) s.upstream.push_back(v);
  return s;
}

class ClusterDns final : public sdk::Plugin {
 public:
  ClusterDns(const sdk::Host& host, const std::string& config)
      : host_(host), settings_(parse(config)), client_(host, "cluster-dns"), services_(client_, kServices),
        endpoints_(client_, kEndpoints), nodes_(client_, kNodes),
        // Woken by changes; every second otherwise, to restart dnsmasq if it died.
        sync_([this] { sync(); }, {.max_interval = std::chrono::seconds(1), .on_error = [this](const std::exception& e) {
                                     host_.warn(std::string("cluster DNS: ") + e.what());
                                   }}) {
    if (!settings_.node_name.empty()) nodes_.set_selectors("", "metadata.name=" + settings_.node_name);
    auto poke = [this](const sdk::ObjectPtr&, sdk::EventKind) { sync_.request(); };
    services_.add_handler(poke);
    endpoints_.add_handler(poke);
    nodes_.add_handler(poke);
  }

  void start() override {
    if (settings_.port == 0) throw sdk::SkipPlugin("cluster DNS: disabled (port 0)");
    if (access(settings_.binary.c_str(), X_OK) != 0) throw sdk::SkipPlugin("cluster DNS: " + settings_.binary + " not installed");
    if (settings_.port < 1024 && geteuid() != 0) throw sdk::SkipPlugin("cluster DNS: needs root for port 53");
    dir_ = settings_.data_dir + "/cluster-dns";
    hosts_dir_ = dir_ + "/hosts";
    pid_file_ = dir_ + "/dnsmasq.pid";
    fs::create_directories(hosts_dir_);
    kill_leftover();
    for (auto& f : fs::directory_iterator(hosts_dir_)) fs::remove(f.path());  // rebuilt from the store
    written_.clear();
    services_.start();
    endpoints_.start();
    if (!settings_.node_name.empty()) nodes_.start();
    sync_.start();
  }

  void stop() override {
    sync_.stop();
    nodes_.stop();
    endpoints_.stop();
    services_.stop();
    stop_dnsmasq();
  }

 private:
  // The address dnsmasq listens on: configured, or the node bridge's gateway once the node has a
  // pod CIDR (pods cannot reach a loopback resolver).
  std::string listen_address() { return sdk::node_gateway(nodes_, settings_.node_name, settings_.listen_address); }

  void sync() {
    write_records();
    supervise();
  }

  void write_records() {
    auto files = hosts_files(services_.list(), endpoints_.list(), settings_.domain);
    for (const auto& [name, text] : files) {
      auto it = written_.find(name);
      if (it != written_.end() && it->second == text) continue;
      // Written beside, then renamed: dnsmasq ignores dot files and reads the whole new file.
      const std::string tmp = hosts_dir_ + "/." + name + ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
      }
      fs::rename(tmp, hosts_dir_ + "/" + name);
      written_[name] = text;
    }
    for (auto it = written_.begin(); it != written_.end();) {
      if (files.count(it->first)) {
        ++it;
        continue;
      }
      fs::remove(hosts_dir_ + "/" + it->first);
      it = written_.erase(it);
    }
  }

  // Starts dnsmasq when it is not running (or its address changed); restarts it after a crash,
  // at most every few seconds.
  void supervise() {
    const std::string address = listen_address();
    if (dnsmasq_.pid() > 0) {
      if (!dnsmasq_.is_running()) {
        host_.warn("cluster DNS: dnsmasq exited (" + dnsmasq_.exit_status() + ")" +
                   (log_tail().empty() ? "" : ": " + log_tail()));
        dnsmasq_ = {};
        last_failure_ = std::chrono::steady_clock::now();
      } else if (address == running_address_) {
        return;
      } else {
        stop_dnsmasq();
      }
    }
    if (address.empty()) return;
    if (std::chrono::steady_clock::now() - last_failure_ < std::chrono::seconds(3)) return;
    // The pod CIDR is known before the network plugin has put its gateway on the node bridge:
    // dnsmasq would fail to bind and wait out a restart delay. Checked again within a second.
    if (!is_local_address(address)) {
      if (waiting_for_ != address) host_.info("cluster DNS: waiting for " + address + " to be on an interface");
      waiting_for_ = address;
      return;
    }
    waiting_for_.clear();
    DnsmasqOptions o;
    o.binary = settings_.binary;
    o.pid_file = pid_file_;
    o.hosts_dir = hosts_dir_;
    o.listen_address = address;
    o.port = settings_.port;
    o.domain = settings_.domain;
    o.upstream = settings_.upstream;
    if (settings_.host_resolvers) {
      std::ifstream in("/etc/resolv.conf");
      std::stringstream ss;
      ss << in.rdbuf();
      for (auto& s : resolv_conf_servers(ss.str())) o.upstream.push_back(s);
    }
    // Its log is the plugin's file, started afresh. A dnsmasq left by a killed run is found by its
    // pid file at the next start (kill_leftover).
    machinery::SpawnOptions spawn;
    spawn.log_path = dir_ + "/dnsmasq.log";
    spawn.truncate_log = true;
    dnsmasq_ = machinery::ChildProcess::start(dnsmasq_argv(o), spawn);
    running_address_ = address;
    host_.info("cluster DNS: dnsmasq (pid " + std::to_string(dnsmasq_.pid()) + ") serving " + settings_.domain + " on " + address +
               ":" + std::to_string(settings_.port));
  }

  static bool is_local_address(const std::string& address) {
    in_addr want{};
    if (inet_pton(AF_INET, address.c_str(), &want) != 1) return true;  // not IPv4: let dnsmasq judge
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return true;
    bool found = false;
    for (auto* a = list; a && !found; a = a->ifa_next)
      found = a->ifa_addr && a->ifa_addr->sa_family == AF_INET &&
              reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr == want.s_addr;
    freeifaddrs(list);
    return found;
  }

  std::string log_tail() {
    std::ifstream in(dir_ + "/dnsmasq.log");
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    return last;
  }

  void stop_dnsmasq() {
    if (dnsmasq_.pid() <= 0) return;
    dnsmasq_.stop(std::chrono::seconds(1));
    dnsmasq_ = {};
    running_address_.clear();
    std::error_code ec;
    fs::remove(pid_file_, ec);
  }

  // A dnsmasq left by a previous run that was killed: recognised by its pid file and command line.
  void kill_leftover() {
    std::ifstream in(pid_file_);
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 1) return;
    const auto cmdline = machinery::process_cmdline(pid);
    if (std::find(cmdline.begin(), cmdline.end(), "--hostsdir=" + hosts_dir_) == cmdline.end()) return;
    // Not our child: wait for it to go (its address and port are needed again).
    machinery::terminate_process(pid, std::chrono::seconds(2));
    host_.info("cluster DNS: stopped leftover dnsmasq pid " + std::to_string(pid));
  }

  const sdk::Host& host_;
  const Settings settings_;
  sdk::Client client_;
  sdk::Informer services_, endpoints_, nodes_;
  std::string dir_, hosts_dir_, pid_file_;
  std::map<std::string, std::string> written_;
  machinery::ChildProcess dnsmasq_;
  std::string running_address_;
  std::string waiting_for_;  // the address logged as not yet local
  std::chrono::steady_clock::time_point last_failure_{};
  machinery::SyncLoop sync_;  // last: stopped before the rest goes
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.agent.v1";
  info.id = "cluster-dns";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<ClusterDns>(host, config); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
