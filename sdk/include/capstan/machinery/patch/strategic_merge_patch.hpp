// Strategic merge patch, Content-Type application/strategic-merge-patch+json:
// what `kubectl apply` (client side), `kubectl edit` and `kubectl patch` send.
#pragma once

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch {

// Like merge patch, but lists whose schema field has patchStrategy "merge"
// merge by patchMergeKey (or are unioned when they hold primitives), and the
// directives $patch (replace/delete/merge), $retainKeys,
// $setElementOrder/<field> and $deleteFromPrimitiveList/<field> are honoured.
// Fields the schema knows nothing about behave like merge patch (lists replaced).
// Directive keys never appear in the result.  Throws PatchError 400 for
// malformed patches (non-object patch, unknown $patch value, list element
// lacking its merge key, nesting deeper than 100).
json apply_strategic_merge_patch(const json& original, const json& patch, const PatchSchema& schema);

}  // namespace capstan::patch
