// libFuzzer target: JSON/YAML body decoding. Errors must be BodyError with valid UTF-8 messages; successful results
// must respect the depth limit and be serialisable (dump() throws on invalid UTF-8).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capstan/machinery/utf8.hpp"
#include "api/yaml_json.hpp"

using namespace capstan::api;

namespace {
void check(const nlohmann::json& j, const DecodeLimits& limits) {
  check_nesting(j, limits.max_depth);
  (void)j.dump();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeLimits limits;
  limits.max_depth = 32;
  try {
    check(decode_yaml(body, limits), limits);
  } catch (const BodyError& e) {
    if (!capstan::machinery::is_valid_utf8(e.what())) abort();
  }
  try {
    check(decode_json(body, limits), limits);
  } catch (const BodyError& e) {
    if (!capstan::machinery::is_valid_utf8(e.what())) abort();
  }
  return 0;
}
