// JSON merge patch (RFC 7386), Content-Type application/merge-patch+json.
#pragma once

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch {

// Objects merge recursively, null deletes a key, anything else replaces.
// Throws PatchError 400 only when nesting exceeds the depth cap.
json apply_merge_patch(const json& target, const json& patch);

}  // namespace capstan::patch
