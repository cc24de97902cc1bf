#include "nft_rules.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "capstan/core_v1_services.capnp.h"

namespace capstan::proxy {

namespace {

constexpr const char* kMasqMark = "0x4000";
constexpr const char* kRejectMark = "0x8000";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string svc_chain(const ServicePortRule& r) { return "svc-" + r.key; }
std::string np_chain(const ServicePortRule& r) { return "np-" + r.key; }
std::string ep_chain(const ServicePortRule& r, const Backend& b) { return "ep-" + r.key + "/" + b.ip + "/" + std::to_string(b.port); }
// The timeout is part of the name: a set's timeout cannot change in place.
std::string aff_set(const ServicePortRule& r, const Backend& b) {
  return "aff-" + r.key + "/" + b.ip + "/" + std::to_string(b.port) + "/" + std::to_string(r.affinity_timeout);
}

// The elements of the two maps one rule owns.
std::vector<std::string> ip_elements(const ServicePortRule& r) {
  std::vector<std::string> out;
  for (const auto& a : r.addresses)
    out.push_back(a + " . " + r.protocol + " . " + std::to_string(r.port) + " : goto " + svc_chain(r));
  return out;
}
std::string np_element(const ServicePortRule& r) {
  return r.protocol + " . " + std::to_string(r.node_port) + " : goto " + np_chain(r);
}
std::string element_key(const std::string& element) { return element.substr(0, element.find(" : ")); }

// The rules of every chain (and the sets) of one service port, as "add" commands after the chains
// were created and flushed.
void chain_rules(std::ostream& out, const ProxyConfig& c, const ServicePortRule& r) {
  const std::string t = "ip " + c.table;
  if (r.affinity_timeout > 0)
    for (const auto& b : r.backends)
      out << "add set " << t << " " << aff_set(r, b) << " { type ipv4_addr; flags dynamic,timeout; timeout "
          << r.affinity_timeout << "s; }\n";
  for (const auto& b : r.backends) {
    const std::string ch = ep_chain(r, b);
    out << "add chain " << t << " " << ch << "\n";
    out << "flush chain " << t << " " << ch << "\n";
    // Hairpin: a pod reaching itself through the Service must see the reply come back through the
    // node, so its source is masqueraded.
    out << "add rule " << t << " " << ch << " ip saddr " << b.ip << " jump mark-masq\n";
    if (r.affinity_timeout > 0) out << "add rule " << t << " " << ch << " update @" << aff_set(r, b) << " { ip saddr }\n";
    out << "add rule " << t << " " << ch << " meta l4proto " << r.protocol << " dnat to " << b.ip << ":" << b.port << "\n";
  }
  const std::string svc = svc_chain(r);
  out << "add chain " << t << " " << svc << "\n";
  out << "flush chain " << t << " " << svc << "\n";
  if (!c.cluster_cidr.empty()) out << "add rule " << t << " " << svc << " ip saddr != " << c.cluster_cidr << " jump mark-masq\n";
  if (r.backends.empty()) {
    out << "add rule " << t << " " << svc << " meta mark set meta mark | " << kRejectMark << "\n";
  } else {
    if (r.affinity_timeout > 0)
      for (const auto& b : r.backends)
        out << "add rule " << t << " " << svc << " ip saddr @" << aff_set(r, b) << " goto " << ep_chain(r, b) << "\n";
    out << "add rule " << t << " " << svc << " numgen random mod " << r.backends.size() << " vmap { ";
    for (size_t i = 0; i < r.backends.size(); ++i)
      out << (i ? ", " : "") << i << " : goto " << ep_chain(r, r.backends[i]);
    out << " }\n";
  }
  if (r.node_port) {
    const std::string np = np_chain(r);
    out << "add chain " << t << " " << np << "\n";
    out << "flush chain " << t << " " << np << "\n";
    out << "add rule " << t << " " << np << " jump mark-masq\n";
    out << "add rule " << t << " " << np << " goto " << svc << "\n";
  }
}

// Chains and sets a rule has, for deletion.
std::set<std::string> chains_of(const ServicePortRule& r) {
  std::set<std::string> out = {svc_chain(r)};
  if (r.node_port) out.insert(np_chain(r));
  for (const auto& b : r.backends) out.insert(ep_chain(r, b));
  return out;
}
std::set<std::string> sets_of(const ServicePortRule& r) {
  std::set<std::string> out;
  if (r.affinity_timeout > 0)
    for (const auto& b : r.backends) out.insert(aff_set(r, b));
  return out;
}

void base_table(std::ostream& out, const ProxyConfig& c) {
  const std::string t = "ip " + c.table;
  out << "add table " << t << "\n";
  out << "add map " << t << " service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }\n";
  out << "add map " << t << " service-nodeports { type inet_proto . inet_service : verdict; }\n";
  out << "add chain " << t << " mark-masq\n";
  out << "add rule " << t << " mark-masq meta mark set meta mark | " << kMasqMark << "\n";
  out << "add chain " << t << " services\n";
  out << "add rule " << t << " services ip daddr . meta l4proto . th dport vmap @service-ips\n";
  out << "add rule " << t << " services fib daddr type local meta l4proto . th dport vmap @service-nodeports\n";
  if (!c.dns_ip.empty() && !c.dns_target.empty()) {
    out << "add chain " << t << " cluster-dns\n";
    out << "add rule " << t << " cluster-dns meta l4proto { tcp, udp } dnat to " << c.dns_target << ":" << c.dns_port << "\n";
    out << "add element " << t << " service-ips { " << c.dns_ip << " . udp . 53 : goto cluster-dns, " << c.dns_ip
        << " . tcp . 53 : goto cluster-dns }\n";
  }
  // Hooks: service addresses are translated for forwarded/incoming traffic and for the node's own.
  out << "add chain " << t << " nat-prerouting { type nat hook prerouting priority -100; policy accept; }\n";
  out << "add rule " << t << " nat-prerouting jump services\n";
  out << "add chain " << t << " nat-output { type nat hook output priority -100; policy accept; }\n";
  out << "add rule " << t << " nat-output jump services\n";
  out << "add chain " << t << " nat-postrouting { type nat hook postrouting priority 100; policy accept; }\n";
  out << "add rule " << t << " nat-postrouting meta mark & " << kMasqMark << " == " << kMasqMark << " masquerade\n";
  // A service without endpoints answers at once (TCP reset / ICMP port unreachable) instead of
  // letting the packet die in the sink bridge.
  for (const char* hook : {"input", "forward", "output"}) {
    out << "add chain " << t << " filter-" << hook << " { type filter hook " << hook << " priority -10; policy accept; }\n";
    out << "add rule " << t << " filter-" << hook << " meta mark & " << kRejectMark << " == " << kRejectMark
        << " meta l4proto tcp reject with tcp reset\n";
    out << "add rule " << t << " filter-" << hook << " meta mark & " << kRejectMark << " == " << kRejectMark << " reject\n";
  }
}

}  // namespace

ProxyState build_state(const std::vector<sdk::ObjectPtr>& services, const std::vector<sdk::ObjectPtr>& endpoints,
                       const ProxyConfig& config) {
  std::map<std::string, const sdk::ObjectPtr*> eps;
  for (const auto& e : endpoints) eps[e->key()] = &e;
  ProxyState state;
  for (const auto& obj : services) {
    auto svc = obj->as<core::v1::Service>();
    auto spec = svc.getSpec();
    const std::string type = spec.getType();
    const std::string cluster_ip = spec.getClusterIP();
    if (type == "ExternalName" || cluster_ip.empty() || cluster_ip == "None") continue;
    if (!config.dns_ip.empty() && !config.dns_target.empty() && cluster_ip == config.dns_ip) continue;
    int timeout = 0;
    if (spec.getSessionAffinity() == "ClientIP") {
      auto t = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
      timeout = t.isValue() ? t.getValue() : 10800;
    }
    const sdk::ObjectPtr* ep = nullptr;
    if (auto it = eps.find(obj->key()); it != eps.end()) ep = it->second;
    for (auto p : spec.getPorts()) {
      ServicePortRule r;
      r.protocol = lower(p.getProtocol().size() ? p.getProtocol().cStr() : "TCP");
      const std::string pname = p.getName();
      r.key = obj->ns() + "/" + obj->name() + "/" + r.protocol + "/" + (pname.empty() ? std::to_string(p.getPort()) : pname);
      r.addresses.push_back(cluster_ip);
      for (auto e : spec.getExternalIPs()) r.addresses.push_back(e);
      r.port = p.getPort();
      if (type == "NodePort" || type == "LoadBalancer") r.node_port = p.getNodePort();
      r.affinity_timeout = timeout;
      if (ep) {
        for (auto s : (*ep)->as<core::v1::Endpoints>().getSubsets()) {
          int port = 0;
          for (auto sp : s.getPorts()) {
            std::string sp_proto = lower(sp.getProtocol().size() ? sp.getProtocol().cStr() : "TCP");
            if (sp.getName() == pname.c_str() && sp_proto == r.protocol) port = sp.getPort();
          }
          if (port == 0) continue;
          for (auto a : s.getAddresses()) r.backends.push_back({a.getIp(), port});
        }
      }
      std::sort(r.backends.begin(), r.backends.end());
      r.backends.erase(std::unique(r.backends.begin(), r.backends.end()), r.backends.end());
      state[r.key] = std::move(r);
    }
  }
  return state;
}

std::string render_delete(const ProxyConfig& config) {
  return "add table ip " + config.table + "\ndelete table ip " + config.table + "\n";
}

std::string render_full(const ProxyConfig& config, const ProxyState& state) {
  std::ostringstream out;
  out << render_delete(config);
  base_table(out, config);
  for (const auto& [_, r] : state) chain_rules(out, config, r);
  std::vector<std::string> ips, nps;
  for (const auto& [_, r] : state) {
    for (auto& e : ip_elements(r)) ips.push_back(e);
    if (r.node_port) nps.push_back(np_element(r));
  }
  // Elements in batches: one command per element would make a large transaction slow to parse.
  auto batches = [&](const char* map, const std::vector<std::string>& elements) {
    for (size_t i = 0; i < elements.size(); i += 500) {
      out << "add element ip " << config.table << " " << map << " { ";
      for (size_t k = i; k < elements.size() && k < i + 500; ++k) out << (k > i ? ", " : "") << elements[k];
      out << " }\n";
    }
  };
  batches("service-ips", ips);
  batches("service-nodeports", nps);
  return out.str();
}

std::string render_changes(const ProxyConfig& config, const ProxyState& before, const ProxyState& after) {
  std::ostringstream out;
  const std::string t = "ip " + config.table;
  std::set<std::string> drop_chains, drop_sets, keep_chains, keep_sets;
  // 1. Map elements that go away or change: deleted first, so nothing points at a chain deleted below.
  for (const auto& [key, old] : before) {
    auto it = after.find(key);
    const ServicePortRule* now = it == after.end() ? nullptr : &it->second;
    if (now && *now == old) continue;
    std::set<std::string> new_ips;
    if (now)
      for (auto& e : ip_elements(*now)) new_ips.insert(e);
    for (auto& e : ip_elements(old))
      if (!new_ips.count(e)) out << "delete element " << t << " service-ips { " << element_key(e) << " }\n";
    if (old.node_port && (!now || now->node_port != old.node_port || now->protocol != old.protocol))
      out << "delete element " << t << " service-nodeports { " << element_key(np_element(old)) << " }\n";
    for (auto& ch : chains_of(old)) drop_chains.insert(ch);
    for (auto& s : sets_of(old)) drop_sets.insert(s);
  }
  // 2. New and changed service ports: their chains rewritten (created, flushed, filled).
  for (const auto& [key, now] : after) {
    auto it = before.find(key);
    const ServicePortRule* old = it == before.end() ? nullptr : &it->second;
    if (old && *old == now) continue;
    chain_rules(out, config, now);
    std::set<std::string> old_ips;
    if (old)
      for (auto& e : ip_elements(*old)) old_ips.insert(e);
    for (auto& e : ip_elements(now))
      if (!old_ips.count(e)) out << "add element " << t << " service-ips { " << e << " }\n";
    if (now.node_port && (!old || old->node_port != now.node_port || old->protocol != now.protocol))
      out << "add element " << t << " service-nodeports { " << np_element(now) << " }\n";
    for (auto& ch : chains_of(now)) keep_chains.insert(ch);
    for (auto& s : sets_of(now)) keep_sets.insert(s);
  }
  // 3. Chains and sets nobody uses any more. A chain that jumps to another goes first: service
  // chains (svc-, np-) before endpoint chains (ep-).
  std::vector<std::string> chains;
  for (auto& ch : drop_chains)
    if (!keep_chains.count(ch)) chains.push_back(ch);
  std::stable_sort(chains.begin(), chains.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& s) { return s.rfind("np-", 0) == 0 ? 0 : s.rfind("svc-", 0) == 0 ? 1 : 2; };
    return rank(a) < rank(b);
  });
  // Chains referenced from a rule cannot be deleted while the rule exists: flush them all first.
  for (auto& ch : chains) out << "flush chain " << t << " " << ch << "\n";
  for (auto& ch : chains) out << "delete chain " << t << " " << ch << "\n";
  for (auto& s : drop_sets)
    if (!keep_sets.count(s)) out << "delete set " << t << " " << s << "\n";
  return out.str();
}

}  // namespace capstan::proxy
