#include "encryption/encryption_config.hpp"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/yaml_json.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "encryption/aes_envelope.hpp"

namespace capstan::encryption {

namespace {

using nlohmann::json;

std::string provider_name(Provider::Kind k) {
  return k == Provider::Kind::kAesCbc ? "aescbc" : k == Provider::Kind::kAesGcm ? "aesgcm" : "identity";
}

std::string prefix_of(Provider::Kind k, const std::string& key_name) {
  return "k8s:enc:" + provider_name(k) + ":v1:" + key_name + ":";
}

// "/core/secrets/ns/name" → ("", "secrets"); "/apps/deployments/ns/name" → ("apps", "deployments").
std::pair<std::string, std::string> group_resource(std::string_view key) {
  if (key.empty() || key[0] != '/') return {};
  auto g_end = key.find('/', 1);
  if (g_end == std::string_view::npos) return {};
  auto r_end = key.find('/', g_end + 1);
  std::string group(key.substr(1, g_end - 1));
  std::string resource(key.substr(g_end + 1, r_end == std::string_view::npos ? std::string_view::npos : r_end - g_end - 1));
  if (group == "core") group.clear();
  return {group, resource};
}

bool names(const std::string& pattern, const std::string& group, const std::string& resource) {
  if (pattern == "*.*") return true;
  const std::string qualified = group.empty() ? resource : resource + "." + group;
  if (pattern == qualified) return true;
  if (pattern == "*." && group.empty()) return true;  // upstream's "*." : every core resource
  if (pattern.rfind("*.", 0) == 0 && pattern.substr(2) == group && !group.empty()) return true;
  return false;
}

class PrefixTransformer final : public store::ValueTransformer {
 public:
  explicit PrefixTransformer(EncryptionConfig config) : config_(std::move(config)) {}

  std::string seal(std::string_view key, const std::string& plain) const override {
    const ResourceRule* rule = rule_for(key);
    if (!rule) return plain;
    const Provider& p = rule->providers.front();
    if (p.kind == Provider::Kind::kIdentity) return plain;
    const Key& k = p.keys.front();
    return prefix_of(p.kind, k.name) + encryption::seal(cipher(p.kind), k.secret, key, plain);
  }

  std::string open(std::string_view key, std::string&& stored) const override {
    const ResourceRule* rule = rule_for(key);
    const bool prefixed = stored.rfind("k8s:enc:", 0) == 0;
    if (!rule) {
      if (prefixed) throw std::runtime_error("the value is encrypted but no rule of the encryption configuration names its resource");
      return std::move(stored);
    }
    for (const auto& p : rule->providers) {
      if (p.kind == Provider::Kind::kIdentity) {
        if (!prefixed) return std::move(stored);
        continue;
      }
      for (const auto& k : p.keys) {
        const std::string prefix = prefix_of(p.kind, k.name);
        if (stored.compare(0, prefix.size(), prefix) != 0) continue;
        return encryption::open(cipher(p.kind), k.secret, key, std::string_view(stored).substr(prefix.size()));
      }
    }
    if (!prefixed) throw std::runtime_error("the value is not encrypted and the configuration has no identity provider");
    auto end = stored.find(':', stored.find(':', stored.find(':', 8) + 1) + 1);  // k8s:enc:<p>:v1:<name>
    throw std::runtime_error("no key of the encryption configuration matches the value's prefix " +
                             stored.substr(0, std::min(end == std::string::npos ? stored.size() : end + 1, size_t{64})));
  }

 private:
  static Cipher cipher(Provider::Kind k) { return k == Provider::Kind::kAesCbc ? Cipher::kAesCbc : Cipher::kAesGcm; }

  const ResourceRule* rule_for(std::string_view key) const {
    auto [group, resource] = group_resource(key);
    for (const auto& r : config_.rules)
      for (const auto& pattern : r.resources)
        if (names(pattern, group, resource)) return &r;
    return nullptr;
  }

  EncryptionConfig config_;
};

std::string random_key_base64() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) throw std::runtime_error("no random bytes for a key");
  return schema::base64_encode(key.data(), key.size());
}

}  // namespace

