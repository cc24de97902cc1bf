#pragma once
// OpenAPI v3 documents generated from the kinds' Cap'n Proto schemas: what kubectl needs for
// apply/create/replace/edit (per-kind PATCH operations accepting fieldValidation) and explain
// (component schemas with descriptions, $ref links and x-kubernetes-group-version-kind), with
// the strategic-merge metadata (x-kubernetes-patch-merge-key/-strategy) from schema annotations.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "schema/kind_registry.hpp"

namespace capstan::api {

// GET /openapi/v3: the index of group-versions with hashed URLs.
nlohmann::json openapi_v3_index(const schema::KindRegistry& kinds);
// GET /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>; nullopt when not served.
std::optional<nlohmann::json> openapi_v3_document(const schema::KindRegistry& kinds, const std::string& group,
                                                  const std::string& version);

}  // namespace capstan::api
