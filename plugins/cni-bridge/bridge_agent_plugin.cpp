// capstan.network.v1/bridge (agent role): the node half of the pod network. Once this node has a
// pod CIDR it creates the bridge (capstan0, gateway = the CIDR's first address), writes the CNI
// configuration containerd reads (<dataDir>/cni/net.d/10-capstan.conflist), guards egress so
// pod traffic cannot be forwarded out of the default-route interface, and programs host-gw
// routes to the other nodes' pod CIDRs (see host_routes.hpp for when a route is allowed).
// Everything it created is removed on stop.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "capstan/controller.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/net.hpp"
#include "capstan/machinery/process.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/plugin.hpp"
#include "conflist.hpp"
#include "host_routes.hpp"

namespace capstan::cni {
namespace {

namespace fs = std::filesystem;
namespace core = capstan::core::v1;
using machinery::kNodes;
constexpr const char* kKey = "network";

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

struct Config {
  std::string data_dir = "/var/lib/capstan";
  std::string node_name;
  std::string bridge = "capstan0";
  std::string network_name = "capstan";
  std::string conf_dir;  // default <dataDir>/cni/net.d
  bool ip_masq = false;
  bool hairpin_mode = true;
  int mtu = 0;
  bool routes = true;
  bool block_egress = true;
};

Config parse_config(const std::string& text) {
  Config c;
  auto j = text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text, nullptr, false);
  if (j.is_object()) {
    auto s = [&](const char* k, std::string& out) {
      if (j.contains(k) && j[k].is_string()) out = j[k].get<std::string>();
    };
    auto b = [&](const char* k, bool& out) {
      if (j.contains(k) && j[k].is_boolean()) out = j[k].get<bool>();
    };
    s("dataDir", c.data_dir);
    s("nodeName", c.node_name);
    s("bridgeName", c.bridge);
    s("networkName", c.network_name);
    s("cniConfDir", c.conf_dir);
    b("ipMasq", c.ip_masq);
    b("hairpinMode", c.hairpin_mode);
    b("routes", c.routes);
    b("blockEgress", c.block_egress);
    if (j.contains("mtu") && j["mtu"].is_number_integer()) c.mtu = j["mtu"].get<int>();
  }
  if (c.conf_dir.empty()) c.conf_dir = c.data_dir + "/cni/net.d";
  if (c.node_name.empty()) {
    // Same default as the node agent: the lower-cased host name.
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    c.node_name = buf;
    for (auto& ch : c.node_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  // Interface names: at most 15 characters; kept to a safe alphabet since the name goes into nft rules.
  const bool safe = std::all_of(c.bridge.begin(), c.bridge.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
  });
  if (c.bridge.empty() || c.bridge.size() > 15 || !safe)
    throw std::runtime_error("cni-bridge: bridgeName must be 1 to 15 letters, digits, '-', '_' or '.'");
  return c;
}

class BridgeAgent final : public sdk::Plugin {
 public:
  BridgeAgent(const sdk::Host& host, const std::string& config)
      : host_(host), config_(parse_config(config)), client_(host, "cni-bridge"), nodes_(client_, kNodes) {
    state_dir_ = config_.data_dir + "/cni-bridge";
    table_ = "capstan_cni_" + config_.bridge;
    for (auto& ch : table_)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    controller_ = std::make_unique<sdk::Controller>("cni-bridge", host_, [this](const std::string&) { return reconcile(); }, 1);
    nodes_.add_handler([q = controller_.get()](const sdk::ObjectPtr&, sdk::EventKind) { q->enqueue(kKey); });
  }

  void start() override {
    fs::create_directories(state_dir_);
    created_bridge_ = fs::exists(marker());  // a previous run created it and did not get to remove it
    nodes_.start();
    controller_->start();
    controller_->enqueue(kKey);
  }

