#pragma once
// Resource quantities: the SDK's (capstan/quantity.hpp), shared with the HPA controller.

#include "capstan/quantity.hpp"

namespace capstan::scheduler {

using sdk::parse_milli;
using sdk::parse_value;

}  // namespace capstan::scheduler
