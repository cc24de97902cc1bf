#pragma once
// Kubernetes resource quantities ("500m", "1.5", "64Mi", "1G", "2e3") as the node agent needs
// them: CPU in millicores for cgroup shares and quota, memory in bytes for the limit, and
// divisions for resourceFieldRef.

#include <cstdint>
#include <optional>
#include <string_view>

namespace capstan::agent {

// The quantity's value as a long double (e.g. "500m" -> 0.5, "1Ki" -> 1024); nullopt if malformed.
std::optional<long double> parse_quantity(std::string_view text);
// value * 1000 rounded up (resource.Quantity.MilliValue).
std::optional<int64_t> quantity_milli(std::string_view text);
// value rounded up (resource.Quantity.Value).
std::optional<int64_t> quantity_value(std::string_view text);

}  // namespace capstan::agent
