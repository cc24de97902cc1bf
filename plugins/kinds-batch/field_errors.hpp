#pragma once
// Field errors worded as k8s.io/apimachinery's field.Error renders them ("Invalid value: 5: must be
// ...", "Unsupported value: \"x\": supported values: \"a\", \"b\""), and the Go value renderings
// (%q, %#v) the batch validation messages embed. %q itself is machinery::quote, the name rules are
// machinery's validation.hpp, and %#v of a label map is kinds-workloads' go_map.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../kinds-workloads/pod_spec.hpp"
#include "capstan/k8s.capnp.h"
#include "capstan/machinery/validation.hpp"
#include "capstan/meta.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::batch_kinds {

using Causes = std::vector<sdk::FieldCause>;
using machinery::quote;  // %q of a string
using workloads::go_map;  // %#v of map[string]string

// %q of a []string: ["a" "b"]
std::string go_quote_list(const std::vector<std::string>& values);
// "supported values: \"a\", \"b\"" (field.NotSupported's detail).
std::string supported_values(const std::vector<std::string>& values);
// %#v of v1.LabelSelector and []int32.
std::string go_label_selector(meta::LabelSelector::Reader selector, bool present);
std::string go_int32_list(capnp::List<int32_t>::Reader values, bool present);

void required(Causes& causes, const std::string& field, const std::string& detail = "");
// `value` is already rendered (quote(s), std::to_string(n), ...); "" renders nothing (OmitValue).
void invalid(Causes& causes, const std::string& field, const std::string& value, const std::string& detail);
void not_supported(Causes& causes, const std::string& field, const std::string& value,
                   const std::vector<std::string>& supported);
void duplicate(Causes& causes, const std::string& field, const std::string& value);
void too_many(Causes& causes, const std::string& field, size_t actual, size_t max);
void too_long(Causes& causes, const std::string& field, size_t max);
void forbidden(Causes& causes, const std::string& field, const std::string& detail);
void non_negative(Causes& causes, const std::string& field, int64_t value);

}  // namespace capstan::batch_kinds
