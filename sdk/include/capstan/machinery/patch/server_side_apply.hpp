// Server-side apply (Content-Type application/apply-patch+yaml) and the
// managedFields bookkeeping that every other write must do so later applies
// can detect conflicts.
#pragma once

#include <string>

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch {

struct ApplyOptions {
  std::string manager;      // fieldManager query parameter (required for apply)
  bool force = false;       // force=true: take ownership instead of failing with 409
  std::string apiVersion;   // version recorded in managedFields; defaults to applied.apiVersion
  std::string now;          // RFC3339 timestamp for managedFields[].time; empty = current UTC time
  std::string subresource;  // e.g. "status"; part of a managedFields entry's identity
};

// live: the current object, or null when absent (create).  applied: the apply
// body already converted to JSON.  Returns the new object with
// metadata.managedFields updated.  Throws PatchError 409 on conflicts (unless
// opts.force), 400 when applied is not an object or manager is empty.
json server_side_apply(const json& live, const json& applied, const PatchSchema& schema, const ApplyOptions& opts);

// For a non-apply write (create/update/patch): gives the fields that changed
// between oldObj (null on create) and newObj to opts.manager as an Update
// entry, takes them away from every other entry, and returns newObj with
// metadata.managedFields updated.
json record_update_manager(const json& oldObj, const json& newObj, const PatchSchema& schema, const ApplyOptions& opts);

}  // namespace capstan::patch
