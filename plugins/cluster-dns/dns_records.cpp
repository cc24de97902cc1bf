#include "dns_records.hpp"

#include <set>
#include <sstream>

#include "capstan/core_v1_services.capnp.h"

namespace capstan::dns {

std::map<std::string, std::string> hosts_files(const std::vector<sdk::ObjectPtr>& services,
                                               const std::vector<sdk::ObjectPtr>& endpoints,
                                               const std::string& domain) {
  std::map<std::string, const sdk::ObjectPtr*> eps;
  for (const auto& e : endpoints) eps[e->key()] = &e;
  std::map<std::string, std::string> files;
  for (const auto& obj : services) {
    auto spec = obj->as<core::v1::Service>().getSpec();
    const std::string fqdn = obj->name() + "." + obj->ns() + ".svc." + domain;
    const std::string ip = spec.getClusterIP();
    std::set<std::string> lines;
    if (spec.getType() == "ExternalName") continue;  // a CNAME: not served (docs/services.md)
    if (ip == "None") {
      auto it = eps.find(obj->key());
      if (it == eps.end()) continue;
      for (auto s : (*it->second)->as<core::v1::Endpoints>().getSubsets())
        for (auto a : s.getAddresses()) {
          lines.insert(std::string(a.getIp().cStr()) + " " + fqdn);
          if (a.getHostname().size())
            lines.insert(std::string(a.getIp().cStr()) + " " + std::string(a.getHostname().cStr()) + "." + fqdn);
        }
    } else if (!ip.empty()) {
      lines.insert(ip + " " + fqdn);
    }
    if (lines.empty()) continue;
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    // Namespaces and names are DNS labels: "_" cannot occur in either.
    files[obj->ns() + "_" + obj->name() + ".hosts"] = std::move(text);
  }
  return files;
}

std::vector<std::string> dnsmasq_argv(const DnsmasqOptions& o) {
  std::vector<std::string> a = {o.binary,
                                "--keep-in-foreground",
                                "--conf-file=/dev/null",  // no /etc/dnsmasq.conf
                                "--pid-file=" + o.pid_file,
                                "--no-hosts",             // not the host's /etc/hosts
                                "--no-resolv",            // not the host's resolv.conf: only listed upstreams
                                "--hostsdir=" + o.hosts_dir,
                                "--listen-address=" + o.listen_address,
                                "--bind-interfaces",
                                "--port=" + std::to_string(o.port),
                                "--local=/" + o.domain + "/",  // unknown cluster names: NXDOMAIN here
                                "--no-negcache",
                                "--user=root",            // the hosts dir lives in the data dir (0700)
                                "--log-facility=-"};
  for (const auto& s : o.upstream) a.push_back("--server=" + s);
  return a;
}

std::vector<std::string> resolv_conf_servers(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    ls >> key >> value;
    if (key == "nameserver" && !value.empty()) out.push_back(value);
  }
  return out;
}

}  // namespace capstan::dns
