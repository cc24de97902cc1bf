#pragma once
// The `scale` subresource, served by the kernel for any kind that declares where its replicas
// and selector live (as CustomResourceDefinitions do): GET returns an autoscaling/v1 Scale,
// PUT and PATCH change only the replica count of the object behind it.

#include <nlohmann/json.hpp>

#include "api/object_service.hpp"

namespace capstan::api {

// The Scale view of an object.
nlohmann::json scale_of(const schema::Kind& kind, const nlohmann::json& object);

// Applies `change` (Scale -> Scale, e.g. a replaced body or an applied patch) to the live object's
// Scale and writes the resulting spec.replicas. expected_revision != 0 is a precondition.
void update_scale(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                  std::function<nlohmann::json(const nlohmann::json& scale)> change, uint64_t expected_revision,
                  const WriteOptions& opts, WriteDone done);

}  // namespace capstan::api
