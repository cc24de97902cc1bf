#pragma once
// Discovery documents generated from the kind registry: the legacy shapes (/api, /apis,
// /apis/<group>, /api/v1 and /apis/<group>/<version>) and aggregated discovery
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api and /apis), which clients ask for by
// content negotiation and revalidate with an ETag.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "schema/kind_registry.hpp"

namespace capstan::api {

nlohmann::json api_versions(const std::string& server_address);
nlohmann::json api_group_list(const schema::KindRegistry& kinds);
std::optional<nlohmann::json> api_group(const schema::KindRegistry& kinds, const std::string& group);
std::optional<nlohmann::json> api_resource_list(const schema::KindRegistry& kinds, const std::string& group,
                                                const std::string& version);

// Whether the Accept header asks for aggregated discovery in a form Capstan writes: a JSON clause
// with as=APIGroupDiscoveryList, g=apidiscovery.k8s.io, v=v2 (v2beta1 is not served as of 1.33,
// nor the protobuf form). Otherwise the legacy documents answer.
bool wants_aggregated_discovery(const std::string* accept);
inline constexpr const char* kAggregatedDiscoveryContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

// The APIGroupDiscoveryList of the core group (/api) or of every other group (/apis), as JSON
// text in the Go types' field order, and its ETag (quoted, as the header carries it).
struct AggregatedDocument {
  std::string body;
  std::string etag;
};
AggregatedDocument aggregated_discovery(const schema::KindRegistry& kinds, bool core);

}  // namespace capstan::api
