#include "api/responses.hpp"

#include <nlohmann/json.hpp>

#include "api/object_draft.hpp"
#include "api/table.hpp"
#include "capstan/machinery/codec/json_writer.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_responses.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"

namespace capstan::api {

using nlohmann::json;

namespace {

// The Go type upstream names in NotAcceptable messages (`*core.Pod`, `*apps.DeploymentList`).
std::string go_type(const schema::Kind& kind, bool list) {
  std::string group = kind.group.empty() ? "core" : kind.group.substr(0, kind.group.find('.'));
  return "*" + group + "." + kind.kind + (list ? "List" : "");
}

// ---- YAML -------------------------------------------------------------------------------------

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  // Words YAML 1.1 (yaml.v2) would read as another type.
  static const char* const kReserved[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"};
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* r : kReserved)
    if (lower == r) return true;
  const char first = s.front();
  if ((first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.') return true;
  for (char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '-' || c == '.' || c == '/';
    if (!plain) return true;
  }
  return false;
}

void yaml_scalar(std::string& out, const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (needs_quotes(s)) schema::append_json_string(out, s);  // a JSON string is a valid YAML scalar
    else out += s;
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += v.dump();
  }
}

void yaml_value(std::string& out, const json& v, int indent);

void yaml_entries(std::string& out, const json& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out += pad;
      if (needs_quotes(key)) schema::append_json_string(out, key);
      else out += key;
      out += ':';
      if ((value.is_object() || value.is_array()) && !value.empty()) {
        out += '\n';
        // Sequences inside a mapping are not indented further, as yaml.v2 writes them.
        yaml_entries(out, value, value.is_array() ? indent : indent + 2);
      } else {
        out += ' ';
        yaml_value(out, value, indent);
        out += '\n';
      }
    }
    return;
  }
  for (const auto& item : v) {
    out += pad;
    out += "- ";
    if ((item.is_object() || item.is_array()) && !item.empty()) {
      // The first entry goes on the dash's line; the rest align under it.
      std::string nested;
      yaml_entries(nested, item, indent + 2);
      out += nested.substr(static_cast<size_t>(indent) + 2);
    } else {
      yaml_value(out, item, indent);
      out += '\n';
    }
  }
}

void yaml_value(std::string& out, const json& v, int) {
  if (v.is_object()) out += "{}";
  else if (v.is_array()) out += "[]";
  else yaml_scalar(out, v);
}

}  // namespace

std::string json_text_to_yaml(const std::string& json_text) {
  json v = json::parse(json_text);
  std::string out;
  if ((v.is_object() || v.is_array()) && !v.empty()) {
    yaml_entries(out, v, 0);
  } else {
    yaml_value(out, v, 0);
    out += '\n';
  }
  return out;
}

// ---- protobuf forms ----------------------------------------------------------------------------

const store::ProtobufForm& protobuf_form(const schema::KindRegistry& kinds, const schema::Kind& kind,
                                         const store::Object& object) {
  return object.protobuf.get([&] {
    store::ProtobufForm form;
    try {
      StoredView view(object, kind.schema);
      std::string message;
      message.reserve(object.bytes.size());
      kinds.protobuf().encode(view.root(), message);
      form.enveloped = schema::wrap_envelope(kind.api_version(), kind.kind, message);
      schema::ProtobufEnvelope envelope;
      std::string error;
      if (!schema::parse_envelope(form.enveloped, envelope, error)) throw std::runtime_error(error);
      form.message_at = static_cast<size_t>(envelope.raw.data() - form.enveloped.data());
      form.message_size = envelope.raw.size();
    } catch (const schema::ProtobufEncodeError& e) {
      form = store::ProtobufForm{};
      form.error = e.what();
    } catch (const std::exception& e) {
      form = store::ProtobufForm{};
      form.error = e.what();
    }
    return form;
  });
}

Reply error_reply(const ApiError& e, const std::string* accept, bool protobuf) {
  switch (negotiate_error(accept, protobuf)) {
    case MediaType::kProtobuf: return {e.code, content_type_of(MediaType::kProtobuf), schema::encode_status(e.to_status())};
    case MediaType::kYaml: return {e.code, content_type_of(MediaType::kYaml), json_text_to_yaml(e.to_status_text())};
    case MediaType::kJson: break;
  }
  return {e.code, content_type_of(MediaType::kJson), e.to_status_text()};
}

// ---- the encoder -------------------------------------------------------------------------------

ResponseEncoder::ResponseEncoder(const schema::KindRegistry& kinds, const schema::Kind& kind, Negotiated negotiated,
                                 bool include_object)
    : kinds_(kinds), kind_(kind), negotiated_(std::move(negotiated)), include_object_(include_object) {}

