#include "capstan/machinery/codec/protobuf_envelope.hpp"

#include "capstan/machinery/codec/protobuf_wire.hpp"

namespace capstan::schema {

namespace {

bool read_string(const pb::Field& f, std::string& out, std::string& error, const char* what) {
  if (f.type != pb::WireType::kLen) {
    error = std::string("protobuf envelope: ") + what + " has wire type " + pb::wire_type_name(f.type);
    return false;
  }
  out.assign(f.bytes.data(), f.bytes.size());
  return true;
}

}  // namespace

bool parse_envelope(std::string_view body, ProtobufEnvelope& out, std::string& error) {
  out = ProtobufEnvelope{};
  if (body.empty()) {
    error = "empty data";
    return false;
  }
  if (body.size() < kProtobufMagic.size() || body.substr(0, kProtobufMagic.size()) != kProtobufMagic) {
    error = "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]";
    return false;
  }
  if (body.size() == kProtobufMagic.size()) {
    error = "empty body";
    return false;
  }
  pb::Reader r(body.substr(kProtobufMagic.size()));
  pb::Field f;
  while (r.next(f)) {
    switch (f.number) {
      case 1: {  // typeMeta; repeated occurrences merge, as proto2 messages do
        if (f.type != pb::WireType::kLen) {
          error = std::string("protobuf envelope: typeMeta has wire type ") + pb::wire_type_name(f.type);
          return false;
        }
        pb::Reader t(f.bytes);
        pb::Field tf;
        while (t.next(tf)) {
          if (tf.number == 1 && !read_string(tf, out.api_version, error, "typeMeta.apiVersion")) return false;
          if (tf.number == 2 && !read_string(tf, out.kind, error, "typeMeta.kind")) return false;
        }
        if (!t.error().empty()) {
          error = "protobuf envelope: typeMeta: " + t.error();
          return false;
        }
        break;
      }
      case 2:
        if (f.type != pb::WireType::kLen) {
          error = std::string("protobuf envelope: raw has wire type ") + pb::wire_type_name(f.type);
          return false;
        }
        out.raw = f.bytes;
        break;
      case 3:
        if (!read_string(f, out.content_encoding, error, "contentEncoding")) return false;
        break;
      case 4:
        if (!read_string(f, out.content_type, error, "contentType")) return false;
        break;
      default: break;  // unknown fields of Unknown are skipped
    }
  }
  if (!r.error().empty()) {
    error = "protobuf envelope: " + r.error();
    return false;
  }
  return true;
}

size_t begin_envelope(std::string& out, std::string_view api_version, std::string_view kind) {
  out.append(kProtobufMagic.data(), kProtobufMagic.size());
  const size_t type_meta = pb::begin_message(out, 1);
  pb::put_bytes_field(out, 1, api_version);
  pb::put_bytes_field(out, 2, kind);
  pb::end_message(out, type_meta);
  return pb::begin_message(out, 2);
}

void end_envelope(std::string& out, size_t mark) {
  pb::end_message(out, mark);
  pb::put_bytes_field(out, 3, "");
  pb::put_bytes_field(out, 4, "");
}

std::string wrap_envelope(std::string_view api_version, std::string_view kind, std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + api_version.size() + kind.size() + 24);
  const size_t mark = begin_envelope(out, api_version, kind);
  out.append(raw.data(), raw.size());
  end_envelope(out, mark);
  return out;
}

}  // namespace capstan::schema
