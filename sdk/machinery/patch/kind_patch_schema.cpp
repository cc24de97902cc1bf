#include "capstan/machinery/patch/kind_patch_schema.hpp"

#include <sstream>

namespace capstan::patch {

std::optional<FieldSemantics> KindPatchSchema::field(const std::vector<std::string>& path) const {
  capnp::StructSchema current = root_;
  const schema::FieldInfo* f = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    if (f != nullptr) {
      // Step into the previous field's struct type.
      if (f->shape == schema::Shape::kStruct) current = f->struct_schema;
      else if (f->shape == schema::Shape::kList && f->element_shape == schema::Shape::kStruct) current = f->element_struct;
      else if (f->shape == schema::Shape::kMap) {
        // map values: the path continues below a map key, which is not a field name
        const auto& entry = model_.info(f->element_struct);
        if (entry.fields.size() < 2 || entry.fields[1].shape != schema::Shape::kStruct) return std::nullopt;
        current = entry.fields[1].struct_schema;
        continue;
      } else return std::nullopt;
    }
    f = model_.info(current).find(path[i]);
    if (f == nullptr) return std::nullopt;
  }
  if (f == nullptr) return std::nullopt;
  patch::FieldSemantics s;
  s.isList = f->shape == schema::Shape::kList;
  s.isMap = f->shape == schema::Shape::kMap || f->shape == schema::Shape::kRawJson;
  s.patchMergeKey = f->patch_merge_key.value_or("");
  s.patchStrategy = f->patch_strategy.value_or("");
  s.listType = f->list_type.value_or(s.isList ? (s.patchMergeKey.empty() ? "atomic" : "map") : "");
  if (f->list_map_keys) {
    std::stringstream ss(*f->list_map_keys);
    std::string k;
    while (std::getline(ss, k, ',')) s.listMapKeys.push_back(k);
  } else if (!s.patchMergeKey.empty()) {
    s.listMapKeys.push_back(s.patchMergeKey);
  }
  return s;
}

}  // namespace capstan::patch
