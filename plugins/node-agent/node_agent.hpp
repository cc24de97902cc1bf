#pragma once
// The node agent plugin (capstan.agent.v1/node-agent): kubelet's job against capstan.runtime.v1.
// The class is split by concept over several files:
//   node_agent.cpp   lifecycle, configuration, runtime calls, the services the HTTP server uses;
//   node_status.cpp  Node registration, status and Lease heartbeats;
//   pod_sync.cpp     one pod's reconcile: sandbox, images, containers, probes, hooks, status;
//   pod_teardown.cpp graceful termination and teardown;
//   pod_adopt.cpp    the runtime's truth: re-adoption at start, dead sandboxes, the relist.
// Pure decisions live in agent_logic, container_config, volumes, probes and cri_log.

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent_logic.hpp"
#include "agent_server.hpp"
#include "capstan/controller.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/events.hpp"
#include "capstan/plugin.hpp"
#include "capstan/runtime.capnp.h"
#include "container_config.hpp"
#include "csi_node.hpp"
#include "metrics_publisher.hpp"
#include "probes.hpp"
#include "runtime_truth.hpp"
#include "volumes.hpp"

namespace capstan::agent {

namespace rt = capstan::runtime::v1;

inline std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

// One runtime call's answer, kept alive with its buffer.
struct RuntimeReply {
  kj::Array<capnp::word> words;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader;
  rt::RuntimeResponse::Reader get() const { return reader->getRoot<rt::RuntimeResponse>(); }
  bool ok() const { return get().getError().size() == 0; }
  std::string error() const { return str(get().getError()); }
};

// ConfigMaps and Secrets read through the API for env and volumes.
class AgentObjects : public ObjectSource {
 public:
  explicit AgentObjects(const sdk::Client& client) : client_(client) {}
  std::optional<StringMap> config_map(const std::string& ns, const std::string& name) const override;
  std::optional<StringMap> secret(const std::string& ns, const std::string& name) const override;
  std::optional<ClaimVolume> claim_volume(const std::string& ns, const std::string& claim) const override;

 private:
  const sdk::Client& client_;
};

struct AgentConfig {
  std::string node_name, node_ip = "127.0.0.1", data_dir = "/var/lib/capstan";
  std::string bind_address;  // default: node_ip
  int port = 10250;
  bool serve = true;         // "serve": false disables the HTTP endpoint
  bool always_pulls = false;  // imagePullPolicy Always contacts the registry even for present images
  int hollow_nodes = 0;      // > 0: run that many simulated nodes <nodeName>-<i> in this instance
  // CSI: the default host-path driver ("csiHostPath", default on for a root agent of one real
  // node), its binary ("csiHostPathBinary") and third-party drivers ("csiDrivers": name -> socket).
  bool csi_hostpath = true;
  std::string csi_hostpath_binary;
  std::map<std::string, std::string> csi_drivers;
  int csi_timeout_seconds = 30;  // the deadline of every node-side CSI call
  DnsSettings dns;
  std::string root() const { return data_dir + "/node-agent"; }
};
AgentConfig parse_agent_config(const std::string& json);

struct ProbeRun {
  std::optional<ProbeTracker> tracker;
  int64_t next_due = 0;
};

struct ContainerRun {
  std::string name;
  std::string id;          // runtime id of the current instance ("" = not created yet)
  int restarts = 0;
  int crash_restarts = 0;  // restarts after exits (crash_backoff's step), not after sandbox re-creations
  bool done = false;       // terminated and will not run again
  int64_t backoff_until = 0;
  bool backoff_reported = false;
  // The current instance as last seen.
  int state = -1;          // rt::ContainerState, -1 = none
  int64_t started = 0, finished = 0;
  int exit_code = 0;
  std::string reason, image_ref;
  // The previous instance (lastState).
  bool has_last = false;
  int last_exit = 0;
  int64_t last_started = 0, last_finished = 0;
  std::string last_reason, last_id;
  // Why it is not running yet (ErrImagePull, CreateContainerConfigError, ...).
  std::string waiting_reason, waiting_message;
  int pull_failures = 0;
  int64_t pull_backoff_until = 0;
  int64_t retry_at = 0;    // earliest next creation attempt after a config error
  // Probes of the current instance (liveness, readiness, startup).
  std::string probed_id;
  std::array<ProbeRun, 3> probes;
};

struct PodRun {
  std::string uid, sandbox, ip, start_time, log_dir;
  uint32_t sandbox_attempt = 0;  // attempt of `sandbox`, or of the next one to create
  bool adopted = false;          // what the runtime already runs for this pod has been looked up
  std::vector<ContainerRun> init, app;
  std::map<std::string, std::pair<std::string, std::string>> conditions;  // type -> (status, transition)
  std::string written;  // signature of the last status written
  VolumeSetup volumes;
  int64_t volumes_synced = 0;
  bool volumes_ok = false;
};

// What the HTTP server may read about a pod's containers, copied under runs_mu_ after each sync.
struct ContainerIndex {
  std::string name, id, last_id, waiting_reason;
  int restarts = 0;
};
struct PodIndex {
  std::string log_dir;
  std::vector<ContainerIndex> containers;  // init containers first
};

struct Termination {
  std::thread thread;
  std::atomic<bool> done{false};
};

class NodeAgent final : public sdk::Plugin, public NodeServices {
 public:
  NodeAgent(const sdk::Host& host, const std::string& config);
  ~NodeAgent() override;
  void start() override;
  void stop() override;

