#pragma once
// A precomputed view of a kind's Cap'n Proto schema in Kubernetes JSON terms: each struct's fields
// with their JSON names and shapes (map, quantity, optional scalar, ...), and their protobuf
// numbers and wire shapes. Built once per struct type and shared by the codecs (JSON, protobuf),
// the OpenAPI generator and the patch engine, so no hot path re-reads schema annotations.

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

// How one value travels on the protobuf wire (docs/protobuf.md): the element of a list, the
// scalar of an `$optional` group, the entry of a `$map` (kMessage).
enum class ProtoType : uint8_t {
  kNone,         // not on the wire (no `$proto` number)
  kBool,         // varint 0/1
  kInt,          // varint of the 64-bit two's complement (int32, int64)
  kUInt,         // varint
  kDouble,       // fixed64
  kFloat,        // fixed32
  kString,       // length-delimited UTF-8
  kBytes,        // length-delimited
  kEnum,         // a string holding the enumerant's name (Kubernetes enums are strings)
  kTime,         // Text <-> metav1.Time {seconds = 1, nanos = 2}
  kMicroTime,    // Text <-> metav1.MicroTime {seconds = 1, nanos = 2}
  kDuration,     // Text <-> metav1.Duration {duration = 1}
  kQuantity,     // Text <-> resource.Quantity {string = 1}
  kRawJson,      // Text <-> a message whose bytes field 1 holds JSON (FieldsV1, RawExtension)
  kIntOrString,  // IntOrString {type = 1, intVal = 2, strVal = 3}
  kMessage,      // a nested struct (or a map entry)
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
  // Protobuf (annotations `proto`, `protoEmbedded`, `nullable`, `notNullable`, `time`...).
  uint32_t proto_number = 0;    // 0: not on the protobuf wire
  uint32_t proto_embedded = 0;  // nonzero: inside the inline embedded message at this number
  bool nullable = false;        // a Go pointer: on the wire only when set ($optional groups unless notNullable)
  ProtoType proto_type = ProtoType::kNone;
};

// One protobuf message of a struct, its fields in ascending number: a slot is a field of the
// struct (`field`, an index into StructInfo::fields) or an inline embedded message (`embedded`,
// an index into StructInfo::proto_embedded).
struct ProtoSlot {
  uint32_t number = 0;
  int32_t field = -1;
  int32_t embedded = -1;
};

struct ProtoMessage {
  std::vector<ProtoSlot> slots;
  const ProtoSlot* find(uint32_t number) const;
};

struct StructInfo {
  capnp::StructSchema schema;
  std::string name;  // the struct's own name (ObjectMeta)
  std::vector<FieldInfo> fields;  // in ordinal order
  // Indexes into `fields` in the order the schema declares them (Cap'n Proto's codeOrder), which
  // is the order Go's encoding/json writes a Kubernetes type's fields.
  std::vector<size_t> declaration_order;
  std::unordered_map<std::string, size_t> by_json_name;
  std::optional<std::string> doc;
  bool int_or_string = false;

  // Protobuf: the struct's own message and those of its inline embedded structs.
  ProtoMessage proto;
  std::vector<ProtoMessage> proto_embedded;
  // A root's apiVersion and kind (Text, no number): they travel in the protobuf envelope.
  int type_meta_api_version = -1;
  int type_meta_kind = -1;
  int metadata = -1;  // the `metadata` field, if any (PartialObjectMetadata)
  std::optional<std::string> proto_error;  // why the annotations give no protobuf form (a number used twice)
  bool has_proto() const { return !proto.slots.empty(); }

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
