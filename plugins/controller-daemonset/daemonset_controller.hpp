#pragma once
// The DaemonSet controller: one daemon pod on every node the DaemonSet's template may run on
// (nodeSelector, required node affinity, taints against the template's tolerations plus the ones
// every daemon pod gets), created unscheduled with node affinity to its node so the scheduler
// binds it; nodes that join get a pod, nodes that stop qualifying or leave lose it. Template
// changes roll out as RollingUpdate (maxUnavailable or maxSurge) or wait for deletions
// (OnDelete); each template is a ControllerRevision, so `kubectl rollout history|undo ds` work.
// Records kube-controller-manager's Events (SuccessfulCreate, FailedCreate, SuccessfulDelete,
// FailedDelete, FailedDaemonPod). The decisions are ds_logic.hpp's; this class does the I/O.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "capstan/apps_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/controller_history.hpp"
#include "capstan/events.hpp"
#include "capstan/expectations.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "ds_logic.hpp"

namespace capstan::daemonset {

inline constexpr const char* kComponent = "daemonset-controller";

class DaemonSetController final : public sdk::Plugin {
 public:
  explicit DaemonSetController(const sdk::Host& host);
  void start() override;
  void stop() override;

 private:
  struct History {
    std::string hash;  // controller-revision-hash of the current revision
    std::vector<sdk::RevisionInfo> old;
  };
  void on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  // constructHistory: the current revision (created or renumbered as needed) and the old ones.
  // nullopt: try again (a write failed or a hash collision was recorded).
  std::optional<History> history(const sdk::ObjectPtr& ds_obj, std::string* error);
  // Adopt (add our controller reference) or release (remove it) a dependent.
  bool patch_owner(const sdk::Resource& r, const sdk::ObjectPtr& dep, const sdk::ObjectPtr& ds, bool adopt,
                   bool* conflict = nullptr);
  bool create_pod(const sdk::ObjectPtr& ds_obj, const std::string& node, const std::string& hash);
  void sync_nodes(const sdk::ObjectPtr& ds_obj, const std::vector<std::string>& create_on,
                  const std::vector<std::string>& remove, const std::string& hash);
  bool in_backoff(const std::string& key, int64_t now_ms, std::chrono::milliseconds* left);
  void backoff_next(const std::string& key, int64_t now_ms);
  sdk::ReconcileResult reconcile(const std::string& key);

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer dss_;
  sdk::Informer pods_;
  sdk::Informer nodes_;
  sdk::Informer revisions_;
  sdk::ControllerHistory history_;
  sdk::Expectations expectations_;
  // failedPodsBackoff: per DaemonSet uid and node, 1 s doubling to 15 min.
  std::mutex backoff_mu_;
  struct Backoff {
    int64_t delay_ms = 0, last_ms = 0;
  };
  std::map<std::string, Backoff> backoff_;
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::daemonset
