#include "capstan/machinery/codec/protobuf_codec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <set>
#include <map>
#include <optional>

#include "capstan/machinery/utf8.hpp"
#include "capstan/machinery/codec/k8s_time.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"

namespace capstan::schema {

using pb::WireType;

struct detail::ProtobufDecodeState {
  DecodeReport& report;
  std::string path;
  size_t depth = 0;
  size_t list_words = 0;
  bool failed = false;

  bool fail(std::string reason, std::string message) {
    if (!failed) report.type_errors.push_back({path.empty() ? "<root>" : path, std::move(reason), std::move(message)});
    failed = true;
    return false;
  }
  std::string where() const { return path.empty() ? "the object" : path; }
};

using DecodeState = detail::ProtobufDecodeState;


ProtobufEncodeError::ProtobufEncodeError(std::string f, std::string p)
    : std::runtime_error("cannot encode field " + f + " in protobuf: " + p), field(std::move(f)), problem(std::move(p)) {}

void ProtobufEncodeError::prepend(std::string_view component) {
  if (component.empty()) return;
  if (field.empty() || field[0] == '[') field = std::string(component) + field;
  else field = std::string(component) + "." + field;
  static_cast<std::runtime_error&>(*this) = std::runtime_error("cannot encode field " + field + " in protobuf: " + problem);
}

namespace {

// The wire type a value of this type travels with (unpacked).
WireType wire_of(ProtoType t) {
  switch (t) {
    case ProtoType::kBool:
    case ProtoType::kInt:
    case ProtoType::kUInt: return WireType::kVarint;
    case ProtoType::kDouble: return WireType::kFixed64;
    case ProtoType::kFloat: return WireType::kFixed32;
    default: return WireType::kLen;
  }
}

bool packable(ProtoType t) { return wire_of(t) != WireType::kLen; }

// Values that are nested messages: a field that appears more than once merges (we decode the
// concatenation, which is what merging means for protobuf).
bool is_message(ProtoType t) {
  switch (t) {
    case ProtoType::kTime:
    case ProtoType::kMicroTime:
    case ProtoType::kDuration:
    case ProtoType::kQuantity:
    case ProtoType::kRawJson:
    case ProtoType::kIntOrString:
    case ProtoType::kMessage: return true;
    default: return false;
  }
}

std::string_view text_of(capnp::DynamicValue::Reader v) {
  auto t = v.as<capnp::Text>();
  return {t.begin(), t.size()};
}

// A struct that holds nothing but defaults: what Go cannot tell from an absent value struct.
bool is_empty(capnp::DynamicStruct::Reader s) {
  for (auto field : s.getSchema().getNonUnionFields()) {
    if (field.getProto().isGroup()) {
      if (!is_empty(s.get(field).as<capnp::DynamicStruct>())) return false;
    } else if (s.has(field, capnp::HasMode::NON_DEFAULT)) {
      return false;
    }
  }
  KJ_IF_MAYBE(active, s.which()) {
    // A union whose active member is not the first (the default) or holds a value.
    if (active->getProto().getDiscriminantValue() != 0) return false;
    if (active->getProto().isGroup()) return is_empty(s.get(*active).as<capnp::DynamicStruct>());
    if (s.has(*active, capnp::HasMode::NON_DEFAULT)) return false;
  }
  return true;
}

void encode_timestamp(std::string& out, uint32_t number, int64_t seconds, int32_t nanos) {
  const size_t mark = pb::begin_message(out, number);
  pb::put_int_field(out, 1, seconds);
  pb::put_int_field(out, 2, nanos);
  pb::end_message(out, mark);
}

void append_path(std::string& path, std::string_view name) {
  if (!path.empty()) path += '.';
  path += name;
}

template <typename To, typename From>
To bit_cast_value(From from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

}  // namespace

bool ProtobufCodec::supports(capnp::StructSchema schema) const { return model_.info(schema).has_proto(); }

std::vector<std::string> ProtobufCodec::unnumbered_fields(capnp::StructSchema schema) const {
  std::vector<std::string> out;
  std::set<uint64_t> seen;
  // Depth-first over the struct types; each is visited once (recursive types end there).
  std::function<void(capnp::StructSchema, const std::string&)> walk = [&](capnp::StructSchema s,
                                                                           const std::string& path) {
    if (!seen.insert(s.getProto().getId()).second) return;
    const StructInfo& info = model_.info(s);
    if (info.int_or_string) return;
    if (info.proto_error) out.push_back((path.empty() ? info.name : path) + " (" + *info.proto_error + ")");
    for (size_t i = 0; i < info.fields.size(); ++i) {
      const FieldInfo& f = info.fields[i];
      const std::string p = path.empty() ? f.json_name : path + "." + f.json_name;
      // apiVersion and kind travel in the envelope at the root; a nested whole object (a
      // StatefulSet's volumeClaimTemplates) has no protobuf TypeMeta upstream either.
      const bool type_meta = static_cast<int>(i) == info.type_meta_api_version || static_cast<int>(i) == info.type_meta_kind;
      if (f.proto_number == 0 && !type_meta) out.push_back(p);
      if (f.shape == Shape::kStruct) walk(f.struct_schema, p);
      else if ((f.shape == Shape::kList && f.element_shape == Shape::kStruct) || f.shape == Shape::kMap)
        walk(f.element_struct, p + "[]");
    }
  };
  walk(schema, "");
  return out;
}

// ---- encoding ---------------------------------------------------------------------------------

std::string ProtobufCodec::encode(capnp::DynamicStruct::Reader in) const {
  std::string out;
  encode(in, out);
  return out;
}

void ProtobufCodec::encode(capnp::DynamicStruct::Reader in, std::string& out) const {
  const StructInfo& info = model_.info(in.getSchema());
  encode_message(info, info.proto, in, out);
}

void ProtobufCodec::encode_message(const StructInfo& info, const ProtoMessage& message, capnp::DynamicStruct::Reader in,
                                   std::string& out) const {
  for (const auto& slot : message.slots) {
    if (slot.embedded >= 0) {
      // An inline embedded Go struct is a value: its message is always written.
      const size_t mark = pb::begin_message(out, slot.number);
      encode_message(info, info.proto_embedded[slot.embedded], in, out);
      pb::end_message(out, mark);
      continue;
    }
    const FieldInfo& f = info.fields[slot.field];
    try {
      encode_field(f, in, out);
    } catch (ProtobufEncodeError& e) {
      e.prepend(f.json_name);
      throw;
    }
  }
}

void ProtobufCodec::encode_field(const FieldInfo& f, capnp::DynamicStruct::Reader in, std::string& out) const {
  switch (f.shape) {
    case Shape::kList: {
      if (!in.has(f.field)) return;
      unsigned i = 0;
      for (auto item : in.get(f.field).as<capnp::DynamicList>()) {
        try {
          encode_value(f, f.proto_type, item, out);
        } catch (ProtobufEncodeError& e) {
          e.prepend("[" + std::to_string(i) + "]");
          throw;
        }
        ++i;
      }
      return;
    }
    case Shape::kMap:
      if (in.has(f.field)) encode_map(f, in.get(f.field).as<capnp::DynamicList>(), out);
      return;
    case Shape::kOptional: {
      auto group = in.get(f.field).as<capnp::DynamicStruct>();
      bool set = false;
      KJ_IF_MAYBE(which, group.which()) { set = which->getIndex() == f.optional_value.getIndex(); }
      if (set) encode_value(f, f.proto_type, group.get(f.optional_value), out);
      else if (!f.nullable) encode_zero(f, out);
      return;
    }
    case Shape::kStruct:
      if (f.field.getProto().isGroup()) {
        encode_value(f, ProtoType::kMessage, in.get(f.field), out);
        return;
      }
      [[fallthrough]];
    default:
      if (f.nullable) {
        const bool pointer = f.field.getType().isText() || f.field.getType().isData() || f.field.getType().isStruct();
        if (!in.has(f.field, pointer ? capnp::HasMode::NON_NULL : capnp::HasMode::NON_DEFAULT)) return;
      }
      // A value field: written even when unset, as its zero value (the default reader).
      encode_value(f, f.proto_type, in.get(f.field), out);
      return;
  }
}

void ProtobufCodec::encode_zero(const FieldInfo& f, std::string& out) const {
  // The zero value of an unset `notNullable` optional scalar.
  switch (f.proto_type) {
    case ProtoType::kBool:
    case ProtoType::kInt:
    case ProtoType::kUInt: pb::put_varint_field(out, f.proto_number, 0); return;
    case ProtoType::kDouble: pb::put_fixed64_field(out, f.proto_number, 0); return;
    case ProtoType::kFloat: pb::put_fixed32_field(out, f.proto_number, 0); return;
    default: pb::put_bytes_field(out, f.proto_number, ""); return;
  }
}

void ProtobufCodec::encode_map(const FieldInfo& f, capnp::DynamicList::Reader entries, std::string& out) const {
  const StructInfo& entry = model_.info(f.element_struct);
  if (entry.fields.size() < 2) return;
  const FieldInfo& key_field = entry.fields[0];
  const FieldInfo& value_field = entry.fields[1];
  const uint32_t key_number = key_field.proto_number ? key_field.proto_number : 1;
  const uint32_t value_number = value_field.proto_number ? value_field.proto_number : 2;
  // Go writes map entries sorted by key; a key listed twice keeps its last value.
  std::map<std::string_view, capnp::DynamicStruct::Reader> sorted;
  for (auto item : entries) {
    auto e = item.as<capnp::DynamicStruct>();
    sorted.insert_or_assign(text_of(e.get(key_field.field)), e);
  }
  for (const auto& [key, e] : sorted) {
    const size_t mark = pb::begin_message(out, f.proto_number);
    pb::put_bytes_field(out, key_number, key);
    // Bytes values are written when not nil (Go's `if v != nil`); every other value always.
    if (value_field.proto_type != ProtoType::kBytes || e.has(value_field.field)) {
      FieldInfo v = value_field;
      v.proto_number = value_number;
      try {
        encode_value(v, v.proto_type, e.get(value_field.field), out);
      } catch (ProtobufEncodeError& err) {
        err.prepend("[" + std::string(key) + "]");
        throw;
      }
    }
    pb::end_message(out, mark);
  }
}

void ProtobufCodec::encode_value(const FieldInfo& f, ProtoType type, capnp::DynamicValue::Reader value,
                                 std::string& out) const {
  const uint32_t n = f.proto_number;
  switch (type) {
    case ProtoType::kBool: pb::put_varint_field(out, n, value.as<bool>() ? 1 : 0); return;
    case ProtoType::kInt: pb::put_int_field(out, n, value.as<int64_t>()); return;
    case ProtoType::kUInt: pb::put_varint_field(out, n, value.as<uint64_t>()); return;
    case ProtoType::kDouble: pb::put_fixed64_field(out, n, bit_cast_value<uint64_t>(value.as<double>())); return;
    case ProtoType::kFloat: pb::put_fixed32_field(out, n, bit_cast_value<uint32_t>(value.as<float>())); return;
    case ProtoType::kString: pb::put_bytes_field(out, n, text_of(value)); return;
    case ProtoType::kBytes: {
      auto d = value.as<capnp::Data>();
      pb::put_bytes_field(out, n, std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
      return;
    }
    case ProtoType::kEnum: {
      KJ_IF_MAYBE(en, value.as<capnp::DynamicEnum>().getEnumerant()) {
        auto name = en->getProto().getName();
        pb::put_bytes_field(out, n, std::string_view(name.begin(), name.size()));
        return;
      }
      throw ProtobufEncodeError("", "an enum value the schema does not name");
    }
    case ProtoType::kTime:
    case ProtoType::kMicroTime: {
      const std::string_view text = text_of(value);
      int64_t seconds = kGoZeroTimeSeconds;
      int32_t nanos = 0;
      if (!text.empty() && !parse_rfc3339(text, seconds, nanos))
        throw ProtobufEncodeError("", "\"" + machinery::excerpt(text, 64) + "\" is not an RFC 3339 time");
      // metav1.Time drops the fraction (its JSON has whole seconds); MicroTime keeps microseconds.
      nanos = type == ProtoType::kTime ? 0 : nanos - nanos % 1000;
      if (seconds == kGoZeroTimeSeconds && nanos == 0) pb::put_bytes_field(out, n, "");  // Go's zero time: empty
      else encode_timestamp(out, n, seconds, nanos);
      return;
    }
    case ProtoType::kDuration: {
      const std::string_view text = text_of(value);
      int64_t ns = 0;
      if (!text.empty() && !parse_go_duration(text, ns))
        throw ProtobufEncodeError("", "\"" + machinery::excerpt(text, 64) + "\" is not a duration");
      const size_t mark = pb::begin_message(out, n);
      pb::put_int_field(out, 1, ns);
      pb::end_message(out, mark);
      return;
    }
    case ProtoType::kQuantity: {
      std::string_view text = text_of(value);
      if (text.empty()) text = "0";  // the zero Quantity, as Go writes it
      const size_t mark = pb::begin_message(out, n);
      pb::put_bytes_field(out, 1, text);
      pb::end_message(out, mark);
      return;
    }
    case ProtoType::kRawJson: {
      const std::string_view text = text_of(value);
      const size_t mark = pb::begin_message(out, n);
      if (!text.empty()) pb::put_bytes_field(out, 1, text);
      pb::end_message(out, mark);
      return;
    }
    case ProtoType::kIntOrString: {
      auto s = value.as<capnp::DynamicStruct>();
      int32_t i = 0;
      std::string_view str;
      bool is_str = false;
      KJ_IF_MAYBE(which, s.which()) {
        if (which->getProto().getName() == "str") {
          is_str = true;
          str = text_of(s.get(*which));
        } else {
          i = s.get(*which).as<int32_t>();
        }
      }
      const size_t mark = pb::begin_message(out, n);
      pb::put_varint_field(out, 1, is_str ? 1 : 0);
      pb::put_int_field(out, 2, i);
      pb::put_bytes_field(out, 3, str);
      pb::end_message(out, mark);
      return;
    }
    case ProtoType::kMessage: {
      auto s = value.as<capnp::DynamicStruct>();
      const StructInfo& info = model_.info(s.getSchema());
      const size_t mark = pb::begin_message(out, n);
      encode_message(info, info.proto, s, out);
      pb::end_message(out, mark);
      return;
    }
    case ProtoType::kNone: return;
  }
}

std::string ProtobufCodec::encode_object(capnp::DynamicStruct::Reader in) const {
  const StructInfo& info = model_.info(in.getSchema());
  std::string api_version, kind;
  if (info.type_meta_api_version >= 0) api_version = text_of(in.get(info.fields[info.type_meta_api_version].field));
  if (info.type_meta_kind >= 0) kind = text_of(in.get(info.fields[info.type_meta_kind].field));
  return encode_object(in, api_version, kind);
}

std::string ProtobufCodec::encode_object(capnp::DynamicStruct::Reader in, std::string_view api_version,
                                         std::string_view kind) const {
  std::string out;
  const size_t mark = begin_envelope(out, api_version, kind);
  encode(in, out);
  end_envelope(out, mark);
  return out;
}

// ---- decoding ---------------------------------------------------------------------------------

namespace {

// A scalar converted for capnp. Text and Data readers point into `storage`.
struct Scalar {
  capnp::DynamicValue::Reader value;
  std::string storage;
  bool zero = false;  // Go's zero value of the field's type
};

bool check_utf8(std::string_view s, DecodeState& st) {
  if (machinery::is_valid_utf8(s)) return true;
  return st.fail("FieldValueInvalid", "protobuf: invalid UTF-8 in " + st.where());
}

uint64_t truncate(uint64_t v, capnp::schema::Type::Which which, bool& zero) {
  switch (which) {
    case capnp::schema::Type::INT8: v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(v))); break;
    case capnp::schema::Type::INT16: v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(v))); break;
    case capnp::schema::Type::INT32: v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v))); break;
    case capnp::schema::Type::UINT8: v = static_cast<uint8_t>(v); break;
    case capnp::schema::Type::UINT16: v = static_cast<uint16_t>(v); break;
    case capnp::schema::Type::UINT32: v = static_cast<uint32_t>(v); break;
    default: break;
  }
  zero = v == 0;
  return v;
}

