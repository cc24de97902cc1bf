#pragma once
// Kubernetes resource quantities ("500m", "2.5", "64Mi", "1G", "1e3") read as numbers: the
// scheduler sums requests with them, the HorizontalPodAutoscaler controller compares usage with
// requests and targets.

#include <cstdint>
#include <optional>
#include <string_view>

namespace capstan::sdk {

// value * 1000, rounded up (resource.Quantity.MilliValue): CPU in millicores.
std::optional<int64_t> parse_milli(std::string_view quantity);
// value, rounded up (resource.Quantity.Value): memory in bytes, pod counts.
std::optional<int64_t> parse_value(std::string_view quantity);

}  // namespace capstan::sdk
