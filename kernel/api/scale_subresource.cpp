#include "api/scale_subresource.hpp"

#include "capstan/machinery/selectors/label_selector.hpp"

namespace capstan::api {

using nlohmann::json;

namespace {

// ".spec.replicas" -> {"spec", "replicas"}
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

const json* find(const json& obj, const std::string& path) {
  const json* cur = &obj;
  for (const auto& p : split_path(path)) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(p);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string selector_text(const json* sel) {
  if (!sel) return "";
  if (sel->is_string()) return sel->get<std::string>();
  try {
    return selectors::LabelSelector::from_json(*sel).to_string();
  } catch (...) {
    return "";
  }
}

}  // namespace

json scale_of(const schema::Kind& kind, const json& object) {
  const auto& paths = *kind.scale;
  const json& meta = object.contains("metadata") ? object["metadata"] : json::object();
  json scale_meta = json::object();
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (meta.contains(f)) scale_meta[f] = meta[f];
  const json* spec = find(object, paths.spec_replicas);
  const json* status = find(object, paths.status_replicas);
  json out = {{"kind", "Scale"},
              {"apiVersion", "autoscaling/v1"},
              {"metadata", scale_meta},
              {"spec", {{"replicas", spec && spec->is_number_integer() ? spec->get<int64_t>() : 0}}},
              {"status", {{"replicas", status && status->is_number_integer() ? status->get<int64_t>() : 0}}}};
  std::string selector = selector_text(find(object, paths.label_selector));
  if (!selector.empty()) out["status"]["selector"] = selector;
  return out;
}

void update_scale(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                  std::function<json(const json& scale)> change, uint64_t expected_revision, const WriteOptions& opts,
                  WriteDone done) {
  auto compute = [&kind, change](const json& live) -> std::optional<json> {
    json scale = change(scale_of(kind, live));
    const json* replicas = scale.contains("spec") ? find(scale, ".spec.replicas") : nullptr;
    if (!replicas || !replicas->is_number_integer())
      throw invalid("Scale", "autoscaling", live["metadata"].value("name", ""),
                    {{"spec.replicas", "FieldValueRequired", "Required value"}});
    if (replicas->get<int64_t>() < 0)
      throw invalid("Scale", "autoscaling", live["metadata"].value("name", ""),
                    {{"spec.replicas", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(replicas->get<int64_t>()) + ": must be greater than or equal to 0"}});
    json updated = live;
    json* cur = &updated;
    auto parts = split_path(kind.scale->spec_replicas);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      json& next = (*cur)[parts[i]];
      if (!next.is_object()) next = json::object();
      cur = &next;
    }
    (*cur)[parts.back()] = *replicas;
    return updated;
  };
  objects.update_with(kind, ns, name, compute, expected_revision, opts, std::move(done), "scale");
}

}  // namespace capstan::api