// Reads a nested message's fields, checking wire types against `want` (by field number).
template <typename Fn>
bool each_field(std::string_view data, DecodeState& st, size_t max_depth, Fn&& fn) {
  pb::Reader r(data, max_depth);
  pb::Field w;
  while (r.next(w)) {
    if (!fn(w)) return false;
  }
  if (!r.error().empty()) return st.fail("FieldValueInvalid", "protobuf: " + r.error() + " in " + st.where());
  return true;
}

bool want_wire(const pb::Field& w, WireType want, const char* name, DecodeState& st) {
  if (w.type == want) return true;
  return st.fail("FieldValueTypeInvalid", std::string("protobuf: ") + name + " (field " + std::to_string(w.number) +
                                              ") of " + st.where() + " has wire type " + pb::wire_type_name(w.type) +
                                              ", want " + pb::wire_type_name(want));
}

// Converts one wire value of a scalar-like type (everything but kMessage and kIntOrString) to
// what the capnp field of `capnp_type` holds.
bool convert(ProtoType type, capnp::Type capnp_type, const pb::Field& w, DecodeState& st, Scalar& out) {
  switch (type) {
    case ProtoType::kBool:
      out.value = w.value != 0;
      out.zero = w.value == 0;
      return true;
    case ProtoType::kInt: {
      const uint64_t v = truncate(w.value, capnp_type.which(), out.zero);
      out.value = static_cast<int64_t>(v);
      return true;
    }
    case ProtoType::kUInt:
      out.value = truncate(w.value, capnp_type.which(), out.zero);
      return true;
    case ProtoType::kDouble: {
      const double d = bit_cast_value<double>(w.value);
      out.value = d;
      out.zero = w.value == 0;
      return true;
    }
    case ProtoType::kFloat: {
      const float d = bit_cast_value<float>(static_cast<uint32_t>(w.value));
      out.value = d;
      out.zero = static_cast<uint32_t>(w.value) == 0;
      return true;
    }
    case ProtoType::kString:
      if (!check_utf8(w.bytes, st)) return false;
      out.storage.assign(w.bytes);
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      out.zero = out.storage.empty();
      return true;
    case ProtoType::kBytes:
      out.storage.assign(w.bytes);
      out.value = capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(out.storage.data()), out.storage.size());
      out.zero = false;  // []byte is nil-able: a present value stays present
      return true;
    case ProtoType::kEnum: {
      if (!check_utf8(w.bytes, st)) return false;
      const std::string name(w.bytes);
      KJ_IF_MAYBE(en, capnp_type.asEnum().findEnumerantByName(name)) {
        out.value = capnp::DynamicEnum(*en);
        out.zero = en->getOrdinal() == 0;
        return true;
      }
      return st.fail("FieldValueNotSupported", "unsupported value \"" + machinery::excerpt(name, 64) + "\" in " + st.where());
    }
    case ProtoType::kTime:
    case ProtoType::kMicroTime: {
      int64_t seconds = 0;
      int64_t nanos = 0;
      const bool ok = each_field(w.bytes, st, 8, [&](const pb::Field& t) {
        if (t.number == 1) {
          if (!want_wire(t, WireType::kVarint, "seconds", st)) return false;
          seconds = static_cast<int64_t>(t.value);
        } else if (t.number == 2) {
          if (!want_wire(t, WireType::kVarint, "nanos", st)) return false;
          nanos = static_cast<int32_t>(t.value);
        }
        return true;
      });
      if (!ok) return false;
      // metav1.Time keeps whole seconds (its Unmarshal drops nanos); MicroTime keeps microseconds.
      nanos = type == ProtoType::kTime ? 0 : nanos - nanos % 1000;
      if (w.bytes.empty() || (seconds == kGoZeroTimeSeconds && nanos == 0)) {
        out.zero = true;
        out.value = capnp::Text::Reader("");
        return true;
      }
      const bool formatted = type == ProtoType::kTime ? format_rfc3339(seconds, out.storage)
                                                       : format_rfc3339_micro(seconds, static_cast<int32_t>(nanos), out.storage);
      if (!formatted)
        return st.fail("FieldValueInvalid", "protobuf: timestamp " + std::to_string(seconds) + " of " + st.where() +
                                                " is outside the years 0000-9999");
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      return true;
    }
    case ProtoType::kDuration: {
      int64_t ns = 0;
      const bool ok = each_field(w.bytes, st, 8, [&](const pb::Field& t) {
        if (t.number == 1) {
          if (!want_wire(t, WireType::kVarint, "duration", st)) return false;
          ns = static_cast<int64_t>(t.value);
        }
        return true;
      });
      if (!ok) return false;
      out.zero = ns == 0;
      out.storage = format_go_duration(ns);
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      return true;
    }
    case ProtoType::kQuantity:
    case ProtoType::kRawJson: {
      bool seen = false;
      const bool ok = each_field(w.bytes, st, 8, [&](const pb::Field& t) {
        if (t.number == 1) {
          if (!want_wire(t, WireType::kLen, type == ProtoType::kQuantity ? "string" : "raw", st)) return false;
          out.storage.assign(t.bytes);
          seen = true;
        }
        return true;
      });
      if (!ok) return false;
      if (type == ProtoType::kQuantity) {
        if (!check_utf8(out.storage, st)) return false;
        out.zero = out.storage.empty() || out.storage == "0";
      } else if (!seen || out.storage.empty()) {
        out.storage.clear();
        out.zero = true;  // Raw nil: JSON null
      } else {
        auto parsed = nlohmann::json::parse(out.storage, nullptr, false);
        if (parsed.is_discarded())
          return st.fail("FieldValueInvalid", "protobuf: " + st.where() + " does not hold valid JSON");
        out.storage = parsed.dump();
      }
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      return true;
    }
    default:
      return st.fail("FieldValueInvalid", "protobuf: field " + st.where() + " has a type Capstan cannot decode");
  }
}

}  // namespace

