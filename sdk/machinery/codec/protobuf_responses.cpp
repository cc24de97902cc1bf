#include "capstan/machinery/codec/protobuf_responses.hpp"

#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"

namespace capstan::schema {

void encode_list_meta(std::string& out, uint32_t number, const ListMeta& meta) {
  // ListMeta is a Go value: always written; its strings too, remainingItemCount only when set.
  const size_t mark = pb::begin_message(out, number);
  pb::put_bytes_field(out, 1, meta.self_link);
  pb::put_bytes_field(out, 2, meta.resource_version);
  pb::put_bytes_field(out, 3, meta.continue_token);
  if (meta.remaining_item_count) pb::put_int_field(out, 4, *meta.remaining_item_count);
  pb::end_message(out, mark);
}

ProtobufListEncoder::ProtobufListEncoder(const ProtobufCodec& codec, const ListMeta& meta) : codec_(codec) {
  // The envelope's TypeMeta comes first but is known only at finish(): the list's message is
  // built here and wrapped then.
  encode_list_meta(out_, 1, meta);
  raw_mark_ = 0;
}

void ProtobufListEncoder::add(capnp::DynamicStruct::Reader item) {
  const size_t mark = pb::begin_message(out_, 2);
  codec_.encode(item, out_);
  pb::end_message(out_, mark);
}

void ProtobufListEncoder::add_encoded(std::string_view item_message) { pb::put_bytes_field(out_, 2, item_message); }

void ProtobufListEncoder::add_metadata(capnp::DynamicStruct::Reader item) {
  const StructInfo& info = codec_.model().info(item.getSchema());
  const size_t mark = pb::begin_message(out_, 2);
  if (info.metadata >= 0) {
    const size_t meta = pb::begin_message(out_, 1);
    codec_.encode(item.get(info.fields[info.metadata].field).as<capnp::DynamicStruct>(), out_);
    pb::end_message(out_, meta);
  }
  pb::end_message(out_, mark);
}

std::string ProtobufListEncoder::finish(std::string_view api_version, std::string_view list_kind) {
  return wrap_envelope(api_version, list_kind, out_);
}

std::string encode_partial_object_metadata(const ProtobufCodec& codec, capnp::DynamicStruct::Reader object) {
  const StructInfo& info = codec.model().info(object.getSchema());
  std::string out;
  const size_t raw = begin_envelope(out, "meta.k8s.io/v1", "PartialObjectMetadata");
  if (info.metadata >= 0) {
    const size_t meta = pb::begin_message(out, 1);
    codec.encode(object.get(info.fields[info.metadata].field).as<capnp::DynamicStruct>(), out);
    pb::end_message(out, meta);
  }
  end_envelope(out, raw);
  return out;
}

namespace {

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t int_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer() || it->is_number_unsigned()) return it->get<int64_t>();
  return 0;
}

}  // namespace

std::string encode_status(const nlohmann::json& status) {
  std::string out;
  const size_t raw = begin_envelope(out, "v1", "Status");
  ListMeta meta;
  if (auto m = status.find("metadata"); m != status.end() && m->is_object()) {
    meta.self_link = string_at(*m, "selfLink");
    meta.resource_version = string_at(*m, "resourceVersion");
    meta.continue_token = string_at(*m, "continue");
    if (auto r = m->find("remainingItemCount"); r != m->end() && r->is_number_integer()) meta.remaining_item_count = r->get<int64_t>();
  }
  encode_list_meta(out, 1, meta);
  pb::put_bytes_field(out, 2, string_at(status, "status"));
  pb::put_bytes_field(out, 3, string_at(status, "message"));
  pb::put_bytes_field(out, 4, string_at(status, "reason"));
  if (auto d = status.find("details"); d != status.end() && d->is_object()) {
    const size_t details = pb::begin_message(out, 5);
    pb::put_bytes_field(out, 1, string_at(*d, "name"));
    pb::put_bytes_field(out, 2, string_at(*d, "group"));
    pb::put_bytes_field(out, 3, string_at(*d, "kind"));
    if (auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
      for (const auto& c : *causes) {
        const size_t cause = pb::begin_message(out, 4);
        pb::put_bytes_field(out, 1, string_at(c, "reason"));
        pb::put_bytes_field(out, 2, string_at(c, "message"));
        pb::put_bytes_field(out, 3, string_at(c, "field"));
        pb::end_message(out, cause);
      }
    }
    pb::put_int_field(out, 5, static_cast<int32_t>(int_at(*d, "retryAfterSeconds")));
    pb::put_bytes_field(out, 6, string_at(*d, "uid"));
    pb::end_message(out, details);
  }
  pb::put_int_field(out, 6, static_cast<int32_t>(int_at(status, "code")));
  end_envelope(out, raw);
  return out;
}

std::string encode_watch_event_message(std::string_view type, std::string_view object) {
  std::string out;
  out.reserve(object.size() + type.size() + 16);
  pb::put_bytes_field(out, 1, type);
  const size_t mark = pb::begin_message(out, 2);  // RawExtension {raw = 1}
  pb::put_bytes_field(out, 1, object);
  pb::end_message(out, mark);
  return out;
}

std::string frame_length_delimited(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 4);
  const auto n = static_cast<uint32_t>(message.size());
  out += static_cast<char>((n >> 24) & 0xff);
  out += static_cast<char>((n >> 16) & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
  out.append(message.data(), message.size());
  return out;
}

std::string encode_watch_event(std::string_view type, std::string_view object) {
  return frame_length_delimited(encode_watch_event_message(type, object));
}

}  // namespace capstan::schema
