#include "capstan/machinery/patch/field_set.hpp"

namespace capstan::patch {
namespace {

void unite_rec(FieldSet& a, const FieldSet& b, int depth) {
  detail::check_depth(depth);
  a.member = a.member || b.member;
  for (const auto& [k, child] : b.children) unite_rec(a.children[k], child, depth + 1);
}

void subtract_rec(FieldSet& a, const FieldSet& b, int depth) {
  detail::check_depth(depth);
  if (b.member) a.member = false;
  for (const auto& [k, child] : b.children) {
    auto it = a.children.find(k);
    if (it == a.children.end()) continue;
    subtract_rec(it->second, child, depth + 1);
    if (it->second.empty()) a.children.erase(it);
  }
}

FieldSet intersect_rec(const FieldSet& a, const FieldSet& b, int depth) {
  detail::check_depth(depth);
  FieldSet out;
  out.member = a.member && b.member;
  // Walk the smaller map and look up in the larger one.
  const auto& small = a.children.size() <= b.children.size() ? a.children : b.children;
  const auto& large = a.children.size() <= b.children.size() ? b.children : a.children;
  for (const auto& [k, child] : small) {
    auto it = large.find(k);
    if (it == large.end()) continue;
    FieldSet sub = intersect_rec(child, it->second, depth + 1);
    if (!sub.empty()) out.children.emplace(k, std::move(sub));
  }
  return out;
}

json to_v1_rec(const FieldSet& s, int depth) {
  detail::check_depth(depth);
  json out = json::object();
  if (s.member && !s.children.empty()) out["."] = json::object();
  for (const auto& [k, child] : s.children)
    if (!child.empty()) out[k] = to_v1_rec(child, depth + 1);  // {} would read back as a member
  return out;
}

FieldSet from_v1_rec(const json& v, int depth) {
  detail::check_depth(depth);
  if (!v.is_object()) detail::throw_bad_request("managedFields fieldsV1 entries must be objects");
  FieldSet out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() == ".") {
      out.member = true;
      continue;
    }
    FieldSet child = from_v1_rec(*it, depth + 1);
    if (it->empty()) child.member = true;  // a leaf: "f:image": {}
    out.children.emplace(it.key(), std::move(child));
  }
  return out;
}

void members_rec(const FieldSet& s, std::vector<std::string>& prefix,
                 std::vector<std::vector<std::string>>& out, int depth) {
  detail::check_depth(depth);
  if (s.member && !prefix.empty()) out.push_back(prefix);
  for (const auto& [k, child] : s.children) {
    prefix.push_back(k);
    members_rec(child, prefix, out, depth + 1);
    prefix.pop_back();
  }
}

}  // namespace

void FieldSet::unite(const FieldSet& other) { unite_rec(*this, other, 0); }
void FieldSet::subtract(const FieldSet& other) { subtract_rec(*this, other, 0); }
FieldSet FieldSet::intersect(const FieldSet& other) const { return intersect_rec(*this, other, 0); }
json FieldSet::to_fields_v1() const { return to_v1_rec(*this, 0); }
FieldSet FieldSet::from_fields_v1(const json& v1) {
  if (v1.is_null()) return {};
  return from_v1_rec(v1, 0);
}

std::vector<std::vector<std::string>> FieldSet::member_paths() const {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> prefix;
  members_rec(*this, prefix, out, 0);
  return out;
}

std::string field_path_string(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& e : elements) {
    if (e.size() < 2 || e[1] != ':') {
      out += "." + e;
      continue;
    }
    std::string body = e.substr(2);
    switch (e[0]) {
      case 'f':
        out += "." + body;
        break;
      case 'k': {
        // k:{"name":"nginx","protocol":"TCP"} -> [name="nginx",protocol="TCP"]
        json key = json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (!key.is_object()) {
          out += "[" + body + "]";
          break;
        }
        out += "[";
        bool first = true;
        for (auto it = key.begin(); it != key.end(); ++it) {
          if (!first) out += ",";
          first = false;
          out += it.key() + "=" + it->dump();
        }
        out += "]";
        break;
      }
      case 'v':
        out += "[=" + body + "]";
        break;
      case 'i':
        out += "[" + body + "]";
        break;
      default:
        out += "." + e;
    }
  }
  return out;
}

}  // namespace capstan::patch
