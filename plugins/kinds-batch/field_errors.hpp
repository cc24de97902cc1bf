#pragma once
// Field errors worded as k8s.io/apimachinery's field.Error renders them ("Invalid value: 5: must be
// ...", "Unsupported value: \"x\": supported values: \"a\", \"b\""), and the Go value renderings
// (%q, %#v) the batch validation messages embed.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/k8s.capnp.h"
#include "capstan/meta.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::batch_kinds {

using Causes = std::vector<sdk::FieldCause>;

// Go's strconv.Quote for the ASCII the API carries (and %q of a string).
std::string go_quote(std::string_view s);
// %q of a []string: ["a" "b"]
std::string go_quote_list(const std::vector<std::string>& values);
// "supported values: \"a\", \"b\"" (field.NotSupported's detail).
std::string supported_values(const std::vector<std::string>& values);
// %#v of map[string]string, v1.LabelSelector and []int32.
std::string go_map(capnp::List<k8s::StringEntry>::Reader labels);
std::string go_label_selector(meta::LabelSelector::Reader selector, bool present);
std::string go_int32_list(capnp::List<int32_t>::Reader values, bool present);

void required(Causes& causes, const std::string& field, const std::string& detail = "");
// `value` is already rendered (go_quote(s), std::to_string(n), ...); "" renders nothing (OmitValue).
void invalid(Causes& causes, const std::string& field, const std::string& value, const std::string& detail);
void not_supported(Causes& causes, const std::string& field, const std::string& value,
                   const std::vector<std::string>& supported);
void duplicate(Causes& causes, const std::string& field, const std::string& value);
void too_many(Causes& causes, const std::string& field, size_t actual, size_t max);
void too_long(Causes& causes, const std::string& field, size_t max);
void forbidden(Causes& causes, const std::string& field, const std::string& detail);
void non_negative(Causes& causes, const std::string& field, int64_t value);

// Name rules (apimachinery validation): the message of the first problem, or "" when valid.
std::string dns1123_label_error(std::string_view s);
std::vector<std::string> dns1123_subdomain_errors(std::string_view s);
// IsQualifiedName's messages, one per problem.
std::vector<std::string> qualified_name_errors(std::string_view s);

}  // namespace capstan::batch_kinds
