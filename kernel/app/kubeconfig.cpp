#include "app/kubeconfig.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/yaml_json.hpp"

namespace capstan::app {

using nlohmann::json;

std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;  // '=', whitespace
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const json& named(const json& list, const std::string& name, const char* what) {
  if (list.is_array())
    for (const auto& e : list)
      if (e.value("name", "") == name) return e;
  throw std::runtime_error(std::string("kubeconfig has no ") + what + " named '" + name + "'");
}

// "<field>-data" (base64) or "<field>" (a file path).
std::string pem(const json& section, const std::string& field) {
  if (section.contains(field + "-data")) return base64_decode(section[field + "-data"].get<std::string>());
  if (section.contains(field)) return slurp(section[field].get<std::string>());
  return "";
}

}  // namespace

http::ClientConfig read_kubeconfig(const std::string& path) {
  json doc = api::decode_yaml(slurp(path));
  std::string context_name = doc.value("current-context", "");
  const json& contexts = doc["contexts"];
  const json& context = context_name.empty() && contexts.is_array() && !contexts.empty()
                            ? contexts[0]
                            : named(contexts, context_name, "context");
  const json& ctx = context["context"];
  const json& cluster = named(doc["clusters"], ctx.value("cluster", ""), "cluster")["cluster"];
  auto config = http::ClientConfig::from_url(cluster.value("server", ""));
  config.ca_pem = pem(cluster, "certificate-authority");
  if (ctx.contains("user") && doc["users"].is_array()) {
    const json& user = named(doc["users"], ctx.value("user", ""), "user")["user"];
    config.cert_pem = pem(user, "client-certificate");
    config.key_pem = pem(user, "client-key");
  }
  return config;
}

}  // namespace capstan::app