  // NodeServices
  std::optional<ContainerLocation> locate(const std::string& ns, const std::string& pod, const std::string& container,
                                          bool previous, int& code, std::string& error) override;
  bool running(const std::string& container_id) override;
  std::string stream_url(bool attach, const std::string& container_id, const std::vector<std::string>& cmd, bool tty,
                         bool in, bool out, bool err, std::string& error) override;
  ExecSyncResult exec_sync(const std::string& container_id, const std::vector<std::string>& cmd,
                           int timeout_seconds) override;

 private:
  RuntimeReply call(capnp::MallocMessageBuilder& m);

  // node_status.cpp
  void fill_node_status(core::NodeStatus::Builder st, const std::string& transition, const std::string& node);
  void register_nodes();  // all of nodes_, several at once for hollow nodes
  void register_node(const std::string& node);
  void post_node_status(const std::string& node);
  void renew_lease(const std::string& node);
  void heartbeat_loop();
  bool wait_stopping(std::chrono::milliseconds d);  // false: woken by stop()
  // csi_registration.cpp: each driver's NodeGetInfo → the Node's topology labels and the CSINode
  // object, as kubelet's plugin registration does. True when every driver is registered.
  bool register_csi();
  // csi_registration.cpp: after a node expansion in the pod's volume setup, the claim's status as
  // kubelet's MarkFSResizeFinished writes it (capacity = the PV's, the resize conditions and
  // allocatedResourceStatuses[storage] gone) and the events on the pod and the claim.
  void finish_expansions(const sdk::ObjectPtr& pod, const std::vector<ClaimExpansion>& expansions);
  int csi_registered_starts_ = -1;  // the host-path driver's start count when last registered

  // pod_sync.cpp
  sdk::ReconcileResult reconcile(const std::string& key);
  PodRun new_run(const sdk::ObjectPtr& obj, core::Pod::Reader pod) const;
  bool ensure_sandbox(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, std::string& error);
  void drive(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, core::Container::Reader spec,
             ContainerRun& c, const std::string& policy, bool init, int64_t now, int64_t& wake);
  bool ensure_image(const sdk::ObjectPtr& obj, core::Container::Reader spec, ContainerRun& c, int64_t now,
                    int64_t& wake);
  std::string create_and_start(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod,
                               core::Container::Reader spec, ContainerRun& c);
  bool refresh(ContainerRun& c, bool* not_found = nullptr);
  void run_probes(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, core::Container::Reader spec,
                  ContainerRun& c, int64_t now, int64_t& wake);
  ProbeOutcome run_handler(const PodRun& run, core::Container::Reader spec, const std::string& container_id,
                           capnp::List<capnp::Text>::Reader exec_cmd, bool has_exec,
                           core::HTTPGetAction::Reader http, bool has_http, core::TCPSocketAction::Reader tcp,
                           bool has_tcp, int timeout);
  void stop_container(const std::string& id, int64_t grace);
  void fill_container_status(core::ContainerStatus::Builder out, core::Container::Reader spec, const ContainerRun& c,
                             std::string& sig);
  ContainerView view(const ContainerRun& c) const;
  PodContext pod_context(const PodRun& run, core::Pod::Reader pod) const;

  // pod_adopt.cpp
  bool adopt(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy, std::string& error);
  bool check_sandbox(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy, std::string& error);
  void retire_sandbox(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy);
  void remove_sandbox(const std::string& id);
  void relist_loop();
  void relist_once();

  // pod_teardown.cpp
  void teardown(PodRun& run, const sdk::ObjectPtr& obj, int64_t grace_seconds);
  void begin_termination(const std::string& key, std::optional<PodRun> run, const sdk::ObjectPtr& obj,
                         int64_t grace);

  const sdk::Host& host_;
  sdk::Client client_;
  AgentConfig config_;
  sdk::Informer pods_;
  std::unique_ptr<sdk::Controller> controller_;
  sdk::EventRecorder events_;
  VolumeManager volumes_;
  std::unique_ptr<AgentCsi> csi_;  // null for hollow nodes
  std::unique_ptr<AgentServer> server_;
  int served_port_ = 10250;
  std::string rt_version_, rt_name_;
  std::vector<std::string> nodes_;      // the node, or the hollow nodes, this instance runs
  std::set<std::string> node_set_;
  bool sim_runtime_ = false;
  int64_t node_cpu_milli_ = 1000, node_memory_ = 0;
  std::mutex runs_mu_;
  std::map<std::string, PodRun> runs_;
  std::map<std::string, std::unique_ptr<Termination>> terminating_;
  std::map<std::string, PodIndex> index_;
  void publish_index(const std::string& key, const PodRun& run);
  std::mutex hb_mu_;
  std::condition_variable hb_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
  std::thread relist_;                               // pod_adopt.cpp; not with hollow nodes
  std::map<std::string, std::string> relist_sigs_;   // pod uid -> its last relist signature
  std::map<std::string, int> orphan_strikes_;        // pod uid -> relists that found no such pod
  // The runtime's sandboxes when the agent started, by pod uid: only pods that existed then can
  // have something to adopt, so the first syncs need not list every sandbox each (thousands of
  // pods at start). Unset when that list failed: each adoption lists then.
  std::mutex startup_mu_;
  std::optional<std::map<std::string, std::vector<RuntimeSandbox>>> startup_sandboxes_;
  void load_startup_sandboxes();
  std::mutex leases_mu_;
  std::unordered_map<std::string, sdk::ObjectPtr> leases_;  // node -> its Lease as last renewed
  std::unique_ptr<metrics::MetricsPublisher> metrics_;  // metrics_publisher.cpp
};

}  // namespace capstan::agent
