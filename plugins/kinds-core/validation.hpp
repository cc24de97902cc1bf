#pragma once
// Validation helpers shared by the core kinds.

#include <string>
#include <string_view>
#include <vector>

#include "capstan/machinery/message.hpp"
#include "capstan/machinery/validation.hpp"
#include "capstan/plugin.hpp"

namespace capstan::kinds {

// Every key of a ConfigMap/Secret map must be a valid config key: one cause per problem.
template <typename Entries>
void check_keys(const Entries& entries, const std::string& field, std::vector<sdk::FieldCause>& causes) {
  for (auto e : entries) {
    const std::string_view key(e.getKey().cStr(), e.getKey().size());
    for (const auto& problem : machinery::is_config_map_key(key))
      causes.push_back({field, "FieldValueInvalid", "Invalid value: " + machinery::quote(key) + ": " + problem});
  }
}

using machinery::Mutable;

}  // namespace capstan::kinds
