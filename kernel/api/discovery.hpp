#pragma once
// Discovery documents (legacy, non-aggregated shapes) generated from the kind registry:
// /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>.

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

}  // namespace capstan::api
