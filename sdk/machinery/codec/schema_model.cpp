#include "capstan/machinery/codec/schema_model.hpp"

#include "capstan/machinery/codec/schema_annotations.hpp"

#include <algorithm>

namespace capstan::schema {

namespace {

std::string display_name(capnp::Schema s) {
  auto name = s.getShortDisplayName();
  return std::string(name.cStr());
}

Shape scalar_shape(capnp::Type type) {
  switch (type.which()) {
    case capnp::schema::Type::BOOL: return Shape::kBool;
    case capnp::schema::Type::INT8:
    case capnp::schema::Type::INT16:
    case capnp::schema::Type::INT32:
    case capnp::schema::Type::INT64: return Shape::kInt;
    case capnp::schema::Type::UINT8:
    case capnp::schema::Type::UINT16:
    case capnp::schema::Type::UINT32:
    case capnp::schema::Type::UINT64: return Shape::kUInt;
    case capnp::schema::Type::FLOAT32:
    case capnp::schema::Type::FLOAT64: return Shape::kFloat;
    case capnp::schema::Type::TEXT: return Shape::kText;
    case capnp::schema::Type::DATA: return Shape::kData;
    case capnp::schema::Type::ENUM: return Shape::kEnum;
    case capnp::schema::Type::STRUCT: {
      auto s = type.asStruct();
      return has_annotation(s.getProto().getAnnotations(), annotation_id::kIntOrString) ? Shape::kIntOrString
                                                                                          : Shape::kStruct;
    }
    default: return Shape::kUnsupported;
  }
}

std::string go_type_name(Shape shape, capnp::Type type) {
  switch (shape) {
    case Shape::kBool: return "boolean";
    case Shape::kInt:
    case Shape::kUInt: return "integer";
    case Shape::kFloat: return "number";
    case Shape::kText: return "string";
    case Shape::kQuantity: return "Quantity";
    case Shape::kRawJson: return "Object";
    case Shape::kData: return "string";
    case Shape::kIntOrString: return "IntOrString";
    case Shape::kStruct: return display_name(type.asStruct());
    case Shape::kEnum: return "string";
    default: return "unknown";
  }
}

ProtoType proto_type_of(Shape shape, capnp::Type type, capnp::List<capnp::schema::Annotation>::Reader annotations) {
  switch (shape) {
    case Shape::kBool: return ProtoType::kBool;
    case Shape::kInt: return ProtoType::kInt;
    case Shape::kUInt: return ProtoType::kUInt;
    case Shape::kFloat: return type.which() == capnp::schema::Type::FLOAT32 ? ProtoType::kFloat : ProtoType::kDouble;
    case Shape::kText:
      if (has_annotation(annotations, annotation_id::kTime)) return ProtoType::kTime;
      if (has_annotation(annotations, annotation_id::kMicroTime)) return ProtoType::kMicroTime;
      if (has_annotation(annotations, annotation_id::kDuration)) return ProtoType::kDuration;
      return ProtoType::kString;
    case Shape::kQuantity: return ProtoType::kQuantity;
    case Shape::kRawJson: return ProtoType::kRawJson;
    case Shape::kData: return ProtoType::kBytes;
    case Shape::kEnum: return ProtoType::kEnum;
    case Shape::kStruct:
    case Shape::kMap: return ProtoType::kMessage;
    case Shape::kIntOrString: return ProtoType::kIntOrString;
    default: return ProtoType::kNone;
  }
}

// Sorts the slots by number. Two fields with one number would make the wire ambiguous: the
// struct then has no protobuf form, and says why.
void finish_message(ProtoMessage& m, const std::string& where, std::optional<std::string>& error) {
  std::sort(m.slots.begin(), m.slots.end(), [](const ProtoSlot& a, const ProtoSlot& b) { return a.number < b.number; });
  for (size_t i = 1; i < m.slots.size(); ++i) {
    if (m.slots[i].number == m.slots[i - 1].number && !error)
      error = where + ": protobuf field number " + std::to_string(m.slots[i].number) + " is used twice";
  }
}

}  // namespace

const ProtoSlot* ProtoMessage::find(uint32_t number) const {
  auto it = std::lower_bound(slots.begin(), slots.end(), number,
                             [](const ProtoSlot& s, uint32_t n) { return s.number < n; });
  return it != slots.end() && it->number == number ? &*it : nullptr;
}

const FieldInfo* StructInfo::find(std::string_view json_name) const {
  auto it = by_json_name.find(std::string(json_name));
  return it == by_json_name.end() ? nullptr : &fields[it->second];
}

const StructInfo& SchemaModel::info(capnp::StructSchema schema) const {
  const uint64_t id = schema.getProto().getId();
  {
    std::shared_lock lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end()) return *it->second;
  }
  auto built = build(schema);
  std::unique_lock lock(mutex_);
  auto [it, inserted] = cache_.emplace(id, std::move(built));
  return *it->second;
}

