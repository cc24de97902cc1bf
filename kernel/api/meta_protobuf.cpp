#include "api/meta_protobuf.hpp"

#include <vector>

#include "api/api_error.hpp"
#include "api/negotiation.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"
#include "capstan/machinery/utf8.hpp"

namespace capstan::api {

using nlohmann::json;
namespace pb = schema::pb;

namespace {

// The few message shapes these bodies need, each field by its generated.proto number. Numbers
// not listed are skipped, as Go's generated unmarshallers skip fields they do not know.
enum class FieldType { kString, kInt, kBool, kStrings, kMessage };

struct MessageSpec;
struct FieldSpec {
  uint32_t number;
  const char* json_name;
  FieldType type;
  const MessageSpec* message = nullptr;
};
struct MessageSpec {
  std::vector<FieldSpec> fields;
};

const MessageSpec kObjectMeta{{
    {1, "name", FieldType::kString},
    {2, "generateName", FieldType::kString},
    {3, "namespace", FieldType::kString},
    {5, "uid", FieldType::kString},
    {6, "resourceVersion", FieldType::kString},
}};
const MessageSpec kPreconditions{{{1, "uid", FieldType::kString}, {2, "resourceVersion", FieldType::kString}}};
const MessageSpec kDeleteOptions{{
    {1, "gracePeriodSeconds", FieldType::kInt},
    {2, "preconditions", FieldType::kMessage, &kPreconditions},
    {3, "orphanDependents", FieldType::kBool},
    {4, "propagationPolicy", FieldType::kString},
    {5, "dryRun", FieldType::kStrings},
    {6, "ignoreStoreReadErrorWithClusterBreakingPotential", FieldType::kBool},
}};
const MessageSpec kDeletingAction{{{1, "metadata", FieldType::kMessage, &kObjectMeta},
                             {2, "deleteOptions", FieldType::kMessage, &kDeleteOptions}}};
const MessageSpec kObjectReference{{
    {1, "kind", FieldType::kString},
    {2, "namespace", FieldType::kString},
    {3, "name", FieldType::kString},
    {4, "uid", FieldType::kString},
    {5, "apiVersion", FieldType::kString},
    {6, "resourceVersion", FieldType::kString},
    {7, "fieldPath", FieldType::kString},
}};
const MessageSpec kAssigningAction{{{1, "metadata", FieldType::kMessage, &kObjectMeta},
                            {2, "target", FieldType::kMessage, &kObjectReference}}};

ApiError field_error(const std::string& kind, const std::string& path, const std::string& problem) {
  ApiError e(400, "BadRequest", kind + " in version \"v1\" cannot be handled as a " + kind + ": protobuf: " + problem +
                                    (path.empty() ? "" : " in " + path));
  e.causes.push_back({path.empty() ? "<root>" : path, "FieldValueInvalid", problem});
  return e;
}

json decode_message(const std::string& kind, const MessageSpec& spec, std::string_view data, const std::string& path) {
  json out = json::object();
  pb::Reader reader(data);
  pb::Field f;
  while (reader.next(f)) {
    const FieldSpec* field = nullptr;
    for (const auto& candidate : spec.fields)
      if (candidate.number == f.number) field = &candidate;
    if (!field) continue;
    const std::string where = path.empty() ? field->json_name : path + "." + field->json_name;
    const bool wants_len = field->type == FieldType::kString || field->type == FieldType::kStrings ||
                           field->type == FieldType::kMessage;
    const pb::WireType want = wants_len ? pb::WireType::kLen : pb::WireType::kVarint;
    if (f.type != want)
      throw field_error(kind, where,
                        std::string("field ") + field->json_name + " (number " + std::to_string(f.number) +
                            ") has wire type " + pb::wire_type_name(f.type) + ", want " + pb::wire_type_name(want));
    switch (field->type) {
      case FieldType::kString:
      case FieldType::kStrings: {
        if (!machinery::is_valid_utf8(f.bytes)) throw field_error(kind, where, "invalid UTF-8");
        std::string value(f.bytes);
        if (field->type == FieldType::kString) out[field->json_name] = std::move(value);
        else out[field->json_name].push_back(std::move(value));
        break;
      }
      case FieldType::kInt: out[field->json_name] = static_cast<int64_t>(f.value); break;
      case FieldType::kBool: out[field->json_name] = f.value != 0; break;
      case FieldType::kMessage: {
        json nested = decode_message(kind, *field->message, f.bytes, where);
        // A message that appears twice merges, as protobuf says.
        json& slot = out[field->json_name];
        if (slot.is_object()) slot.update(nested);
        else slot = std::move(nested);
        break;
      }
    }
  }
  if (!reader.error().empty()) throw field_error(kind, path, reader.error());
  return out;
}

json decode_enveloped(const std::string& kind, const MessageSpec& spec, std::string_view body) {
  schema::ProtobufEnvelope envelope;
  std::string error;
  if (!schema::parse_envelope(body, envelope, error)) throw field_error(kind, "", error);
  if (!envelope.kind.empty() && envelope.kind != kind) {
    ApiError e(400, "BadRequest", "the kind in the data (" + envelope.kind + ") does not match the expected kind (" + kind + ")");
    e.causes.push_back({"kind", "FieldValueInvalid", e.what()});
    throw e;
  }
  return decode_message(kind, spec, envelope.raw, "");
}

}  // namespace

json decode_delete_options_protobuf(std::string_view body) {
  return decode_enveloped("DeleteOptions", kDeleteOptions, body);
}

json decode_action_protobuf(bool deletes, const std::string& body_kind, std::string_view body) {
  return decode_enveloped(body_kind, deletes ? kDeletingAction : kAssigningAction, body);
}

}  // namespace capstan::api
