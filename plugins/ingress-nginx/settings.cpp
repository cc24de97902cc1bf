#include "settings.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace capstan::ingress {

namespace {

int port_value(const nlohmann::json& j, const char* key, int fallback, bool allow_zero) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number_integer()) throw std::invalid_argument(std::string(key) + ": expected a port number");
  const int v = j[key].get<int>();
  if (v < (allow_zero ? 0 : 1) || v > 65535) throw std::invalid_argument(std::string(key) + ": " + std::to_string(v) + " is not a port");
  return v;
}

template <typename T>
T value(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j[key].get<T>();
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string(key) + ": wrong type");
  }
}

}  // namespace

Settings parse_settings(const std::string& text) {
  Settings s;
  if (text.empty()) return s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) throw std::invalid_argument("configuration is not a JSON object");
  s.data_dir = value(j, "dataDir", s.data_dir);
  s.node_name = value(j, "nodeName", s.node_name);
  s.node_ip = value(j, "nodeIP", s.node_ip);
  if (s.node_ip.empty()) s.node_ip = "127.0.0.1";
  s.http_port = port_value(j, "httpPort", s.http_port, false);
  s.https_port = port_value(j, "httpsPort", s.https_port, false);
  s.status_port = port_value(j, "statusPort", s.status_port, true);
  if (s.http_port == s.https_port) throw std::invalid_argument("httpPort and httpsPort must differ");
  s.listen_addresses = value(j, "listenAddresses", s.listen_addresses);
  s.nginx = value(j, "nginx", s.nginx);
  s.worker_processes = value(j, "workerProcesses", s.worker_processes);
  s.ingress_class = value(j, "ingressClass", s.ingress_class);
  s.controller_class = value(j, "controllerClass", s.controller_class);
  s.create_ingress_class = value(j, "createIngressClass", s.create_ingress_class);
  s.watch_ingress_without_class = value(j, "watchIngressWithoutClass", s.watch_ingress_without_class);
  s.gateway_controller = value(j, "gatewayControllerName", s.gateway_controller);
  s.default_ssl_certificate = value(j, "defaultSSLCertificate", s.default_ssl_certificate);
  s.publish_status_address = value(j, "publishStatusAddress", s.publish_status_address);
  s.update_status = value(j, "updateStatus", s.update_status);
  s.access_log = value(j, "accessLog", s.access_log);
  s.min_sync_interval = std::chrono::milliseconds(value(j, "minSyncMillis", static_cast<int>(s.min_sync_interval.count())));
  s.resync_interval = std::chrono::milliseconds(value(j, "resyncMillis", static_cast<int>(s.resync_interval.count())));
  if (s.listen_addresses.empty()) {
    s.listen_addresses.push_back(s.node_ip);
    if (s.node_ip != "127.0.0.1") s.listen_addresses.push_back("127.0.0.1");
  }
  return s;
}

}  // namespace capstan::ingress
