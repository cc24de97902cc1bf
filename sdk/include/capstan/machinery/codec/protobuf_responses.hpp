#pragma once
// The protobuf forms of what the API answers besides single objects: lists (<Kind>List
// {metadata = 1 ListMeta, items = 2}), metav1.Status, watch events (metav1.WatchEvent
// {type = 1, object = 2 RawExtension} framed with a 4-byte big-endian length), and the metadata
// views kube-apiserver serves for `as=PartialObjectMetadata[List]`. Each envelope is the one Go's
// serializer writes; see protobuf_envelope.hpp.

#include <capnp/dynamic.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "capstan/machinery/codec/protobuf_codec.hpp"

namespace capstan::schema {

// metav1.ListMeta {selfLink = 1, resourceVersion = 2, continue = 3, remainingItemCount = 4}.
struct ListMeta {
  std::string self_link;
  std::string resource_version;
  std::string continue_token;
  std::optional<int64_t> remaining_item_count;
};

// Appends ListMeta as field `number` of the enclosing message.
void encode_list_meta(std::string& out, uint32_t number, const ListMeta& meta);

// Builds a list response item by item, so a large list is encoded straight from the stored
// objects without a second copy:
//   ProtobufListEncoder list(codec, meta);
//   for (...) list.add(object);
//   std::string body = list.finish("v1", "PodList");
class ProtobufListEncoder {
 public:
  ProtobufListEncoder(const ProtobufCodec& codec, const ListMeta& meta);
  // items: an object's message (throws ProtobufEncodeError as ProtobufCodec::encode does).
  void add(capnp::DynamicStruct::Reader item);
  // items: a message encoded before.
  void add_encoded(std::string_view item_message);
  // items: PartialObjectMetadata {metadata = 1} of the object (for PartialObjectMetadataList).
  void add_metadata(capnp::DynamicStruct::Reader item);
  // The enveloped list ("v1" + "ConfigMapList", "meta.k8s.io/v1" + "PartialObjectMetadataList").
  std::string finish(std::string_view api_version, std::string_view list_kind);

 private:
  const ProtobufCodec& codec_;
  std::string out_;
  size_t raw_mark_;
};

// meta.k8s.io/v1 PartialObjectMetadata {metadata = 1 ObjectMeta} of any object with a
// `metadata` field, enveloped.
std::string encode_partial_object_metadata(const ProtobufCodec& codec, capnp::DynamicStruct::Reader object);

// metav1.Status {metadata = 1 ListMeta, status = 2, message = 3, reason = 4, details = 5
// StatusDetails {name = 1, group = 2, kind = 3, causes = 4 StatusCause {reason = 1, message = 2,
// field = 3}, retryAfterSeconds = 5, uid = 6}, code = 6} from its JSON form (what the API layer
// builds for errors), enveloped as v1 Status.
std::string encode_status(const nlohmann::json& status);

// One watch event for a protobuf watch stream: the length frame followed by the bare WatchEvent
// message. `object` is the event's object as encode_object (or encode_status, for ERROR events)
// wrote it, envelope included: that is what client-go's watch decoder expects in the
// RawExtension.
std::string encode_watch_event(std::string_view type, std::string_view object);

// The WatchEvent message alone, and the 4-byte big-endian length framing of the stream.
std::string encode_watch_event_message(std::string_view type, std::string_view object);
std::string frame_length_delimited(std::string_view message);

}  // namespace capstan::schema
