#include "capstan/machinery/codec/json_codec.hpp"

#include "capstan/machinery/codec/normal_form.hpp"
#include "go_json_presence.hpp"

#include <capnp/message.h>

#include <cmath>
#include <limits>

namespace capstan::schema {

using nlohmann::json;

namespace {

const char* json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "bool";
    case json::value_t::number_float:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "number";
    default: return "null";
  }
}

void type_error(DecodeReport& report, const std::string& path, const json& v, const std::string& want) {
  report.type_errors.push_back({path, "FieldValueTypeInvalid",
                                std::string("json: cannot unmarshal ") + json_type_name(v) +
                                    " into field " + path + " of type " + want});
}

void append_path(std::string& path, std::string_view name) {
  if (!path.empty()) path += '.';
  path += name;
}

// Integers as Go's json decodes them: integral numbers only (1.0 is accepted, as YAML may give it).
bool json_to_int(const json& v, int64_t& out) {
  // Unsigned first: nlohmann's is_number_integer() is also true for unsigned values, so testing it
  // first let 18446744073709551615 wrap to -1 instead of being refused as out of range.
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) { out = v.get<int64_t>(); return true; }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) { out = static_cast<int64_t>(d); return true; }
  }
  return false;
}

bool in_range(int64_t v, capnp::schema::Type::Which which) {
  switch (which) {
    case capnp::schema::Type::INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case capnp::schema::Type::INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case capnp::schema::Type::INT32: return v >= INT32_MIN && v <= INT32_MAX;
    case capnp::schema::Type::UINT8: return v >= 0 && v <= UINT8_MAX;
    case capnp::schema::Type::UINT16: return v >= 0 && v <= UINT16_MAX;
    case capnp::schema::Type::UINT32: return v >= 0 && v <= static_cast<int64_t>(UINT32_MAX);
    case capnp::schema::Type::UINT64: return v >= 0;
    default: return true;
  }
}

// A scalar JSON value converted for capnp. Text and Data readers point into `storage`.
struct Scalar {
  capnp::DynamicValue::Reader value;
  std::string storage;
  bool ok = false;
};

void to_scalar(Shape shape, capnp::Type type, const json& v, const std::string& path, DecodeReport& report,
               Scalar& out) {
  switch (shape) {
    case Shape::kBool:
      if (!v.is_boolean()) return type_error(report, path, v, "bool");
      out.value = v.get<bool>();
      out.ok = true;
      return;
    case Shape::kInt:
    case Shape::kUInt: {
      int64_t i;
      if (!json_to_int(v, i) || !in_range(i, type.which())) return type_error(report, path, v, "integer");
      if (shape == Shape::kUInt) out.value = static_cast<uint64_t>(i); else out.value = i;
      out.ok = true;
      return;
    }
    case Shape::kFloat:
      if (!v.is_number()) return type_error(report, path, v, "number");
      out.value = v.get<double>();
      out.ok = true;
      return;
    case Shape::kText:
      if (!v.is_string()) return type_error(report, path, v, "string");
      out.storage = v.get_ref<const std::string&>();
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      out.ok = true;
      return;
    case Shape::kQuantity:
      if (v.is_string()) out.storage = v.get_ref<const std::string&>();
      else if (v.is_number_integer() || v.is_number_unsigned()) out.storage = v.dump();
      else if (v.is_number_float()) {
        out.storage = v.dump();
      } else return type_error(report, path, v, "Quantity");
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      out.ok = true;
      return;
    case Shape::kRawJson:
      out.storage = v.dump();
      out.value = capnp::Text::Reader(out.storage.c_str(), out.storage.size());
      out.ok = true;
      return;
    case Shape::kData: {
      if (!v.is_string()) return type_error(report, path, v, "[]byte (base64 string)");
      size_t bad = 0;
      if (!base64_decode(v.get_ref<const std::string&>(), out.storage, bad)) {
        report.type_errors.push_back({path, "FieldValueInvalid",
                                      "illegal base64 data at input byte " + std::to_string(bad) + " in " + path});
        return;
      }
      out.value = capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(out.storage.data()), out.storage.size());
      out.ok = true;
      return;
    }
    case Shape::kEnum: {
      if (!v.is_string()) return type_error(report, path, v, "string");
      auto e = type.asEnum();
      KJ_IF_MAYBE(en, e.findEnumerantByName(v.get_ref<const std::string&>())) {
        out.value = capnp::DynamicEnum(*en);
        out.ok = true;
      } else {
        report.type_errors.push_back({path, "FieldValueNotSupported", "unsupported value \"" +
                                                                          v.get<std::string>() + "\" in " + path});
      }
      return;
    }
    default:
      report.type_errors.push_back({path, "FieldValueInvalid", "field " + path + " has a type Capstan cannot decode"});
      return;
  }
}

}  // namespace

void JsonCodec::decode(const json& in, capnp::DynamicStruct::Builder out, DecodeReport& report) const {
  std::string path;
  if (!in.is_object()) {
    type_error(report, "<root>", in, "object");
    return;
  }
  decode_struct(in, out, path, report);
  // Zero Go values (`"status":{}`, `"ownerReferences":[]`, `"targetPort":0` where absent) are
  // left absent, as protobuf decoding and plugins' writes leave them: one object, one message.
  normalize(model_, out);
}

