#pragma once
// Image archives into containerd's store with `ctr images import` (ctr ships with containerd):
// CRI has no import call. Images land in the "k8s.io" namespace, where the CRI plugin sees them.

#include <string>
#include <vector>

namespace capstan::cri {

// The image names in ctr's import output: one "unpacking NAME (sha256:...)...done" line per image.
std::vector<std::string> parse_ctr_import_output(const std::string& output);

// Runs `ctr --address SOCKET -n k8s.io images import --snapshotter SNAPSHOTTER PATH`; returns the
// names imported, or throws with ctr's message.
std::vector<std::string> ctr_import(const std::string& socket, const std::string& snapshotter, const std::string& path);

}  // namespace capstan::cri