  void stop() override {
    controller_->stop();
    nodes_.stop();
    std::lock_guard lock(mu_);
    for (const auto& [cidr, r] : routes_) delete_route(cidr, r);
    routes_.clear();
    if (guard_installed_) machinery::run({"nft", "delete", "table", "inet", table_});
    guard_installed_ = false;
    std::error_code ec;
    // Pods still attached are torn down later through CNI, which needs this configuration (without
    // it containerd cannot release their addresses): pods a runtime keeps across a node stop, or a
    // runtime that does not order itself before the network ("capstan.network.v1.*?") and stops
    // after this plugin. While pods are attached the file stays; the next start rewrites it.
    const auto ports = machinery::run({"ip", "-o", "link", "show", "master", config_.bridge});
    const bool pods_attached = ports.ok() && !ports.out.empty();
    if (!written_conflist_.empty() && !pods_attached) fs::remove(written_conflist_, ec);
    if (pods_attached) host_.info("cni-bridge: pods still attached to " + config_.bridge + "; kept " + written_conflist_ + " for their teardown");
    if (created_bridge_) {
      machinery::run({"ip", "link", "delete", config_.bridge, "type", "bridge"});
      fs::remove(marker(), ec);
      host_.info("cni-bridge: removed bridge " + config_.bridge);
    }
  }

 private:
  struct Route {
    std::string via, dev;
  };

  std::string marker() const { return state_dir_ + "/created-" + config_.bridge; }
  std::string conflist_path() const { return config_.conf_dir + "/10-capstan.conflist"; }

  static std::string internal_ip(core::Node::Reader node) {
    for (auto a : node.getStatus().getAddresses())
      if (a.getType() == "InternalIP") return str(a.getAddress());
    return "";
  }

  sdk::ReconcileResult reconcile() {
    if (!nodes_.has_synced()) return sdk::ReconcileResult::after(std::chrono::milliseconds(100));
    std::lock_guard lock(mu_);
    auto self = nodes_.get("", config_.node_name);
    if (self) {
      auto cidr = parse_cidr(str(self->as<core::Node>().getSpec().getPodCIDR()));
      if (cidr) {
        if (auto err = ensure_bridge(*cidr); !err.empty()) return sdk::ReconcileResult::fail(err);
        if (auto err = write_conflist(*cidr); !err.empty()) return sdk::ReconcileResult::fail(err);
      }
    }
    HostNetwork hostnet = parse_host_network(machinery::run({"ip", "-j", "addr", "show"}).out,
                                             machinery::run({"ip", "-j", "route", "show", "default"}).out);
    if (config_.block_egress) ensure_egress_guard(hostnet);
    if (config_.routes) sync_routes(hostnet);
    // Host addresses and the default route can change without any Node changing.
    return sdk::ReconcileResult::after(std::chrono::seconds(30));
  }

  std::string ensure_bridge(const Ipv4Cidr& cidr) {
    const std::string& br = config_.bridge;
    if (machinery::run({"ip", "link", "show", "dev", br}).exit_code != 0) {
      auto r = machinery::run({"ip", "link", "add", br, "type", "bridge"});
      if (r.exit_code != 0) return "cannot create bridge " + br + ": " + r.output();
      std::ofstream(marker()) << br << "\n";
      created_bridge_ = true;
      host_.info("cni-bridge: created bridge " + br);
    }
    const std::string gw = format_ipv4(machinery::gateway_address(cidr)) + "/" + std::to_string(cidr.prefix);
    if (gw != bridge_address_) {
      auto r = machinery::run({"ip", "addr", "replace", gw, "dev", br});
      if (r.exit_code != 0) return "cannot address bridge " + br + ": " + r.output();
      bridge_address_ = gw;
    }
    machinery::run({"ip", "link", "set", br, "up"});
    return "";
  }

  std::string write_conflist(const Ipv4Cidr& cidr) {
    BridgeNetwork n;
    n.name = config_.network_name;
    n.bridge = config_.bridge;
    n.pod_cidr = cidr.str();
    n.gateway = format_ipv4(machinery::gateway_address(cidr));
    n.ipam_dir = config_.data_dir + "/cni/ipam";
    n.ip_masq = config_.ip_masq;
    n.hairpin_mode = config_.hairpin_mode;
    n.mtu = config_.mtu;
    const std::string text = bridge_conflist(n);
    const std::string path = conflist_path();
    std::ifstream cur(path);
    std::stringstream have;
    have << cur.rdbuf();
    if (have.str() != text) {
      std::error_code ec;
      fs::create_directories(config_.conf_dir, ec);
      const std::string tmp = path + ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) return "cannot write " + tmp;
      }
      fs::rename(tmp, path, ec);
      if (ec) return "cannot write " + path + ": " + ec.message();
      host_.info("cni-bridge: wrote " + path + " (pod CIDR " + n.pod_cidr + ")");
    }
    written_conflist_ = path;
    return "";
  }

