#include "capstan/machinery/object_rules.hpp"

#include <capnp/any.h>

#include <cstdio>
#include <random>
#include <vector>

namespace capstan::machinery {

namespace {

capnp::StructSchema::Field field_named(capnp::StructSchema schema, const char* name) {
  return schema.getFieldByName(name);
}

std::string_view view(capnp::Text::Reader t) { return std::string_view(t.begin(), t.size()); }

bool struct_equal(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                  const std::vector<std::string_view>& ignored = {});

// One field of two structs of the same schema. Pointer fields compare by value (absent equals
// absent); groups compare member by member.
bool field_equal(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b, capnp::StructSchema::Field f) {
  if (f.getProto().isGroup())
    return struct_equal(a.get(f).as<capnp::DynamicStruct>(), b.get(f).as<capnp::DynamicStruct>());
  auto type = f.getType();
  switch (type.which()) {
    case capnp::schema::Type::VOID:
      return true;
    case capnp::schema::Type::BOOL:
      return a.get(f).as<bool>() == b.get(f).as<bool>();
    case capnp::schema::Type::INT8:
    case capnp::schema::Type::INT16:
    case capnp::schema::Type::INT32:
    case capnp::schema::Type::INT64:
      return a.get(f).as<int64_t>() == b.get(f).as<int64_t>();
    case capnp::schema::Type::UINT8:
    case capnp::schema::Type::UINT16:
    case capnp::schema::Type::UINT32:
    case capnp::schema::Type::UINT64:
      return a.get(f).as<uint64_t>() == b.get(f).as<uint64_t>();
    case capnp::schema::Type::FLOAT32:
    case capnp::schema::Type::FLOAT64:
      return a.get(f).as<double>() == b.get(f).as<double>();
    case capnp::schema::Type::ENUM:
      return a.get(f).as<capnp::DynamicEnum>().getRaw() == b.get(f).as<capnp::DynamicEnum>().getRaw();
    case capnp::schema::Type::TEXT: {
      if (a.has(f) != b.has(f)) return false;
      return !a.has(f) || view(a.get(f).as<capnp::Text>()) == view(b.get(f).as<capnp::Text>());
    }
    case capnp::schema::Type::DATA: {
      if (a.has(f) != b.has(f)) return false;
      if (!a.has(f)) return true;
      auto x = a.get(f).as<capnp::Data>();
      auto y = b.get(f).as<capnp::Data>();
      return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
    }
    case capnp::schema::Type::LIST: {
      if (a.has(f) != b.has(f)) return false;
      if (!a.has(f)) return true;
      auto x = a.get(f).as<capnp::DynamicList>().as<capnp::AnyList>();
      auto y = b.get(f).as<capnp::DynamicList>().as<capnp::AnyList>();
      return x.equals(y) == capnp::Equality::EQUAL;
    }
    case capnp::schema::Type::STRUCT: {
      if (a.has(f) != b.has(f)) return false;
      if (!a.has(f)) return true;
      auto x = a.get(f).as<capnp::DynamicStruct>().as<capnp::AnyStruct>();
      auto y = b.get(f).as<capnp::DynamicStruct>().as<capnp::AnyStruct>();
      return x.equals(y) == capnp::Equality::EQUAL;
    }
    default:
      return true;  // interfaces and AnyPointer: Kubernetes kinds have none
  }
}

bool ignored_name(capnp::StructSchema::Field f, const std::vector<std::string_view>& ignored) {
  auto name = view(f.getProto().getName());
  for (auto i : ignored)
    if (i == name) return true;
  return false;
}

// Every field but the ignored ones; a union compares its discriminant, then the active member.
bool struct_equal(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                  const std::vector<std::string_view>& ignored) {
  auto schema = a.getSchema();
  for (auto f : schema.getNonUnionFields()) {
    if (ignored_name(f, ignored)) continue;
    if (!field_equal(a, b, f)) return false;
  }
  if (schema.getUnionFields().size() > 0) {
    KJ_IF_MAYBE(wa, a.which()) {
      KJ_IF_MAYBE(wb, b.which()) {
        if (wa->getIndex() != wb->getIndex()) return false;
        if (!ignored_name(*wa, ignored) && !field_equal(a, b, *wa)) return false;
      } else {
        return false;
      }
    } else {
      if (b.which() != nullptr) return false;
    }
  }
  return true;
}

template <typename From, typename To>
void copy_optional_int64(From from, To to) {
  if (from.isValue()) to.setValue(from.getValue());
  else to.setUnset();
}

}  // namespace

meta::ObjectMeta::Builder metadata(capnp::DynamicStruct::Builder root) {
  auto f = field_named(root.getSchema(), "metadata");
  auto m = root.has(f) ? root.get(f).as<capnp::DynamicStruct>() : root.init(f).as<capnp::DynamicStruct>();
  return m.as<capnp::AnyStruct>().as<meta::ObjectMeta>();
}

meta::ObjectMeta::Reader metadata(capnp::DynamicStruct::Reader root) {
  return root.get(field_named(root.getSchema(), "metadata")).as<capnp::DynamicStruct>().as<capnp::AnyStruct>().as<meta::ObjectMeta>();
}

void set_type_meta(const ObjectKind& kind, capnp::DynamicStruct::Builder root) {
  root.set(field_named(root.getSchema(), "apiVersion"), capnp::Text::Reader(kind.api_version.c_str()));
  root.set(field_named(root.getSchema(), "kind"), capnp::Text::Reader(kind.kind.c_str()));
}

void prepare_create(const ObjectKind& kind, capnp::DynamicStruct::Builder root, const CreateFacts& facts) {
  set_type_meta(kind, root);
  auto meta = metadata(root);
  meta.setUid(facts.uid);
  meta.setCreationTimestamp(facts.now);
  meta.getGeneration().setValue(1);
  meta.disownResourceVersion();
  meta.disownDeletionTimestamp();
  meta.getDeletionGracePeriodSeconds().setUnset();
  meta.disownSelfLink();
  if (!facts.keep_managed_fields) meta.disownManagedFields();
  if (kind.status_subresource && !kind.status_field.empty()) {
    KJ_IF_MAYBE(f, root.getSchema().findFieldByName(kind.status_field)) { root.clear(*f); }
  }
  if (!kind.namespaced) meta.disownNamespace();
}

void prepare_update(const ObjectKind& kind, capnp::DynamicStruct::Reader old, capnp::DynamicStruct::Builder next,
                    std::string_view subresource) {
  auto schema = old.getSchema();
  const bool status_write = !subresource.empty() && subresource == kind.status_field;
  kj::Maybe<capnp::StructSchema::Field> status;
  if (!kind.status_field.empty()) status = schema.findFieldByName(kind.status_field);
  if (status_write) {
    // Everything but the status comes from the stored object.
    for (auto f : schema.getNonUnionFields()) {
      KJ_IF_MAYBE(s, status) {
        if (f == *s) continue;
      }
      if (f.getProto().isGroup() || f.getType().isStruct() || f.getType().isList() || f.getType().isText() ||
          f.getType().isData()) {
        if (!f.getProto().isGroup() && !old.has(f)) {
          next.clear(f);
          continue;
        }
      }
      next.set(f, old.get(f));
    }
  } else if (kind.status_subresource) {
    KJ_IF_MAYBE(s, status) {
      if (old.has(*s)) next.set(*s, old.get(*s));
      else next.clear(*s);
    }
  }
  set_type_meta(kind, next);
  auto from = metadata(old);
  auto to = metadata(next);
  auto carry_text = [](bool has, capnp::Text::Reader value, auto set, auto disown) {
    if (has) set(value);
    else disown();
  };
  carry_text(from.hasUid(), from.getUid(), [&](auto v) { to.setUid(v); }, [&] { to.disownUid(); });
  carry_text(from.hasCreationTimestamp(), from.getCreationTimestamp(), [&](auto v) { to.setCreationTimestamp(v); },
             [&] { to.disownCreationTimestamp(); });
  carry_text(from.hasDeletionTimestamp(), from.getDeletionTimestamp(), [&](auto v) { to.setDeletionTimestamp(v); },
             [&] { to.disownDeletionTimestamp(); });
  carry_text(from.hasName(), from.getName(), [&](auto v) { to.setName(v); }, [&] { to.disownName(); });
  carry_text(from.hasNamespace(), from.getNamespace(), [&](auto v) { to.setNamespace(v); },
             [&] { to.disownNamespace(); });
  copy_optional_int64(from.getDeletionGracePeriodSeconds(), to.getDeletionGracePeriodSeconds());
  if (!to.hasManagedFields() && from.hasManagedFields()) to.setManagedFields(from.getManagedFields());
  to.disownResourceVersion();
  to.getGeneration().setValue(from.getGeneration().isValue() ? from.getGeneration().getValue() : 1);
}

void update_generation(const ObjectKind& kind, capnp::DynamicStruct::Reader old, capnp::DynamicStruct::Builder next) {
  auto from = metadata(old);
  const int64_t generation = from.getGeneration().isValue() ? from.getGeneration().getValue() : 1;
  metadata(next).getGeneration().setValue(spec_changed(kind, old, next.asReader()) ? generation + 1 : generation);
}

bool spec_changed(const ObjectKind& kind, capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b) {
  std::vector<std::string_view> ignored = {"apiVersion", "kind", "metadata"};
  if (!kind.status_field.empty()) ignored.push_back(kind.status_field);
  return !struct_equal(a, b, ignored);
}

bool same_object(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b) {
  if (!struct_equal(a, b, {"metadata"})) return false;
  auto f = field_named(a.getSchema(), "metadata");
  if (a.has(f) != b.has(f)) return false;
  if (!a.has(f)) return true;
  return struct_equal(a.get(f).as<capnp::DynamicStruct>(), b.get(f).as<capnp::DynamicStruct>(),
                      {"resourceVersion", "managedFields"});
}

bool has_finalizer(meta::ObjectMeta::Reader meta, std::string_view finalizer) {
  for (auto f : meta.getFinalizers())
    if (view(f) == finalizer) return true;
  return false;
}

void add_finalizer(meta::ObjectMeta::Builder meta, std::string_view finalizer) {
  if (has_finalizer(meta.asReader(), finalizer)) return;
  std::vector<std::string> all;
  for (auto f : meta.getFinalizers()) all.emplace_back(f.cStr());
  all.emplace_back(finalizer);
  auto list = meta.initFinalizers(static_cast<unsigned>(all.size()));
  for (unsigned i = 0; i < all.size(); ++i) list.set(i, all[i]);
}

bool has_finalizers(meta::ObjectMeta::Reader meta) { return meta.getFinalizers().size() > 0; }

bool finalized(meta::ObjectMeta::Reader meta) { return meta.hasDeletionTimestamp() && !has_finalizers(meta); }

void mark_for_deletion(meta::ObjectMeta::Builder meta, std::string_view now, int64_t grace_period_seconds) {
  if (meta.hasDeletionTimestamp()) return;
  meta.setDeletionTimestamp(capnp::Text::Reader(now.data(), now.size()));
  meta.getDeletionGracePeriodSeconds().setValue(grace_period_seconds);
}

std::string new_uid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

std::string random_name_suffix() {
  static constexpr char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string s(5, 'x');
  for (auto& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

}  // namespace capstan::machinery
