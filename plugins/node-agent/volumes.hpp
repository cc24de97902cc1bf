#pragma once
// Pod volumes materialised on the node, as kubelet's volume plugins do, under
// <root>/<pod uid>/volumes/<plugin>/<volume name>:
//   emptyDir   a directory (medium Memory: a tmpfs mount, sizeLimit as its size);
//   hostPath   the node path itself, after the `type` check (DirectoryOrCreate, Directory,
//              FileOrCreate, File, Socket, CharDevice, BlockDevice);
//   configMap, secret, downwardAPI, projected
//              files written with kubelet's atomic writer: the payload lives in a timestamped
//              directory, `..data` points at it, and each top-level entry is a symlink through
//              `..data`, so an update is one rename(2) of `..data` and readers never see a mix of
//              old and new files. Secret volumes (and projected volumes holding secrets or tokens)
//              sit on a tmpfs mount when the agent may mount (root), so secrets never touch disk.
//   persistentVolumeClaim
//              the claim's PersistentVolume, when it is a CSI volume, through the node's CSI
//              driver (CsiNode): NodeStageVolume at the volume's global staging path (kubelet's
//              plugins/kubernetes.io/csi/<driver>/<sha256(handle)>/globalmount), then
//              NodePublishVolume at kubernetes.io~csi/<pv>/mount in the pod's tree. A claim not yet
//              bound fails setup (the pod waits, with a FailedMount event) until it is.
// teardown() unpublishes the pod's CSI volumes (and unstages those no other pod uses), then
// unmounts whatever the pod's tree still holds and removes it.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "container_config.hpp"

namespace capstan::agent {

struct MountSpec {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
};

// One CSI volume on this node: where it is staged and published.
struct CsiMount {
  std::string driver, volume_handle, staging_path, target_path, fs_type, access_mode;
  bool readonly = false;
  StringMap volume_attributes;
  std::vector<std::string> mount_options;
};

// The node side of CSI (NodeStage/NodePublish and their reverse), implemented by the agent over
// gRPC; an interface so the volume logic is tested without a driver. Each returns "" on success,
// otherwise the error as the driver said it.
class CsiNode {
 public:
  virtual ~CsiNode() = default;
  virtual std::string stage(const CsiMount& m) = 0;
  virtual std::string publish(const CsiMount& m) = 0;
  virtual std::string unpublish(const CsiMount& m) = 0;
  virtual std::string unstage(const CsiMount& m) = 0;
  // NodeExpandVolume of a published volume to `bytes` ("" also when the driver does not expand
  // on the node: nothing is left to do there).
  virtual std::string expand(const CsiMount& m, int64_t bytes) = 0;
};

// A node expansion done (or tried) during setup, for the agent to finish the claim's status and
// tell the pod and the claim (kubelet's FileSystemResizeSuccessful / FileSystemResizeFailed).
struct ClaimExpansion {
  std::string claim, pv_name, capacity;  // capacity: the PV's, the claim's status takes it
  std::string error;                     // empty: done
};

struct VolumeSetup {
  std::string error;   // non-empty: the first volume that failed, in kubelet's words
  std::string volume;  // its name
  bool unsupported = false;  // the failure is a volume type this node cannot provide
  bool pending = false;      // a claim is not bound yet
  std::map<std::string, std::string> paths;        // volume name -> host path
  std::map<std::string, bool> forced_readonly;     // API data volumes are always mounted read-only
  std::vector<ClaimExpansion> expansions;
};

class VolumeManager {
 public:
  // root: where pod directories live (<dataDir>/node-agent/pods). may_mount: try tmpfs mounts.
  VolumeManager(std::string root, bool may_mount);

  // Creates or refreshes every volume of the pod (idempotent; API data volumes are rewritten
  // atomically when their content changed).
  VolumeSetup setup(core::Pod::Reader pod, const ObjectSource& objects, const PodContext& ctx);

  // The runtime mounts of one container from its volumeMounts (subPath honoured and created).
  std::vector<MountSpec> mounts(core::Container::Reader container, const VolumeSetup& setup,
                                std::string& error) const;

  // Unmounts and removes everything of the pod. Safe to call for unknown uids. With `keep_staged`
  // (the agent stopping) CSI volumes are unpublished but stay staged for the next start.
  void teardown(const std::string& uid);

  // The CSI driver calls; without one, persistentVolumeClaim volumes are refused.
  void set_csi(CsiNode* csi) { csi_ = csi; }
  // kubelet's global staging path of a CSI volume.
  std::string staging_path(const std::string& driver, const std::string& volume_handle) const;

  std::string pod_dir(const std::string& uid) const { return root_ + "/" + uid; }
  const std::string& root() const { return root_; }

 private:
  bool mount_tmpfs(const std::string& dir, const std::string& size_option);
  bool setup_claim(const std::string& uid, const std::string& ns, const std::string& name, const std::string& claim,
                   bool readonly, const ObjectSource& objects, VolumeSetup& out);
  void teardown_csi(const std::string& uid);
  const std::string root_;
  const bool may_mount_;
  CsiNode* csi_ = nullptr;
};

// kubelet's AtomicWriter: makes `dir` hold exactly `files` (relative path -> (content, mode)).
// Returns false with `error` set on failure; does nothing when the content is unchanged.
struct FilePayload {
  std::string content;
  int mode = 0644;
};
bool write_atomic(const std::string& dir, const std::map<std::string, FilePayload>& files, std::string& error);

// A relative path inside a volume that stays inside it (no "..", not absolute, not empty).
bool safe_relative_path(const std::string& path);

}  // namespace capstan::agent
