#pragma once
// Content negotiation as kube-apiserver does it (k8s.io/apiserver endpoints/handlers/negotiation):
// which media type answers a request given its Accept header, and which decodes its body given
// its Content-Type. docs/api-compatibility.md ("Content negotiation") lists the decisions.
//
// Accept is read as goautoneg reads it: clauses in descending q, then the ones naming a type
// before `*`; q=0 is not a refusal, only the least preferred. Each clause is tried against the
// media types the endpoint serves (JSON, YAML, protobuf — protobuf only for kinds with protobuf
// numbers) and its parameters: `as`/`g`/`v` ask for a transformed answer (Table only in JSON or
// YAML, as metav1.Table has no protobuf form; PartialObjectMetadata[List] in any of the three),
// `stream=watch` needs a media type with a stream form (not YAML). No clause matches: 406.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace capstan::api {

struct AcceptClause {
  std::string type, subtype;
  double q = 1.0;
  std::vector<std::pair<std::string, std::string>> params;  // q excluded, in order
  const std::string* param(std::string_view name) const;
};

// Parses an Accept header (malformed clauses are skipped) and orders it by preference.
std::vector<AcceptClause> parse_accept(std::string_view header);

enum class MediaType { kJson, kYaml, kProtobuf };

// What `as=` asked for.
enum class Transform { kNone, kTable, kPartialObjectMetadata, kPartialObjectMetadataList };

struct Negotiated {
  MediaType media = MediaType::kJson;
  Transform transform = Transform::kNone;
  std::string transform_version = "v1";  // meta.k8s.io/<v>: v1 or v1beta1
};

struct Endpoint {
  // The kind has a protobuf form: protobuf is among its standard media types.
  bool protobuf = true;
  // Table and PartialObjectMetadata[List] may be asked for (resource reads and writes). Errors
  // are negotiated without (DefaultEndpointRestrictions upstream): a clause with `as=` is skipped.
  bool transforms = true;
};

// The answer's form, or nullopt when nothing in the header is served (406 NotAcceptable).
// No Accept header (or an empty one) is JSON.
std::optional<Negotiated> negotiate_output(const std::string* accept, const Endpoint& endpoint);

// A Status error's form: the first clause without a transform that the server speaks; JSON
// when none (as WriteObjectNegotiated falls back to WriteRawJSON).
MediaType negotiate_error(const std::string* accept, bool protobuf);

// Watch streams: JSON or protobuf (YAML has no stream form). nullopt: 406.
std::optional<Negotiated> negotiate_stream(const std::string* accept, const Endpoint& endpoint);

// kube-apiserver's NotAcceptable messages: "only the following media types are accepted: ...".
std::string not_acceptable_message(bool protobuf, bool stream);
// The UnsupportedMediaType message for a body the endpoint cannot decode.
std::string unsupported_media_type_message(bool protobuf);

// The media type of a Content-Type header without its parameters, lower-cased; "" when absent.
std::string media_type_of(const std::string* content_type);

const char* content_type_of(MediaType media);

}  // namespace capstan::api
