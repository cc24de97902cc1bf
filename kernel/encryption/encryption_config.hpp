#pragma once
// Encryption at rest as kube-apiserver's --encryption-provider-config reads it: an
// apiserver.config.k8s.io/v1 EncryptionConfiguration listing, per group of resources, providers
// in order — the first encrypts every write, all of them are tried on reads (by their
// `k8s:enc:<provider>:v1:<key name>:` prefix; `identity` reads unprefixed values). Providers:
// aescbc and aesgcm (keys of 16, 24 or 32 bytes, base64), identity. Resources are named as
// upstream: "secrets", "deployments.apps", "*.apps", "*.*".
//
// Capstan encrypts Secrets by default (Kubernetes' default is plaintext): at first start it writes
// <data-dir>/auth/encryption-config.yaml with a random aescbc key (then identity, to read values
// written before).

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/value_transformer.hpp"

namespace capstan::encryption {

struct Key {
  std::string name, secret;  // secret: the raw key bytes
};

struct Provider {
  enum class Kind { kAesCbc, kAesGcm, kIdentity } kind;
  std::vector<Key> keys;  // the first encrypts; every one decrypts
};

struct ResourceRule {
  std::vector<std::string> resources;
  std::vector<Provider> providers;
};

struct EncryptionConfig {
  std::vector<ResourceRule> rules;
};

// Parses the document; throws std::runtime_error naming the problem (with upstream's field
// paths: `resources[0].providers[0].aescbc.keys[0].secret: Invalid value: …`).
EncryptionConfig parse_config(const nlohmann::json& document);
// Reads the file (YAML or JSON).
EncryptionConfig load_config(const std::string& path);
// Writes the default configuration at `path` unless a file is there; returns `path`.
std::string ensure_default_config(const std::string& path);

// The store's transformer for a configuration: values of the resources a rule names go through
// its providers, the others are stored as they are.
std::shared_ptr<const store::ValueTransformer> transformer_for(EncryptionConfig config);

}  // namespace capstan::encryption