void ProtobufCodec::decode(std::string_view message, capnp::DynamicStruct::Builder out, DecodeReport& report) const {
  DecodeState st{report};
  try {
    decode_struct(message, out, st);
  } catch (const kj::Exception& e) {
    // Not expected (every bound is checked before capnp sees it), but input must never escape as
    // an exception: it is reported like any other bad input.
    st.fail("FieldValueInvalid", "protobuf: " + st.where() + ": " + std::string(e.getDescription().cStr()));
  }
}

bool ProtobufCodec::decode_struct(std::string_view data, capnp::DynamicStruct::Builder out, DecodeState& st) const {
  const StructInfo& info = model_.info(out.getSchema());
  return decode_message(info, info.proto, data, out, st);
}

namespace {

// Reads an IntOrString message into a capnp struct holding `union { int; str; }`.
bool decode_int_or_string(std::string_view data, capnp::DynamicStruct::Builder out, DecodeState& st,
                          bool& zero) {
  uint64_t type = 0;
  int32_t int_val = 0;
  std::string_view str_val;
  const bool ok = each_field(data, st, 8, [&](const pb::Field& t) {
    switch (t.number) {
      case 1:
        if (!want_wire(t, WireType::kVarint, "type", st)) return false;
        type = t.value;
        break;
      case 2:
        if (!want_wire(t, WireType::kVarint, "intVal", st)) return false;
        int_val = static_cast<int32_t>(t.value);
        break;
      case 3:
        if (!want_wire(t, WireType::kLen, "strVal", st)) return false;
        str_val = t.bytes;
        break;
      default: break;
    }
    return true;
  });
  if (!ok) return false;
  if (type > 1)
    return st.fail("FieldValueInvalid", "protobuf: IntOrString " + st.where() + " has type " + std::to_string(type) +
                                            " (0 is an int, 1 a string)");
  zero = type == 0 && int_val == 0;
  if (type == 1) {
    if (!machinery::is_valid_utf8(str_val)) return st.fail("FieldValueInvalid", "protobuf: invalid UTF-8 in " + st.where());
    KJ_IF_MAYBE(f, out.getSchema().findFieldByName("str")) {
      out.set(*f, capnp::Text::Reader(str_val.data(), str_val.size()));
    }
  } else {
    KJ_IF_MAYBE(f, out.getSchema().findFieldByName("int")) { out.set(*f, int_val); }
  }
  return true;
}

std::string joined(const std::vector<std::string_view>& spans) {
  std::string out;
  size_t n = 0;
  for (auto s : spans) n += s.size();
  out.reserve(n);
  for (auto s : spans) out.append(s.data(), s.size());
  return out;
}

uint64_t list_element_words(const FieldInfo& f) {
  if (f.element_shape == Shape::kStruct || f.element_shape == Shape::kIntOrString || f.shape == Shape::kMap) {
    auto s = f.element_struct.getProto().getStruct();
    return 1 + s.getDataWordCount() + s.getPointerCount();
  }
  return 1;
}

// How many varints a packed payload holds (false when one is truncated).
bool count_packed(std::string_view payload, ProtoType type, uint64_t& count) {
  if (type == ProtoType::kDouble) {
    if (payload.size() % 8) return false;
    count += payload.size() / 8;
    return true;
  }
  if (type == ProtoType::kFloat) {
    if (payload.size() % 4) return false;
    count += payload.size() / 4;
    return true;
  }
  while (!payload.empty()) {
    uint64_t v;
    const size_t n = pb::decode_varint(payload, v);
    if (n == 0) return false;
    payload.remove_prefix(n);
    ++count;
  }
  return true;
}

}  // namespace

