#include "capstan/machinery/codec/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/utf8.hpp"
#include "go_json_presence.hpp"

namespace capstan::schema {

namespace {

constexpr char kHex[] = "0123456789abcdef";


void append_float(std::string& out, double v) {
  if (!std::isfinite(v)) {  // JSON cannot carry these; Go's encoder refuses them
    out += "null";
    return;
  }
  char buf[64];
  const double a = std::fabs(v);
  // As Go's encoding/json: plain notation unless very small or very large.
  const bool exponent = a != 0 && (a < 1e-6 || a >= 1e21);
  auto r = std::to_chars(buf, buf + sizeof buf, v, exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  const size_t n = text.size();
  if (exponent && n >= 4 && text[n - 4] == 'e' && text[n - 3] == '-' && text[n - 2] == '0') {
    // Go writes e-07 as e-7.
    out.append(text.substr(0, n - 2));
    out += text[n - 1];
    return;
  }
  out.append(text);
}

class Writer {
 public:
  Writer(const SchemaModel& model, const JsonWriteOptions& options, JsonText& result)
      : model_(model), options_(options), result_(result), out_(result.text) {}

  void root(capnp::DynamicStruct::Reader object) { write_struct(object, /*is_root=*/true); }

 private:
  void key(bool& first, const std::string& name) {
    if (!first) out_ += ',';
    first = false;
    append_json_string(out_, name);
    out_ += ':';
  }

  void write_struct(capnp::DynamicStruct::Reader in, bool is_root = false, bool is_root_metadata = false,
                    int absent_depth = 0) {
    const StructInfo& info = model_.info(in.getSchema());
    out_ += '{';
    bool first = true;
    for (size_t index : info.declaration_order) {
      const FieldInfo& f = info.fields[index];
      if (is_root_metadata && options_.resource_version_slot && f.json_name == "resourceVersion") {
        // The store fills the value in once it knows the revision.
        key(first, f.json_name);
        out_ += '"';
        result_.resource_version_at = out_.size();
        out_ += '"';
        continue;
      }
      // Which fields are written follows Go (go_json_presence.hpp), as JsonCodec::encode does.
      const detail::FieldPresence p = detail::field_presence(f, in, absent_depth);
      if (p.presence == detail::Presence::kSkip) continue;
      key(first, f.json_name);
      if (p.presence == detail::Presence::kLiteral) {
        out_ += p.literal;
        continue;
      }
      switch (f.shape) {
        case Shape::kOptional: {
          auto group = in.get(f.field).as<capnp::DynamicStruct>();
          write_value(f.optional_value_shape, group.get(f.optional_value));
          break;
        }
        case Shape::kStruct: {
          const bool absent = !f.field.getProto().isGroup() && !in.has(f.field);
          write_struct(in.get(f.field).as<capnp::DynamicStruct>(), false, is_root && f.json_name == "metadata",
                       absent ? absent_depth + 1 : absent_depth);
          break;
        }
        case Shape::kList:
          write_list(f.element_shape, in.get(f.field).as<capnp::DynamicList>());
          break;
        case Shape::kMap:
          write_map(f, in.get(f.field).as<capnp::DynamicList>());
          break;
        default:
          write_value(f.shape, in.get(f.field));
          break;
      }
    }
    out_ += '}';
  }

  void write_list(Shape element_shape, capnp::DynamicList::Reader items) {
    out_ += '[';
    bool first_item = true;
    for (auto item : items) {
      if (!first_item) out_ += ',';
      first_item = false;
      write_value(element_shape, item);
    }
    out_ += ']';
  }

  // A map is a JSON object with its keys sorted (as Go writes maps); of duplicate keys the last
  // entry wins, as when decoding.
  void write_map(const FieldInfo& f, capnp::DynamicList::Reader entries) {
    const StructInfo& entry = model_.info(f.element_struct);
    const FieldInfo& key_field = entry.fields[0];
    const FieldInfo& value_field = entry.fields[1];
    std::vector<std::pair<std::string_view, unsigned>> order;
    order.reserve(entries.size());
    for (unsigned i = 0; i < entries.size(); ++i) {
      auto t = entries[i].as<capnp::DynamicStruct>().get(key_field.field).as<capnp::Text>();
      order.emplace_back(std::string_view(t.begin(), t.size()), i);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out_ += '{';
    bool first = true;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() && order[i + 1].first == order[i].first) continue;
      if (!first) out_ += ',';
      first = false;
      append_json_string(out_, order[i].first);
      out_ += ':';
      auto e = entries[order[i].second].as<capnp::DynamicStruct>();
      if (value_field.shape == Shape::kList)  // map[string][]string (user extra)
        write_list(value_field.element_shape, e.get(value_field.field).as<capnp::DynamicList>());
      else
        write_value(value_field.shape, e.get(value_field.field));
    }
    out_ += '}';
  }

  void write_value(Shape shape, capnp::DynamicValue::Reader value) {
    switch (shape) {
      case Shape::kBool:
        out_ += value.as<bool>() ? "true" : "false";
        return;
      case Shape::kInt:
        out_ += std::to_string(value.as<int64_t>());
        return;
      case Shape::kUInt:
        out_ += std::to_string(value.as<uint64_t>());
        return;
      case Shape::kFloat:
        append_float(out_, value.as<double>());
        return;
      case Shape::kText:
      case Shape::kQuantity: {
        auto t = value.as<capnp::Text>();
        append_json_string(out_, std::string_view(t.begin(), t.size()));
        return;
      }
      case Shape::kRawJson: {
        auto t = value.as<capnp::Text>();
        // The decoders store canonical JSON text; anything else (a plugin's bad bytes) is null,
        // as JsonCodec::encode answers, so the output stays valid JSON.
        if (nlohmann::json::accept(t.begin(), t.end())) out_.append(t.begin(), t.size());
        else out_ += "null";
        return;
      }
      case Shape::kData: {
        auto d = value.as<capnp::Data>();
        out_ += '"';
        out_ += base64_encode(d.begin(), d.size());
        out_ += '"';
        return;
      }
      case Shape::kEnum: {
        KJ_IF_MAYBE(en, value.as<capnp::DynamicEnum>().getEnumerant()) {
          append_json_string(out_, en->getProto().getName().cStr());
          return;
        }
        out_ += "null";
        return;
      }
      case Shape::kIntOrString: {
        auto s = value.as<capnp::DynamicStruct>();
        KJ_IF_MAYBE(which, s.which()) {
          if (which->getProto().getName() == "int") {
            out_ += std::to_string(s.get(*which).as<int32_t>());
          } else {
            auto t = s.get(*which).as<capnp::Text>();
            append_json_string(out_, std::string_view(t.begin(), t.size()));
          }
          return;
        }
        out_ += "null";
        return;
      }
      case Shape::kStruct:
        write_struct(value.as<capnp::DynamicStruct>());
        return;
      default:
        out_ += "null";
        return;
    }
  }

  const SchemaModel& model_;
  const JsonWriteOptions& options_;
  JsonText& result_;
  std::string& out_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = machinery::utf8_sequence_length(s, i);
      if (len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
        // U+2028 and U+2029 are escaped, as Go does, so the text is also valid JavaScript.
        out.append(s.substr(plain, i - plain));
        out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 3;
        plain = i;
        continue;
      }
      if (len > 0) {
        i += len;
        continue;
      }
      out.append(s.substr(plain, i - plain));
      out += "\\ufffd";
      ++i;
      plain = i;
      continue;
    }
    out.append(s.substr(plain, i - plain));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:  // other control characters and, as Go escapes HTML, <, > and &
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        break;
    }
    ++i;
    plain = i;
  }
  out.append(s.substr(plain));
  out += '"';
}

JsonText write_json(const SchemaModel& model, capnp::DynamicStruct::Reader object, const JsonWriteOptions& options) {
  JsonText result;
  result.text.reserve(512);
  Writer(model, options, result).root(object);
  return result;
}

}  // namespace capstan::schema
