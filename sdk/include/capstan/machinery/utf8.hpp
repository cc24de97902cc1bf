// UTF-8 helpers: make text safe to put into error messages / JSON strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace capstan::machinery {

// Length of the valid UTF-8 sequence that starts at in[i], a byte of 0x80 or more; 0 when it is not
// one (overlong encodings, surrogates and code points above U+10FFFF are invalid).
inline size_t utf8_sequence_length(std::string_view in, size_t i) {
  const auto c = static_cast<unsigned char>(in[i]);
  size_t len;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > in.size()) return 0;
  const auto c1 = static_cast<unsigned char>(in[i + 1]);
  if (c1 < lo || c1 > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    const auto ck = static_cast<unsigned char>(in[i + k]);
    if (ck < 0x80 || ck > 0xBF) return 0;
  }
  return len;
}

// Replaces every invalid UTF-8 byte with U+FFFD, like Go's encoding/json does when marshalling strings.
inline std::string sanitize_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      out.push_back(in[i++]);
    } else if (const size_t len = utf8_sequence_length(in, i)) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

inline bool is_valid_utf8(std::string_view in) {
  for (unsigned char c : in)
    if (c >= 0x80) return sanitize_utf8(in) == in;
  return true;
}

// Go's %q, approximately: double-quoted, with \" \\ and control characters escaped, invalid UTF-8 replaced; long
// input is truncated so a hostile 3 MB selector does not produce a 3 MB error message.
inline std::string quote(std::string_view in, size_t max_len = 256) {
  std::string out = "\"";
  const bool truncated = in.size() > max_len;
  if (truncated) in = in.substr(0, max_len);
  static const char* hex = "0123456789abcdef";
  for (char ch : sanitize_utf8(in)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out += truncated ? "\"..." : "\"";
  return out;
}

// For embedding input in messages without quotes (e.g. "found 'x'"): sanitized and truncated.
inline std::string excerpt(std::string_view in, size_t max_len = 256) {
  if (in.size() > max_len) return sanitize_utf8(in.substr(0, max_len)) + "...";
  return sanitize_utf8(in);
}

}  // namespace capstan::machinery
