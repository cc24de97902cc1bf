#include "api/selection.hpp"

#include <algorithm>

#include "api/api_error.hpp"

namespace capstan::api {

Selection Selection::parse(const schema::Kind& kind, std::string ns, const std::string& label_selector,
                           const std::string& field_selector) {
  Selection s;
  s.ns = kind.namespaced ? std::move(ns) : std::string();
  try {
    s.labels = selectors::LabelSelector::parse(label_selector);
    s.fields = selectors::FieldSelector::parse(field_selector);
  } catch (const selectors::SelectorError& e) {
    throw bad_request(e.what());
  }
  for (const auto& r : s.fields.requirements()) {
    if (r.field == "metadata.name" || r.field == "metadata.namespace") continue;
    if (std::find(kind.selectable_fields.begin(), kind.selectable_fields.end(), r.field) != kind.selectable_fields.end())
      continue;
    throw bad_request("field label not supported: " + r.field);
  }
  return s;
}

bool Selection::matches(const store::Object& obj) const {
  if (!ns.empty() && obj.namespace_ != ns) return false;
  if (!labels.empty() && !labels.matches([&](std::string_view key) -> const std::string* {
        for (const auto& [k, v] : obj.labels)
          if (k == key) return &v;
        return nullptr;
      }))
    return false;
  if (!fields.empty()) {
    try {
      return fields.matches([&](std::string_view field) -> std::optional<std::string> {
        if (field == "metadata.name") return obj.name;
        if (field == "metadata.namespace") return obj.namespace_;
        for (const auto& [k, v] : obj.fields)
          if (k == field) return v;
        return std::nullopt;
      });
    } catch (...) {
      return false;
    }
  }
  return true;
}

std::optional<store::EventType> Selection::filter(const store::Event& e) const {
  const bool now = matches(*e.object);
  if (e.type != store::EventType::kModified || !e.previous || selects_everything())
    return now ? std::optional<store::EventType>(e.type) : std::nullopt;
  const bool before = matches(*e.previous);
  if (now && before) return store::EventType::kModified;
  if (now) return store::EventType::kAdded;
  if (before) return store::EventType::kDeleted;
  return std::nullopt;
}

}  // namespace capstan::api
