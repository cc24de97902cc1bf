#include "capstan/machinery/patch/server_side_apply.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "capstan/machinery/patch/field_set.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::patch {
namespace {

// How a list is identified element by element (structured-merge-diff terms).
enum class ListKind { Atomic, Set, Map };
struct ListInfo {
  ListKind kind = ListKind::Atomic;
  std::vector<std::string> keys;
};

bool has_merge_strategy(const std::string& strategy) {
  size_t start = 0;
  while (start <= strategy.size()) {
    size_t comma = strategy.find(',', start);
    if (comma == std::string::npos) comma = strategy.size();
    if (strategy.compare(start, comma - start, "merge") == 0 && comma - start == 5) return true;
    start = comma + 1;
  }
  return false;
}

bool is_scalar(const json& v) { return !v.is_object() && !v.is_array(); }

// Walks documents with the schema, tracking the field-name path.
class Walker {
 public:
  Walker(const PatchSchema& schema, bool updateMode) : schema_(schema), updateMode_(updateMode) {}

  // Fields that are never owned: server-maintained metadata and the type header.
  bool ignored(const std::string& key) const {
    if (path_.empty()) return key == "apiVersion" || key == "kind";
    if (path_.size() == 1 && path_[0] == "metadata") {
      return key == "managedFields" || key == "resourceVersion" || key == "uid" || key == "creationTimestamp" ||
             key == "generation" || key == "name" || key == "namespace" || key == "selfLink";
    }
    return false;
  }

  ListInfo list_info() const {
    ListInfo info;
    auto sem = schema_.field(path_);
    if (!sem) return info;
    if (sem->listType == "map" && !sem->listMapKeys.empty()) {
      info.kind = ListKind::Map;
      info.keys = sem->listMapKeys;
    } else if (sem->listType == "set") {
      info.kind = ListKind::Set;
    } else if (sem->listType == "atomic") {
      info.kind = ListKind::Atomic;
    } else if (has_merge_strategy(sem->patchStrategy)) {
      // Fall back to the strategic-merge metadata.
      if (!sem->patchMergeKey.empty()) {
        info.kind = ListKind::Map;
        info.keys = {sem->patchMergeKey};
      } else {
        info.kind = ListKind::Set;
      }
    } else if (!sem->patchMergeKey.empty() && sem->listType == "map") {
      info.kind = ListKind::Map;
      info.keys = {sem->patchMergeKey};
    }
    return info;
  }

  bool is_map_field() const {
    auto sem = schema_.field(path_);
    return sem && sem->isMap;
  }

  // "k:{...}" for an element of an associative list; empty when the element
  // carries none of the key fields (then the list is handled atomically).
  static std::string element_key(const json& e, const ListInfo& info) {
    if (!e.is_object()) return {};
    json key = json::object();
    for (const auto& k : info.keys) {
      auto it = e.find(k);
      if (it != e.end() && !it->is_null()) key[k] = *it;
    }
    if (key.empty()) return {};
    return "k:" + key.dump();
  }

  // Resolves the effective kind for concrete list values: a keyed list whose
  // elements lack keys, or a set holding non-scalars, is treated atomically.
  static ListKind effective(const ListInfo& info, const json& list) {
    if (info.kind == ListKind::Map) {
      for (const auto& e : list)
        if (element_key(e, info).empty()) return ListKind::Atomic;
    } else if (info.kind == ListKind::Set) {
      for (const auto& e : list)
        if (!is_scalar(e)) return ListKind::Atomic;
    }
    return info.kind;
  }

