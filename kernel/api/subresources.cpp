#include "api/subresources.hpp"

#include "api/assign_subresource.hpp"

namespace capstan::api {

using nlohmann::json;

DeleteOptions delete_options_of(const json& body, const std::function<std::string(const char*)>& query) {
  DeleteOptions del;
  del.propagation_policy = body.value("propagationPolicy", query("propagationPolicy"));
  if (auto g = body.find("gracePeriodSeconds"); g != body.end() && g->is_number_integer()) del.grace_period_seconds = g->get<int64_t>();
  else if (auto gp = query("gracePeriodSeconds"); !gp.empty()) {
    try {
      del.grace_period_seconds = std::stoll(gp);
    } catch (...) {
      throw bad_request("invalid gracePeriodSeconds: " + gp);
    }
  }
  if (auto p = body.find("preconditions"); p != body.end() && p->is_object()) {
    del.precondition_uid = p->value("uid", "");
    del.precondition_resource_version = p->value("resourceVersion", "");
  }
  if (!del.propagation_policy.empty() && del.propagation_policy != "Background" && del.propagation_policy != "Foreground" &&
      del.propagation_policy != "Orphan")
    throw invalid("DeleteOptions", "", "", {{"propagationPolicy", "FieldValueNotSupported",
                                            "Unsupported value: \"" + del.propagation_policy +
                                                "\": supported values: \"Foreground\", \"Background\", \"Orphan\""}});
  return del;
}

void post_subresource(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                      const std::string& subresource, const json& body, const WriteOptions& opts, WriteDone done) {
  auto succeeded = [done](WriteOutcome o) {
    o.object = nullptr;  // answered with a success Status
    done(std::move(o));
  };
  const schema::SubresourceInfo* sub = kind.subresource(subresource);
  if (sub && !sub->assigns.empty())
    return assign_target(objects, kind, ns, name, *sub, target_of(body, sub->kind, name), opts, succeeded);
  if (sub && sub->deletes) {
    // A delete with the body's deleteOptions; admission sees the subresource (disruption budgets
    // can refuse an eviction there).
    if (!body.is_object()) throw bad_request("the body must be an " + (sub->kind.empty() ? subresource : sub->kind) + " object");
    if (body.contains("metadata") && body["metadata"].is_object() && body["metadata"].value("name", name) != name)
      throw bad_request("name in URL does not match name in " + (sub->kind.empty() ? subresource : sub->kind) + " object");
    json options = body.value("deleteOptions", json::object());
    if (!options.is_object()) throw bad_request("deleteOptions must be an object");
    DeleteOptions del = delete_options_of(options, [](const char*) { return std::string(); });
    del.subresource = subresource;
    return objects.remove(kind, ns, name, del, opts, succeeded);
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace capstan::api
