#pragma once
// Protobuf bodies of the request types the API layer itself reads (not kinds a plugin serves):
// meta.k8s.io/v1 DeleteOptions, and the bodies of the action subresources plugins declare — one
// that deletes its object (pods/eviction: policy/v1 Eviction) and one that assigns a target
// (pods/binding: core/v1 Binding) — which client-go >= 1.32 typed clients (kubectl drain,
// schedulers) send in protobuf. Each is decoded into the JSON form the handlers already read, with
// the numbers of upstream's generated.proto; bad input is an ApiError 400 naming the field.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace capstan::api {

// DeleteOptions {gracePeriodSeconds = 1, preconditions = 2 {uid = 1, resourceVersion = 2},
// orphanDependents = 3, propagationPolicy = 4, dryRun = 5 (repeated),
// ignoreStoreReadErrorWithClusterBreakingPotential = 6}.
nlohmann::json decode_delete_options_protobuf(std::string_view body);

// An action subresource's body, whose envelope must name `body_kind` (the kind the subresource
// declares): a deleting action's is shaped as Eviction {metadata = 1 ObjectMeta,
// deleteOptions = 2 DeleteOptions}, an assigning action's as Binding {metadata = 1 ObjectMeta,
// target = 2 ObjectReference}.
nlohmann::json decode_action_protobuf(bool deletes, const std::string& body_kind, std::string_view body);

}  // namespace capstan::api