EncryptionConfig parse_config(const json& doc) {
  if (!doc.is_object() || doc.value("kind", "") != "EncryptionConfiguration" ||
      doc.value("apiVersion", "") != "apiserver.config.k8s.io/v1")
    throw std::runtime_error("not an apiserver.config.k8s.io/v1 EncryptionConfiguration");
  auto resources = doc.find("resources");
  if (resources == doc.end() || !resources->is_array() || resources->empty())
    throw std::runtime_error("resources: Required value: at least one resource must be specified");
  EncryptionConfig config;
  for (size_t i = 0; i < resources->size(); ++i) {
    const json& r = (*resources)[i];
    const std::string at = "resources[" + std::to_string(i) + "]";
    ResourceRule rule;
    if (r.contains("resources") && r["resources"].is_array())
      for (const auto& n : r["resources"])
        if (n.is_string()) rule.resources.push_back(n.get<std::string>());
    if (rule.resources.empty())
      throw std::runtime_error(at + ".resources: Required value: at least one resource must be specified");
    if (!r.contains("providers") || !r["providers"].is_array() || r["providers"].empty())
      throw std::runtime_error(at + ".providers: Required value: at least one provider must be specified");
    const json& providers = r["providers"];
    for (size_t j = 0; j < providers.size(); ++j) {
      const json& p = providers[j];
      const std::string pat = at + ".providers[" + std::to_string(j) + "]";
      if (!p.is_object() || p.size() != 1)
        throw std::runtime_error(pat + ": Invalid value: provider needs to be specified in one of: aescbc, aesgcm, identity");
      const std::string kind = p.begin().key();
      Provider provider;
      if (kind == "identity") provider.kind = Provider::Kind::kIdentity;
      else if (kind == "aescbc") provider.kind = Provider::Kind::kAesCbc;
      else if (kind == "aesgcm") provider.kind = Provider::Kind::kAesGcm;
      else
        throw std::runtime_error(pat + ": Unsupported value: \"" + kind +
                                 "\": supported providers are aescbc, aesgcm and identity (not secretbox or kms yet)");
      if (provider.kind != Provider::Kind::kIdentity) {
        const json& body = p.begin().value();
        if (!body.is_object() || !body.contains("keys") || !body["keys"].is_array() || body["keys"].empty())
          throw std::runtime_error(pat + "." + kind + ".keys: Required value: at least one key must be specified");
        const json& keys = body["keys"];
        for (size_t k = 0; k < keys.size(); ++k) {
          const std::string kat = pat + "." + kind + ".keys[" + std::to_string(k) + "]";
          const std::string name = keys[k].value("name", "");
          const std::string secret64 = keys[k].value("secret", "");
          if (name.empty()) throw std::runtime_error(kat + ".name: Required value: key name is required");
          if (name.find(':') != std::string::npos)
            throw std::runtime_error(kat + ".name: Invalid value: \"" + name + "\": key name must not contain \":\"");
          std::string secret;
          size_t bad = 0;
          if (secret64.empty() || !schema::base64_decode(secret64, secret, bad))
            throw std::runtime_error(kat + ".secret: Invalid value: \"REDACTED\": secrets must be base64 encoded");
          if (secret.size() != 16 && secret.size() != 24 && secret.size() != 32)
            throw std::runtime_error(kat + ".secret: Invalid value: \"REDACTED\": secret is not of the expected length, got " +
                                     std::to_string(secret.size()) + ", expected one of [16 24 32]");
          provider.keys.push_back({name, secret});
        }
      }
      rule.providers.push_back(std::move(provider));
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

EncryptionConfig load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the encryption configuration " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_config(api::decode_yaml(text.str()));
  } catch (const std::exception& e) {
    throw std::runtime_error("encryption configuration " + path + ": " + e.what());
  }
}

std::string ensure_default_config(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::exists(path)) return path;
  fs::create_directories(fs::path(path).parent_path());
  const std::string text =
      "# Encryption at rest (kube-apiserver's EncryptionConfiguration), written by Capstan at first start.\n"
      "# The first provider encrypts every write; all of them decrypt. Keep this file secret.\n"
      "apiVersion: apiserver.config.k8s.io/v1\n"
      "kind: EncryptionConfiguration\n"
      "resources:\n"
      "  - resources: [secrets]\n"
      "    providers:\n"
      "      - aescbc:\n"
      "          keys:\n"
      "            - name: key1\n"
      "              secret: " + random_key_base64() + "\n"
      "      - identity: {}\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
  return path;
}

std::shared_ptr<const store::ValueTransformer> transformer_for(EncryptionConfig config) {
  return std::make_shared<PrefixTransformer>(std::move(config));
}

}  // namespace capstan::encryption
