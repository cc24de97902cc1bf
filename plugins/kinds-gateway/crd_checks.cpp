#include "crd_checks.hpp"

#include <map>
#include <mutex>
#include <regex>

namespace capstan::gateway_kinds {

const char* const kHostnamePattern = R"(^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
const char* const kPreciseHostnamePattern = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
const char* const kGroupPattern = R"(^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
const char* const kKindPattern = R"(^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)";
const char* const kNamespacePattern = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)";
const char* const kSectionNamePattern = R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)";
const char* const kGatewayControllerPattern =
    R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$)";
const char* const kHeaderNamePattern = R"(^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$)";
const char* const kProtocolPattern =
    R"(^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$)";
const char* const kDurationPattern = R"(^([0-9]{1,5}(h|m|s|ms)){1,4}$)";

namespace {

// Compiled once per pattern; the CRD patterns are plain ECMAScript-compatible regular expressions
// (\x60 is the backquote).
const std::regex& compiled(const char* source) {
  static std::mutex mu;
  static std::map<const char*, std::regex> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(source);
  if (it == cache.end()) it = cache.emplace(source, std::regex(source, std::regex::ECMAScript)).first;
  return it->second;
}

}  // namespace

void pattern(Causes& c, const std::string& path, std::string_view value, const char* regex) {
  if (std::regex_search(value.begin(), value.end(), compiled(regex))) return;
  sdk::field::invalid(c, path, sdk::field::go_quote(value), path + " in body should match '" + regex + "'");
}

void enumeration(Causes& c, const std::string& path, std::string_view value, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (a == value) return;
  sdk::field::not_supported(c, path, sdk::field::go_quote(value), allowed);
}

void enumeration(Causes& c, const std::string& path, int64_t value, const std::vector<int64_t>& allowed) {
  std::string list;
  for (auto a : allowed) {
    if (a == value) return;
    list += (list.empty() ? "" : ", ") + std::to_string(a);
  }
  c.push_back({path, "FieldValueNotSupported", "Unsupported value: " + std::to_string(value) + ": supported values: " + list});
}

void min_length(Causes& c, const std::string& path, std::string_view value, size_t min) {
  if (value.size() >= min) return;
  sdk::field::invalid(c, path, sdk::field::go_quote(value),
                      path + " in body should be at least " + std::to_string(min) + " chars long");
}

void max_length(Causes& c, const std::string& path, std::string_view value, size_t max) {
  if (value.size() > max) sdk::field::too_long(c, path, max);
}

void range(Causes& c, const std::string& path, int64_t value, int64_t min, int64_t max) {
  if (value < min)
    sdk::field::invalid(c, path, std::to_string(value),
                        path + " in body should be greater than or equal to " + std::to_string(min));
  else if (value > max)
    sdk::field::invalid(c, path, std::to_string(value), path + " in body should be less than or equal to " + std::to_string(max));
}

void max_items(Causes& c, const std::string& path, size_t size, size_t max) {
  if (size > max) sdk::field::too_many(c, path, size, max);
}

void min_items(Causes& c, const std::string& path, size_t size, size_t min) {
  if (size < min)
    sdk::field::invalid(c, path, std::to_string(size), path + " in body should have at least " + std::to_string(min) + " items");
}

void cel(Causes& c, const std::string& path, const char* type, const std::string& message) {
  sdk::field::invalid(c, path, sdk::field::go_quote(type), message);
}

void name_of_type(Causes& c, const std::string& path, std::string_view value, size_t min, size_t max, const char* regex) {
  const size_t before = c.size();
  min_length(c, path, value, min);
  max_length(c, path, value, max);
  if (c.size() == before && regex) pattern(c, path, value, regex);
}

}  // namespace capstan::gateway_kinds
