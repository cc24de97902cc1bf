#pragma once
// Kubernetes' protobuf wire format (application/vnd.kubernetes.protobuf) <-> Cap'n Proto, walking
// run-time schemas as the JSON codec does. The field numbers and the Go shapes come from the
// schemas' annotations (`$K8s.proto`, `nullable`, `time`... in k8s.capnp), precomputed by the
// SchemaModel, so a plugin's kind gets protobuf by annotating its fields. docs/protobuf.md has
// the mapping.
//
// The encoder writes what Go's generated marshallers write (fields in ascending number; value
// fields always, their zero value included; pointer fields only when set; map entries sorted by
// key), so an object whose fields Capstan's schema all carries encodes to the same bytes as
// client-go. The decoder takes any valid proto2 encoding (fields in any order, repeated
// messages merged, packed or unpacked scalars) and never trusts a length, a count or a depth.

#include <capnp/dynamic.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema {

namespace detail {
struct ProtobufDecodeState;
}

struct ProtobufLimits {
  size_t max_depth = 64;                     // nested messages in one object
  size_t max_list_words = size_t{1} << 23;  // capnp words that list elements may take (64 MiB)
};

// A stored value that has no protobuf form (a `time` field that is not RFC 3339...). `field`
// is the path of the field (`spec.template.metadata.creationTimestamp`).
struct ProtobufEncodeError : std::runtime_error {
  std::string field;
  std::string problem;
  ProtobufEncodeError(std::string field, std::string problem);
  // Called while the error travels up through the structs: prefixes the enclosing field.
  void prepend(std::string_view component);
};

class ProtobufCodec {
 public:
  explicit ProtobufCodec(const SchemaModel& model, ProtobufLimits limits = {}) : model_(model), limits_(limits) {}

  // Whether the struct has protobuf numbers at all. A kind without them is served in JSON only
  // (kube-apiserver answers 415 for protobuf bodies of custom resources).
  bool supports(capnp::StructSchema schema) const;

  // Paths of the fields reachable from `schema` that have no protobuf number (a root's
  // apiVersion and kind excepted): what protobuf would silently drop. Empty for a fully
  // annotated kind; a plugin's tests can assert it.
  std::vector<std::string> unnumbered_fields(capnp::StructSchema schema) const;

  // The message bytes of `in`, appended to `out` (no envelope). Throws ProtobufEncodeError.
  void encode(capnp::DynamicStruct::Reader in, std::string& out) const;
  std::string encode(capnp::DynamicStruct::Reader in) const;

  // Fills `out` (a fresh builder) from message bytes. Malformed input (truncated, a wrong wire
  // type, a length past the end, nesting deeper than the limit, too many list elements, invalid
  // UTF-8, a value the field cannot hold) adds one entry to report.type_errors naming the field
  // path (`spec.containers[0].ports[1].containerPort`) and stops: the caller answers 400 and
  // must not store `out`. Field numbers the schema does not know are skipped; those carrying a
  // non-zero value are listed in report.unknown_fields as `<path>.#<number>` (`spec.#33`).
  void decode(std::string_view message, capnp::DynamicStruct::Builder out, DecodeReport& report) const;

  // A whole object as Kubernetes sends it: the 4-byte magic `k8s\0` and a runtime.Unknown
  // holding the TypeMeta and the message. The TypeMeta comes from the object's apiVersion and
  // kind fields, or is given.
  std::string encode_object(capnp::DynamicStruct::Reader in) const;
  std::string encode_object(capnp::DynamicStruct::Reader in, std::string_view api_version, std::string_view kind) const;

  // Unwraps the envelope, checks its TypeMeta against the expected one (an empty envelope field
  // takes the expected value, as Go's serializer does; an empty expected value accepts any),
  // decodes the message and sets the object's apiVersion and kind fields. A bad envelope or a
  // TypeMeta mismatch is a type error (field "apiVersion" or "kind") with kube-apiserver's
  // message: "the kind in the data (X) does not match the expected kind (Y)".
  void decode_object(std::string_view body, capnp::DynamicStruct::Builder out, std::string_view api_version,
                     std::string_view kind, DecodeReport& report) const;

  const SchemaModel& model() const { return model_; }
  const ProtobufLimits& limits() const { return limits_; }

 private:
  using DecodeState = detail::ProtobufDecodeState;
  void encode_message(const StructInfo& info, const ProtoMessage& message, capnp::DynamicStruct::Reader in,
                      std::string& out) const;
  void encode_field(const FieldInfo& f, capnp::DynamicStruct::Reader in, std::string& out) const;
  void encode_map(const FieldInfo& f, capnp::DynamicList::Reader entries, std::string& out) const;
  void encode_value(const FieldInfo& f, ProtoType type, capnp::DynamicValue::Reader value, std::string& out) const;
  void encode_zero(const FieldInfo& f, std::string& out) const;

  bool decode_message(const StructInfo& info, const ProtoMessage& message, std::string_view data,
                      capnp::DynamicStruct::Builder out, DecodeState& st) const;
  bool decode_struct(std::string_view data, capnp::DynamicStruct::Builder out, DecodeState& st) const;
  bool decode_singular(const FieldInfo& f, std::string_view data, uint64_t value, capnp::DynamicStruct::Builder out,
                       DecodeState& st) const;
  bool decode_element(const FieldInfo& f, std::string_view data, uint64_t value, capnp::DynamicList::Builder list,
                      unsigned index, DecodeState& st) const;
  bool decode_map(const FieldInfo& f, const std::vector<std::string_view>& entries, capnp::DynamicStruct::Builder out,
                  DecodeState& st) const;

  const SchemaModel& model_;
  ProtobufLimits limits_;
};

}  // namespace capstan::schema
