// capstan.agent.v1/service-proxy: programs this node's nftables for Services (ClusterIP,
// NodePort, external IPs, ClientIP affinity, hairpin, cluster DNS), from Services and Endpoints.
//
// Network safety: before any rule exists the whole service CIDR is routed to an empty bridge
// (`capstan-vip`, up, no address), so a packet to a service address that no rule translates dies
// on this node instead of following the default route. Everything made here (table, bridge, route,
// the route_localnet setting) is undone on stop.
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_services.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/sync_loop.hpp"
#include "capstan/node_gateway.hpp"
#include "capstan/plugin.hpp"
#include "nft_rules.hpp"
#include "system.hpp"

namespace {

using namespace capstan;
using namespace capstan::proxy;
namespace fs = std::filesystem;

using machinery::kServices;
using machinery::kEndpoints;
using machinery::kNodes;

struct Settings {
  ProxyConfig rules;
  std::string data_dir = "/var/lib/capstan";
  std::string node_name;
  std::string service_cidr = "10.96.0.0/16";
  std::string sink_bridge = "capstan-vip";
  std::string dns_listen;  // explicit resolver address; else the node's bridge gateway
  bool route_localnet = true;
  int min_sync_ms = 20;
  int sync_period_ms = 30000;  // kube-proxy's syncPeriod
};

Settings parse(const std::string& text) {
  Settings s;
  if (text.empty()) return s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return s;
  s.data_dir = j.value("dataDir", s.data_dir);
  s.node_name = j.value("nodeName", s.node_name);
  s.service_cidr = j.value("serviceCIDR", s.service_cidr);
  s.sink_bridge = j.value("sinkBridge", s.sink_bridge);
  s.rules.table = j.value("table", s.rules.table);
  s.rules.cluster_cidr = j.value("clusterCIDR", s.rules.cluster_cidr);
  s.rules.dns_ip = j.value("clusterDNSIP", s.rules.dns_ip);
  s.dns_listen = j.value("dnsListenAddress", s.dns_listen);
  s.route_localnet = j.value("routeLocalnet", s.route_localnet);
  s.min_sync_ms = j.value("minSyncMillis", s.min_sync_ms);
  s.sync_period_ms = j.value("syncPeriodMillis", s.sync_period_ms);
  return s;
}

class ServiceProxy final : public sdk::Plugin {
 public:
  ServiceProxy(const sdk::Host& host, const std::string& config)
      : host_(host), settings_(parse(config)), client_(host, "service-proxy"), services_(client_, kServices),
        endpoints_(client_, kEndpoints), nodes_(client_, kNodes), sync_([this] { sync(); }, sync_options()) {
    if (!settings_.node_name.empty()) nodes_.set_selectors("", "metadata.name=" + settings_.node_name);
    auto poke = [this](const sdk::ObjectPtr&, sdk::EventKind) { sync_.request(); };
    services_.add_handler(poke);
    endpoints_.add_handler(poke);
    nodes_.add_handler(poke);
  }

  void start() override {
    if (geteuid() != 0) throw sdk::SkipPlugin("service proxy: needs root to program nftables");
    if (!have_program("nft") || !have_program("ip")) throw sdk::SkipPlugin("service proxy: nft or ip not installed");
    dir_ = settings_.data_dir + "/service-proxy";
    fs::create_directories(dir_);
    // One proxy per table on a host: a second capstan on the same network namespace leaves it be.
    lock_fd_ = ::open(lock_path().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      if (lock_fd_ >= 0) ::close(lock_fd_);
      lock_fd_ = -1;
      throw sdk::SkipPlugin("service proxy: another process owns nftables table " + settings_.rules.table);
    }
    try {
      make_sink();  // first: nothing is programmed before the service CIDR has its sink
      if (settings_.route_localnet) {
        // NodePorts on 127.0.0.1: the DNATed packet keeps its loopback source until masquerade.
        // The value before the first run that changed it is kept in the data dir, so that a run
        // after a crash restores the host's value, not the crashed run's.
        const std::string saved = dir_ + "/route_localnet.saved";
        saved_localnet_ = read_file(saved);
        if (saved_localnet_.empty()) {
          saved_localnet_ = read_file("/proc/sys/net/ipv4/conf/all/route_localnet");
          write_file(saved, saved_localnet_);
        }
        write_file("/proc/sys/net/ipv4/conf/all/route_localnet", "1\n");
      }
      applied_.clear();
      apply_full({});
    } catch (...) {
      undo_host_changes();  // a plugin that fails to start is not stopped
      throw;
    }
    services_.start();
    endpoints_.start();
    if (!settings_.node_name.empty()) nodes_.start();
    sync_.start();
    host_.info("service proxy: table ip " + settings_.rules.table + ", service CIDR " + settings_.service_cidr +
               " routed to " + settings_.sink_bridge);
  }

  void stop() override {
    sync_.stop();
    nodes_.stop();
    endpoints_.stop();
    services_.stop();
    undo_host_changes();
  }

  // Deletes the table, restores route_localnet, removes the sink route and bridge; idempotent.
  void undo_host_changes() {
    if (lock_fd_ < 0) return;  // never started
    auto r = nft_apply(render_delete(settings_.rules), dir_ + "/delete.nft");
    if (r.exit_code != 0) host_.warn("service proxy: cannot delete table: " + r.output());
    if (settings_.route_localnet && !saved_localnet_.empty()) {
      write_file("/proc/sys/net/ipv4/conf/all/route_localnet", saved_localnet_);
      std::error_code ec;
      fs::remove(dir_ + "/route_localnet.saved", ec);
    }
    saved_localnet_.clear();
    remove_sink();
    ::unlink(lock_path().c_str());  // still held: nobody else can have taken it meanwhile
    ::close(lock_fd_);
    lock_fd_ = -1;
  }

