#pragma once
// The ReplicaSet controller: keeps spec.replicas pods matching each ReplicaSet's selector,
// adopting matching orphans and releasing owned pods that no longer match, and records the
// Events Kubernetes' controller records (SuccessfulCreate, FailedCreate, SuccessfulDelete,
// FailedDelete). Built on the SDK only, so tests drive it against the fake host.

#include <memory>
#include <string>

#include "capstan/apps_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/expectations.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "rs_logic.hpp"

namespace capstan::replicaset {

inline constexpr const char* kComponent = "replicaset-controller";

class ReplicaSetController final : public sdk::Plugin {
 public:
  explicit ReplicaSetController(const sdk::Host& host);
  void start() override;
  void stop() override;

 private:
  void on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  std::string owner_refs_json(capnp::List<meta::OwnerReference>::Reader refs, const std::string& drop_uid,
                              const sdk::ObjectPtr* add);
  // True when the pod's owner references were written; `conflict` is set when the pod changed
  // since the cache saw it (the claim must be retried on a fresh cache).
  bool patch_owner(const sdk::ObjectPtr& pod, const sdk::ObjectPtr& rs, bool adopt, bool* conflict = nullptr);
  bool create_pod(apps::v1::ReplicaSet::Reader rs, const sdk::ObjectPtr& rs_obj);
  sdk::ReconcileResult reconcile(const std::string& key);

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer rss_;
  sdk::Informer pods_;
  sdk::Expectations expectations_;
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::replicaset