void JsonCodec::decode_struct(const json& in, capnp::DynamicStruct::Builder out, std::string& path,
                              DecodeReport& report) const {
  const StructInfo& info = model_.info(out.getSchema());
  const size_t base = path.size();
  for (auto it = in.begin(); it != in.end(); ++it) {
    const FieldInfo* f = info.find(it.key());
    append_path(path, it.key());
    if (f == nullptr) {
      report.unknown_fields.push_back(path);
    } else if (!it.value().is_null()) {
      decode_field(*f, it.value(), out, path, report);
    }
    path.resize(base);
  }
  for (const auto& f : info.fields) {
    if (!f.required) continue;
    auto found = in.find(f.json_name);
    if (found == in.end() || found->is_null()) {
      append_path(path, f.json_name);
      report.missing_required.push_back({path, "FieldValueRequired", "Required value"});
      path.resize(base);
    }
  }
}

void JsonCodec::decode_field(const FieldInfo& f, const json& value, capnp::DynamicStruct::Builder out,
                             std::string& path, DecodeReport& report) const {
  switch (f.shape) {
    case Shape::kStruct: {
      if (!value.is_object()) return type_error(report, path, value, f.type_name);
      auto child = out.init(f.field).as<capnp::DynamicStruct>();
      decode_struct(value, child, path, report);
      return;
    }
    case Shape::kIntOrString: {
      auto child = out.init(f.field).as<capnp::DynamicStruct>();
      int64_t i;
      if (value.is_string()) {
        child.set("str", capnp::Text::Reader(value.get_ref<const std::string&>().c_str()));
      } else if (json_to_int(value, i) && i >= INT32_MIN && i <= INT32_MAX) {
        child.set("int", static_cast<int32_t>(i));
      } else {
        type_error(report, path, value, "IntOrString");
      }
      return;
    }
    case Shape::kOptional: {
      Scalar s;
      to_scalar(f.optional_value_shape, f.optional_value.getType(), value, path, report, s);
      if (s.ok) out.get(f.field).as<capnp::DynamicStruct>().set(f.optional_value, s.value);
      return;
    }
    case Shape::kList: return decode_list(f, value, out, path, report);
    case Shape::kMap: return decode_map(f, value, out, path, report);
    default: {
      Scalar s;
      to_scalar(f.shape, f.field.getType(), value, path, report, s);
      if (s.ok) out.set(f.field, s.value);
      return;
    }
  }
}

void JsonCodec::decode_list(const FieldInfo& f, const json& value, capnp::DynamicStruct::Builder out,
                            std::string& path, DecodeReport& report) const {
  if (!value.is_array()) return type_error(report, path, value, f.type_name);
  auto list = out.init(f.field, static_cast<unsigned>(value.size())).as<capnp::DynamicList>();
  auto element_type = f.field.getType().asList().getElementType();
  const size_t base = path.size();
  for (unsigned i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    path += '[';
    path += std::to_string(i);
    path += ']';
    if (f.element_shape == Shape::kStruct) {
      if (item.is_object()) {
        decode_struct(item, list[i].as<capnp::DynamicStruct>(), path, report);
      } else if (!item.is_null()) {
        type_error(report, path, item, f.type_name.substr(2));
      }
    } else if (f.element_shape == Shape::kIntOrString) {
      auto child = list[i].as<capnp::DynamicStruct>();
      int64_t n;
      if (item.is_string()) child.set("str", capnp::Text::Reader(item.get_ref<const std::string&>().c_str()));
      // Range-checked as in decode_field: an out-of-range number used to be truncated to int32.
      else if (json_to_int(item, n) && n >= INT32_MIN && n <= INT32_MAX) child.set("int", static_cast<int32_t>(n));
      else type_error(report, path, item, "IntOrString");
    } else {
      Scalar s;
      to_scalar(f.element_shape, element_type, item, path, report, s);
      if (s.ok) list.set(i, s.value);
    }
    path.resize(base);
  }
}

void JsonCodec::decode_map(const FieldInfo& f, const json& value, capnp::DynamicStruct::Builder out,
                           std::string& path, DecodeReport& report) const {
  if (!value.is_object()) return type_error(report, path, value, f.type_name);
  const StructInfo& entry = model_.info(f.element_struct);
  if (entry.fields.size() < 2) return type_error(report, path, value, "map");
  const FieldInfo& key_field = entry.fields[0];
  const FieldInfo& value_field = entry.fields[1];
  // null values are dropped, as Go drops them when decoding into map[string]string... except
  // Go keeps the key with "" ; Kubernetes then stores "". Keep the key with an empty value.
  auto list = out.init(f.field, static_cast<unsigned>(value.size())).as<capnp::DynamicList>();
  const size_t base = path.size();
  unsigned i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    auto e = list[i].as<capnp::DynamicStruct>();
    e.set(key_field.field, capnp::Text::Reader(it.key().c_str(), it.key().size()));
    path += '[';
    path += it.key();
    path += ']';
    if (!it.value().is_null()) {
      if (value_field.shape == Shape::kStruct) {
        if (it.value().is_object()) decode_struct(it.value(), e.init(value_field.field).as<capnp::DynamicStruct>(), path, report);
        else type_error(report, path, it.value(), value_field.type_name);
      } else {
        decode_field(value_field, it.value(), e, path, report);
      }
    } else if (value_field.shape == Shape::kText) {
      e.set(value_field.field, capnp::Text::Reader(""));
    }
    path.resize(base);
  }
}

