#pragma once
// Assigning subresources, declared by a kind with `assigns` (pods/binding: ".spec.nodeName"): a
// POST whose body names a target (`target.name`, as a Binding does) writes that name into the
// declared field, once. Assigning again to another target is a Conflict, to the same target a
// no-op; an object being deleted cannot be assigned. Writing the field any other way is up to the
// kind's admission (pods refuse it), which sees the subresource's name.

#include <nlohmann/json.hpp>

#include "api/object_service.hpp"

namespace capstan::api {

void assign_target(ObjectService& objects, const schema::Kind& kind, const std::string& ns, const std::string& name,
                   const schema::SubresourceInfo& subresource, const std::string& target, const WriteOptions& opts,
                   WriteDone done);

// The target name of an assigning body ({"target":{"name":"node-1",...}}); throws ApiError(400/422)
// when it has none. `body_kind` names the body in errors (Binding).
std::string target_of(const nlohmann::json& body, const std::string& body_kind, const std::string& name);

}  // namespace capstan::api