bool ProtobufCodec::decode_message(const StructInfo& info, const ProtoMessage& message, std::string_view data,
                                   capnp::DynamicStruct::Builder out, DecodeState& st) const {
  if (st.depth >= limits_.max_depth)
    return st.fail("FieldValueInvalid", "protobuf: " + st.where() + " is nested deeper than " + std::to_string(limits_.max_depth));
  ++st.depth;
  struct Acc {
    uint64_t count = 0;                     // list elements
    std::vector<std::string_view> spans;    // message occurrences (merged) or map entries
    uint64_t cursor = 0;
    bool done = false;
    capnp::DynamicList::Builder list;
  };
  std::vector<Acc> acc(message.slots.size());
  const size_t base = st.path.size();
  auto enter = [&](const FieldInfo& f) { append_path(st.path, f.json_name); };
  auto leave = [&]() { st.path.resize(base); };

  // Pass 1: check every field's wire type, count list elements, gather message occurrences.
  {
    pb::Reader r(data, limits_.max_depth);
    pb::Field w;
    while (r.next(w)) {
      const ProtoSlot* slot = message.find(w.number);
      if (slot == nullptr) {
        const bool zero = (w.type == WireType::kLen || w.type == WireType::kStartGroup) ? w.bytes.empty() : w.value == 0;
        if (!zero) st.report.unknown_fields.push_back((st.path.empty() ? "#" : st.path + ".#") + std::to_string(w.number));
        continue;
      }
      Acc& a = acc[static_cast<size_t>(slot - message.slots.data())];
      if (slot->embedded >= 0) {
        if (w.type != WireType::kLen)
          return st.fail("FieldValueTypeInvalid", "protobuf: embedded message " + std::to_string(w.number) + " of " +
                                                      st.where() + " has wire type " + pb::wire_type_name(w.type));
        a.spans.push_back(w.bytes);
        continue;
      }
      const FieldInfo& f = info.fields[slot->field];
      const WireType want = f.shape == Shape::kMap ? WireType::kLen : wire_of(f.proto_type);
      if (f.shape == Shape::kList && w.type == WireType::kLen && packable(f.proto_type)) {
        if (!count_packed(w.bytes, f.proto_type, a.count)) {
          enter(f);
          return st.fail("FieldValueInvalid", "protobuf: truncated packed values in " + st.where());
        }
        continue;
      }
      if (w.type != want) {
        enter(f);
        return st.fail("FieldValueTypeInvalid", "protobuf: field " + st.where() + " (number " + std::to_string(w.number) +
                                                    ") has wire type " + pb::wire_type_name(w.type) + ", want " +
                                                    pb::wire_type_name(want));
      }
      if (f.shape == Shape::kList) ++a.count;
      else if (f.shape == Shape::kMap || is_message(f.proto_type)) a.spans.push_back(w.bytes);
    }
    if (!r.error().empty()) return st.fail("FieldValueInvalid", "protobuf: " + r.error() + " in " + st.where());
  }

  // Lists are allocated once, at their final size.
  for (size_t i = 0; i < message.slots.size(); ++i) {
    if (acc[i].count == 0 || message.slots[i].field < 0) continue;
    const FieldInfo& f = info.fields[message.slots[i].field];
    const uint64_t words = acc[i].count * list_element_words(f);
    if (acc[i].count >= (1u << 29) || words > limits_.max_list_words || st.list_words + words > limits_.max_list_words) {
      enter(f);
      return st.fail("FieldValueInvalid", "protobuf: " + st.where() + " has " + std::to_string(acc[i].count) +
                                              " elements, more than this object may hold");
    }
    st.list_words += words;
    acc[i].list = out.init(f.field, static_cast<unsigned>(acc[i].count)).as<capnp::DynamicList>();
  }

  // Pass 2: the values.
  bool any = false;
  pb::Reader r(data, limits_.max_depth);
  pb::Field w;
  while (r.next(w)) {
    const ProtoSlot* slot = message.find(w.number);
    if (slot == nullptr || slot->embedded >= 0) continue;
    Acc& a = acc[static_cast<size_t>(slot - message.slots.data())];
    const FieldInfo& f = info.fields[slot->field];
    if (f.shape == Shape::kMap) continue;
    enter(f);
    bool ok = true;
    if (f.shape == Shape::kList) {
      if (w.type == WireType::kLen && packable(f.proto_type)) {
        std::string_view payload = w.bytes;
        while (ok && !payload.empty()) {
          pb::Field e;
          e.number = w.number;
          e.type = wire_of(f.proto_type);
          if (f.proto_type == ProtoType::kDouble || f.proto_type == ProtoType::kFloat) {
            const size_t width = f.proto_type == ProtoType::kDouble ? 8 : 4;
            for (size_t k = width; k-- > 0;) e.value = (e.value << 8) | static_cast<uint8_t>(payload[k]);
            payload.remove_prefix(width);
          } else {
            payload.remove_prefix(pb::decode_varint(payload, e.value));
          }
          ok = decode_element(f, {}, e.value, a.list, static_cast<unsigned>(a.cursor++), st);
        }
      } else {
        ok = decode_element(f, w.bytes, w.value, a.list, static_cast<unsigned>(a.cursor++), st);
      }
      any = true;
    } else if (is_message(f.proto_type)) {
      if (!a.done) {
        a.done = true;
        if (a.spans.size() == 1) {
          ok = decode_singular(f, a.spans[0], 0, out, st) && ok;
        } else {
          const std::string merged = joined(a.spans);
          ok = decode_singular(f, merged, 0, out, st);
        }
      }
    } else {
      ok = decode_singular(f, w.bytes, w.value, out, st);
    }
    leave();
    if (!ok) return false;
  }

  // Inline embedded messages (their fields belong to this struct) and maps.
  for (size_t i = 0; i < message.slots.size(); ++i) {
    const ProtoSlot& slot = message.slots[i];
    if (slot.embedded >= 0 && !acc[i].spans.empty()) {
      const std::string merged = acc[i].spans.size() == 1 ? std::string() : joined(acc[i].spans);
      if (!decode_message(info, info.proto_embedded[slot.embedded], acc[i].spans.size() == 1 ? acc[i].spans[0] : merged,
                          out, st))
        return false;
    } else if (slot.field >= 0 && info.fields[slot.field].shape == Shape::kMap && !acc[i].spans.empty()) {
      const FieldInfo& f = info.fields[slot.field];
      enter(f);
      const bool ok = decode_map(f, acc[i].spans, out, st);
      leave();
      if (!ok) return false;
    }
  }
  --st.depth;
  // Whether the struct holds anything Go would tell from its zero value.
  return any || !is_empty(out.asReader());
}

