#pragma once
// Reads Capstan's schema annotations (sdk/schema/capstan/k8s.capnp) off run-time schemas.
// The ids are ABI: they are written in k8s.capnp and must never change.

#include <capnp/schema.h>

#include <cstdint>
#include <optional>
#include <string>

namespace capstan::schema {

namespace annotation_id {
inline constexpr uint64_t kJsonName = 0x9e5ab4a799358e3cull;
inline constexpr uint64_t kMap = 0x8b995b5a50f2e778ull;
inline constexpr uint64_t kQuantity = 0xa2b42106d6c4f364ull;
inline constexpr uint64_t kRawJson = 0xb77163e7d63e7424ull;
inline constexpr uint64_t kOptional = 0xf038ec6ebbc0e90full;
inline constexpr uint64_t kIntOrString = 0x8983158aaf64b6d7ull;
inline constexpr uint64_t kDoc = 0xc7d77c3f403ababdull;
inline constexpr uint64_t kRequired = 0xde57f786b22f3779ull;
inline constexpr uint64_t kPatchMergeKey = 0x808006c7c9099bb1ull;
inline constexpr uint64_t kPatchStrategy = 0xfcfeafc3238d591bull;
inline constexpr uint64_t kListType = 0x8dbc0e1320eb09cfull;
inline constexpr uint64_t kListMapKeys = 0x9b5be2c697f25b75ull;
inline constexpr uint64_t kEmbeddedObject = 0xeeaf66ab6c9a6cb6ull;
// Protobuf wire mapping (docs/protobuf.md).
inline constexpr uint64_t kProto = 0xaae88ea4ffa82d1bull;
inline constexpr uint64_t kProtoEmbedded = 0x863300232a570e62ull;
inline constexpr uint64_t kNullable = 0x89b5090e05857e1dull;
inline constexpr uint64_t kNotNullable = 0xf77377cd198b7bdfull;
inline constexpr uint64_t kTime = 0xa79828b048e6053aull;
inline constexpr uint64_t kMicroTime = 0xb4482c55ae743320ull;
inline constexpr uint64_t kDuration = 0xaae4619da8522963ull;
}  // namespace annotation_id

// True when the annotation list carries `id`.
bool has_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations, uint64_t id);
// The Text value of annotation `id`, if present.
std::optional<std::string> text_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations,
                                           uint64_t id);
// The unsigned integer value of annotation `id` (UInt8..UInt64), if present.
std::optional<uint64_t> uint_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations, uint64_t id);

}  // namespace capstan::schema
