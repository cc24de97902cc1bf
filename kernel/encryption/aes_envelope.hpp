#pragma once
// The two AES providers of kube-apiserver's EncryptionConfiguration, as they lay a value out
// after their `k8s:enc:<provider>:v1:<key name>:` prefix (OpenSSL EVP):
//   aescbc — a random 16-byte IV, then AES-CBC with PKCS#7 padding (k3s' default);
//   aesgcm — a random 12-byte nonce, then AES-GCM ciphertext and its 16-byte tag, the store key
//            as additional authenticated data (a value moved to another key does not open).
// Keys are 16, 24 or 32 bytes. Open throws std::runtime_error when a value does not decrypt.

#include <string>
#include <string_view>

namespace capstan::encryption {

enum class Cipher { kAesCbc, kAesGcm };

std::string seal(Cipher c, const std::string& key, std::string_view aad, std::string_view plain);
std::string open(Cipher c, const std::string& key, std::string_view aad, std::string_view sealed);

}  // namespace capstan::encryption
