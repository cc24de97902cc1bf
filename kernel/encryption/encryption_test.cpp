#include <gtest/gtest.h>

#include "api/yaml_json.hpp"
#include "encryption/aes_envelope.hpp"
#include "encryption/encryption_config.hpp"

namespace capstan::encryption {
namespace {

const std::string k32(32, 'k'), other32(32, 'o');

TEST(AesEnvelope, RoundTripsAndRefusesTheWrongKey) {
  for (Cipher c : {Cipher::kAesCbc, Cipher::kAesGcm}) {
    std::string sealed = seal(c, k32, "/core/secrets/a/b", "top secret");
    EXPECT_EQ(sealed.find("top secret"), std::string::npos);
    EXPECT_EQ(open(c, k32, "/core/secrets/a/b", sealed), "top secret");
    EXPECT_NE(seal(c, k32, "/core/secrets/a/b", "top secret"), sealed);  // a fresh IV each time
    EXPECT_THROW(open(c, other32, "/core/secrets/a/b", sealed), std::runtime_error);
  }
  // GCM binds the value to its key: moved elsewhere it does not open.
  std::string gcm = seal(Cipher::kAesGcm, k32, "/core/secrets/a/b", "x");
  EXPECT_THROW(open(Cipher::kAesGcm, k32, "/core/secrets/a/c", gcm), std::runtime_error);
  gcm.back() ^= 1;
  EXPECT_THROW(open(Cipher::kAesGcm, k32, "/core/secrets/a/b", gcm), std::runtime_error);
  EXPECT_THROW(open(Cipher::kAesCbc, k32, "", "short"), std::runtime_error);
}

EncryptionConfig config(const char* yaml) { return parse_config(api::decode_yaml(yaml)); }

// base64 of 32 'k' and 32 'o' bytes.
constexpr const char* kKey = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";
constexpr const char* kOther = "b29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb28=";

TEST(EncryptionConfig, SecretsAreSealedWithTheFirstProviderAndOpenedByAny) {
  auto t = transformer_for(config((std::string(R"(
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets, deployments.apps]
    providers:
      - aesgcm: {keys: [{name: new, secret: )") + kOther + R"(}]}
      - aescbc: {keys: [{name: old, secret: )" + kKey + R"(}]}
      - identity: {}
)").c_str()));
  std::string sealed = t->seal("/core/secrets/ns/s", "value");
  EXPECT_EQ(sealed.rfind("k8s:enc:aesgcm:v1:new:", 0), 0u);
  EXPECT_EQ(t->open("/core/secrets/ns/s", std::string(sealed)), "value");
  EXPECT_EQ(t->seal("/apps/deployments/ns/d", "d").rfind("k8s:enc:aesgcm:v1:new:", 0), 0u);
  // Other resources are stored as they are.
  EXPECT_EQ(t->seal("/core/configmaps/ns/c", "plain"), "plain");
  // A value written under the older key still opens; so does one written before encryption.
  std::string old = "k8s:enc:aescbc:v1:old:" + seal(Cipher::kAesCbc, k32, "/core/secrets/ns/s", "before");
  EXPECT_EQ(t->open("/core/secrets/ns/s", std::move(old)), "before");
  EXPECT_EQ(t->open("/core/secrets/ns/s", "plain bytes"), "plain bytes");
  // A key the configuration no longer has is an error that names it.
  try {
    t->open("/core/secrets/ns/s", "k8s:enc:aescbc:v1:gone:xxxxxxxxxxxxxxxxxxxxxxxx");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("k8s:enc:aescbc:v1:gone:"), std::string::npos);
  }
}

TEST(EncryptionConfig, WildcardsAndNoIdentity) {
  auto t = transformer_for(config((std::string(R"(
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ["*.apps"]
    providers: [{aescbc: {keys: [{name: k, secret: )") + kKey + R"(}]}}]
)").c_str()));
  EXPECT_EQ(t->seal("/apps/statefulsets/ns/s", "x").rfind("k8s:enc:aescbc:v1:k:", 0), 0u);
  EXPECT_EQ(t->seal("/core/secrets/ns/s", "x"), "x");
  EXPECT_THROW(t->open("/apps/statefulsets/ns/s", "unencrypted"), std::runtime_error);
}

TEST(EncryptionConfig, BadConfigurationsNameTheField) {
  auto message = [](const char* yaml) {
    try {
      config(yaml);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("apiVersion: v1\nkind: ConfigMap\n"), "not an apiserver.config.k8s.io/v1 EncryptionConfiguration");
  EXPECT_EQ(message("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
                    "- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: k, secret: c2hvcnQ=}]}}]\n"),
            "resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected "
            "length, got 5, expected one of [16 24 32]");
  EXPECT_NE(message("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
                    "- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: k, secret: x}]}}]\n")
                .find("Unsupported value: \"secretbox\""),
            std::string::npos);
}

}  // namespace
}  // namespace capstan::encryption
