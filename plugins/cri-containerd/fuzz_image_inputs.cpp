// Fuzz target for the plugin's decoders of outside input: image references written by users
// (normalizing is idempotent and never throws) and ctr's import output (names have no spaces).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ctr_import.hpp"
#include "image_ref.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const std::string once = capstan::cri::normalize_image_ref(text);
  if (capstan::cri::normalize_image_ref(once) != once) std::abort();
  for (const auto& name : capstan::cri::parse_ctr_import_output(text))
    if (name.empty() || name.find(' ') != std::string::npos) std::abort();
  return 0;
}
