#include "pause_image.hpp"

#include "oci_archive.hpp"

namespace capstan::cri {

std::string pause_image_archive(const std::string& image_name, const std::string& pause_binary_contents) {
  std::vector<TarEntry> layer = {
      {"pause", TarEntry::Type::kFile, 0755, pause_binary_contents, ""},
  };
  ImageConfig config;
  config.entrypoint = {"/pause"};
  config.env.clear();
  return write_oci_archive({image_name}, write_tar(layer), config);
}

}  // namespace capstan::cri
