#pragma once
// What the store does to a value on its way to disk and back — encryption at rest
// (kernel/encryption/), as kube-apiserver's storage transformers do to etcd values. The
// in-memory cache, the event bus and the API see plain values; only the database file and its
// WAL hold what seal() returns.

#include <stdexcept>
#include <string>
#include <string_view>

namespace capstan::store {

class ValueTransformer {
 public:
  virtual ~ValueTransformer() = default;
  // The bytes to store for `plain` under `key` (the object's store key, "/core/secrets/ns/name").
  virtual std::string seal(std::string_view key, const std::string& plain) const = 0;
  // The plain bytes of a stored value; throws std::runtime_error naming the problem when it
  // cannot (an unknown key name, a value that does not authenticate).
  virtual std::string open(std::string_view key, std::string&& stored) const = 0;
};

}  // namespace capstan::store
