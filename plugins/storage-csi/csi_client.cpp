#include "csi_client.hpp"

#include <grpcpp/grpcpp.h>

#include "csi.grpc.pb.h"

namespace capstan::csi {
namespace pb = ::csi::v1;

const char* code_name(int code) {
  switch (code) {
    case kOk: return "OK";
    case kCancelled: return "Canceled";
    case kUnknown: return "Unknown";
    case kInvalidArgument: return "InvalidArgument";
    case kDeadlineExceeded: return "DeadlineExceeded";
    case kNotFound: return "NotFound";
    case kAlreadyExists: return "AlreadyExists";
    case kPermissionDenied: return "PermissionDenied";
    case kResourceExhausted: return "ResourceExhausted";
    case kFailedPrecondition: return "FailedPrecondition";
    case kAborted: return "Aborted";
    case kOutOfRange: return "OutOfRange";
    case kUnimplemented: return "Unimplemented";
    case kInternal: return "Internal";
    case kUnavailable: return "Unavailable";
    case 15: return "DataLoss";
    case 16: return "Unauthenticated";
  }
  return "Unknown";
}

std::string Status::describe() const {
  if (ok()) return "OK";
  return std::string("rpc error: code = ") + code_name(code) + " desc = " + message;
}

std::string grpc_target(const std::string& endpoint) {
  if (endpoint.find("://") != std::string::npos || endpoint.rfind("unix:", 0) == 0) return endpoint;
  return "unix://" + endpoint;
}

namespace {

Status from(const grpc::Status& s) { return Status{static_cast<int>(s.error_code()), s.error_message()}; }

void fill_map(google::protobuf::Map<std::string, std::string>* dst, const StringMap& src) {
  for (const auto& [k, v] : src) (*dst)[k] = v;
}
StringMap to_map(const google::protobuf::Map<std::string, std::string>& src) { return StringMap(src.begin(), src.end()); }

void fill_capability(pb::VolumeCapability* dst, const VolumeCapability& c) {
  if (c.block) {
    dst->mutable_block();
  } else {
    auto* m = dst->mutable_mount();
    m->set_fs_type(c.fs_type);
    for (const auto& f : c.mount_flags) m->add_mount_flags(f);
  }
  dst->mutable_access_mode()->set_mode(static_cast<pb::VolumeCapability::AccessMode::Mode>(c.mode));
}

}  // namespace

struct Client::Impl {
  std::chrono::milliseconds timeout;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Identity::Stub> identity;
  std::unique_ptr<pb::Controller::Stub> controller;
  std::unique_ptr<pb::Node::Stub> node;

