#include "api/discovery.hpp"

#include <cstdio>

#include "api/negotiation.hpp"

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
              {"verbs", k->transient ? json::array({"create"})
                                     : json::array({"create", "delete", "get", "list", "patch", "update", "watch"})}};
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

bool wants_aggregated_discovery(const std::string* accept) {
  if (!accept) return false;
  // Clauses that ask for no transformation are skipped by the discovery endpoint's restrictions,
  // wherever they stand; the first aggregated clause Capstan can write wins.
  for (const auto& clause : parse_accept(*accept)) {
    const std::string* as = clause.param("as");
    const std::string* g = clause.param("g");
    const std::string* v = clause.param("v");
    const bool json_type = (clause.type == "application" && (clause.subtype == "json" || clause.subtype == "*")) ||
                           (clause.type == "*" && clause.subtype == "*");
    if (json_type && as && *as == "APIGroupDiscoveryList" && g && *g == "apidiscovery.k8s.io" && v && *v == "v2")
      return true;
  }
  return false;
}

AggregatedDocument aggregated_discovery(const schema::KindRegistry& kinds, bool core) {
  using ordered = nlohmann::ordered_json;
  auto gvk = [](const std::string& g, const std::string& v, const std::string& k) {
    return ordered{{"group", g}, {"version", v}, {"kind", k}};
  };
  const ordered verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  ordered items = ordered::array();
  const auto all = kinds.all();
  for (const auto& [group, versions] : kinds.groups()) {
    if (group.empty() != core) continue;
    ordered versions_json = ordered::array();
    for (const auto& version : versions) {
      ordered resources = ordered::array();
      for (const auto* k : all) {
        if (k->group != group || k->version != version) continue;
        // apidiscovery.k8s.io/v2 APIResourceDiscovery in its declaration order.
        ordered r = {{"resource", k->plural},
                     {"responseKind", gvk(k->group, k->version, k->kind)},
                     {"scope", k->namespaced ? "Namespaced" : "Cluster"},
                     {"singularResource", k->singular},
                     {"verbs", k->transient ? ordered::array({"create"}) : verbs}};
        if (!k->short_names.empty()) r["shortNames"] = k->short_names;
        if (!k->categories.empty()) r["categories"] = k->categories;
        if (!k->subresources.empty()) {
          ordered subs = ordered::array();
          for (const auto& s : k->subresources)
            subs.push_back({{"subresource", s.name},
                            {"responseKind", gvk(s.group.empty() && s.kind.empty() ? k->group : s.group,
                                                 s.version.empty() ? k->version : s.version,
                                                 s.kind.empty() ? k->kind : s.kind)},
                            {"verbs", s.verbs}});
          r["subresources"] = std::move(subs);
        }
        resources.push_back(std::move(r));
      }
      versions_json.push_back({{"version", version}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    ordered metadata = ordered::object();
    if (!group.empty()) metadata["name"] = group;
    metadata["creationTimestamp"] = nullptr;  // a Go value metav1.Time, written as null
    items.push_back({{"metadata", std::move(metadata)}, {"versions", std::move(versions_json)}});
  }
  ordered list = {{"kind", "APIGroupDiscoveryList"},
                  {"apiVersion", "apidiscovery.k8s.io/v2"},
                  {"metadata", ordered::object()},
                  {"items", std::move(items)}};
  AggregatedDocument doc;
  doc.body = list.dump() + "\n";
  // FNV-1a over the document: it changes exactly when the document does (plugins add kinds).
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : doc.body) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  doc.etag = buf;
  return doc;
}

}  // namespace capstan::api
