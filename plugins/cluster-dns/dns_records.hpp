#pragma once
// Cluster DNS records as hosts files for dnsmasq's --hostsdir, one file per Service:
//   <service>.<namespace>.svc.<domain>              -> the cluster IP
//   headless: <service>.<namespace>.svc.<domain>    -> every ready endpoint address
//             <hostname>.<service>.<namespace>.svc.<domain> -> the address of a pod that has
//             spec.hostname and spec.subdomain = the Service (StatefulSet pods)
// Pure: the plugin feeds it from its informers, tests from built objects.

#include <map>
#include <string>
#include <vector>

#include "capstan/object.hpp"

namespace capstan::dns {

// File name -> contents ("IP NAME" lines, sorted). Services without records get no file.
std::map<std::string, std::string> hosts_files(const std::vector<sdk::ObjectPtr>& services,
                                               const std::vector<sdk::ObjectPtr>& endpoints,
                                               const std::string& domain = "cluster.local");

// The dnsmasq command line for these settings.
struct DnsmasqOptions {
  std::string binary = "/usr/sbin/dnsmasq";
  std::string pid_file, hosts_dir, listen_address;
  int port = 53;
  std::string domain = "cluster.local";
  std::vector<std::string> upstream;  // forwarders for other names; empty = answer cluster names only
};
std::vector<std::string> dnsmasq_argv(const DnsmasqOptions& o);

// Nameservers listed in a resolv.conf text.
std::vector<std::string> resolv_conf_servers(const std::string& text);

}  // namespace capstan::dns
