// Internal: serialization helpers shared by the connection translation units. Light (no Beast).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.hpp"

namespace capstan::http::detail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

const char* reason_phrase(int status);
// Splits a raw target into decoded path and query parameters.
void parse_target(std::string_view target, std::string& path, HeaderList& query);
// Serializes the status line and headers (framing headers supplied by the caller are replaced).
// content_length < 0 means chunked.
std::string serialize_head(int status, const HeaderList& headers, long long content_length, bool keep_alive);
std::string encode_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
// Whole response for a Status error.
std::string error_response(int status, std::string_view reason, std::string_view message, bool keep_alive);

}  // namespace capstan::http::detail