bool ProtobufCodec::decode_singular(const FieldInfo& f, std::string_view data, uint64_t value,
                                    capnp::DynamicStruct::Builder out, DecodeState& st) const {
  pb::Field w;
  w.number = f.proto_number;
  w.bytes = data;
  w.value = value;
  switch (f.shape) {
    case Shape::kStruct: {
      if (f.field.getProto().isGroup()) {
        decode_struct(data, out.get(f.field).as<capnp::DynamicStruct>(), st);
        return !st.failed;
      }
      auto child = out.init(f.field).as<capnp::DynamicStruct>();
      const bool set = decode_struct(data, child, st);
      if (st.failed) return false;
      // A Go value struct that holds only zero values is what Go writes for "unset".
      if (!set && !f.nullable) out.clear(f.field);
      return true;
    }
    case Shape::kIntOrString: {
      auto child = out.init(f.field).as<capnp::DynamicStruct>();
      bool zero = false;
      if (!decode_int_or_string(data, child, st, zero)) return false;
      if (zero && !f.nullable) out.clear(f.field);
      return true;
    }
    case Shape::kOptional: {
      Scalar s;
      if (!convert(f.proto_type, f.optional_value.getType(), w, st, s)) return false;
      auto group = out.get(f.field).as<capnp::DynamicStruct>();
      if (s.zero && !f.nullable) group.set(f.optional_unset, capnp::VOID);
      else group.set(f.optional_value, s.value);
      return true;
    }
    default: {
      Scalar s;
      if (!convert(f.proto_type, f.field.getType(), w, st, s)) return false;
      if (s.zero && !f.nullable) out.clear(f.field);
      else out.set(f.field, s.value);
      return true;
    }
  }
}

