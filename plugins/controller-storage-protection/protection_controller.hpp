#pragma once
// The pvc-protection and pv-protection controllers in one plugin: each adds its finalizer to the
// objects that lack it and removes it from an object being deleted once nothing uses it (see
// protection_logic.hpp). A claim is re-examined whenever a pod naming it changes or goes away.

#include <memory>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"

namespace capstan::storage_protection {

inline constexpr const char* kComponent = "storage-protection-controller";

class ProtectionController final : public sdk::Plugin {
 public:
  explicit ProtectionController(const sdk::Host& host);
  void start() override;
  void stop() override;

 private:
  sdk::ReconcileResult reconcile_claim(const std::string& key);
  sdk::ReconcileResult reconcile_volume(const std::string& key);
  // Whether a scheduled pod of `ns` names the claim: the cache first, then (before a finalizer is
  // removed) a fresh list, so a pod the cache has not seen yet still protects the claim.
  bool claim_in_use(const std::string& ns, const std::string& name, bool live);

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::Informer claims_;
  sdk::Informer volumes_;
  sdk::Informer pods_;
  std::unique_ptr<sdk::Controller> claim_controller_;
  std::unique_ptr<sdk::Controller> volume_controller_;
};

}  // namespace capstan::storage_protection
