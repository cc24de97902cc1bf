#pragma once
// The Gateway API kinds are CRDs upstream: kube-apiserver checks them against the CRD's OpenAPI
// schema (pattern, enum, length, range, item counts) and its CEL rules (x-kubernetes-validations).
// These helpers word each failure as the apiextensions validators do, so a Capstan error reads as
// the one a cluster with the Gateway API CRDs installed gives:
//
//   spec.hostnames[0]: Invalid value: "Foo": spec.hostnames[0] in body should match '^(\*\.)?...$'
//   spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/field_errors.hpp"

namespace capstan::gateway_kinds {

using Causes = sdk::field::Causes;

// Patterns of the Gateway API's string types (apis/v1/shared_types.go, object_reference_types.go).
extern const char* const kHostnamePattern;
extern const char* const kPreciseHostnamePattern;
extern const char* const kGroupPattern;
extern const char* const kKindPattern;
extern const char* const kNamespacePattern;
extern const char* const kSectionNamePattern;
extern const char* const kGatewayControllerPattern;
extern const char* const kHeaderNamePattern;
extern const char* const kProtocolPattern;
extern const char* const kDurationPattern;

// OpenAPI schema checks; each adds at most one cause.
void pattern(Causes& c, const std::string& path, std::string_view value, const char* regex);
void enumeration(Causes& c, const std::string& path, std::string_view value, const std::vector<std::string>& allowed);
void enumeration(Causes& c, const std::string& path, int64_t value, const std::vector<int64_t>& allowed);
void min_length(Causes& c, const std::string& path, std::string_view value, size_t min);
void max_length(Causes& c, const std::string& path, std::string_view value, size_t max);
void range(Causes& c, const std::string& path, int64_t value, int64_t min, int64_t max);
void max_items(Causes& c, const std::string& path, size_t size, size_t max);
void min_items(Causes& c, const std::string& path, size_t size, size_t min);
// A failed CEL rule: `type` is the schema type of the value the rule is on ("object", "array", "string").
void cel(Causes& c, const std::string& path, const char* type, const std::string& message);

// A string of one of the named Gateway API types, with its length bounds and pattern.
void name_of_type(Causes& c, const std::string& path, std::string_view value, size_t min, size_t max,
                  const char* regex = nullptr);

}  // namespace capstan::gateway_kinds