  FieldSet to_set(const json& v, int depth) {
    detail::check_depth(depth);
    FieldSet s;
    if (v.is_object()) {
      bool mapField = updateMode_ && is_map_field();
      bool skipped = false;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (it->is_null()) continue;
        if (ignored(it.key())) {
          skipped = true;
          continue;
        }
        path_.push_back(it.key());
        FieldSet child = to_set(*it, depth + 1);
        if (!child.empty()) s.children.emplace("f:" + it.key(), std::move(child));
        path_.pop_back();
      }
      // An empty struct is a leaf; metadata holding only untracked fields
      // (name, uid, ...) owns nothing.
      s.member = (s.children.empty() && !skipped) || mapField;
    } else if (v.is_array()) {
      ListInfo info = list_info();
      switch (effective(info, v)) {
        case ListKind::Map:
          for (const auto& e : v) {
            FieldSet c = to_set(e, depth + 1);
            c.member = true;
            s.children[element_key(e, info)].unite(c);
          }
          break;
        case ListKind::Set:
          for (const auto& e : v) s.children["v:" + e.dump()].member = true;
          break;
        case ListKind::Atomic:
          break;
      }
      s.member = s.children.empty();
    } else {
      s.member = true;
    }
    return s;
  }

  // Fields added or modified going from a to b go to `changed`, fields that
  // disappeared go to `removed`.
  void diff(const json& a, const json& b, FieldSet& changed, FieldSet& removed, int depth) {
    detail::check_depth(depth);
    if (a == b) return;
    if (a.is_object() && b.is_object()) {
      for (auto it = b.begin(); it != b.end(); ++it) {
        if (it->is_null() || ignored(it.key())) continue;
        std::string key = "f:" + it.key();
        path_.push_back(it.key());
        auto ait = a.find(it.key());
        if (ait == a.end() || ait->is_null()) {
          FieldSet added = to_set(*it, depth + 1);
          if (!added.empty()) changed.children[key].unite(added);
        } else {
          diff_child(*ait, *it, key, changed, removed, depth);
        }
        path_.pop_back();
      }
      for (auto it = a.begin(); it != a.end(); ++it) {
        if (it->is_null() || ignored(it.key())) continue;
        auto bit = b.find(it.key());
        if (bit != b.end() && !bit->is_null()) continue;
        path_.push_back(it.key());
        FieldSet gone = to_set(*it, depth + 1);
        if (!gone.empty()) removed.children["f:" + it.key()].unite(gone);
        path_.pop_back();
      }
      return;
    }
    if (a.is_array() && b.is_array()) {
      ListInfo info = list_info();
      ListKind ka = effective(info, a), kb = effective(info, b);
      if (ka == ListKind::Map && kb == ListKind::Map) {
        std::map<std::string, size_t> index;
        for (size_t i = 0; i < a.size(); ++i) index.emplace(element_key(a[i], info), i);
        std::set<std::string> seen;
        for (const auto& e : b) {
          std::string key = element_key(e, info);
          if (!seen.insert(key).second) continue;
          auto found = index.find(key);
          if (found != index.end()) {
            diff_child(a[found->second], e, key, changed, removed, depth);
          } else {
            FieldSet c = to_set(e, depth + 1);
            c.member = true;
            changed.children[key].unite(c);
          }
        }
        for (const auto& [key, idx] : index) {
          if (seen.count(key)) continue;
          FieldSet r = to_set(a[idx], depth + 1);
          r.member = true;
          removed.children[key].unite(r);
        }
        return;
      }
      if (ka == ListKind::Set && kb == ListKind::Set) {
        std::set<json> sa(a.begin(), a.end()), sb(b.begin(), b.end());
        for (const auto& e : sb)
          if (!sa.count(e)) changed.children["v:" + e.dump()].member = true;
        for (const auto& e : sa)
          if (!sb.count(e)) removed.children["v:" + e.dump()].member = true;
        return;
      }
    }
    // A leaf (or atomic list, or a type change) whose value differs.
    changed.unite(to_set(b, depth + 1));
    changed.member = true;
  }