  void arm(grpc::ClientContext& ctx) const {
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    // A driver restarting (socket not yet there) is waited for within the deadline, as the
    // sidecars' connection logic does, instead of failing at once.
    ctx.set_wait_for_ready(true);
  }
};

Client::Client(const std::string& endpoint, std::chrono::milliseconds timeout) : endpoint_(endpoint), impl_(new Impl) {
  impl_->timeout = timeout;
  grpc::ChannelArguments args;
  // Reconnect quickly after a driver restart; the default back-off grows to two minutes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  impl_->channel = grpc::CreateCustomChannel(grpc_target(endpoint), grpc::InsecureChannelCredentials(), args);
  impl_->identity = pb::Identity::NewStub(impl_->channel);
  impl_->controller = pb::Controller::NewStub(impl_->channel);
  impl_->node = pb::Node::NewStub(impl_->channel);
}

Client::~Client() = default;

Status Client::get_plugin_info(PluginInfo& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::GetPluginInfoRequest req;
  pb::GetPluginInfoResponse resp;
  auto s = impl_->identity->GetPluginInfo(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out.name = resp.name();
  out.vendor_version = resp.vendor_version();
  out.manifest = to_map(resp.manifest());
  return {};
}

Status Client::get_plugin_capabilities(PluginCapabilities& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::GetPluginCapabilitiesRequest req;
  pb::GetPluginCapabilitiesResponse resp;
  auto s = impl_->identity->GetPluginCapabilities(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out = {};
  for (const auto& c : resp.capabilities()) {
    if (c.has_service()) {
      if (c.service().type() == pb::PluginCapability::Service::CONTROLLER_SERVICE) out.controller_service = true;
      if (c.service().type() == pb::PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS)
        out.accessibility_constraints = true;
    } else if (c.has_volume_expansion()) {
      if (c.volume_expansion().type() == pb::PluginCapability::VolumeExpansion::ONLINE)
        out.expansion = PluginCapabilities::Expansion::Online;
      else if (c.volume_expansion().type() == pb::PluginCapability::VolumeExpansion::OFFLINE &&
               out.expansion == PluginCapabilities::Expansion::None)
        out.expansion = PluginCapabilities::Expansion::Offline;
    }
  }
  return {};
}

Status Client::probe(bool& ready) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::ProbeRequest req;
  pb::ProbeResponse resp;
  auto s = impl_->identity->Probe(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  // The spec: an unset `ready` means ready.
  ready = !resp.has_ready() || resp.ready().value();
  return {};
}

Status Client::controller_get_capabilities(std::set<int>& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::ControllerGetCapabilitiesRequest req;
  pb::ControllerGetCapabilitiesResponse resp;
  auto s = impl_->controller->ControllerGetCapabilities(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out.clear();
  for (const auto& c : resp.capabilities())
    if (c.has_rpc()) out.insert(c.rpc().type());
  return {};
}

Status Client::create_volume(const CreateVolumeRequest& r, Volume& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::CreateVolumeRequest req;
  pb::CreateVolumeResponse resp;
  req.set_name(r.name);
  if (r.has_capacity_range && (r.required_bytes || r.limit_bytes)) {
    req.mutable_capacity_range()->set_required_bytes(r.required_bytes);
    req.mutable_capacity_range()->set_limit_bytes(r.limit_bytes);
  }
  for (const auto& c : r.capabilities) fill_capability(req.add_volume_capabilities(), c);
  fill_map(req.mutable_parameters(), r.parameters);
  fill_map(req.mutable_secrets(), r.secrets);
  if (!r.requisite.empty() || !r.preferred.empty()) {
    auto* a = req.mutable_accessibility_requirements();
    for (const auto& t : r.requisite) fill_map(a->add_requisite()->mutable_segments(), t);
    for (const auto& t : r.preferred) fill_map(a->add_preferred()->mutable_segments(), t);
  }
  auto s = impl_->controller->CreateVolume(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  const auto& v = resp.volume();
  out.capacity_bytes = v.capacity_bytes();
  out.volume_id = v.volume_id();
  out.volume_context = to_map(v.volume_context());
  out.accessible_topology.clear();
  for (const auto& t : v.accessible_topology()) out.accessible_topology.push_back(to_map(t.segments()));
  return {};
}

Status Client::delete_volume(const std::string& volume_id, const StringMap& secrets) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::DeleteVolumeRequest req;
  pb::DeleteVolumeResponse resp;
  req.set_volume_id(volume_id);
  fill_map(req.mutable_secrets(), secrets);
  return from(impl_->controller->DeleteVolume(&ctx, req, &resp));
}

Status Client::controller_expand_volume(const std::string& volume_id, int64_t required_bytes, int64_t limit_bytes,
                                        const VolumeCapability* capability, int64_t& capacity_bytes,
                                        bool& node_expansion_required) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::ControllerExpandVolumeRequest req;
  pb::ControllerExpandVolumeResponse resp;
  req.set_volume_id(volume_id);
  req.mutable_capacity_range()->set_required_bytes(required_bytes);
  req.mutable_capacity_range()->set_limit_bytes(limit_bytes);
  if (capability) fill_capability(req.mutable_volume_capability(), *capability);
  auto s = impl_->controller->ControllerExpandVolume(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  capacity_bytes = resp.capacity_bytes();
  node_expansion_required = resp.node_expansion_required();
  return {};
}

Status Client::node_get_info(NodeInfo& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeGetInfoRequest req;
  pb::NodeGetInfoResponse resp;
  auto s = impl_->node->NodeGetInfo(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out.node_id = resp.node_id();
  out.max_volumes_per_node = resp.max_volumes_per_node();
  out.accessible_topology = resp.has_accessible_topology() ? to_map(resp.accessible_topology().segments()) : Topology{};
  return {};
}

Status Client::node_get_capabilities(std::set<int>& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeGetCapabilitiesRequest req;
  pb::NodeGetCapabilitiesResponse resp;
  auto s = impl_->node->NodeGetCapabilities(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out.clear();
  for (const auto& c : resp.capabilities())
    if (c.has_rpc()) out.insert(c.rpc().type());
  return {};
}

Status Client::node_stage_volume(const StageRequest& r) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeStageVolumeRequest req;
  pb::NodeStageVolumeResponse resp;
  req.set_volume_id(r.volume_id);
  req.set_staging_target_path(r.staging_target_path);
  fill_map(req.mutable_publish_context(), r.publish_context);
  fill_map(req.mutable_volume_context(), r.volume_context);
  fill_map(req.mutable_secrets(), r.secrets);
  if (r.has_capability) fill_capability(req.mutable_volume_capability(), r.capability);
  return from(impl_->node->NodeStageVolume(&ctx, req, &resp));
}

Status Client::node_unstage_volume(const std::string& volume_id, const std::string& staging_target_path) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeUnstageVolumeRequest req;
  pb::NodeUnstageVolumeResponse resp;
  req.set_volume_id(volume_id);
  req.set_staging_target_path(staging_target_path);
  return from(impl_->node->NodeUnstageVolume(&ctx, req, &resp));
}

Status Client::node_publish_volume(const PublishRequest& r) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodePublishVolumeRequest req;
  pb::NodePublishVolumeResponse resp;
  req.set_volume_id(r.volume_id);
  req.set_staging_target_path(r.staging_target_path);
  req.set_target_path(r.target_path);
  req.set_readonly(r.readonly);
  fill_map(req.mutable_publish_context(), r.publish_context);
  fill_map(req.mutable_volume_context(), r.volume_context);
  fill_map(req.mutable_secrets(), r.secrets);
  if (r.has_capability) fill_capability(req.mutable_volume_capability(), r.capability);
  return from(impl_->node->NodePublishVolume(&ctx, req, &resp));
}

Status Client::node_unpublish_volume(const std::string& volume_id, const std::string& target_path) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeUnpublishVolumeRequest req;
  pb::NodeUnpublishVolumeResponse resp;
  req.set_volume_id(volume_id);
  req.set_target_path(target_path);
  return from(impl_->node->NodeUnpublishVolume(&ctx, req, &resp));
}

Status Client::node_expand_volume(const std::string& volume_id, const std::string& volume_path,
                                  const std::string& staging_target_path, int64_t required_bytes, int64_t limit_bytes,
                                  int64_t& capacity_bytes) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeExpandVolumeRequest req;
  pb::NodeExpandVolumeResponse resp;
  req.set_volume_id(volume_id);
  req.set_volume_path(volume_path);
  req.set_staging_target_path(staging_target_path);
  req.mutable_capacity_range()->set_required_bytes(required_bytes);
  req.mutable_capacity_range()->set_limit_bytes(limit_bytes);
  auto s = impl_->node->NodeExpandVolume(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  capacity_bytes = resp.capacity_bytes();
  return {};
}

Status Client::node_get_volume_stats(const std::string& volume_id, const std::string& volume_path, VolumeStats& out) {
  grpc::ClientContext ctx;
  impl_->arm(ctx);
  pb::NodeGetVolumeStatsRequest req;
  pb::NodeGetVolumeStatsResponse resp;
  req.set_volume_id(volume_id);
  req.set_volume_path(volume_path);
  auto s = impl_->node->NodeGetVolumeStats(&ctx, req, &resp);
  if (!s.ok()) return from(s);
  out = {};
  for (const auto& u : resp.usage()) {
    if (u.unit() == pb::VolumeUsage::BYTES) {
      out.bytes_total = u.total();
      out.bytes_used = u.used();
      out.bytes_available = u.available();
    } else if (u.unit() == pb::VolumeUsage::INODES) {
      out.inodes_total = u.total();
      out.inodes_used = u.used();
      out.inodes_available = u.available();
    }
  }
  return {};
}

}  // namespace capstan::csi
