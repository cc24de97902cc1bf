// JSON patch (RFC 6902), Content-Type application/json-patch+json.
#pragma once

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch {

// Applies add/remove/replace/move/copy/test atomically (the input is never
// modified).  Malformed operations throw PatchError 400; a missing path or a
// failed test throws PatchError 422 naming the operation and path.
json apply_json_patch(const json& target, const json& operations);

}  // namespace capstan::patch
