// libFuzzer target: the protobuf bodies the API layer decodes itself (meta_protobuf.hpp):
// DeleteOptions, and the bodies of action subresources (a deleting one shaped as Eviction, an
// assigning one as Binding). The first byte
// picks the decoder, the rest is the body. A body either decodes to a JSON object (which must
// serialize: valid UTF-8) or is refused with a 4xx ApiError whose message and causes are valid
// UTF-8; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/api_error.hpp"
#include "api/meta_protobuf.hpp"
#include "capstan/machinery/utf8.hpp"

using namespace capstan::api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    nlohmann::json out;
    switch (data[0] % 3) {
      case 0: out = decode_delete_options_protobuf(body); break;
      case 1: out = decode_action_protobuf(true, "Eviction", body); break;
      default: out = decode_action_protobuf(false, "Binding", body); break;
    }
    if (!out.is_object()) abort();
    (void)out.dump();
  } catch (const ApiError& e) {
    if (e.code < 400 || e.code >= 500) abort();
    if (!capstan::machinery::is_valid_utf8(e.what())) abort();
    for (const auto& c : e.causes)
      if (!capstan::machinery::is_valid_utf8(c.field) || !capstan::machinery::is_valid_utf8(c.message)) abort();
    (void)e.to_status_text();
  }
  return 0;
}