json JsonCodec::encode(capnp::DynamicStruct::Reader in) const { return encode_struct(in, 0); }

json JsonCodec::encode_struct(capnp::DynamicStruct::Reader in, int absent_depth) const {
  const StructInfo& info = model_.info(in.getSchema());
  json out = json::object();
  for (const auto& f : info.fields) {
    // Which fields are written follows Go (go_json_presence.hpp), as write_json does.
    const detail::FieldPresence p = detail::field_presence(f, in, absent_depth);
    if (p.presence == detail::Presence::kSkip) continue;
    if (p.presence == detail::Presence::kLiteral) {
      out[f.json_name] = json::parse(p.literal);
      continue;
    }
    switch (f.shape) {
      case Shape::kOptional: {
        auto group = in.get(f.field).as<capnp::DynamicStruct>();
        out[f.json_name] = encode_value(f.optional_value_shape, group.get(f.optional_value));
        break;
      }
      case Shape::kStruct: {
        const bool absent = !f.field.getProto().isGroup() && !in.has(f.field);
        out[f.json_name] = encode_struct(in.get(f.field).as<capnp::DynamicStruct>(), absent ? absent_depth + 1 : absent_depth);
        break;
      }
      case Shape::kList: {
        json arr = json::array();
        for (auto item : in.get(f.field).as<capnp::DynamicList>()) arr.push_back(encode_value(f.element_shape, item));
        out[f.json_name] = std::move(arr);
        break;
      }
      case Shape::kMap: {
        const StructInfo& entry = model_.info(f.element_struct);
        const FieldInfo& key_field = entry.fields[0];
        const FieldInfo& value_field = entry.fields[1];
        json obj = json::object();
        for (auto item : in.get(f.field).as<capnp::DynamicList>()) {
          auto e = item.as<capnp::DynamicStruct>();
          std::string key(e.get(key_field.field).as<capnp::Text>().cStr());
          if (value_field.shape == Shape::kList) {  // map[string][]string (user extra)
            json arr = json::array();
            for (auto v : e.get(value_field.field).as<capnp::DynamicList>()) arr.push_back(encode_value(value_field.element_shape, v));
            obj[key] = std::move(arr);
          } else {
            obj[key] = encode_value(value_field.shape, e.get(value_field.field));
          }
        }
        out[f.json_name] = std::move(obj);
        break;
      }
      default:
        out[f.json_name] = encode_value(f.shape, in.get(f.field));
        break;
    }
  }
  return out;
}

json JsonCodec::encode_value(Shape shape, capnp::DynamicValue::Reader value) const {
  switch (shape) {
    case Shape::kBool: return value.as<bool>();
    case Shape::kInt: return value.as<int64_t>();
    case Shape::kUInt: return value.as<uint64_t>();
    case Shape::kFloat: return value.as<double>();
    case Shape::kText:
    case Shape::kQuantity: {
      auto t = value.as<capnp::Text>();
      return std::string(t.begin(), t.size());
    }
    case Shape::kRawJson: {
      auto t = value.as<capnp::Text>();
      auto parsed = json::parse(t.begin(), t.end(), nullptr, false);
      return parsed.is_discarded() ? json(nullptr) : parsed;
    }
    case Shape::kData: {
      auto d = value.as<capnp::Data>();
      return base64_encode(d.begin(), d.size());
    }
    case Shape::kEnum: {
      KJ_IF_MAYBE(en, value.as<capnp::DynamicEnum>().getEnumerant()) {
        return std::string(en->getProto().getName().cStr());
      }
      return nullptr;
    }
    case Shape::kIntOrString: {
      auto s = value.as<capnp::DynamicStruct>();
      KJ_IF_MAYBE(which, s.which()) {
        if (which->getProto().getName() == "int") return s.get(*which).as<int32_t>();
        auto t = s.get(*which).as<capnp::Text>();
        return std::string(t.begin(), t.size());
      }
      return nullptr;
    }
    case Shape::kStruct: return encode_struct(value.as<capnp::DynamicStruct>(), 0);
    default: return nullptr;
  }
}

// ---- base64 -----------------------------------------------------------------------------------

std::string base64_encode(const void* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    uint32_t n = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == size) {
    uint32_t n = p[i] << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == size) {
    uint32_t n = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

bool base64_decode(std::string_view text, std::string& out, size_t& bad_offset) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  if (text.size() % 4 != 0) {
    bad_offset = text.size() - text.size() % 4;
    return false;
  }
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) { bad_offset = i + j; return false; }
      v[j] = value(c);
      if (v[j] < 0) { bad_offset = i + j; return false; }
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return true;
}

}  // namespace capstan::schema
