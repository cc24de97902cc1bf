#pragma once
// A CSI v1 client (Identity, Controller and Node services) over a unix socket, for the provisioner
// and the node agent. Plain structs in, plain structs out: gRPC and the generated protobuf code stay
// in csi_client.cpp, so including this header costs nothing.
//
// Every call has a deadline (the client's timeout): a driver that hangs yields DEADLINE_EXCEEDED,
// never a stuck caller. Codes are gRPC's numbers (the CSI spec defines its errors in them).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace capstan::csi {

// gRPC status codes the CSI spec gives meaning to.
enum Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
};
const char* code_name(int code);

struct Status {
  int code = kOk;
  std::string message;
  bool ok() const { return code == kOk; }
  // "rpc error: code = NotFound desc = ..." as upstream's sidecars print a gRPC error.
  std::string describe() const;
};

using StringMap = std::map<std::string, std::string>;
using Topology = StringMap;  // segments

enum class AccessMode : int {
  Unknown = 0,
  SingleNodeWriter = 1,
  SingleNodeReaderOnly = 2,
  MultiNodeReaderOnly = 3,
  MultiNodeSingleWriter = 4,
  MultiNodeMultiWriter = 5,
  SingleNodeSingleWriter = 6,
  SingleNodeMultiWriter = 7,
};

struct VolumeCapability {
  bool block = false;            // raw block access; otherwise a mounted filesystem
  std::string fs_type;           // mount only
  std::vector<std::string> mount_flags;
  AccessMode mode = AccessMode::SingleNodeWriter;
};

struct PluginInfo {
  std::string name, vendor_version;
  StringMap manifest;
};

struct PluginCapabilities {
  bool controller_service = false;
  bool accessibility_constraints = false;
  enum class Expansion { None, Online, Offline } expansion = Expansion::None;
};

struct CreateVolumeRequest {
  std::string name;
  int64_t required_bytes = 0, limit_bytes = 0;  // 0: unset
  bool has_capacity_range = true;
  std::vector<VolumeCapability> capabilities;
  StringMap parameters, secrets;
  std::vector<Topology> requisite, preferred;
};

struct Volume {
  int64_t capacity_bytes = 0;
  std::string volume_id;
  StringMap volume_context;
  std::vector<Topology> accessible_topology;
};

struct NodeInfo {
  std::string node_id;
  int64_t max_volumes_per_node = 0;
  Topology accessible_topology;
};

struct StageRequest {
  std::string volume_id, staging_target_path;
  StringMap publish_context, volume_context, secrets;
  VolumeCapability capability;
  bool has_capability = true;
};

struct PublishRequest {
  std::string volume_id, staging_target_path, target_path;
  StringMap publish_context, volume_context, secrets;
  VolumeCapability capability;
  bool has_capability = true;
  bool readonly = false;
};

struct VolumeStats {
  int64_t bytes_total = 0, bytes_used = 0, bytes_available = 0;
  int64_t inodes_total = 0, inodes_used = 0, inodes_available = 0;
};

// The spec's capability enums, by number (ControllerServiceCapability.RPC.Type,
// NodeServiceCapability.RPC.Type).
enum ControllerCapability : int { kCreateDeleteVolume = 1, kPublishUnpublishVolume = 2, kExpandVolume = 9 };
enum NodeCapability : int { kStageUnstageVolume = 1, kGetVolumeStats = 2, kNodeExpandVolume = 3 };

class Client {
 public:
  // endpoint: a socket path or "unix:///path".
  Client(const std::string& endpoint, std::chrono::milliseconds timeout);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& endpoint() const { return endpoint_; }

  // Identity
  Status get_plugin_info(PluginInfo& out);
  Status get_plugin_capabilities(PluginCapabilities& out);
  Status probe(bool& ready);

  // Controller
  Status controller_get_capabilities(std::set<int>& out);
  Status create_volume(const CreateVolumeRequest& req, Volume& out);
  Status delete_volume(const std::string& volume_id, const StringMap& secrets = {});
  Status controller_expand_volume(const std::string& volume_id, int64_t required_bytes, int64_t limit_bytes,
                                  const VolumeCapability* capability, int64_t& capacity_bytes,
                                  bool& node_expansion_required);

  // Node
  Status node_get_info(NodeInfo& out);
  Status node_get_capabilities(std::set<int>& out);
  Status node_stage_volume(const StageRequest& req);
  Status node_unstage_volume(const std::string& volume_id, const std::string& staging_target_path);
  Status node_publish_volume(const PublishRequest& req);
  Status node_unpublish_volume(const std::string& volume_id, const std::string& target_path);
  Status node_expand_volume(const std::string& volume_id, const std::string& volume_path,
                            const std::string& staging_target_path, int64_t required_bytes, int64_t limit_bytes,
                            int64_t& capacity_bytes);
  Status node_get_volume_stats(const std::string& volume_id, const std::string& volume_path, VolumeStats& out);

 private:
  struct Impl;
  std::string endpoint_;
  std::unique_ptr<Impl> impl_;
};

// "unix:///path" for a path, unchanged when it already names a scheme.
std::string grpc_target(const std::string& endpoint);

}  // namespace capstan::csi
