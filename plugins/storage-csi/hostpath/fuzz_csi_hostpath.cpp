// libFuzzer target: the host-path driver's readers of text it does not write — /proc mountinfo
// lines (paths come from whoever mounted them, escapes included) and CreateVolume names turned into
// volume ids. Invariants: nothing crashes; an id is always a safe file name, the same for the same
// name, never containing '/'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hostpath_driver.hpp"
#include "node_mounts.hpp"

using namespace capstan::csi::hostpath;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& e : parse_mountinfo(text))
    if (e.fs_type.empty()) abort();
  const std::string id = volume_id_for(text);
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == ".." || id != volume_id_for(text)) abort();
  (void)volume_size(static_cast<int64_t>(size) << 20, static_cast<int64_t>(text.size() % 7) << 22);
  return 0;
}