  // Server-side-apply merge: like strategic merge without directives, with
  // associative lists keyed by listMapKeys / patchMergeKey.
  void merge(json& live, const json& applied, int depth) {
    detail::check_depth(depth);
    if (live.is_object() && applied.is_object()) {
      for (auto it = applied.begin(); it != applied.end(); ++it) {
        if (it->is_null()) continue;
        if (path_.size() == 1 && path_[0] == "metadata" && it.key() == "managedFields") continue;
        path_.push_back(it.key());
        auto lit = live.find(it.key());
        if (lit == live.end() || lit->is_null()) live[it.key()] = stripped(*it, depth + 1);
        else merge(*lit, *it, depth + 1);
        path_.pop_back();
      }
      return;
    }
    if (live.is_array() && applied.is_array()) {
      ListInfo info = list_info();
      ListKind kl = effective(info, live), ka = effective(info, applied);
      if (kl == ListKind::Map && ka == ListKind::Map) {
        std::map<std::string, size_t> index;
        for (size_t i = 0; i < live.size(); ++i) index.emplace(element_key(live[i], info), i);
        for (const auto& e : applied) {
          std::string key = element_key(e, info);
          auto found = index.find(key);
          if (found != index.end()) {
            merge(live[found->second], e, depth + 1);
          } else {
            live.push_back(stripped(e, depth + 1));
            index.emplace(std::move(key), live.size() - 1);
          }
        }
        return;
      }
      if (kl == ListKind::Set && ka == ListKind::Set) {
        std::set<json> have(live.begin(), live.end());
        for (const auto& e : applied)
          if (have.insert(e).second) live.push_back(e);
        return;
      }
    }
    live = stripped(applied, depth);
  }

  // Removes the members of `rm` from doc unless `keep` (what the applier
  // still sets plus what other managers own) still holds something there.
  void remove(json& doc, const FieldSet& rm, const FieldSet* keep, int depth) {
    detail::check_depth(depth);
    for (const auto& [key, child] : rm.children) {
      const FieldSet* keepChild = nullptr;
      if (keep != nullptr) {
        auto kit = keep->children.find(key);
        if (kit != keep->children.end()) keepChild = &kit->second;
      }
      bool kept = keepChild != nullptr && !keepChild->empty();
      if (key.size() < 2 || key[1] != ':') continue;
      std::string body = key.substr(2);
      if (key[0] == 'f') {
        if (!doc.is_object()) continue;
        auto it = doc.find(body);
        if (it == doc.end()) continue;
        if (child.member && !kept) {
          doc.erase(it);
          continue;
        }
        bool wasNonEmpty = it->is_object() && !it->empty();
        path_.push_back(body);
        remove(*it, child, keepChild, depth + 1);
        path_.pop_back();
        // Maps emptied by the removal go too, unless someone owns them.
        if (wasNonEmpty && it->empty() && !kept) doc.erase(it);
      } else if (key[0] == 'k') {
        if (!doc.is_array()) continue;
        ListInfo info = list_info();
        for (size_t i = 0; i < doc.size(); ++i) {
          if (element_key(doc[i], info) != key) continue;
          if (child.member && !kept) {
            doc.erase(i);
          } else {
            remove(doc[i], child, keepChild, depth + 1);
          }
          break;
        }
      } else if (key[0] == 'v') {
        if (!doc.is_array() || !child.member || kept) continue;
        json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (value.is_discarded()) continue;
        for (size_t i = doc.size(); i-- > 0;)
          if (doc[i] == value) doc.erase(i);
      }
    }
  }

 private:
  void diff_child(const json& a, const json& b, const std::string& key, FieldSet& changed, FieldSet& removed,
                  int depth) {
    FieldSet c, r;
    diff(a, b, c, r, depth + 1);
    if (!c.empty()) changed.children[key].unite(c);
    if (!r.empty()) removed.children[key].unite(r);
  }

  // A copy of an applied value without null members (null means "not set").
  json stripped(const json& v, int depth) {
    detail::check_depth(depth);
    if (v.is_object()) {
      json out = json::object();
      for (auto it = v.begin(); it != v.end(); ++it)
        if (!it->is_null()) out[it.key()] = stripped(*it, depth + 1);
      return out;
    }
    if (v.is_array()) {
      json out = json::array();
      for (const auto& e : v) out.push_back(stripped(e, depth + 1));
      return out;
    }
    return v;
  }

