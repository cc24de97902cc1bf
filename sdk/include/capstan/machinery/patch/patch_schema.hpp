// PatchSchema: what the patch engines need to know about an object's fields
// (merge keys, strategies, list types).  The kernel implements it from the
// OpenAPI / Go struct tags; the patch library stays independent of that.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "capstan/machinery/patch/patch_error.hpp"

namespace capstan::patch {

using json = nlohmann::json;

// What the schema says about one field, found by its path of JSON field names
// from the object root.  Array indices are NOT part of the path:
// spec.template.spec.containers.env -> {"spec","template","spec","containers","env"}.
struct FieldSemantics {
  bool isList = false;
  bool isMap = false;  // a JSON object with arbitrary keys, like labels
  std::string patchMergeKey;   // e.g. "name"; empty = none
  std::string patchStrategy;   // "", "merge", "replace", "retainKeys", "merge,retainKeys"
  std::string listType;        // "", "atomic", "set", "map"
  std::vector<std::string> listMapKeys;
};

class PatchSchema {
 public:
  virtual ~PatchSchema() = default;
  virtual std::optional<FieldSemantics> field(const std::vector<std::string>& path) const = 0;
};

// A schema that knows nothing (used for kinds without merge metadata): every
// list is atomic, so strategic merge patch degrades to JSON merge patch.
class EmptyPatchSchema final : public PatchSchema {
 public:
  std::optional<FieldSemantics> field(const std::vector<std::string>&) const override {
    return std::nullopt;
  }
};

}  // namespace capstan::patch