bool ProtobufCodec::decode_element(const FieldInfo& f, std::string_view data, uint64_t value,
                                   capnp::DynamicList::Builder list, unsigned index, DecodeState& st) const {
  const size_t base = st.path.size();
  st.path += '[';
  st.path += std::to_string(index);
  st.path += ']';
  bool ok;
  if (f.proto_type == ProtoType::kMessage) {
    decode_struct(data, list[index].as<capnp::DynamicStruct>(), st);
    ok = !st.failed;
  } else if (f.proto_type == ProtoType::kIntOrString) {
    bool zero;
    ok = decode_int_or_string(data, list[index].as<capnp::DynamicStruct>(), st, zero);
  } else {
    pb::Field w;
    w.number = f.proto_number;
    w.bytes = data;
    w.value = value;
    Scalar s;
    ok = convert(f.proto_type, f.field.getType().asList().getElementType(), w, st, s);
    if (ok) list.set(index, s.value);
  }
  st.path.resize(base);
  return ok;
}

bool ProtobufCodec::decode_map(const FieldInfo& f, const std::vector<std::string_view>& entries,
                               capnp::DynamicStruct::Builder out, DecodeState& st) const {
  const StructInfo& entry = model_.info(f.element_struct);
  if (entry.fields.size() < 2) return true;
  const FieldInfo& key_field = entry.fields[0];
  const FieldInfo& value_field = entry.fields[1];
  const uint32_t key_number = key_field.proto_number ? key_field.proto_number : 1;
  const uint32_t value_number = value_field.proto_number ? value_field.proto_number : 2;

  struct Entry {
    std::string_view key;
    std::optional<pb::Field> value;
    std::vector<std::string_view> value_spans;  // a message value given more than once merges
  };
  // Go's map keeps the last value of a repeated key; entries come out sorted by key, as the JSON
  // decoder stores them.
  std::map<std::string_view, Entry> by_key;
  for (auto span : entries) {
    Entry e;
    const bool ok = each_field(span, st, limits_.max_depth, [&](const pb::Field& w) {
      if (w.number == key_number) {
        if (!want_wire(w, WireType::kLen, "key", st)) return false;
        e.key = w.bytes;
      } else if (w.number == value_number) {
        const WireType want = value_field.shape == Shape::kStruct ? WireType::kLen : wire_of(value_field.proto_type);
        if (!want_wire(w, want, "value", st)) return false;
        e.value = w;
        if (want == WireType::kLen && is_message(value_field.proto_type)) e.value_spans.push_back(w.bytes);
      }
      return true;
    });
    if (!ok) return false;
    if (!machinery::is_valid_utf8(e.key))
      return st.fail("FieldValueInvalid", "protobuf: invalid UTF-8 in a key of " + st.where());
    by_key.insert_or_assign(e.key, std::move(e));
  }
  const uint64_t words = by_key.size() * list_element_words(f);
  if (words > limits_.max_list_words || st.list_words + words > limits_.max_list_words)
    return st.fail("FieldValueInvalid", "protobuf: " + st.where() + " has " + std::to_string(by_key.size()) +
                                            " entries, more than this object may hold");
  st.list_words += words;
  auto list = out.init(f.field, static_cast<unsigned>(by_key.size())).as<capnp::DynamicList>();
  const size_t base = st.path.size();
  unsigned i = 0;
  for (auto& [key, e] : by_key) {
    auto item = list[i++].as<capnp::DynamicStruct>();
    item.set(key_field.field, capnp::Text::Reader(key.data(), key.size()));
    st.path += '[';
    st.path += key;
    st.path += ']';
    bool ok = true;
    if (e.value) {
      std::string merged;
      pb::Field v = *e.value;
      if (e.value_spans.size() > 1) {
        merged = joined(e.value_spans);
        v.bytes = merged;
      }
      if (value_field.shape == Shape::kStruct) {
        decode_struct(v.bytes, item.init(value_field.field).as<capnp::DynamicStruct>(), st);
        ok = !st.failed;
      } else {
        Scalar s;
        ok = convert(value_field.proto_type, value_field.field.getType(), v, st, s);
        if (ok) item.set(value_field.field, s.value);
      }
    } else if (value_field.proto_type == ProtoType::kString) {
      item.set(value_field.field, capnp::Text::Reader(""));  // Go's map holds "" for the key
    }
    st.path.resize(base);
    if (!ok) return false;
  }
  return true;
}