  const PatchSchema& schema_;
  bool updateMode_;
  std::vector<std::string> path_;
};

// One metadata.managedFields entry.
struct Entry {
  std::string manager, operation, apiVersion, time, subresource;
  FieldSet set;

  bool is(const std::string& m, const std::string& op, const std::string& sub) const {
    return manager == m && operation == op && subresource == sub;
  }
};

const json* managed_fields_of(const json& obj) {
  if (!obj.is_object()) return nullptr;
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return nullptr;
  auto mf = md->find("managedFields");
  if (mf == md->end() || !mf->is_array()) return nullptr;
  return &*mf;
}

std::vector<Entry> parse_entries(const json* managedFields) {
  std::vector<Entry> out;
  if (managedFields == nullptr) return out;
  auto str = [](const json& e, const char* k) {
    auto it = e.find(k);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& e : *managedFields) {
    if (!e.is_object()) continue;
    Entry entry{str(e, "manager"), str(e, "operation"), str(e, "apiVersion"), str(e, "time"), str(e, "subresource"),
                {}};
    auto v1 = e.find("fieldsV1");
    if (v1 != e.end()) {
      try {
        entry.set = FieldSet::from_fields_v1(*v1);
      } catch (const PatchError&) {
        continue;  // an unreadable entry owns nothing
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// Upstream order: operation (Apply before Update), then time, then manager.
json encode_entries(std::vector<Entry>& entries) {
  entries.erase(std::remove_if(entries.begin(), entries.end(), [](const Entry& e) { return e.set.empty(); }),
                entries.end());
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.operation, a.time, a.manager, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.subresource);
  });
  json out = json::array();
  for (const auto& e : entries) {
    json j = {{"manager", e.manager},   {"operation", e.operation},  {"apiVersion", e.apiVersion},
              {"time", e.time},         {"fieldsType", "FieldsV1"}, {"fieldsV1", e.set.to_fields_v1()}};
    if (!e.subresource.empty()) j["subresource"] = e.subresource;
    out.push_back(std::move(j));
  }
  return out;
}

void store_entries(json& obj, std::vector<Entry>& entries) {
  json encoded = encode_entries(entries);
  if (encoded.empty()) {
    auto md = obj.find("metadata");
    if (md != obj.end() && md->is_object()) md->erase("managedFields");
    return;
  }
  json& md = obj["metadata"];
  if (!md.is_object()) md = json::object();
  md["managedFields"] = std::move(encoded);
}

std::string now_or(const std::string& now) {
  return now.empty() ? machinery::now_rfc3339() : now;
}

// How upstream names a manager in conflict messages (printManager).
std::string describe(const Entry& e) {
  std::string s = json(e.manager).dump();
  if (!e.subresource.empty()) s += " with subresource " + json(e.subresource).dump();
  if (e.operation == "Update") s += " using " + e.apiVersion;
  return s;
}

[[noreturn]] void throw_conflicts(const std::vector<std::pair<const Entry*, std::string>>& conflicts) {
  std::vector<std::pair<std::string, std::string>> causes;
  for (const auto& [entry, path] : conflicts) causes.emplace_back(path, "conflict with " + describe(*entry));
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + describe(*conflicts[0].first) + ": " +
              conflicts[0].second;
  } else {
    std::map<std::string, std::vector<std::string>> byManager;
    for (const auto& [entry, path] : conflicts) byManager[describe(*entry)].push_back(path);
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    bool first = true;
    for (const auto& [manager, paths] : byManager) {
      if (!first) message += "\n";
      first = false;
      message += "conflicts with " + manager + ":";
      for (const auto& p : paths) message += "\n- " + p;
    }
  }
  throw PatchError(409, "Conflict", message, std::move(causes));
}

}  // namespace

