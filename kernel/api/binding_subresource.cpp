#include "api/binding_subresource.hpp"

namespace capstan::api {

using nlohmann::json;

std::string binding_target(const json& body, const std::string& name) {
  if (!body.is_object()) throw bad_request("the request body must be a Binding object");
  const json* target = body.contains("target") ? &body["target"] : nullptr;
  if (!target || !target->is_object() || !target->contains("name") || !(*target)["name"].is_string() ||
      (*target)["name"].get<std::string>().empty())
    throw invalid("Binding", "", name, {{"target.name", "FieldValueRequired", "Required value"}});
  return (*target)["name"].get<std::string>();
}

void bind_object(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                 const std::string& target, const WriteOptions& opts, WriteDone done) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : kind.binding_path + ".") {
    if (c == '.') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  auto compute = [&kind, parts, target, name](const json& live) -> std::optional<json> {
    json updated = live;
    json* at = &updated;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      json& next = (*at)[parts[i]];
      if (!next.is_object()) next = json::object();
      at = &next;
    }
    json& field = (*at)[parts.back()];
    if (field.is_string() && !field.get<std::string>().empty() && field.get<std::string>() != target)
      throw conflict(kind.group_resource(), name,
                     name + " is already bound to \"" + field.get<std::string>() + "\"");
    if (live.contains("metadata") && live["metadata"].contains("deletionTimestamp"))
      throw conflict(kind.group_resource(), name, "the object is being deleted");
    field = target;
    return updated;
  };
  // Admission sees the subresource "binding", so the kind may allow this field to change here only.
  objects.update_with(kind, ns, name, compute, 0, opts, std::move(done), "binding");
}

}  // namespace capstan::api
