#pragma once
// What the API answers, in the media type the request negotiated (negotiation.hpp): objects,
// lists, Tables, PartialObjectMetadata[List], watch events and Status errors, in JSON, YAML or
// protobuf. Objects come from their stored forms: the JSON text each revision carries, and its
// protobuf form, encoded from the Cap'n Proto bytes on first use and kept with the revision, so
// every protobuf reader and watcher of a revision shares one encoding as JSON readers share one
// text. Nothing here knows a particular kind.

#include <cstdint>
#include <string>
#include <vector>

#include "api/api_error.hpp"
#include "api/negotiation.hpp"
#include "schema/kind_registry.hpp"
#include "store/object.hpp"

namespace capstan::api {

struct Reply {
  int code = 200;
  std::string content_type;
  std::string body;
};

// The revision's protobuf form, encoded on first use (thread-safe) and kept with it.
const store::ProtobufForm& protobuf_form(const schema::KindRegistry& kinds, const schema::Kind& kind,
                                         const store::Object& object);

// JSON text -> YAML, as kube-apiserver's YAML serializer writes it (keys sorted).
std::string json_text_to_yaml(const std::string& json_text);

// A Status error in the media type the request's Accept allows for errors (JSON unless it
// prefers protobuf and the endpoint's kind has a protobuf form).
Reply error_reply(const ApiError& e, const std::string* accept, bool protobuf);

// Encodes one request's answers for one kind.
class ResponseEncoder {
 public:
  ResponseEncoder(const schema::KindRegistry& kinds, const schema::Kind& kind, Negotiated negotiated,
                  bool include_object);

  const Negotiated& negotiated() const { return negotiated_; }

  // A single object (get, or the result of a write). Throws ApiError (406) for a list form.
  Reply object(int code, const store::ObjectPtr& object) const;
  // A list with its resourceVersion and continue token. Throws ApiError (406) for a single form.
  Reply list(const std::vector<store::ObjectPtr>& items, uint64_t revision, const std::string& next) const;

  // Watch streams: the Content-Type, and each event framed for the stream (a JSON line, or a
  // length-prefixed protobuf WatchEvent). A Table watch sends its column definitions once.
  const char* stream_content_type() const;
  std::string watch_event(const char* type, const store::ObjectPtr& object);
  std::string watch_error(const ApiError& e) const;
  std::string watch_bookmark(uint64_t revision) const;

 private:
  std::string json_object(const store::ObjectPtr& object) const;
  std::string partial_json(const store::Object& object) const;
  std::string protobuf_object(const store::ObjectPtr& object) const;
  std::string json_list(const std::vector<store::ObjectPtr>& items, uint64_t revision, const std::string& next) const;
  std::string protobuf_list(const std::vector<store::ObjectPtr>& items, uint64_t revision, const std::string& next) const;
  Reply text_reply(int code, std::string json_text) const;

  const schema::KindRegistry& kinds_;
  const schema::Kind& kind_;
  Negotiated negotiated_;
  bool include_object_;
  bool columns_sent_ = false;
};

}  // namespace capstan::api
