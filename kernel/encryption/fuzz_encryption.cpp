// libFuzzer target: what encryption at rest reads from outside — the EncryptionConfiguration file
// and the stored values it opens (a damaged database). The first byte picks which. A
// configuration either parses or is refused with std::runtime_error; opening a value either
// yields bytes or throws std::runtime_error; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "api/yaml_json.hpp"
#include "encryption/encryption_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    try {
      (void)capstan::encryption::parse_config(capstan::api::decode_yaml(text));
    } catch (const std::runtime_error&) {
    } catch (const nlohmann::json::exception&) {
    }
    return 0;
  }
  // A value as a damaged database might hold it, under both AES providers and identity.
  static const auto transformer = capstan::encryption::transformer_for(capstan::encryption::parse_config(
      nlohmann::json::parse(R"({"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration",
        "resources":[{"resources":["secrets"],"providers":[
          {"aesgcm":{"keys":[{"name":"g","secret":"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="}]}},
          {"aescbc":{"keys":[{"name":"c","secret":"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="}]}},
          {"identity":{}}]}]})")));
  try {
    (void)transformer->open("/core/secrets/ns/name", std::string(text));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
