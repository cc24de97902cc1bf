#pragma once
// JSON <-> Cap'n Proto for Kubernetes objects, walking run-time schemas.
//
// Why not capnp's JsonCodec: Debian's 0.9.2 mis-decodes \uXXXX escapes and throws on JSON null,
// and Kubernetes clients send both. We parse JSON with nlohmann and walk the dynamic API
// ourselves, which also gives field paths (`spec.containers[0].imagee`) for errors and
// implements the Kubernetes shapes (maps, quantities, int-or-string, optional scalars).

#include <capnp/dynamic.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema {

enum class UnknownFieldPolicy { kStrict, kWarn, kIgnore };

struct FieldError {
  std::string field;    // spec.replicas
  std::string reason;   // FieldValueInvalid, FieldValueRequired, FieldValueTypeInvalid
  std::string message;  // human-readable
};

struct DecodeReport {
  std::vector<FieldError> type_errors;        // wrong JSON types: the body cannot be decoded
  std::vector<std::string> unknown_fields;    // dotted paths of fields the schema does not know
  std::vector<FieldError> missing_required;   // required fields that are absent
};

class JsonCodec {
 public:
  explicit JsonCodec(const SchemaModel& model) : model_(model) {}

  // Fills `out` from `in`; collects problems in `report` instead of throwing so the caller can
  // answer with every cause at once. Unknown fields are recorded whatever the policy (the caller
  // decides whether they are an error, a warning or ignored) and otherwise skipped.
  void decode(const nlohmann::json& in, capnp::DynamicStruct::Builder out, DecodeReport& report) const;

  // The JSON form, with the fields Go's encoding/json would write (see go_json_presence.hpp in
  // the sources: Go value structs always, empty lists and maps omitted...).
  nlohmann::json encode(capnp::DynamicStruct::Reader in) const;

 private:
  void decode_struct(const nlohmann::json& in, capnp::DynamicStruct::Builder out, std::string& path,
                     DecodeReport& report) const;
  void decode_field(const FieldInfo& f, const nlohmann::json& value, capnp::DynamicStruct::Builder out,
                    std::string& path, DecodeReport& report) const;
  void decode_list(const FieldInfo& f, const nlohmann::json& value, capnp::DynamicStruct::Builder out,
                   std::string& path, DecodeReport& report) const;
  void decode_map(const FieldInfo& f, const nlohmann::json& value, capnp::DynamicStruct::Builder out,
                  std::string& path, DecodeReport& report) const;
  // absent_depth: how many enclosing structs were absent (written as Go's zero values).
  nlohmann::json encode_struct(capnp::DynamicStruct::Reader in, int absent_depth) const;
  nlohmann::json encode_value(Shape shape, capnp::DynamicValue::Reader value) const;

  const SchemaModel& model_;
};

// Base64 helpers (standard alphabet with padding, as Go's encoding/base64.StdEncoding).
std::string base64_encode(const void* data, size_t size);
// Returns false on invalid input; `bad_offset` is the first offending byte.
bool base64_decode(std::string_view text, std::string& out, size_t& bad_offset);

}  // namespace capstan::schema
