#pragma once
// The names controllers derive from a pod template: Deployments name ReplicaSets and label pods
// with pod-template-hash, DaemonSets name ControllerRevisions and label pods with
// controller-revision-hash. Upstream's controller.ComputeHash writes the template into an FNV-1a
// 32-bit hash (plus the collision count, when set) and spells the number with
// rand.SafeEncodeString. Capstan hashes the template's canonical Cap'n Proto bytes instead of Go's
// spew dump, so the values differ from upstream's but have the same alphabet, length and
// collision behaviour.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace capstan::sdk {

// FNV-1a 32-bit, continuing from `h`.
inline uint32_t fnv32a(const void* data, size_t n, uint32_t h = 2166136261u) {
  auto p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

// k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, no confusable characters.
inline std::string safe_encode(const std::string& s) {
  static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string r(s.size(), ' ');
  for (size_t i = 0; i < s.size(); ++i) r[i] = alnum[static_cast<unsigned char>(s[i]) % 27];
  return r;
}

// controller.ComputeHash: the template's bytes, then the collision count's 4 bytes (little
// endian, as upstream's binary.LittleEndian.PutUint32) when there is one.
inline std::string compute_hash(const std::string& canonical_template, std::optional<int32_t> collision_count = {}) {
  uint32_t h = fnv32a(canonical_template.data(), canonical_template.size());
  if (collision_count) {
    uint32_t c = static_cast<uint32_t>(*collision_count);
    unsigned char b[4] = {static_cast<unsigned char>(c), static_cast<unsigned char>(c >> 8),
                          static_cast<unsigned char>(c >> 16), static_cast<unsigned char>(c >> 24)};
    h = fnv32a(b, 4, h);
  }
  return safe_encode(std::to_string(h));
}

}  // namespace capstan::sdk