Reply ResponseEncoder::text_reply(int code, std::string json_text) const {
  if (negotiated_.media == MediaType::kYaml) return {code, content_type_of(MediaType::kYaml), json_text_to_yaml(json_text)};
  json_text += '\n';
  return {code, content_type_of(MediaType::kJson), std::move(json_text)};
}

std::string ResponseEncoder::partial_json(const store::Object& object) const {
  StoredView view(object, kind_.schema);
  const schema::StructInfo& info = kinds_.model().info(kind_.schema);
  std::string out = "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/" + negotiated_.transform_version +
                    "\",\"metadata\":";
  if (info.metadata >= 0)
    out += schema::write_json(kinds_.model(), view.root().get(info.fields[info.metadata].field).as<capnp::DynamicStruct>()).text;
  else
    out += "{}";
  out += '}';
  return out;
}

std::string ResponseEncoder::json_object(const store::ObjectPtr& object) const {
  switch (negotiated_.transform) {
    case Transform::kTable:
      return make_table(kind_, {object}, std::to_string(object->revision), "", true, include_object_).dump();
    case Transform::kPartialObjectMetadata: return partial_json(*object);
    case Transform::kPartialObjectMetadataList:
    case Transform::kNone: break;
  }
  return object->json;
}

std::string ResponseEncoder::protobuf_object(const store::ObjectPtr& object) const {
  if (negotiated_.transform == Transform::kPartialObjectMetadata) {
    StoredView view(*object, kind_.schema);
    const schema::StructInfo& info = kinds_.model().info(kind_.schema);
    std::string message;
    if (info.metadata >= 0) {
      const size_t mark = schema::pb::begin_message(message, 1);
      kinds_.protobuf().encode(view.root().get(info.fields[info.metadata].field).as<capnp::DynamicStruct>(), message);
      schema::pb::end_message(message, mark);
    }
    return schema::wrap_envelope("meta.k8s.io/" + negotiated_.transform_version, "PartialObjectMetadata", message);
  }
  const auto& form = protobuf_form(kinds_, kind_, *object);
  if (!form.error.empty()) return {};
  return form.enveloped;
}

Reply ResponseEncoder::object(int code, const store::ObjectPtr& object) const {
  if (negotiated_.transform == Transform::kPartialObjectMetadataList)
    throw ApiError(406, "NotAcceptable",
                   "you requested PartialObjectMetadataList, but the requested object is not a list (" +
                       go_type(kind_, false) + ")");
  if (negotiated_.media == MediaType::kProtobuf) {
    std::string body = protobuf_object(object);
    // An object with no protobuf form (a stored value Go could not hold) is answered in JSON.
    if (!body.empty()) return {code, content_type_of(MediaType::kProtobuf), std::move(body)};
    return {code, content_type_of(MediaType::kJson), object->json + "\n"};
  }
  return text_reply(code, json_object(object));
}

std::string ResponseEncoder::json_list(const std::vector<store::ObjectPtr>& items, uint64_t revision,
                                       const std::string& next) const {
  if (negotiated_.transform == Transform::kTable)
    return make_table(kind_, items, std::to_string(revision), next, true, include_object_).dump();
  const bool partial = negotiated_.transform == Transform::kPartialObjectMetadataList;
  std::string body;
  size_t size = 128;
  for (const auto& i : items) size += i->json.size() + 1;
  body.reserve(size);
  // metav1.List's order: kind, apiVersion, metadata (ListMeta), items; the items are spliced in
  // as the JSON text each revision carries.
  if (partial) body = "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/" + negotiated_.transform_version + "\"";
  else body = "{\"kind\":\"" + kind_.kind + "List\",\"apiVersion\":\"" + kind_.api_version() + "\"";
  body += ",\"metadata\":{\"resourceVersion\":\"" + std::to_string(revision) + "\"";
  if (!next.empty()) body += ",\"continue\":\"" + next + "\"";
  body += "},\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) body += ',';
    if (partial) body += partial_json(*items[i]);
    else body += items[i]->json;
  }
  body += "]}";
  return body;
}

