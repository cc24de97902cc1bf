#pragma once
// POSTs to an object's action subresources, those a kind declares with `deletes` (eviction) or
// `assigns` (binding), whoever sends them: a REST
// client through the API server or a plugin through its host. Both end as a write of the object.

#include <nlohmann/json.hpp>

#include <string>

#include "api/object_service.hpp"

namespace capstan::api {

// Answers 404 when the kind has no such subresource. On success `done` gets no object: the
// answer to the client is a success Status.
void post_subresource(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                      const std::string& subresource, const nlohmann::json& body, const WriteOptions& opts,
                      WriteDone done);

// DeleteOptions from a DELETE body (or an Eviction's deleteOptions) and the query parameters
// (query: a lookup of one query parameter, "" when absent).
DeleteOptions delete_options_of(const nlohmann::json& body, const std::function<std::string(const char*)>& query);

}  // namespace capstan::api
