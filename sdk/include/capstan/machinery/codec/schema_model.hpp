#pragma once
// A precomputed view of a kind's Cap'n Proto schema in Kubernetes JSON terms: each struct's fields
// with their JSON names and shapes (map, quantity, optional scalar, ...). Built once per struct
// type and shared by the codec, the OpenAPI generator and the patch engine, so no hot path
// re-reads schema annotations.

#include <capnp/schema.h>

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace capstan::schema {

enum class Shape {
  kBool,
  kInt,
  kUInt,
  kFloat,
  kText,
  kQuantity,     // Text holding a resource.Quantity
  kRawJson,      // Text holding any JSON value
  kData,         // bytes, base64 in JSON
  kStruct,       // nested object
  kIntOrString,  // struct with union {int, str}
  kOptional,     // group with union {unset, value}: a scalar that may be absent
  kMap,          // List(entry struct) written as a JSON object
  kList,         // JSON array
  kEnum,
  kUnsupported,
};

struct StructInfo;

struct FieldInfo {
  capnp::StructSchema::Field field;
  std::string json_name;
  Shape shape = Shape::kUnsupported;
  // kList: the element's shape and (for structs) schema. kMap: the entry struct in element_struct.
  Shape element_shape = Shape::kUnsupported;
  capnp::StructSchema element_struct;
  // kStruct, kIntOrString, kOptional (the group), kMap (entry struct)
  capnp::StructSchema struct_schema;
  // kOptional: the union members.
  capnp::StructSchema::Field optional_value;
  capnp::StructSchema::Field optional_unset;
  Shape optional_value_shape = Shape::kUnsupported;
  bool required = false;
  std::optional<std::string> doc;
  std::optional<std::string> patch_merge_key;
  std::optional<std::string> patch_strategy;
  std::optional<std::string> list_type;
  std::optional<std::string> list_map_keys;
  std::string type_name;  // Go-like type for error messages and OpenAPI ("string", "int64", "[]Container")
};

struct StructInfo {
  capnp::StructSchema schema;
  std::string name;  // the struct's own name (ObjectMeta)
  std::vector<FieldInfo> fields;
  std::unordered_map<std::string, size_t> by_json_name;
  std::optional<std::string> doc;
  bool int_or_string = false;

  const FieldInfo* find(std::string_view json_name) const;
};

// Thread-safe cache of StructInfo by struct id.
class SchemaModel {
 public:
  const StructInfo& info(capnp::StructSchema schema) const;

 private:
  std::unique_ptr<StructInfo> build(capnp::StructSchema schema) const;

  mutable std::shared_mutex mutex_;
  mutable std::unordered_map<uint64_t, std::unique_ptr<StructInfo>> cache_;
};

}  // namespace capstan::schema