 private:
  // Tables belong to a network namespace, so the lock does too: nodes run in separate namespaces
  // on one machine (each with its own table of the same name) must not skip each other.
  std::string lock_path() const {
    struct stat st {};
    const std::string netns = ::stat("/proc/self/ns/net", &st) == 0 ? "-net" + std::to_string(st.st_ino) : "";
    return "/run/capstan-" + settings_.rules.table + netns + ".lock";
  }

  void make_sink() {
    const auto& br = settings_.sink_bridge;
    if (machinery::run({"ip", "link", "show", "dev", br}).exit_code != 0) {
      auto r = machinery::run({"ip", "link", "add", br, "type", "bridge"});
      if (r.exit_code != 0) throw std::runtime_error("service proxy: cannot create " + br + ": " + r.output());
      made_bridge_ = true;
    } else if (machinery::run({"ip", "-4", "-o", "addr", "show", "dev", br}).out.empty() &&
               machinery::run({"ip", "-d", "link", "show", "dev", br}).out.find("bridge ") != std::string::npos) {
      // An empty bridge of this name is a sink left by a run that was killed: adopt it, so that
      // this run removes it.
      made_bridge_ = true;
    }
    machinery::run({"ip", "link", "set", br, "up"});
    // `add`, not `replace`: a route to the service CIDR that someone else made is not taken over.
    auto r = machinery::run({"ip", "route", "add", settings_.service_cidr, "dev", br});
    if (r.exit_code == 0) {
      made_route_ = true;
      return;
    }
    auto have = machinery::run({"ip", "route", "show", "exact", settings_.service_cidr});
    if (have.out.find("dev " + br + " ") == std::string::npos)
      throw std::runtime_error("service proxy: cannot route " + settings_.service_cidr + " to " + br + ": " + r.output() +
                               (have.out.empty() ? "" : " (existing: " + have.out + ")"));
  }

  void remove_sink() {
    if (made_route_) machinery::run({"ip", "route", "del", settings_.service_cidr, "dev", settings_.sink_bridge});
    if (made_bridge_) machinery::run({"ip", "link", "del", settings_.sink_bridge});
    made_route_ = made_bridge_ = false;
  }

  // The resolver address the DNS rule sends to: configured, or this node's bridge gateway.
  std::string dns_target() { return sdk::node_gateway(nodes_, settings_.node_name, settings_.dns_listen); }

  // kube-proxy's sync runner: at most one sync per minSyncMillis (changes arriving together are
  // applied together), at least one per syncPeriod (a failed sync is retried; the host's rules are
  // compared with what was applied), on every change in between.
  machinery::SyncLoop::Options sync_options() {
    machinery::SyncLoop::Options o;
    o.min_interval = std::chrono::milliseconds(settings_.min_sync_ms);
    o.max_interval = std::chrono::milliseconds(settings_.sync_period_ms);
    // A first sync from half-filled caches would briefly reject services whose endpoints are not
    // listed yet.
    o.ready = [this](std::chrono::milliseconds slice) {
      return services_.wait_for_sync(slice) && endpoints_.wait_for_sync(slice);
    };
    o.on_error = [this](const std::exception& e) { host_.warn(std::string("service proxy: sync failed: ") + e.what()); };
    return o;
  }

  void sync() {
    ProxyConfig cfg = settings_.rules;
    cfg.dns_target = dns_target();
    auto state = build_state(services_.list(), endpoints_.list(), cfg);
    if (cfg.dns_target != applied_config_.dns_target) {
      apply_full(state, cfg);
      return;
    }
    // Incremental updates assume the table is as last applied. Someone may have deleted or
    // flushed it (nft flush ruleset, a firewall reload): checked at every sync (at least every
    // syncPeriod) through its prerouting chain, and rebuilt whole when it is gone.
    if (!table_present()) {
      host_.warn("service proxy: table ip " + settings_.rules.table + " is gone; rebuilding it");
      apply_full(state, cfg);
      return;
    }
    std::string script = render_changes(cfg, applied_, state);
    if (script.empty()) return;
    auto r = nft_apply(script, dir_ + "/last-change.nft");
    if (r.exit_code == 0) {
      applied_ = std::move(state);
      return;
    }
    host_.warn("service proxy: incremental update failed, rebuilding the table: " + r.output());
    apply_full(state, cfg);
  }

  bool table_present() {
    return machinery::run({"nft", "list", "chain", "ip", settings_.rules.table, "nat-prerouting"}).ok();
  }

  void apply_full(const ProxyState& state, std::optional<ProxyConfig> cfg = std::nullopt) {
    ProxyConfig c = cfg ? *cfg : settings_.rules;
    auto r = nft_apply(render_full(c, state), dir_ + "/full.nft");
    if (r.exit_code != 0) throw std::runtime_error("service proxy: nft: " + r.output());
    applied_ = state;
    applied_config_ = c;
  }

  const sdk::Host& host_;
  const Settings settings_;
  sdk::Client client_;
  sdk::Informer services_, endpoints_, nodes_;
  std::string dir_;
  int lock_fd_ = -1;
  bool made_bridge_ = false, made_route_ = false;
  std::string saved_localnet_;
  ProxyState applied_;
  ProxyConfig applied_config_;
  machinery::SyncLoop sync_;  // last: stopped before the rest goes
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.agent.v1";
  info.id = "service-proxy";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<ServiceProxy>(host, config); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
