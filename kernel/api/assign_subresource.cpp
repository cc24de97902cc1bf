#include "api/assign_subresource.hpp"

#include <capnp/dynamic.h>

namespace capstan::api {

using nlohmann::json;

std::string target_of(const json& body, const std::string& body_kind, const std::string& name) {
  if (!body.is_object()) throw bad_request("the request body must be a " + body_kind + " object");
  const json* target = body.contains("target") ? &body["target"] : nullptr;
  if (!target || !target->is_object() || !target->contains("name") || !(*target)["name"].is_string() ||
      (*target)["name"].get<std::string>().empty())
    throw invalid(body_kind, "", name, {{"target.name", "FieldValueRequired", "Required value"}});
  return (*target)["name"].get<std::string>();
}

void assign_target(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                   const schema::SubresourceInfo& subresource, const std::string& target, const WriteOptions& opts,
                   WriteDone done) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : subresource.assigns + ".") {
    if (c == '.') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (parts.empty()) throw ApiError(404, "NotFound", "the server could not find the requested resource");
  // One string field of the stored object is set, in place: no re-encoding.
  auto change = [&kind, parts, target, name](ObjectDraft& object) {
    if (object.meta().hasDeletionTimestamp())
      throw conflict(kind.group_resource(), name, "the object is being deleted");
    capnp::DynamicStruct::Builder at = object.root();
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto field = at.getSchema().getFieldByName(parts[i]);
      at = (field.getProto().isGroup() || at.has(field) ? at.get(field) : at.init(field)).as<capnp::DynamicStruct>();
    }
    auto field = at.getSchema().getFieldByName(parts.back());
    if (at.has(field)) {
      auto bound = at.get(field).as<capnp::Text>();
      std::string existing(bound.begin(), bound.size());
      if (!existing.empty() && existing != target)
        throw conflict(kind.group_resource(), name, name + " is already bound to \"" + existing + "\"");
    }
    at.set(field, capnp::Text::Reader(target.c_str()));
  };
  // Admission sees the subresource's name, so the kind may allow this field to change here only.
  objects.update_in_place(kind, ns, name, change, 0, opts, std::move(done), subresource.name);
}

}  // namespace capstan::api
