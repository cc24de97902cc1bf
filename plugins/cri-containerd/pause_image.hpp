#pragma once
// Capstan's own pod sandbox image: one layer holding the static `capstan-pause` binary as /pause,
// written as an OCI archive and imported into containerd when it is not there yet.

#include <string>

namespace capstan::cri {

constexpr const char* kPauseImage = "capstan.local/pause:1";

// The OCI archive bytes of `image_name` with `pause_binary`'s contents as /pause (entrypoint).
std::string pause_image_archive(const std::string& image_name, const std::string& pause_binary_contents);

}  // namespace capstan::cri
