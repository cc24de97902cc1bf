#include "capstan/machinery/patch/strategic_merge_patch.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace capstan::patch {
namespace {

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool is_directive_key(std::string_view k) {
  if (k.empty() || k[0] != '$') return false;  // cheap reject for ordinary fields
  return k == kPatchDirective || k == kRetainKeys || starts_with(k, kSetElementOrder) ||
         starts_with(k, kDeleteFromPrimitiveList);
}

// patchStrategy is a comma separated list such as "merge,retainKeys".
bool has_merge_strategy(const std::optional<FieldSemantics>& sem) {
  if (!sem) return false;
  std::string_view s = sem->patchStrategy;
  while (!s.empty()) {
    size_t comma = s.find(',');
    if (s.substr(0, comma) == "merge") return true;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return false;
}

// Returns the $patch directive value of a map, or empty when absent.
std::string directive_of(const json& map) {
  auto it = map.find(kPatchDirective);
  if (it == map.end()) return {};
  if (!it->is_string()) detail::throw_bad_request("$patch directive must be a string");
  std::string v = it->get<std::string>();
  if (v != "replace" && v != "delete" && v != "merge") {
    detail::throw_bad_request("invalid $patch directive value \"" + v + "\"");
  }
  return v;
}

class Merger {
 public:
  explicit Merger(const PatchSchema& schema) : schema_(schema) {}

  // Merges patch map into orig map in place.  Returns false when the patch
  // says the whole map is to be deleted ($patch: delete).
  bool merge_map(json& orig, const json& patch, int depth) {
    detail::check_depth(depth);
    std::string directive = directive_of(patch);
    if (directive == "delete") return false;
    if (directive == "replace") {
      // The rest of the patch map becomes the value; merging it into an empty
      // map strips nulls and nested directives.
      json fresh = json::object();
      merge_fields(fresh, patch, depth);
      orig = std::move(fresh);
      return true;
    }
    if (!orig.is_object()) orig = json::object();
    merge_fields(orig, patch, depth);
    return true;
  }

 private:
  // The value a patch produces when there is nothing to merge it into.
  // nullopt means the patch deleted it.
  std::optional<json> fresh_value(const json& patch, int depth) {
    if (patch.is_object()) {
      json out = json::object();
      if (!merge_map(out, patch, depth + 1)) return std::nullopt;
      return out;
    }
    if (patch.is_array()) {
      json out = json::array();
      merge_list(out, patch, depth + 1);
      return out;
    }
    return patch;
  }

  // Key used to identify a list element for ordering: the merge key value of
  // a map element, or the element itself for primitives.
  static const json& order_key(const json& e, const std::string& mergeKey) {
    static const json kNull;
    if (!mergeKey.empty() && e.is_object()) {
      auto it = e.find(mergeKey);
      return it == e.end() ? kNull : *it;
    }
    return e;
  }

  void merge_fields(json& orig, const json& patch, int depth) {
    // $deleteFromPrimitiveList/<field> applies to the original list before the
    // rest of the patch is merged in.
    // $setElementOrder/<field> needs the server's order before merging.
    std::vector<std::pair<std::string, std::vector<json>>> serverOrders;
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      const std::string& k = it.key();
      if (k.empty() || k[0] != '$') continue;
      if (starts_with(k, kDeleteFromPrimitiveList)) {
        if (!it->is_array()) detail::throw_bad_request(k + " must be a list");
        auto target = orig.find(k.substr(kDeleteFromPrimitiveList.size()));
        if (target == orig.end() || !target->is_array()) continue;
        json kept = json::array();
        for (auto& e : *target) {
          if (std::find(it->begin(), it->end(), e) == it->end()) kept.push_back(std::move(e));
        }
        *target = std::move(kept);
      } else if (starts_with(k, kSetElementOrder)) {
        if (!it->is_array()) detail::throw_bad_request(k + " must be a list");
        std::string field = k.substr(kSetElementOrder.size());
        std::vector<json> keys;
        auto target = orig.find(field);
        if (target != orig.end() && target->is_array()) {
          path_.push_back(field);
          std::string mk = merge_key_here();
          path_.pop_back();
          keys.reserve(target->size());
          for (const auto& e : *target) keys.push_back(order_key(e, mk));
        }
        serverOrders.emplace_back(std::move(field), std::move(keys));
      } else if (k == kRetainKeys) {
        if (!it->is_array()) detail::throw_bad_request("$retainKeys must be a list");
        for (const auto& r : *it)
          if (!r.is_string()) detail::throw_bad_request("$retainKeys must be a list of strings");
      }
    }

    for (auto it = patch.begin(); it != patch.end(); ++it) {
      const std::string& k = it.key();
      if (is_directive_key(k)) continue;
      if (it->is_null()) {
        orig.erase(k);
        continue;
      }
      path_.push_back(k);
      auto existing = orig.find(k);
      if (existing == orig.end()) {
        if (auto v = fresh_value(*it, depth)) orig[k] = std::move(*v);
      } else if (!merge_value(*existing, *it, depth + 1)) {
        orig.erase(existing);
      }
      path_.pop_back();
    }

    for (auto& [field, serverKeys] : serverOrders) {
      auto target = orig.find(field);
      if (target == orig.end() || !target->is_array()) continue;
      path_.push_back(field);
      std::string mk = merge_key_here();
      path_.pop_back();
      reorder(*target, patch[std::string(kSetElementOrder) + field], mk, serverKeys);
    }

    if (auto rk = patch.find(kRetainKeys); rk != patch.end()) {
      for (auto it = orig.begin(); it != orig.end();) {
        if (std::find(rk->begin(), rk->end(), json(it.key())) == rk->end()) {
          it = orig.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  // Returns false when the value must be removed from its parent.
  bool merge_value(json& orig, const json& patch, int depth) {
    detail::check_depth(depth);
    if (patch.is_object() && orig.is_object()) return merge_map(orig, patch, depth);
    if (patch.is_array() && orig.is_array()) {
      merge_list(orig, patch, depth);
      return true;
    }
    auto v = fresh_value(patch, depth);
    if (!v) return false;
    orig = std::move(*v);
    return true;
  }

  std::optional<FieldSemantics> sem_here() const { return schema_.field(path_); }

  std::string merge_key_here() const {
    auto sem = sem_here();
    return has_merge_strategy(sem) ? sem->patchMergeKey : std::string();
  }

  static bool is_replace_marker(const json& e) {
    if (!e.is_object()) return false;
    auto it = e.find(kPatchDirective);
    return it != e.end() && *it == "replace";
  }

  void merge_list(json& orig, const json& patch, int depth) {
    detail::check_depth(depth);
    auto sem = sem_here();
    bool merge = has_merge_strategy(sem);
    bool replaceAll = std::any_of(patch.begin(), patch.end(), is_replace_marker);

    if (!merge || replaceAll) {
      // Replaced wholesale; directive-only elements are dropped and element
      // maps are cleaned of directives and nulls.
      json out = json::array();
      for (const auto& e : patch) {
        if (is_replace_marker(e)) continue;
        if (auto v = fresh_value(e, depth)) out.push_back(std::move(*v));
      }
      orig = std::move(out);
      return;
    }

    const std::string& key = sem->patchMergeKey;
    if (key.empty()) {
      // Primitive list with merge strategy (e.g. finalizers): union, keeping
      // the original order and appending new values.
      for (const auto& e : patch) {
        if (e.is_object() && e.contains(kPatchDirective)) {
          detail::throw_bad_request("$patch directive is not allowed in a list of primitives");
        }
        if (std::find(orig.begin(), orig.end(), e) == orig.end()) {
          if (auto v = fresh_value(e, depth)) orig.push_back(std::move(*v));
        }
      }
      return;
    }

    // Keyed merge.  Index the original by merge key value so big lists stay
    // O(n log n); deletions are marked and compacted once at the end.
    std::map<json, size_t> index;
    for (size_t i = 0; i < orig.size(); ++i) {
      const json& e = orig[i];
      if (!e.is_object()) continue;
      auto kit = e.find(key);
      if (kit != e.end()) index.emplace(*kit, i);
    }
    std::vector<bool> deleted(orig.size(), false);
    bool anyDeleted = false;

    for (const auto& pe : patch) {
      if (!pe.is_object()) {
        detail::throw_bad_request("list \"" + path_.back() + "\" merges by key \"" + key +
                                  "\" but the patch contains a non-map element");
      }
      auto kit = pe.find(key);
      if (kit == pe.end()) {
        detail::throw_bad_request("map in list \"" + path_.back() + "\" does not contain declared merge key \"" +
                                  key + "\"");
      }
      std::string directive = directive_of(pe);
      auto found = index.find(*kit);
      if (directive == "delete") {
        if (found != index.end()) {
          deleted[found->second] = true;
          anyDeleted = true;
          index.erase(found);
        }
        continue;
      }
      if (found != index.end()) {
        if (!merge_map(orig[found->second], pe, depth + 1)) {
          deleted[found->second] = true;
          anyDeleted = true;
          index.erase(found);
        }
      } else if (auto v = fresh_value(pe, depth)) {
        orig.push_back(std::move(*v));
        deleted.push_back(false);
        index.emplace(*kit, orig.size() - 1);
      }
    }

    if (anyDeleted) {
      json out = json::array();
      for (size_t i = 0; i < orig.size(); ++i)
        if (!deleted[i]) out.push_back(std::move(orig[i]));
      orig = std::move(out);
    }
  }

  // $setElementOrder: elements named in `order` come in that order; the rest
  // (server-only elements) are interleaved by their original server position,
  // mirroring upstream normalizeElementOrder/mergeSortedSlice.
  static void reorder(json& list, const json& order, const std::string& mergeKey,
                      const std::vector<json>& serverKeys) {
    std::map<json, size_t> orderPos;
    for (size_t i = 0; i < order.size(); ++i) {
      const json& o = order[i];
      if (!mergeKey.empty()) {
        if (!o.is_object() || !o.contains(mergeKey)) {
          detail::throw_bad_request("$setElementOrder entries must contain the merge key \"" + mergeKey + "\"");
        }
        orderPos.emplace(o[mergeKey], i);
      } else {
        orderPos.emplace(o, i);
      }
    }
    std::map<json, size_t> serverPos;
    for (size_t i = 0; i < serverKeys.size(); ++i) serverPos.emplace(serverKeys[i], i);

    std::vector<std::pair<size_t, json>> left;  // (order position, element)
    std::vector<json> right;
    for (auto& e : list) {
      auto it = orderPos.find(order_key(e, mergeKey));
      if (it != orderPos.end()) left.emplace_back(it->second, std::move(e));
      else right.push_back(std::move(e));
    }
    std::stable_sort(left.begin(), left.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

    auto pos = [&](const json& e) -> long long {
      auto it = serverPos.find(order_key(e, mergeKey));
      return it == serverPos.end() ? -1 : static_cast<long long>(it->second);
    };
    json out = json::array();
    size_t i = 0, j = 0;
    while (i < left.size() || j < right.size()) {
      if (j >= right.size()) {
        out.push_back(std::move(left[i++].second));
      } else if (i >= left.size()) {
        out.push_back(std::move(right[j++]));
      } else {
        long long li = pos(left[i].second), ri = pos(right[j]);
        if (li >= 0 && ri >= 0 && li < ri) out.push_back(std::move(left[i++].second));
        else out.push_back(std::move(right[j++]));
      }
    }
    list = std::move(out);
  }

  const PatchSchema& schema_;
  std::vector<std::string> path_;
};

}  // namespace

json apply_strategic_merge_patch(const json& original, const json& patch, const PatchSchema& schema) {
  if (!patch.is_object()) detail::throw_bad_request("strategic merge patch must be a JSON object");
  json result = original.is_object() ? original : json::object();
  Merger merger(schema);
  if (!merger.merge_map(result, patch, 0)) return json::object();
  return result;
}

}  // namespace capstan::patch
