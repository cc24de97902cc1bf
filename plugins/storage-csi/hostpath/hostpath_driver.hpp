#pragma once
// capstan-csi-hostpath: a CSI v1 driver whose volumes live on one node, each an XFS (or ext4) filesystem
// image (<root>/volumes/<id>/disk.img) loop-mounted at its staging path, so a volume can never
// hold more than it was created with. Online expansion grows the image and then the mounted
// filesystem. Every call is idempotent and answers with the spec's codes; what is staged and
// published is read from the kernel each time (see node_mounts.hpp), never from a cache.
//
// This header keeps gRPC out: the services live in hostpath_driver.cpp; main.cpp and the tests
// start them through serve().

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace capstan::csi::hostpath {

inline constexpr const char* kDriverName = "hostpath.csi.capstan.io";
// The topology key of the node a volume lives on (CSINode's topologyKeys, the PV's node affinity).
inline constexpr const char* kTopologyKey = "topology.hostpath.csi.capstan.io/node";

struct Options {
  std::string endpoint;      // unix socket path (or unix:///path)
  std::string root;          // where volume images live
  std::string node_id;       // this node's name
  std::string driver_name = kDriverName;
  int64_t max_volumes_per_node = 0;  // 0: no limit
};

// Serves until `stop` becomes true (checked every 200 ms) and returns 0, or returns non-zero with
// a message on stderr when the socket cannot be served.
int serve(const Options& options, const std::atomic<bool>& stop);

// The size an image gets for a capacity range: the required bytes (or the limit, or 1 GiB when
// neither is set) rounded up to whole MiB and at least kMinimumBytes. Returns -1 when the range
// cannot be satisfied (limit below required, or below the minimum).
inline constexpr int64_t kMinimumBytes = 16LL << 20;
int64_t volume_size(int64_t required_bytes, int64_t limit_bytes);

// The volume id for a CreateVolume name: the name itself when it is a safe file name (pvc-<uid>
// always is), otherwise "h-" + a hex digest of it.
std::string volume_id_for(const std::string& name);

}  // namespace capstan::csi::hostpath
