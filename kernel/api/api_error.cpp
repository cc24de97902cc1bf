#include "api/api_error.hpp"

#include "capstan/machinery/codec/json_writer.hpp"

namespace capstan::api {

nlohmann::json ApiError::to_status() const {
  nlohmann::json s = {{"kind", "Status"},     {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"},  {"message", what()},  {"reason", reason},
                      {"code", code}};
  nlohmann::json details = nlohmann::json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    auto& c = details["causes"] = nlohmann::json::array();
    for (const auto& cause : causes) {
      nlohmann::json j = {{"reason", cause.reason}, {"message", cause.message}};
      if (!cause.field.empty()) j["field"] = cause.field;
      c.push_back(std::move(j));
    }
  }
  if (!details.empty()) s["details"] = std::move(details);
  return s;
}

std::string ApiError::to_status_text() const {
  using schema::append_json_string;
  std::string out = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure")";
  if (*what() != '\0') {
    out += R"(,"message":)";
    append_json_string(out, what());
  }
  if (!reason.empty()) {
    out += R"(,"reason":)";
    append_json_string(out, reason);
  }
  if (!name.empty() || !group.empty() || !kind.empty() || !causes.empty()) {
    // metav1.StatusDetails: name, group, kind, uid, causes, retryAfterSeconds (all omitempty).
    out += R"(,"details":{)";
    bool first = true;
    auto field = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      if (!first) out += ',';
      first = false;
      out += '"';
      out += key;
      out += "\":";
      append_json_string(out, value);
    };
    field("name", name);
    field("group", group);
    field("kind", kind);
    if (!causes.empty()) {
      if (!first) out += ',';
      out += R"("causes":[)";
      for (size_t i = 0; i < causes.size(); ++i) {
        // metav1.StatusCause: reason, message, field.
        if (i) out += ',';
        out += '{';
        first = true;
        field("reason", causes[i].reason);
        field("message", causes[i].message);
        field("field", causes[i].field);
        out += '}';
      }
      out += ']';
    }
    out += '}';
  }
  if (code != 0) out += R"(,"code":)" + std::to_string(code);
  out += "}\n";
  return out;
}

ApiError bad_request(std::string message) { return ApiError(400, "BadRequest", std::move(message)); }

namespace {
std::pair<std::string, std::string> split_group_resource(const std::string& gr) {
  auto dot = gr.find('.');
  if (dot == std::string::npos) return {gr, ""};
  return {gr.substr(0, dot), gr.substr(dot + 1)};
}
}  // namespace

ApiError not_found(const std::string& group_resource, const std::string& name) {
  auto [resource, group] = split_group_resource(group_resource);
  return ApiError(404, "NotFound", group_resource + " \"" + name + "\" not found").with_details(name, group, resource);
}

ApiError already_exists(const std::string& group_resource, const std::string& name) {
  auto [resource, group] = split_group_resource(group_resource);
  return ApiError(409, "AlreadyExists", group_resource + " \"" + name + "\" already exists")
      .with_details(name, group, resource);
}

ApiError conflict(const std::string& group_resource, const std::string& name, const std::string& why) {
  auto [resource, group] = split_group_resource(group_resource);
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + group_resource + " \"" + name + "\": " + why)
      .with_details(name, group, resource);
}

ApiError invalid(const std::string& kind, const std::string& group, const std::string& name, std::vector<Cause> causes) {
  std::string message = kind + " \"" + name + "\" is invalid: ";
  if (causes.size() > 1) message += "[";
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i) message += ", ";
    message += causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1) message += "]";
  ApiError e(422, "Invalid", message);
  e.with_details(name, group, kind);
  e.causes = std::move(causes);
  return e;
}

ApiError method_not_allowed(const std::string& message) { return ApiError(405, "MethodNotAllowed", message); }

nlohmann::json success_status() {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()}, {"status", "Success"}};
}

std::string success_status_text() { return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\"}\n"; }

}  // namespace capstan::api
