#include "api/subresources.hpp"

#include "api/binding_subresource.hpp"

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
  if (subresource == "binding" && !kind.binding_path.empty()) {
    return bind_object(objects, kind, ns, name, binding_target(body, name), opts, succeeded);
  }
  if (subresource == "eviction" && kind.has_subresource("eviction")) {
    // An Eviction is a delete with its deleteOptions (disruption budgets would veto it here).
    if (!body.is_object()) throw bad_request("the body must be an Eviction object");
    if (body.contains("metadata") && body["metadata"].is_object() && body["metadata"].value("name", name) != name)
      throw bad_request("name in URL does not match name in Eviction object");
    json options = body.value("deleteOptions", json::object());
    if (!options.is_object()) throw bad_request("deleteOptions must be an object");
    return objects.remove(kind, ns, name, delete_options_of(options, [](const char*) { return std::string(); }), opts,
                          succeeded);
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace capstan::api
