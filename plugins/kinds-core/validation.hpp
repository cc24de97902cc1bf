#pragma once
// Validation helpers shared by the core kinds.

#include <string>
#include <string_view>
#include <vector>

#include "capstan/machinery/message.hpp"
#include "capstan/plugin.hpp"

namespace capstan::kinds {

// Empty when `key` is a valid ConfigMap/Secret key, else the Kubernetes message.
std::string validate_config_key(std::string_view key);

template <typename Entries>
void check_keys(const Entries& entries, const std::string& field, std::vector<sdk::FieldCause>& causes) {
  for (auto e : entries) {
    std::string key = e.getKey();
    auto problem = validate_config_key(key);
    if (!problem.empty()) causes.push_back({field, "FieldValueInvalid", "Invalid value: \"" + key + "\": " + problem});
  }
}

using machinery::Mutable;

}  // namespace capstan::kinds