json server_side_apply(const json& live, const json& applied, const PatchSchema& schema, const ApplyOptions& opts) {
  if (!applied.is_object()) detail::throw_bad_request("apply patch must be a JSON object");
  if (opts.manager.empty()) detail::throw_bad_request("PATCH requests using apply must specify fieldManager");

  static const json kEmpty = json::object();
  const json& before = live.is_object() ? live : kEmpty;
  std::vector<Entry> entries = parse_entries(managed_fields_of(before));

  Walker walker(schema, /*updateMode=*/false);
  FieldSet appliedSet = walker.to_set(applied, 0);
  appliedSet.member = false;

  Entry* own = nullptr;
  FieldSet othersOwn;
  for (auto& e : entries) {
    if (e.is(opts.manager, "Apply", opts.subresource)) own = &e;
    else othersOwn.unite(e.set);
  }

  json result = before;  // the one copy: the returned object
  if (auto md = result.find("metadata"); md != result.end() && md->is_object()) md->erase("managedFields");
  walker.merge(result, applied, 0);

  // Fields this manager applied before but no longer mentions are removed,
  // unless another manager (or the new config) still owns them.
  if (own != nullptr) {
    FieldSet dropped = own->set;
    dropped.subtract(appliedSet);
    FieldSet keep = othersOwn;
    keep.unite(appliedSet);
    walker.remove(result, dropped, &keep, 0);
  }

  FieldSet changed, removed;
  walker.diff(before, result, changed, removed, 0);

  std::vector<std::pair<const Entry*, std::string>> conflicts;
  for (const auto& e : entries) {
    if (&e == own) continue;
    for (const auto& p : e.set.intersect(changed).member_paths())
      conflicts.emplace_back(&e, field_path_string(p));
  }
  if (!conflicts.empty() && !opts.force) throw_conflicts(conflicts);

  // Changed fields (forced conflicts) and removed fields leave other managers.
  for (auto& e : entries) {
    if (&e == own) continue;
    e.set.subtract(changed);
    e.set.subtract(removed);
  }
  std::string apiVersion = opts.apiVersion;
  if (apiVersion.empty()) apiVersion = applied.value("apiVersion", std::string());
  if (own == nullptr) {
    entries.push_back(Entry{opts.manager, "Apply", {}, {}, opts.subresource, {}});
    own = &entries.back();
  }
  own->set = std::move(appliedSet);
  own->apiVersion = apiVersion;
  own->time = now_or(opts.now);

  store_entries(result, entries);
  return result;
}

json record_update_manager(const json& oldObj, const json& newObj, const PatchSchema& schema,
                           const ApplyOptions& opts) {
  if (!newObj.is_object()) return newObj;
  static const json kEmpty = json::object();
  const json& before = oldObj.is_object() ? oldObj : kEmpty;

  // A client that sends managedFields different from the stored ones is
  // rewriting them on purpose (upstream allows this); otherwise keep the old.
  const json* sent = managed_fields_of(newObj);
  const json* stored = managed_fields_of(before);
  bool clientRewrote = sent != nullptr && (stored == nullptr || *sent != *stored);
  std::vector<Entry> entries = parse_entries(clientRewrote ? sent : stored);

  Walker walker(schema, /*updateMode=*/true);
  FieldSet changed, removed;
  walker.diff(before, newObj, changed, removed, 0);

  Entry* own = nullptr;
  for (auto& e : entries) {
    if (e.is(opts.manager, "Update", opts.subresource)) {
      own = &e;
      continue;
    }
    e.set.subtract(changed);
    e.set.subtract(removed);
  }
  if (!opts.manager.empty() && !changed.empty()) {
    if (own == nullptr) {
      entries.push_back(Entry{opts.manager, "Update", {}, {}, opts.subresource, {}});
      own = &entries.back();
    }
    own->apiVersion = opts.apiVersion.empty() ? newObj.value("apiVersion", std::string()) : opts.apiVersion;
    own->time = now_or(opts.now);
  }
  if (own != nullptr) {
    own->set.subtract(removed);
    own->set.unite(changed);
  }

  json result = newObj;
  store_entries(result, entries);
  return result;
}

}  // namespace capstan::patch