  // Pods must never be forwarded out through the machine's real NIC: drop what comes from the
  // bridge and would leave through a default-route interface.
  void ensure_egress_guard(const HostNetwork& hostnet) {
    std::string devs;
    for (const auto& d : hostnet.default_route_devs) devs += (devs.empty() ? "\"" : ", \"") + d + "\"";
    if (devs == guard_devs_ && guard_installed_) return;
    std::ostringstream rules;
    rules << "table inet " << table_ << " {\n}\n"
          << "flush table inet " << table_ << "\n"
          << "table inet " << table_ << " {\n"
          << "  chain forward {\n"
          << "    type filter hook forward priority -10; policy accept;\n";
    if (!devs.empty()) rules << "    iifname \"" << config_.bridge << "\" oifname { " << devs << " } drop\n";
    rules << "  }\n}\n";
    auto r = machinery::run({"nft", "-f", "-"}, {.input = rules.str()});
    if (r.exit_code != 0) {
      host_.warn("cni-bridge: cannot install the egress guard: " + r.output());
      return;
    }
    guard_installed_ = true;
    guard_devs_ = devs;
  }

  void sync_routes(const HostNetwork& hostnet) {
    std::map<std::string, Route> want;
    for (const auto& obj : nodes_.list()) {
      if (obj->name() == config_.node_name) continue;
      auto node = obj->as<core::Node>();
      auto cidr = parse_cidr(str(node.getSpec().getPodCIDR()));
      const std::string ip_text = internal_ip(node);
      auto ip = parse_ipv4(ip_text);
      if (!cidr || !ip) continue;
      std::string why;
      auto dev = route_device(hostnet, *ip, why);
      if (!dev) {
        if (skipped_[obj->name()] != why) host_.info("cni-bridge: no route to node " + obj->name() + " (" + ip_text + "): " + why);
        skipped_[obj->name()] = why;
        continue;
      }
      skipped_.erase(obj->name());
      want[cidr->str()] = {ip_text, *dev};
    }
    for (auto it = routes_.begin(); it != routes_.end();) {
      auto w = want.find(it->first);
      if (w == want.end() || w->second.via != it->second.via || w->second.dev != it->second.dev) {
        delete_route(it->first, it->second);
        it = routes_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [cidr, r] : want) {
      if (routes_.count(cidr)) continue;
      auto res = machinery::run({"ip", "route", "replace", cidr, "via", r.via, "dev", r.dev});
      if (res.exit_code != 0) {
        host_.warn("cni-bridge: cannot route " + cidr + " via " + r.via + ": " + res.output());
        continue;
      }
      routes_[cidr] = r;
      host_.info("cni-bridge: route " + cidr + " via " + r.via + " dev " + r.dev);
    }
  }

  void delete_route(const std::string& cidr, const Route& r) {
    machinery::run({"ip", "route", "del", cidr, "via", r.via, "dev", r.dev});
    host_.info("cni-bridge: removed route " + cidr + " via " + r.via);
  }

  sdk::Host host_;
  Config config_;
  sdk::Client client_;
  sdk::Informer nodes_;
  std::unique_ptr<sdk::Controller> controller_;
  std::string state_dir_, table_;
  std::mutex mu_;
  bool created_bridge_ = false;
  bool guard_installed_ = false;
  std::string guard_devs_, bridge_address_, written_conflist_;
  std::map<std::string, Route> routes_;
  std::map<std::string, std::string> skipped_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.network.v1";
  info.id = "bridge";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("node pod network: bridge capstan0, CNI config for the runtime, host-gw routes");
  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<BridgeAgent>(host, config); };
  return info;
}

}  // namespace
}  // namespace capstan::cni

CAPSTAN_PLUGIN(capstan::cni::make_info)
