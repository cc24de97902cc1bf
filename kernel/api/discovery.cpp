#include "api/discovery.hpp"

namespace capstan::api {

using nlohmann::json;

json api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

namespace {
json group_json(const std::string& group, const std::vector<std::string>& versions) {
  json g = {{"name", group}, {"versions", json::array()}};
  for (const auto& v : versions) g["versions"].push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  g["preferredVersion"] = {{"groupVersion", group + "/" + versions.front()}, {"version", versions.front()}};
  return g;
}
}  // namespace

json api_group_list(const schema::KindRegistry& kinds) {
  json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}};
  for (const auto& [group, versions] : kinds.groups()) {
    if (group.empty()) continue;
    list["groups"].push_back(group_json(group, versions));
  }
  return list;
}

std::optional<json> api_group(const schema::KindRegistry& kinds, const std::string& group) {
  for (const auto& [g, versions] : kinds.groups()) {
    if (g != group || g.empty()) continue;
    json out = group_json(g, versions);
    out["kind"] = "APIGroup";
    out["apiVersion"] = "v1";
    return out;
  }
  return std::nullopt;
}

std::optional<json> api_resource_list(const schema::KindRegistry& kinds, const std::string& group,
                                      const std::string& version) {
  json resources = json::array();
  bool found = false;
  for (const auto* k : kinds.all()) {
    if (k->group != group || k->version != version) continue;
    found = true;
    json r = {{"name", k->plural},
              {"singularName", k->singular},
              {"namespaced", k->namespaced},
              {"kind", k->kind},
              {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (!k->short_names.empty()) r["shortNames"] = k->short_names;
    if (!k->categories.empty()) r["categories"] = k->categories;
    resources.push_back(std::move(r));
    for (const auto& s : k->subresources) {
      json sub = {{"name", k->plural + "/" + s.name},
                  {"singularName", ""},
                  {"namespaced", k->namespaced},
                  {"kind", s.kind.empty() ? k->kind : s.kind},
                  {"verbs", s.verbs}};
      if (!s.group.empty()) sub["group"] = s.group;
      if (!s.version.empty()) sub["version"] = s.version;
      resources.push_back(std::move(sub));
    }
  }
  if (!found) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", std::move(resources)}};
}

}  // namespace capstan::api
