// FieldSet: the set of field paths a manager owns, as a tree keyed by the
// upstream FieldsV1 path-element encoding ("f:name", "k:{...}", "v:...", "i:N").
// Internal to the server-side-apply implementation; exposed as a header so it
// can be unit tested.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch {

struct FieldSet {
  bool member = false;  // this path itself is in the set ("." or a leaf {})
  std::map<std::string, FieldSet> children;

  bool empty() const { return !member && children.empty(); }
  void unite(const FieldSet& other);
  // Removes other's members from this set and prunes nodes left empty.
  void subtract(const FieldSet& other);
  FieldSet intersect(const FieldSet& other) const;

  // Upstream FieldsV1 JSON encoding (metadata.managedFields[].fieldsV1).
  json to_fields_v1() const;
  // Throws PatchError 400 on malformed input (non-object, too deep).
  static FieldSet from_fields_v1(const json& v1);

  // Every member path, each as a list of encoded path elements.
  std::vector<std::vector<std::string>> member_paths() const;
};

// Human readable path as upstream prints it: .spec.containers[name="nginx"].image
std::string field_path_string(const std::vector<std::string>& elements);

}  // namespace capstan::patch
