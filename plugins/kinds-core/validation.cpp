#include "validation.hpp"

namespace capstan::kinds {

std::string validate_config_key(std::string_view key) {
  bool ok = !key.empty() && key.size() <= 253 && key != "." && key != "..";
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) ok = false;
  if (ok) return {};
  if (key == "." || key == "..") return "must not be '.' or '..'";
  return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
         "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
}

}  // namespace capstan::kinds
