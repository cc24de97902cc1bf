// Request-body decoding: JSON and YAML (as Kubernetes' sigs.k8s.io/yaml does) into nlohmann::json.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace capstan::api {

// Every failure to decode a request body. The message is returned to the client verbatim in a 400
// BadRequest Status (always valid UTF-8, even when it quotes hostile input).
struct BodyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// decode_body() with a Content-Type it cannot decode: callers answer 415 UnsupportedMediaType.
struct UnsupportedMediaType : BodyError {
  using BodyError::BodyError;
};

struct DecodeLimits {
  size_t max_bytes = 3 * 1024 * 1024;
  int max_depth = 100;  // containers nested deeper than this are rejected (100 nested arrays OK, 101 not)
};

// One JSON document, strict (no comments, no trailing data). Duplicate keys: the last one wins, as in Go.
// Errors (BodyError) say where: `json: cannot parse body: syntax error at byte 17 (line 2, column 5): ...`,
// `json: cannot parse body: nesting too deep (max 100) at byte 100`, `request body too large: ...`.
// Invalid UTF-8 inside strings is rejected (Go would substitute U+FFFD).
nlohmann::json decode_json(std::string_view body, const DecodeLimits& limits = {});

// A single YAML document -> JSON, matching sigs.k8s.io/yaml.YAMLToJSON (which uses gopkg.in/yaml.v2):
//  * plain scalars resolve as yaml.v2 does (YAML 1.1-ish): true/false/y/n/yes/no/on/off (all case variants yaml.v2
//    knows) -> bool  [upstream behaviour: `on: push` gives key "true", an unquoted `yes` value is a bool];
//    ~/null/Null/NULL/empty -> null; ints in decimal, 0x.., 0o.., 0b.., legacy octal 0755, `_` separators;
//    floats `1.5`, `.5`, `1e3`; .inf/.nan are rejected (JSON cannot carry them, json.Marshal fails upstream too);
//    timestamps stay strings; everything else, and every quoted scalar, is a string ("80" stays a string, 80 is a number).
//  * floats with an integral value in int64 range become JSON integers (Go marshals float64(1) as `1`).
//  * explicit tags !!str/!!int/!!float/!!bool/!!null are honoured; other tags are ignored (scalar -> string).
//  * map keys become strings (ints/bools/floats formatted as upstream); null/map/sequence keys are errors;
//    duplicate keys: last wins; merge keys `<<: *base` are supported (yaml.v2 semantics: later keys overwrite).
//  * anchors/aliases are expanded, capped: at most 1,000,000 nodes and 64 MiB of scalar text produced by alias
//    expansion (billion-laughs guard); the depth limit also applies to expanded aliases.
//  * empty input / only comments -> null. A second document -> BodyError("yaml: expected a single document")
//    (a trailing empty document, e.g. a final `---`, is tolerated). Upstream silently ignores later documents.
//  * strings with invalid UTF-8 get U+FFFD substitutions (as json.Marshal does upstream).
// Errors are BodyError `yaml: line N: <what>` (1-based line).
nlohmann::json decode_yaml(std::string_view body, const DecodeLimits& limits = {});

// By Content-Type (parameters such as `; charset=utf-8` ignored, case-insensitive):
//   application/json and any */*+json (merge-patch, json-patch, strategic-merge-patch...) -> decode_json;
//   application/yaml, application/x-yaml, text/yaml, any */*+yaml (apply-patch+yaml)    -> decode_yaml, except that a
//   body starting with '{' or '[' is first tried as JSON (falling back to YAML if that fails);
//   empty content type -> sniffed the same way as YAML;
//   anything else -> throws UnsupportedMediaType (a BodyError).
nlohmann::json decode_body(std::string_view content_type, std::string_view body, const DecodeLimits& limits = {});

// Deep nesting check used by other decoders: throws BodyError("nesting too deep (max <max_depth>)") when `value`
// has containers nested deeper than max_depth. Iterative (safe on arbitrarily deep values).
void check_nesting(const nlohmann::json& value, int max_depth = 100);

}  // namespace capstan::api