std::string ResponseEncoder::protobuf_list(const std::vector<store::ObjectPtr>& items, uint64_t revision,
                                           const std::string& next) const {
  schema::ListMeta meta;
  meta.resource_version = std::to_string(revision);
  meta.continue_token = next;
  schema::ProtobufListEncoder list(kinds_.protobuf(), meta);
  if (negotiated_.transform == Transform::kPartialObjectMetadataList) {
    for (const auto& item : items) {
      StoredView view(*item, kind_.schema);
      list.add_metadata(view.root());
    }
    return list.finish("meta.k8s.io/" + negotiated_.transform_version, "PartialObjectMetadataList");
  }
  for (const auto& item : items) {
    const auto& form = protobuf_form(kinds_, kind_, *item);
    if (!form.error.empty()) return {};
    list.add_encoded(std::string_view(form.enveloped).substr(form.message_at, form.message_size));
  }
  return list.finish(kind_.api_version(), kind_.kind + "List");
}

Reply ResponseEncoder::list(const std::vector<store::ObjectPtr>& items, uint64_t revision, const std::string& next) const {
  if (negotiated_.transform == Transform::kPartialObjectMetadata)
    throw ApiError(406, "NotAcceptable",
                   "you requested PartialObjectMetadata, but the requested object is a list (" + go_type(kind_, true) + ")");
  if (negotiated_.media == MediaType::kProtobuf) {
    std::string body = protobuf_list(items, revision, next);
    if (!body.empty()) return {200, content_type_of(MediaType::kProtobuf), std::move(body)};
    Negotiated json_only = negotiated_;
    json_only.media = MediaType::kJson;
    return ResponseEncoder(kinds_, kind_, json_only, include_object_).list(items, revision, next);
  }
  return text_reply(200, json_list(items, revision, next));
}

// ---- watch -------------------------------------------------------------------------------------

const char* ResponseEncoder::stream_content_type() const {
  return negotiated_.media == MediaType::kProtobuf ? schema::kProtobufStreamContentType.data() : "application/json";
}

std::string ResponseEncoder::watch_event(const char* type, const store::ObjectPtr& object) {
  if (negotiated_.media == MediaType::kProtobuf) {
    // kube-apiserver sends PartialObjectMetadataList watches the objects untransformed.
    std::string enveloped = protobuf_object(object);
    if (!enveloped.empty()) return schema::encode_watch_event(type, enveloped);
    // A revision with no protobuf form (a stored value Go could not hold) cannot travel in this
    // stream: the watcher is told which field, as an error event, and the stream goes on.
    return watch_error(ApiError(500, "InternalError", protobuf_form(kinds_, kind_, *object).error));
  }
  std::string line;
  if (negotiated_.transform == Transform::kTable) {
    json t = {{"kind", "Table"},
              {"apiVersion", "meta.k8s.io/" + negotiated_.transform_version},
              {"metadata", {{"resourceVersion", std::to_string(object->revision)}}}};
    if (!columns_sent_) {
      t["columnDefinitions"] = table_column_definitions(kind_);
      columns_sent_ = true;
    }
    auto computed = computed_cells(kind_, {object});
    t["rows"] = json::array({table_row(kind_, json::parse(object->json), include_object_, &computed[0])});
    line = "{\"type\":\"" + std::string(type) + "\",\"object\":" + t.dump() + "}\n";
    return line;
  }
  const std::string partial = negotiated_.transform == Transform::kPartialObjectMetadata ? partial_json(*object) : "";
  const std::string& text = partial.empty() ? object->json : partial;
  // The object's JSON is encoded once per revision and shared by every watcher.
  line.reserve(text.size() + 32);
  line += "{\"type\":\"";
  line += type;
  line += "\",\"object\":";
  line += text;
  line += "}\n";
  return line;
}

std::string ResponseEncoder::watch_error(const ApiError& e) const {
  if (negotiated_.media == MediaType::kProtobuf) return schema::encode_watch_event("ERROR", schema::encode_status(e.to_status()));
  std::string status = e.to_status_text();
  status.pop_back();  // the newline ends the event, not the object
  return "{\"type\":\"ERROR\",\"object\":" + status + "}\n";
}

std::string ResponseEncoder::watch_bookmark(uint64_t revision) const {
  const std::string rv = std::to_string(revision);
  if (negotiated_.media == MediaType::kProtobuf) {
    // An empty object of the kind carrying only the revision, as kube-apiserver's bookmarks.
    ObjectDraft empty(kind_);
    empty.meta().setResourceVersion(rv);
    return schema::encode_watch_event("BOOKMARK", kinds_.protobuf().encode_object(empty.reader(), kind_.api_version(), kind_.kind));
  }
  std::string out = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"" + kind_.kind + "\",\"apiVersion\":\"" +
                    kind_.api_version() + "\",\"metadata\":{\"resourceVersion\":\"" + rv + "\"}}}\n";
  return out;
}

}  // namespace capstan::api
