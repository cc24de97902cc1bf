#pragma once
// Field errors worded as k8s.io/apimachinery's field.Error renders them ("Invalid value: 5: must be
// ...", "Unsupported value: \"x\": supported values: \"a\", \"b\""), and the Go value renderings
// (%q, %#v) the batch validation messages embed. The field.Error constructors are the SDK's
// capstan/field_errors.hpp (go_quote is %q), the name rules are machinery's validation.hpp,
// and %#v of a label map is kinds-workloads' go_map.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../kinds-workloads/pod_spec.hpp"
#include "capstan/field_errors.hpp"
#include "capstan/k8s.capnp.h"
#include "capstan/machinery/validation.hpp"
#include "capstan/meta.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::batch_kinds {

using Causes = std::vector<sdk::FieldCause>;
using sdk::field::go_quote;  // %q of a string
using workloads::go_map;  // %#v of map[string]string

// field.Required, Invalid, NotSupported, ... are the SDK's (capstan/field_errors.hpp). A value
// passed to them is already rendered (go_quote(s), std::to_string(n), ...); "" renders nothing (OmitValue).
using sdk::field::duplicate;
using sdk::field::forbidden;
using sdk::field::invalid;
using sdk::field::not_supported;
using sdk::field::required;
using sdk::field::supported_values;
using sdk::field::too_long;
using sdk::field::too_many;

// %q of a []string: ["a" "b"]
std::string go_quote_list(const std::vector<std::string>& values);
// %#v of v1.LabelSelector and []int32.
std::string go_label_selector(meta::LabelSelector::Reader selector, bool present);
std::string go_int32_list(capnp::List<int32_t>::Reader values, bool present);

// "must be greater than or equal to 0" (ValidateNonnegativeField).
void non_negative(Causes& causes, const std::string& field, int64_t value);

}  // namespace capstan::batch_kinds