void ProtobufCodec::decode_object(std::string_view body, capnp::DynamicStruct::Builder out,
                                  std::string_view api_version, std::string_view kind, DecodeReport& report) const {
  ProtobufEnvelope env;
  std::string error;
  if (!parse_envelope(body, env, error)) {
    report.type_errors.push_back({"<root>", "FieldValueInvalid", error});
    return;
  }
  // An empty TypeMeta field takes the expected value (Go's copyKindDefaults).
  if (env.api_version.empty()) env.api_version = api_version;
  if (env.kind.empty()) env.kind = kind;
  if (!api_version.empty() && env.api_version != api_version) {
    report.type_errors.push_back({"apiVersion", "FieldValueInvalid",
                                  "the API version in the data (" + machinery::excerpt(env.api_version, 128) +
                                      ") does not match the expected API version (" + std::string(api_version) + ")"});
    return;
  }
  if (!kind.empty() && env.kind != kind) {
    report.type_errors.push_back({"kind", "FieldValueInvalid",
                                  "the kind in the data (" + machinery::excerpt(env.kind, 128) +
                                      ") does not match the expected kind (" + std::string(kind) + ")"});
    return;
  }
  if (env.kind.empty()) {
    report.type_errors.push_back({"kind", "FieldValueRequired", "Object 'Kind' is missing in the protobuf envelope"});
    return;
  }
  if (!machinery::is_valid_utf8(env.api_version) || !machinery::is_valid_utf8(env.kind)) {
    report.type_errors.push_back({"<root>", "FieldValueInvalid", "protobuf envelope: invalid UTF-8 in its TypeMeta"});
    return;
  }
  decode(env.raw, out, report);
  if (!report.type_errors.empty()) return;
  const StructInfo& info = model_.info(out.getSchema());
  if (info.type_meta_api_version >= 0)
    out.set(info.fields[info.type_meta_api_version].field, capnp::Text::Reader(env.api_version.c_str(), env.api_version.size()));
  if (info.type_meta_kind >= 0)
    out.set(info.fields[info.type_meta_kind].field, capnp::Text::Reader(env.kind.c_str(), env.kind.size()));
}

}  // namespace capstan::schema