std::unique_ptr<StructInfo> SchemaModel::build(capnp::StructSchema schema) const {
  auto out = std::make_unique<StructInfo>();
  out->schema = schema;
  out->name = display_name(schema);
  auto struct_annotations = schema.getProto().getAnnotations();
  out->doc = text_annotation(struct_annotations, annotation_id::kDoc);
  out->int_or_string = has_annotation(struct_annotations, annotation_id::kIntOrString);

  for (auto field : schema.getFields()) {
    auto proto = field.getProto();
    // Union members of an ordinary struct are not JSON fields of their own, except in the
    // shapes handled below (optional, intOrString) which read the union directly.
    FieldInfo f;
    f.field = field;
    auto annotations = proto.getAnnotations();
    f.json_name = text_annotation(annotations, annotation_id::kJsonName).value_or(std::string(proto.getName().cStr()));
    f.required = has_annotation(annotations, annotation_id::kRequired);
    f.doc = text_annotation(annotations, annotation_id::kDoc);
    f.patch_merge_key = text_annotation(annotations, annotation_id::kPatchMergeKey);
    f.patch_strategy = text_annotation(annotations, annotation_id::kPatchStrategy);
    f.list_type = text_annotation(annotations, annotation_id::kListType);
    f.list_map_keys = text_annotation(annotations, annotation_id::kListMapKeys);

    if (proto.isGroup()) {
      auto group = field.getType().asStruct();
      f.struct_schema = group;
      if (has_annotation(annotations, annotation_id::kOptional)) {
        f.shape = Shape::kOptional;
        KJ_IF_MAYBE(value, group.findFieldByName("value")) { f.optional_value = *value; }
        else { f.shape = Shape::kUnsupported; }
        KJ_IF_MAYBE(unset, group.findFieldByName("unset")) { f.optional_unset = *unset; }
        else { f.shape = Shape::kUnsupported; }
        if (f.shape == Shape::kOptional) {
          f.optional_value_shape = scalar_shape(f.optional_value.getType());
          f.type_name = go_type_name(f.optional_value_shape, f.optional_value.getType());
        }
      } else {
        f.shape = Shape::kStruct;
        f.type_name = display_name(group);
      }
    } else {
      auto type = field.getType();
      if (type.isList()) {
        auto element = type.asList().getElementType();
        if (has_annotation(annotations, annotation_id::kMap) && element.isStruct()) {
          f.shape = Shape::kMap;
          f.struct_schema = element.asStruct();
          f.element_struct = element.asStruct();
          f.type_name = "map[string]string";
        } else {
          f.shape = Shape::kList;
          f.element_shape = scalar_shape(element);
          if (element.isStruct()) f.element_struct = element.asStruct();
          f.type_name = "[]" + go_type_name(f.element_shape, element);
        }
      } else {
        f.shape = scalar_shape(type);
        if (f.shape == Shape::kText) {
          if (has_annotation(annotations, annotation_id::kQuantity)) f.shape = Shape::kQuantity;
          if (has_annotation(annotations, annotation_id::kRawJson) ||
              has_annotation(annotations, annotation_id::kEmbeddedObject))
            f.shape = Shape::kRawJson;
        }
        if (f.shape == Shape::kStruct || f.shape == Shape::kIntOrString) f.struct_schema = type.asStruct();
        f.type_name = go_type_name(f.shape, type);
      }
    }
    // Protobuf.
    if (auto n = uint_annotation(annotations, annotation_id::kProto); n && *n > 0 && *n <= 536870911) {
      f.proto_number = static_cast<uint32_t>(*n);
      if (auto e = uint_annotation(annotations, annotation_id::kProtoEmbedded); e && *e > 0 && *e <= 536870911)
        f.proto_embedded = static_cast<uint32_t>(*e);
      switch (f.shape) {
        case Shape::kOptional:
          f.proto_type = proto_type_of(f.optional_value_shape, f.optional_value.getType(), annotations);
          f.nullable = !has_annotation(annotations, annotation_id::kNotNullable);
          break;
        case Shape::kList:
          f.proto_type = proto_type_of(f.element_shape, field.getType().asList().getElementType(), annotations);
          break;
        default:
          f.proto_type = proto_type_of(f.shape, field.getType(), annotations);
          f.nullable = has_annotation(annotations, annotation_id::kNullable);
          break;
      }
      if (f.proto_type == ProtoType::kNone) f.proto_number = 0;
    }
    const int index = static_cast<int>(out->fields.size());
    if (f.proto_number == 0 && f.shape == Shape::kText) {
      if (f.json_name == "apiVersion") out->type_meta_api_version = index;
      if (f.json_name == "kind") out->type_meta_kind = index;
    }
    if (f.json_name == "metadata" && f.shape == Shape::kStruct) out->metadata = index;
    out->by_json_name.emplace(f.json_name, out->fields.size());
    out->fields.push_back(std::move(f));
  }

  // The protobuf messages: own fields, and one message per inline embedded struct.
  for (size_t i = 0; i < out->fields.size(); ++i) {
    const FieldInfo& f = out->fields[i];
    if (f.proto_number == 0) continue;
    if (f.proto_embedded == 0) {
      out->proto.slots.push_back({f.proto_number, static_cast<int32_t>(i), -1});
      continue;
    }
    const ProtoSlot* outer = nullptr;
    for (const auto& s : out->proto.slots)
      if (s.number == f.proto_embedded && s.embedded >= 0) outer = &s;
    int32_t e;
    if (outer == nullptr) {
      e = static_cast<int32_t>(out->proto_embedded.size());
      out->proto_embedded.emplace_back();
      out->proto.slots.push_back({f.proto_embedded, -1, e});
    } else {
      e = outer->embedded;
    }
    out->proto_embedded[e].slots.push_back({f.proto_number, static_cast<int32_t>(i), -1});
  }
  finish_message(out->proto, out->name, out->proto_error);
  for (auto& m : out->proto_embedded) finish_message(m, out->name, out->proto_error);
  if (out->proto_error) {
    out->proto.slots.clear();
    out->proto_embedded.clear();
  }

  out->declaration_order.resize(out->fields.size());
  for (size_t i = 0; i < out->fields.size(); ++i) out->declaration_order[i] = i;
  std::stable_sort(out->declaration_order.begin(), out->declaration_order.end(), [&](size_t a, size_t b) {
    return out->fields[a].field.getProto().getCodeOrder() < out->fields[b].field.getProto().getCodeOrder();
  });
  return out;
}

}  // namespace capstan::schema
