#include "capstan/machinery/patch/merge_patch.hpp"

namespace capstan::patch {
namespace {

// Merges `patch` into `target` in place so the caller copies the document only once.
void merge_into(json& target, const json& patch, int depth) {
  detail::check_depth(depth);
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
      continue;
    }
    // operator[] inserts null for a new key; merging into null builds a fresh
    // object, which also strips nulls nested inside the new value (RFC 7386).
    merge_into(target[it.key()], *it, depth + 1);
  }
}

}  // namespace

json apply_merge_patch(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  json result = target.is_object() ? target : json::object();
  merge_into(result, patch, 0);
  return result;
}

}  // namespace capstan::patch
