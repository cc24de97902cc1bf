#pragma once
// Admission: the hook through which plugins default, validate and veto writes of the kinds they
// own (and, for admission plugins, of every kind). The plugin host implements it; the object
// service calls it for every write after decoding and before storing.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/object_draft.hpp"
#include "schema/kind_registry.hpp"
#include "store/object.hpp"

namespace capstan::api {

enum class Operation { kCreate, kUpdate, kDelete };

// Deletes only: what the client asked for, and whether the owning plugin keeps the object for a
// graceful deletion (it gets metadata.deletionTimestamp and deletionGracePeriodSeconds and is
// removed by a later delete, e.g. the node agent's once the pod's containers are stopped).
struct DeleteAdmission {
  std::optional<int64_t> grace_period_seconds;  // in
  bool retain = false;                          // out
  int64_t retain_grace_seconds = 0;             // out, with retain
};

// Who asked for a write, as the auth gate authenticated them; empty name: a write of the kernel
// or of a plugin (in-process plugins write through the host, not through the API).
struct Requester {
  std::string name, uid;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::vector<std::string>>> extra;
};

class Admission {
 public:
  virtual ~Admission() = default;
  // `object` is the proposed object (for deletes: a copy of the stored one the plugin may
  // mutate, e.g. to add a finalizer); it is replaced when a plugin mutates it. `old_object` is
  // the stored revision (updates and deletes). Throws ApiError to refuse. Warnings are appended
  // for the client.
  virtual void admit(const schema::Kind& kind, Operation op, const std::string& subresource, ObjectDraft& object,
                     const store::Object* old_object, bool dry_run, std::vector<std::string>& warnings,
                     DeleteAdmission* del = nullptr, const Requester* requester = nullptr) = 0;
};

}  // namespace capstan::api
