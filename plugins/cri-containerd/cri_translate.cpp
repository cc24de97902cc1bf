#include "cri_translate.hpp"

#include <map>

#include "image_ref.hpp"

namespace capstan::cri {
namespace pb = ::runtime::v1;

namespace {

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

void to_map(capnp::List<rt::KeyValue>::Reader in, google::protobuf::Map<std::string, std::string>* out) {
  for (auto kv : in) (*out)[str(kv.getKey())] = str(kv.getValue());
}

// Maps come back in hash order; sort them so answers are stable.
void from_map(const google::protobuf::Map<std::string, std::string>& in, capnp::List<rt::KeyValue>::Builder out) {
  std::map<std::string, std::string> sorted(in.begin(), in.end());
  unsigned i = 0;
  for (const auto& [k, v] : sorted) {
    out[i].setKey(k);
    out[i].setValue(v);
    ++i;
  }
}

void to_cri(rt::PodSandboxMetadata::Reader in, pb::PodSandboxMetadata* out) {
  out->set_name(str(in.getName()));
  out->set_uid(str(in.getUid()));
  out->set_namespace_(str(in.getNamespace()));
  out->set_attempt(in.getAttempt());
}

void from_cri(const pb::PodSandboxMetadata& in, rt::PodSandboxMetadata::Builder out) {
  out.setName(in.name());
  out.setUid(in.uid());
  out.setNamespace(in.namespace_());
  out.setAttempt(in.attempt());
}

rt::PodSandboxState sandbox_state(pb::PodSandboxState s) {
  return s == pb::SANDBOX_READY ? rt::PodSandboxState::SANDBOX_READY : rt::PodSandboxState::SANDBOX_NOTREADY;
}

rt::ContainerState container_state(pb::ContainerState s) {
  switch (s) {
    case pb::CONTAINER_CREATED: return rt::ContainerState::CONTAINER_CREATED;
    case pb::CONTAINER_RUNNING: return rt::ContainerState::CONTAINER_RUNNING;
    case pb::CONTAINER_EXITED: return rt::ContainerState::CONTAINER_EXITED;
    default: return rt::ContainerState::CONTAINER_UNKNOWN;
  }
}

}  // namespace

pb::Protocol protocol_from_text(const std::string& p) {
  if (p == "UDP" || p == "udp") return pb::UDP;
  if (p == "SCTP" || p == "sctp") return pb::SCTP;
  return pb::TCP;
}

void to_cri(rt::PodSandboxConfig::Reader in, pb::PodSandboxConfig* out) {
  to_cri(in.getMetadata(), out->mutable_metadata());
  out->set_hostname(str(in.getHostname()));
  out->set_log_directory(str(in.getLogDirectory()));
  if (in.hasDnsConfig()) {
    auto dns = in.getDnsConfig();
    auto* d = out->mutable_dns_config();
    for (auto s : dns.getServers()) d->add_servers(str(s));
    for (auto s : dns.getSearches()) d->add_searches(str(s));
    for (auto s : dns.getOptions()) d->add_options(str(s));
  }
  for (auto pm : in.getPortMappings()) {
    auto* m = out->add_port_mappings();
    m->set_protocol(protocol_from_text(str(pm.getProtocol())));
    m->set_container_port(pm.getContainerPort());
    m->set_host_port(pm.getHostPort());
    m->set_host_ip(str(pm.getHostIp()));
  }
  to_map(in.getLabels(), out->mutable_labels());
  to_map(in.getAnnotations(), out->mutable_annotations());
  auto* linux_cfg = out->mutable_linux();
  linux_cfg->set_cgroup_parent(str(in.getCgroupParent()));
  // Kubernetes pods do not share one PID namespace unless shareProcessNamespace says so.
  linux_cfg->mutable_security_context()->mutable_namespace_options()->set_pid(pb::CONTAINER);
}

void to_cri(rt::ContainerConfig::Reader in, pb::ContainerConfig* out) {
  auto* md = out->mutable_metadata();
  md->set_name(str(in.getMetadata().getName()));
  md->set_attempt(in.getMetadata().getAttempt());
  out->mutable_image()->set_image(normalize_image_ref(str(in.getImage().getImage())));
  for (auto c : in.getCommand()) out->add_command(str(c));
  for (auto a : in.getArgs()) out->add_args(str(a));
  out->set_working_dir(str(in.getWorkingDir()));
  for (auto e : in.getEnvs()) {
    auto* kv = out->add_envs();
    kv->set_key(str(e.getKey()));
    kv->set_value(str(e.getValue()));
  }
  for (auto m : in.getMounts()) {
    auto* pm = out->add_mounts();
    pm->set_container_path(str(m.getContainerPath()));
    pm->set_host_path(str(m.getHostPath()));
    pm->set_readonly(m.getReadonly());
    pm->set_selinux_relabel(m.getSelinuxRelabel());
  }
  to_map(in.getLabels(), out->mutable_labels());
  to_map(in.getAnnotations(), out->mutable_annotations());
  out->set_log_path(str(in.getLogPath()));
  out->set_stdin(in.getStdin());
  out->set_stdin_once(in.getStdinOnce());
  out->set_tty(in.getTty());
  auto* linux_cfg = out->mutable_linux();
  if (in.hasLinux() && in.getLinux().hasResources()) {
    auto r = in.getLinux().getResources();
    auto* pr = linux_cfg->mutable_resources();
    pr->set_cpu_period(r.getCpuPeriod());
    pr->set_cpu_quota(r.getCpuQuota());
    pr->set_cpu_shares(r.getCpuShares());
    pr->set_memory_limit_in_bytes(r.getMemoryLimitInBytes());
  }
  linux_cfg->mutable_security_context()->mutable_namespace_options()->set_pid(pb::CONTAINER);
}

void from_cri(const pb::PodSandboxStatus& in, rt::PodSandboxStatus::Builder out) {
  out.setId(in.id());
  from_cri(in.metadata(), out.initMetadata());
  out.setState(sandbox_state(in.state()));
  out.setCreatedAt(in.created_at());
  auto net = out.getNetwork();
  net.setIp(in.network().ip());
  auto extra = net.initAdditionalIps(static_cast<unsigned>(in.network().additional_ips_size()));
  for (int i = 0; i < in.network().additional_ips_size(); ++i) extra.set(static_cast<unsigned>(i), in.network().additional_ips(i).ip());
  from_map(in.labels(), out.initLabels(static_cast<unsigned>(in.labels().size())));
  from_map(in.annotations(), out.initAnnotations(static_cast<unsigned>(in.annotations().size())));
}

void from_cri(const pb::PodSandbox& in, rt::PodSandbox::Builder out) {
  out.setId(in.id());
  from_cri(in.metadata(), out.initMetadata());
  out.setState(sandbox_state(in.state()));
  out.setCreatedAt(in.created_at());
  from_map(in.labels(), out.initLabels(static_cast<unsigned>(in.labels().size())));
  from_map(in.annotations(), out.initAnnotations(static_cast<unsigned>(in.annotations().size())));
}

void from_cri(const pb::Container& in, rt::Container::Builder out) {
  out.setId(in.id());
  out.setPodSandboxId(in.pod_sandbox_id());
  auto md = out.initMetadata();
  md.setName(in.metadata().name());
  md.setAttempt(in.metadata().attempt());
  out.initImage().setImage(in.image().image());
  out.setImageRef(in.image_ref());
  out.setState(container_state(in.state()));
  out.setCreatedAt(in.created_at());
  from_map(in.labels(), out.initLabels(static_cast<unsigned>(in.labels().size())));
  from_map(in.annotations(), out.initAnnotations(static_cast<unsigned>(in.annotations().size())));
}

void from_cri(const pb::ContainerStatus& in, rt::ContainerStatus::Builder out) {
  out.setId(in.id());
  auto md = out.initMetadata();
  md.setName(in.metadata().name());
  md.setAttempt(in.metadata().attempt());
  out.setState(container_state(in.state()));
  out.setCreatedAt(in.created_at());
  out.setStartedAt(in.started_at());
  out.setFinishedAt(in.finished_at());
  out.setExitCode(in.exit_code());
  out.initImage().setImage(in.image().image());
  out.setImageRef(in.image_ref());
  out.setReason(in.reason());
  out.setMessage(in.message());
  from_map(in.labels(), out.initLabels(static_cast<unsigned>(in.labels().size())));
  from_map(in.annotations(), out.initAnnotations(static_cast<unsigned>(in.annotations().size())));
  out.setLogPath(in.log_path());
}

void from_cri(const pb::Image& in, rt::Image::Builder out) {
  out.setId(in.id());
  auto tags = out.initRepoTags(static_cast<unsigned>(in.repo_tags_size()));
  for (int i = 0; i < in.repo_tags_size(); ++i) tags.set(static_cast<unsigned>(i), in.repo_tags(i));
  auto digests = out.initRepoDigests(static_cast<unsigned>(in.repo_digests_size()));
  for (int i = 0; i < in.repo_digests_size(); ++i) digests.set(static_cast<unsigned>(i), in.repo_digests(i));
  out.setSize(in.size());
}

}  // namespace capstan::cri
