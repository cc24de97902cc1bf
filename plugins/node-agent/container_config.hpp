#pragma once
// What the runtime is told about a container, computed from the pod spec as kubelet does
// (kuberuntime_container.go / kubelet_pods.go): environment (value, valueFrom, envFrom with
// $(VAR) expansion), command and args expansion, cgroup resources, the sandbox's DNS settings and
// port mappings, image references and pull decisions, the QoS class. Pure functions over the
// Pod's Cap'n Proto reader and a lookup of ConfigMaps and Secrets, so they are unit-tested.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capstan/core_v1.capnp.h"

namespace capstan::agent {

namespace core = capstan::core::v1;
using StringMap = std::map<std::string, std::string>;

// What the node needs of a claim's volume: the bound PersistentVolume's CSI source.
struct ClaimVolume {
  std::string error;     // the claim cannot be used (not found, not bound, not a CSI volume)
  bool pending = false;  // the claim is not bound yet: wait for it
  std::string pv_name, driver, volume_handle, fs_type;
  bool readonly = false;
  StringMap volume_attributes;
  std::vector<std::string> mount_options;
  std::string access_mode;  // the PV's first access mode (ReadWriteOnce, ReadOnlyMany, ...)
  // A file system expansion the node is to finish (the resizer grew the volume: the claim's
  // allocatedResourceStatuses say NodeResizePending and the PV is larger than the claim's
  // capacity): NodeExpandVolume to the PV's capacity.
  bool node_expand = false;
  int64_t pv_capacity_bytes = 0;
  std::string pv_capacity;  // as the PV says it ("64Mi")
};

// ConfigMaps and Secrets of the pod's namespace, as env and volumes read them, and claims.
class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // The object's data (Secret values decoded; ConfigMap binaryData included for volumes),
  // nullopt when it does not exist. Throws std::runtime_error for any other failure.
  virtual std::optional<StringMap> config_map(const std::string& ns, const std::string& name) const = 0;
  virtual std::optional<StringMap> secret(const std::string& ns, const std::string& name) const = 0;
  // The volume behind a persistentVolumeClaim (volumes.hpp); nullopt: this source cannot say.
  virtual std::optional<ClaimVolume> claim_volume(const std::string& ns, const std::string& claim) const {
    (void)ns;
    (void)claim;
    return std::nullopt;
  }
};

// What the agent knows about the pod's place: fields the downward API exposes besides the spec.
struct PodContext {
  std::string node_name;
  std::string host_ip;
  std::string pod_ip;
  int64_t node_cpu_milli = 0;      // allocatable, for resourceFieldRef limits when unset
  int64_t node_memory_bytes = 0;
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct EnvResult {
  EnvList env;              // in definition order; later definitions replace earlier values in place
  std::string error;        // non-empty: CreateContainerConfigError with this message
  std::vector<std::string> invalid_keys;  // envFrom keys skipped as invalid variable names
};

// kubelet's makeEnvironmentVariables: envFrom first, then env; values expanded against the
// variables defined before them.
EnvResult resolve_env(core::Pod::Reader pod, core::Container::Reader container, const ObjectSource& objects,
                      const PodContext& ctx);

// Expands $(VAR) references as k8s.io/kubernetes/third_party/forked/golang/expansion does:
// "$$" is an escaped "$", an unknown $(VAR) stays as written, an unterminated "$(" is literal.
std::string expand(const std::string& input, const std::function<std::optional<std::string>(const std::string&)>& lookup);
std::vector<std::string> expand_all(capnp::List<capnp::Text>::Reader list, const EnvList& env);

// Value of a downward API fieldRef path (metadata.name, metadata.labels['k'], spec.nodeName,
// status.podIP, ...); nullopt for a path that is not supported. metadata.labels and
// metadata.annotations (whole maps) are formatted as downward API volume files are: k="v" lines.
std::optional<std::string> pod_field(core::Pod::Reader pod, const std::string& path, const PodContext& ctx);

// Value of a resourceFieldRef (limits.cpu, requests.memory, ...) for `container`, divided by the
// divisor and rounded up; limits that are not set are the node's allocatable. Sets `error` when
// the resource or divisor is invalid.
std::string resource_field(core::Container::Reader container, core::ResourceFieldSelector::Reader sel,
                           const PodContext& ctx, std::string& error);

struct LinuxResources {
  int64_t cpu_shares = 2;
  int64_t cpu_quota = 0;          // 0 = no limit
  int64_t cpu_period = 100000;
  int64_t memory_limit = 0;       // bytes, 0 = no limit
};
// kubelet's MilliCPUToShares / MilliCPUToQuota and the memory limit.
LinuxResources linux_resources(core::Container::Reader container);

// Guaranteed / Burstable / BestEffort (kubelet's GetPodQOS, over containers and init containers).
std::string qos_class(core::Pod::Reader pod);

struct ResolvConf {
  std::vector<std::string> nameservers, searches, options;
};
ResolvConf parse_resolv_conf(const std::string& text);

struct DnsSettings {
  std::string cluster_dns = "10.96.0.10";
  std::string cluster_domain = "cluster.local";
  ResolvConf host;  // the node's /etc/resolv.conf, for dnsPolicy Default
};
// The sandbox's resolv.conf contents from dnsPolicy and dnsConfig (kubelet's dns.go).
ResolvConf pod_dns(core::Pod::Reader pod, const DnsSettings& settings);

// The sandbox hostname: spec.hostname or the pod name, truncated to 63 characters.
std::string pod_hostname(core::Pod::Reader pod);

struct PortMappingSpec {
  std::string protocol;
  int32_t container_port = 0, host_port = 0;
  std::string host_ip;
};
// Ports of every container that ask for a hostPort.
std::vector<PortMappingSpec> port_mappings(core::Pod::Reader pod);

// Docker's reference normalisation: "nginx" -> "docker.io/library/nginx:latest",
// "me/app:1" -> "docker.io/me/app:1", "reg:5000/x" -> "reg:5000/x:latest"; digests kept.
std::string normalize_image(const std::string& image);

enum class PullAction { kPull, kUseLocal, kNeverPullMissing };
// imagePullPolicy (empty = Always for :latest or no tag, IfNotPresent otherwise) against
// whether the image is present.
// always_pulls: Always contacts the registry even when the image is present (kubelet's rule).
// Capstan's default is false: nodes run offline from imported images, and a node must not send
// traffic to a registry it was not pointed at; Always then behaves as IfNotPresent.
PullAction pull_action(const std::string& policy, const std::string& image, bool present, bool always_pulls = false);

// The relative log path of a container instance: "<container>/<restartCount>.log".
std::string container_log_path(const std::string& container, uint32_t restart_count);
// The pod's log directory under `root`: "<root>/<namespace>_<name>_<uid>" (kubelet's
// /var/log/pods layout).
std::string pod_log_directory(const std::string& root, const std::string& ns, const std::string& name,
                              const std::string& uid);

}  // namespace capstan::agent
