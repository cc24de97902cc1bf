#pragma once
// The garbage collector: dependents of deleted owners, and the Foreground/Orphan propagation
// policies (see README.md).

#include <memory>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "dependency_graph.hpp"

namespace capstan::gc {

class GarbageCollector final : public sdk::Plugin {
 public:
  explicit GarbageCollector(const sdk::Host& host);
  void start() override;
  void stop() override;

 private:
  void on_event(size_t kind, const sdk::ObjectPtr& obj, sdk::EventKind event);
  sdk::ReconcileResult reconcile(const std::string& key);
  sdk::ReconcileResult finalize_owner(size_t kind, const sdk::ObjectPtr& obj);
  bool owner_exists(const sdk::ObjectPtr& dependent, capstan::meta::OwnerReference::Reader ref);
  sdk::Status remove_finalizer(size_t kind, const sdk::ObjectPtr& obj, const std::string& finalizer);
  sdk::Resource resource(size_t kind) const;
  // The cached object behind a work-queue key, with its kind index (nullptr when gone).
  std::pair<size_t, sdk::ObjectPtr> cached(const std::string& key) const;

  const sdk::Host& host_;
  sdk::Client client_;
  std::vector<sdk::KindSummary> kinds_;
  std::vector<std::unique_ptr<sdk::Informer>> informers_;
  std::unique_ptr<sdk::Controller> controller_;
  DependencyGraph graph_;
};

}  // namespace capstan::gc
