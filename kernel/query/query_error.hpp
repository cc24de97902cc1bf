// capstan::query — parsing of request query parameters (label/field selectors, booleans) and request bodies.
#pragma once

#include <stdexcept>

namespace capstan::query {

// Every parse/validation failure in this library. The message is meant to be returned to the client verbatim in a
// 400 BadRequest Status (messages are always valid UTF-8, even when they quote hostile input).
struct QueryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// decode_body() with a Content-Type it cannot decode. Callers may map this to 415 UnsupportedMediaType; it is still a
// QueryError so a plain `catch (const QueryError&)` -> 400 works too.
struct UnsupportedMediaType : QueryError {
  using QueryError::QueryError;
};

}  // namespace capstan::query
