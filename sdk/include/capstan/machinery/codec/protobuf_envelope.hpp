#pragma once
// The envelope Kubernetes puts around every protobuf object (k8s.io/apimachinery
// runtime/serializer/protobuf): the 4-byte magic `k8s\0`, then a runtime.Unknown
// {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4} whose
// raw field holds the object's message. Watch events are the exception: the stream carries bare
// WatchEvent messages, each framed with a 4-byte big-endian length (protobuf_responses.hpp).

#include <string>
#include <string_view>

namespace capstan::schema {

inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};
inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";
// The media type of a watch stream in protobuf.
inline constexpr std::string_view kProtobufStreamContentType = "application/vnd.kubernetes.protobuf;stream=watch";

struct ProtobufEnvelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;  // the object's message: a view into the body
  std::string content_encoding;
  std::string content_type;
};

// Parses magic + Unknown. False with a message on an empty body, a missing magic or a malformed
// Unknown (the messages follow Go's serializer: "provided data does not appear to be a protobuf
// message, expected prefix [107 56 115 0]").
bool parse_envelope(std::string_view body, ProtobufEnvelope& out, std::string& error);

// Appends the magic and the Unknown's TypeMeta, and opens its raw field: the caller appends the
// object's message and then calls end_envelope (which writes the empty contentEncoding and
// contentType, as Go does).
size_t begin_envelope(std::string& out, std::string_view api_version, std::string_view kind);
void end_envelope(std::string& out, size_t mark);

// magic + Unknown around an already encoded message.
std::string wrap_envelope(std::string_view api_version, std::string_view kind, std::string_view raw);

}  // namespace capstan::schema
