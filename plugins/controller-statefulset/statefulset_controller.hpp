#pragma once
// The StatefulSet controller: pods `<set>-<ordinal>` with a stable identity (hostname = pod name,
// subdomain = spec.serviceName, the statefulset.kubernetes.io/pod-name and
// apps.kubernetes.io/pod-index labels) and stable storage (one claim `<template>-<set>-<ordinal>`
// per volumeClaimTemplate, created before the pod and kept by default), created, deleted and
// updated in the order sts_logic.hpp decides; each template is a ControllerRevision (the SDK's
// ControllerHistory), so `kubectl rollout status|history|undo sts` work. Records Kubernetes'
// events (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete).

#include <memory>
#include <optional>
#include <string>

#include "capstan/apps_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/controller_history.hpp"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "sts_logic.hpp"

namespace capstan::statefulset {

inline constexpr const char* kComponent = "statefulset-controller";

class StatefulSetController final : public sdk::Plugin {
 public:
  explicit StatefulSetController(const sdk::Host& host);
  void start() override;
  void stop() override;

 private:
  void on_pod(const sdk::ObjectPtr& obj);
  sdk::ReconcileResult reconcile(const std::string& key);
  // The pods the set owns, adopting orphans of its name that its selector matches.
  std::vector<sdk::ObjectPtr> owned_pods(const sdk::ObjectPtr& set);
  // The pod template of a revision (the update revision's is the set's own).
  std::optional<std::string> revision_template(const std::string& ns, const std::string& revision);
  // createPersistentVolumeClaims: the pod's claims that do not exist yet. False on failure.
  bool create_claims(const sdk::ObjectPtr& set, int ordinal, std::string* error);
  bool create_pod(const sdk::ObjectPtr& set, const Create& c, const std::string& update_revision, std::string* error);
  bool delete_pod(const sdk::ObjectPtr& set, const std::string& pod, bool condemned);

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer sets_;
  sdk::Informer pods_;
  sdk::Informer claims_;
  sdk::Informer revisions_;
  sdk::ControllerHistory history_;
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::statefulset
