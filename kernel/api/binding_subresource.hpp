#pragma once
// The `binding` subresource, served by the kernel for kinds that declare where the binding
// target's name goes (pods: ".spec.nodeName"). Binding is write-once: binding again to another
// target is a Conflict, binding to the same target is a no-op. Writing the field any other way
// is up to the kind's admission (pods refuse it).

#include <nlohmann/json.hpp>

#include "api/object_service.hpp"

namespace capstan::api {

// body: a Binding ({"target":{"name":"node-1",...}}); answers with the bound object.
void bind_object(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                 const std::string& target, const WriteOptions& opts, WriteDone done);

// The target name of a Binding body; throws ApiError(400/422) when it has none.
std::string binding_target(const nlohmann::json& body, const std::string& name);

}  // namespace capstan::api
