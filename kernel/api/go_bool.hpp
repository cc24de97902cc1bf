#pragma once

#include <optional>
#include <string_view>

namespace capstan::api {

// Go's strconv.ParseBool: accepts 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False; anything else -> nullopt.
// (Used for query parameters such as ?watch=, ?allowWatchBookmarks=, ?sendInitialEvents=.)
std::optional<bool> parse_go_bool(std::string_view s);

}  // namespace capstan::api
