#pragma once
// Strategic-merge and server-side-apply metadata read from a kind's schema annotations
// ($patchMergeKey, $patchStrategy, $listType, $listMapKeys, $map).

#include <capnp/schema.h>

#include "capstan/machinery/patch/patch_schema.hpp"
#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::patch {

class KindPatchSchema final : public PatchSchema {
 public:
  KindPatchSchema(const schema::SchemaModel& model, capnp::StructSchema root) : model_(model), root_(root) {}
  std::optional<FieldSemantics> field(const std::vector<std::string>& path) const override;

 private:
  const schema::SchemaModel& model_;
  capnp::StructSchema root_;
};

}  // namespace capstan::patch
