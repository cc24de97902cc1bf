#pragma once
// The error every selector parse or validation failure throws. Its message is returned to the
// client verbatim in a 400 BadRequest Status, so it is always valid UTF-8, even when it quotes
// hostile input.

#include <stdexcept>

namespace capstan::selectors {

struct SelectorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace capstan::selectors
