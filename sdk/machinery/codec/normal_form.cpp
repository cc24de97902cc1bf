#include "capstan/machinery/codec/normal_form.hpp"

#include <capnp/orphan.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace capstan::schema {

namespace {

constexpr int kMaxDepth = 100;

std::string_view key_of(capnp::DynamicStruct::Reader entry, capnp::StructSchema::Field key_field) {
  if (!entry.has(key_field)) return {};
  auto t = entry.get(key_field).as<capnp::Text>();
  return std::string_view(t.begin(), t.size());
}

// Sorts a map's entries by key, keeping the last of duplicate keys; false when already normal.
bool sort_map(capnp::DynamicStruct::Builder parent, capnp::StructSchema::Field field, const FieldInfo& f,
              const SchemaModel& model) {
  const StructInfo& entry = model.info(f.element_struct);
  if (entry.fields.empty()) return false;
  const auto key_field = entry.fields[0].field;
  auto list = parent.get(field).as<capnp::DynamicList>().asReader();
  bool normal = true;
  for (unsigned i = 1; i < list.size() && normal; ++i)
    normal = key_of(list[i - 1].as<capnp::DynamicStruct>(), key_field) <
             key_of(list[i].as<capnp::DynamicStruct>(), key_field);
  if (normal) return false;
  std::vector<unsigned> order(list.size());
  for (unsigned i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) {
    return key_of(list[a].as<capnp::DynamicStruct>(), key_field) < key_of(list[b].as<capnp::DynamicStruct>(), key_field);
  });
  std::vector<unsigned> kept;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && key_of(list[order[i]].as<capnp::DynamicStruct>(), key_field) ==
                                    key_of(list[order[i + 1]].as<capnp::DynamicStruct>(), key_field))
      continue;  // a later entry with the same key wins
    kept.push_back(order[i]);
  }
  // Detach the old list, then copy its entries into a new one in order.
  auto old = parent.disown(field);
  auto source = old.getReader().as<capnp::DynamicList>();
  auto fresh = parent.init(field, static_cast<unsigned>(kept.size())).as<capnp::DynamicList>();
  for (unsigned i = 0; i < kept.size(); ++i) fresh.set(i, source[kept[i]]);
  return true;
}

// Whether a struct holds only default values: no pointer set, no non-zero scalar, every union on
// its first member. Such a struct and an absent one are the same Go value.
bool all_default(capnp::DynamicStruct::Reader s) {
  auto schema = s.getSchema();
  for (auto f : schema.getNonUnionFields()) {
    if (f.getProto().isGroup()) {
      if (!all_default(s.get(f).as<capnp::DynamicStruct>())) return false;
    } else if (s.has(f, capnp::HasMode::NON_DEFAULT)) {
      return false;
    }
  }
  if (schema.getUnionFields().size() > 0) {
    KJ_IF_MAYBE(w, s.which()) {
      if (w->getProto().getDiscriminantValue() != 0) return false;
      if (w->getProto().isGroup()) return all_default(s.get(*w).as<capnp::DynamicStruct>());
      return !s.has(*w, capnp::HasMode::NON_DEFAULT);
    }
  }
  return true;
}

// A field that mirrors a Go value (not a pointer) of Kubernetes' types: its zero value and its
// absence are the same object (go_json_presence.hpp writes both alike).
bool go_value(const FieldInfo& f) { return f.proto_number != 0 && !f.nullable && !f.field.getProto().isGroup(); }

bool walk(const SchemaModel& model, capnp::DynamicStruct::Builder object, int depth) {
  if (depth > kMaxDepth) return false;
  bool changed = false;
  const StructInfo& info = model.info(object.getSchema());
  for (const auto& f : info.fields) {
    switch (f.shape) {
      case Shape::kStruct: {
        if (!f.field.getProto().isGroup() && !object.has(f.field)) break;
        changed |= walk(model, object.get(f.field).as<capnp::DynamicStruct>(), depth + 1);
        // An empty Go value struct (`status: {}`, a container's `resources: {}`) is kept absent.
        if (go_value(f) && all_default(object.get(f.field).as<capnp::DynamicStruct>().asReader())) {
          object.clear(f.field);
          changed = true;
        }
        break;
      }
      case Shape::kIntOrString: {
        // IntOrString's zero value is the integer 0.
        if (go_value(f) && object.has(f.field) && all_default(object.get(f.field).as<capnp::DynamicStruct>().asReader())) {
          object.clear(f.field);
          changed = true;
        }
        break;
      }
      case Shape::kList: {
        // An empty omitempty list is Go's nil slice.
        if (go_value(f) && !f.required && object.has(f.field) && object.get(f.field).as<capnp::DynamicList>().size() == 0) {
          object.clear(f.field);
          changed = true;
          break;
        }
        if (f.element_shape != Shape::kStruct || !object.has(f.field)) break;
        auto list = object.get(f.field).as<capnp::DynamicList>();
        for (unsigned i = 0; i < list.size(); ++i)
          changed |= walk(model, list[i].as<capnp::DynamicStruct>(), depth + 1);
        break;
      }
      case Shape::kMap: {
        if (!object.has(f.field)) break;
        if (go_value(f) && !f.required && object.get(f.field).as<capnp::DynamicList>().size() == 0) {
          object.clear(f.field);  // an empty omitempty map is Go's nil map
          changed = true;
          break;
        }
        changed |= sort_map(object, f.field, f, model);
        // Map values that are structs may hold maps of their own.
        const StructInfo& entry = model.info(f.element_struct);
        if (entry.fields.size() >= 2 && entry.fields[1].shape == Shape::kStruct) {
          auto list = object.get(f.field).as<capnp::DynamicList>();
          for (unsigned i = 0; i < list.size(); ++i) {
            auto e = list[i].as<capnp::DynamicStruct>();
            if (e.has(entry.fields[1].field))
              changed |= walk(model, e.get(entry.fields[1].field).as<capnp::DynamicStruct>(), depth + 1);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return changed;
}

}  // namespace

bool normalize(const SchemaModel& model, capnp::DynamicStruct::Builder object) { return walk(model, object, 0); }

}  // namespace capstan::schema
