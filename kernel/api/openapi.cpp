#include "api/openapi.hpp"

#include <set>

namespace capstan::api {

using nlohmann::json;
using schema::FieldInfo;
using schema::Shape;

namespace {

std::string schema_name(capnp::StructSchema s) {
  // "capstan/core_v1.capnp:ConfigMap" -> "capstan.core_v1.ConfigMap"
  std::string n = s.getProto().getDisplayName().cStr();
  std::string out;
  for (char c : n) {
    if (c == '/' || c == ':') out += '.';
    else out += c;
  }
  auto pos = out.find(".capnp");
  if (pos != std::string::npos) out.erase(pos, 6);
  return out;
}

class Generator {
 public:
  explicit Generator(const schema::SchemaModel& model) : model_(model) {}

  std::string add_struct(capnp::StructSchema s) {
    std::string name = schema_name(s);
    if (!done_.insert(name).second) return name;
    const auto& info = model_.info(s);
    json out = {{"type", "object"}, {"properties", json::object()}};
    if (info.doc) out["description"] = *info.doc;
    json required = json::array();
    for (const auto& f : info.fields) {
      if (f.field.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT) continue;
      out["properties"][f.json_name] = field_schema(f);
      if (f.required) required.push_back(f.json_name);
    }
    if (!required.empty()) out["required"] = required;
    schemas_[name] = std::move(out);
    return name;
  }

  json& schemas() { return schemas_; }

 private:
  json scalar(Shape shape, capnp::Type type) {
    switch (shape) {
      case Shape::kBool: return {{"type", "boolean"}};
      case Shape::kInt:
      case Shape::kUInt:
        return {{"type", "integer"},
                {"format", type.which() == capnp::schema::Type::INT64 || type.which() == capnp::schema::Type::UINT64 ? "int64" : "int32"}};
      case Shape::kFloat: return {{"type", "number"}, {"format", "double"}};
      case Shape::kText:
      case Shape::kQuantity:
      case Shape::kEnum: return {{"type", "string"}};
      case Shape::kData: return {{"type", "string"}, {"format", "byte"}};
      case Shape::kRawJson: return {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
      case Shape::kIntOrString:
        return {{"x-kubernetes-int-or-string", true}, {"anyOf", {{{"type", "integer"}}, {{"type", "string"}}}}};
      case Shape::kStruct: return {{"allOf", {{{"$ref", "#/components/schemas/" + add_struct(type.asStruct())}}}}};
      default: return json::object();
    }
  }

  json field_schema(const FieldInfo& f) {
    json out;
    switch (f.shape) {
      case Shape::kOptional: out = scalar(f.optional_value_shape, f.optional_value.getType()); break;
      case Shape::kStruct:
        out = {{"allOf", {{{"$ref", "#/components/schemas/" + add_struct(f.struct_schema)}}}}};
        break;
      case Shape::kList: {
        auto element = f.field.getType().asList().getElementType();
        out = {{"type", "array"}, {"items", scalar(f.element_shape, element)}};
        if (f.patch_merge_key) out["x-kubernetes-patch-merge-key"] = *f.patch_merge_key;
        if (f.patch_strategy) out["x-kubernetes-patch-strategy"] = *f.patch_strategy;
        if (f.list_type) out["x-kubernetes-list-type"] = *f.list_type;
        if (f.list_map_keys) {
          json keys = json::array();
          std::string k;
          for (char c : *f.list_map_keys + ",") {
            if (c == ',') {
              if (!k.empty()) keys.push_back(k);
              k.clear();
            } else {
              k += c;
            }
          }
          out["x-kubernetes-list-map-keys"] = keys;
        }
        break;
      }
      case Shape::kMap: {
        const auto& entry = model_.info(f.element_struct);
        json value = entry.fields.size() > 1 ? field_schema(entry.fields[1]) : json{{"type", "string"}};
        value.erase("description");
        out = {{"type", "object"}, {"additionalProperties", value}};
        break;
      }
      default: out = scalar(f.shape, f.field.getType()); break;
    }
    if (f.doc) out["description"] = *f.doc;
    return out;
  }

  const schema::SchemaModel& model_;
  std::set<std::string> done_;
  json schemas_ = json::object();
};

std::string gv_path(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

json openapi_v3_index(const schema::KindRegistry& kinds) {
  json paths = json::object();
  const std::string hash = kinds.fingerprint();
  for (const auto& [group, versions] : kinds.groups()) {
    for (const auto& v : versions) {
      std::string p = gv_path(group, v);
      paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hash}};
    }
  }
  return {{"paths", paths}};
}

std::optional<json> openapi_v3_document(const schema::KindRegistry& kinds, const std::string& group,
                                        const std::string& version) {
  Generator gen(kinds.model());
  json paths = json::object();
  bool found = false;
  for (const auto* k : kinds.all()) {
    if (k->group != group || k->version != version) continue;
    found = true;
    std::string root = gen.add_struct(k->schema);
    json gvk = {{"group", k->group}, {"version", k->version}, {"kind", k->kind}};
    gen.schemas()[root]["x-kubernetes-group-version-kind"] = json::array({gvk});
    std::string base = "/" + gv_path(group, version) + (k->namespaced ? "/namespaces/{namespace}/" : "/") + k->plural;
    json params = json::array({{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                               {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                               {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}}});
    json ref = {{"$ref", "#/components/schemas/" + root}};
    json body_content = {{"application/json", {{"schema", ref}}}, {"application/yaml", {{"schema", ref}}}};
    json responses = {{"200", {{"description", "OK"}, {"content", {{"application/json", {{"schema", ref}}}}}}}};
    paths[base] = {{"post", {{"x-kubernetes-group-version-kind", gvk}, {"x-kubernetes-action", "post"},
                             {"parameters", params}, {"requestBody", {{"content", body_content}}},
                             {"responses", responses}}}};
    json patch_content = {{"application/strategic-merge-patch+json", {{"schema", {{"type", "object"}}}}},
                          {"application/merge-patch+json", {{"schema", {{"type", "object"}}}}},
                          {"application/json-patch+json", {{"schema", {{"type", "object"}}}}},
                          {"application/apply-patch+yaml", {{"schema", {{"type", "object"}}}}}};
    paths[base + "/{name}"] = {
        {"get", {{"x-kubernetes-group-version-kind", gvk}, {"x-kubernetes-action", "get"}, {"responses", responses}}},
        {"put", {{"x-kubernetes-group-version-kind", gvk}, {"x-kubernetes-action", "put"}, {"parameters", params},
                 {"requestBody", {{"content", body_content}}}, {"responses", responses}}},
        {"patch", {{"x-kubernetes-group-version-kind", gvk}, {"x-kubernetes-action", "patch"}, {"parameters", params},
                   {"requestBody", {{"content", patch_content}}}, {"responses", responses}}},
        {"delete", {{"x-kubernetes-group-version-kind", gvk}, {"x-kubernetes-action", "delete"}, {"responses", responses}}}};
  }
  if (!found) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Capstan"}, {"version", version}}},
              {"paths", std::move(paths)},
              {"components", {{"schemas", std::move(gen.schemas())}}}};
}

}  // namespace capstan::api
