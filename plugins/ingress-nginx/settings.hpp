#pragma once
// The plugin's configuration: the JSON every plugin receives (dataDir, nodeName, nodeIP) merged
// with `--plugin-config ingress-nginx='{...}'`. Keys and defaults are listed in README.md.

#include <chrono>
#include <string>
#include <vector>

namespace capstan::ingress {

struct Settings {
  std::string data_dir = "/var/lib/capstan";
  std::string node_name;
  std::string node_ip = "127.0.0.1";
  int http_port = 80;
  int https_port = 443;
  int status_port = 0;                          // 0: a free loopback port picked at start
  std::vector<std::string> listen_addresses;    // default: the node IP (and 127.0.0.1)
  std::string nginx = "/usr/sbin/nginx";
  int worker_processes = 0;                     // 0: "auto"
  // IngressClass handling (ingress-nginx's --ingress-class, --controller-class,
  // --watch-ingress-without-class); the class is created at start when missing.
  std::string ingress_class = "nginx";
  std::string controller_class = "k8s.io/ingress-nginx";
  bool create_ingress_class = true;
  bool watch_ingress_without_class = false;
  // Gateway API: the GatewayClass controllerName this plugin serves.
  std::string gateway_controller = "capstan.io/ingress-nginx";
  std::string default_ssl_certificate;          // "namespace/name" of a kubernetes.io/tls Secret
  std::string publish_status_address;           // overrides the node IP in status
  bool update_status = true;
  bool access_log = false;
  std::chrono::milliseconds min_sync_interval{100};
  std::chrono::milliseconds resync_interval{30000};
};

// Throws std::invalid_argument with a message naming the key on a bad value.
Settings parse_settings(const std::string& json_text);

}  // namespace capstan::ingress
