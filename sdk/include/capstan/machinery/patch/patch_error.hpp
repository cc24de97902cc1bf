// PatchError: the single exception type every patch routine throws for a bad
// request, carrying the HTTP status the API server should answer with, so the
// caller can turn it into a metav1.Status without string matching.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace capstan::patch {

struct PatchError : std::runtime_error {
  // 400 BadRequest (malformed patch), 422 Invalid (failed test op / bad
  // path), 409 Conflict (server-side apply field-manager conflicts).
  int code;
  std::string reason;  // "BadRequest" | "Invalid" | "Conflict"
  // (field, message) pairs; for SSA conflicts field looks like ".spec.replicas".
  std::vector<std::pair<std::string, std::string>> causes;

  PatchError(int code, std::string reason, std::string message,
             std::vector<std::pair<std::string, std::string>> causes = {})
      : std::runtime_error(std::move(message)),
        code(code),
        reason(std::move(reason)),
        causes(std::move(causes)) {}
};

namespace detail {
// Every recursive walk is capped so hostile input cannot overflow the stack.
inline constexpr int kMaxDepth = 100;

[[noreturn]] inline void throw_bad_request(std::string message) {
  throw PatchError(400, "BadRequest", std::move(message));
}

inline void check_depth(int depth) {
  if (depth > kMaxDepth) {
    throw_bad_request("patch or object nesting exceeds the maximum depth of 100");
  }
}
}  // namespace detail

}  // namespace capstan::patch
