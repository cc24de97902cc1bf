#include "encryption/aes_envelope.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace capstan::encryption {

namespace {

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const EVP_CIPHER* cipher_of(Cipher c, size_t key_size) {
  switch (key_size) {
    case 16: return c == Cipher::kAesCbc ? EVP_aes_128_cbc() : EVP_aes_128_gcm();
    case 24: return c == Cipher::kAesCbc ? EVP_aes_192_cbc() : EVP_aes_192_gcm();
    case 32: return c == Cipher::kAesCbc ? EVP_aes_256_cbc() : EVP_aes_256_gcm();
  }
  throw std::runtime_error("an AES key is 16, 24 or 32 bytes, not " + std::to_string(key_size));
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Ctx context() {
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("out of memory");
  return ctx;
}

constexpr size_t kCbcIv = 16, kGcmNonce = 12, kGcmTag = 16;

}  // namespace

std::string seal(Cipher c, const std::string& key, std::string_view aad, std::string_view plain) {
  const EVP_CIPHER* cipher = cipher_of(c, key.size());
  const size_t iv_size = c == Cipher::kAesCbc ? kCbcIv : kGcmNonce;
  std::string out(iv_size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(iv_size)) != 1)
    throw std::runtime_error("no random bytes for an IV");
  auto ctx = context();
  if (c == Cipher::kAesGcm) {
    if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv_size), nullptr) != 1)
      throw std::runtime_error("AES-GCM setup failed");
  }
  if (EVP_EncryptInit_ex(ctx.get(), c == Cipher::kAesGcm ? nullptr : cipher, nullptr, bytes(key), bytes(out)) != 1)
    throw std::runtime_error("AES setup failed");
  int n = 0;
  if (c == Cipher::kAesGcm && !aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())) != 1)
    throw std::runtime_error("AES-GCM additional data failed");
  out.resize(iv_size + plain.size() + 32);
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + iv_size;
  if (EVP_EncryptUpdate(ctx.get(), dst, &n, bytes(plain), static_cast<int>(plain.size())) != 1)
    throw std::runtime_error("AES encryption failed");
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), dst + n, &tail) != 1) throw std::runtime_error("AES encryption failed");
  out.resize(iv_size + static_cast<size_t>(n + tail));
  if (c == Cipher::kAesGcm) {
    std::string tag(kGcmTag, '\0');
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTag), tag.data()) != 1)
      throw std::runtime_error("AES-GCM tag failed");
    out += tag;
  }
  return out;
}

std::string open(Cipher c, const std::string& key, std::string_view aad, std::string_view sealed) {
  const EVP_CIPHER* cipher = cipher_of(c, key.size());
  const size_t iv_size = c == Cipher::kAesCbc ? kCbcIv : kGcmNonce;
  const size_t tag_size = c == Cipher::kAesGcm ? kGcmTag : 0;
  if (sealed.size() < iv_size + tag_size) throw std::runtime_error("the value is too short to be encrypted data");
  std::string_view iv = sealed.substr(0, iv_size);
  std::string_view body = sealed.substr(iv_size, sealed.size() - iv_size - tag_size);
  auto ctx = context();
  if (c == Cipher::kAesGcm) {
    if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv_size), nullptr) != 1)
      throw std::runtime_error("AES-GCM setup failed");
  }
  if (EVP_DecryptInit_ex(ctx.get(), c == Cipher::kAesGcm ? nullptr : cipher, nullptr, bytes(key), bytes(iv)) != 1)
    throw std::runtime_error("AES setup failed");
  int n = 0;
  if (c == Cipher::kAesGcm && !aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes(aad), static_cast<int>(aad.size())) != 1)
    throw std::runtime_error("AES-GCM additional data failed");
  std::string out(body.size() + 32, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DecryptUpdate(ctx.get(), dst, &n, bytes(body), static_cast<int>(body.size())) != 1)
    throw std::runtime_error("the value does not decrypt");
  if (c == Cipher::kAesGcm) {
    std::string tag(sealed.substr(sealed.size() - tag_size));
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag.data()) != 1)
      throw std::runtime_error("AES-GCM tag failed");
  }
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), dst + n, &tail) != 1)
    throw std::runtime_error(c == Cipher::kAesGcm ? "the value does not authenticate (wrong key or altered data)"
                                                  : "the value does not decrypt (wrong key or altered data)");
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

}  // namespace capstan::encryption
