#include "volume_claims.hpp"

namespace capstan::scheduler {

std::string check_pod_claims(const std::vector<std::string>& claims, const ClaimLookup& claim, const ClassModeLookup& mode) {
  bool unbound_immediate = false;
  for (const auto& name : claims) {
    auto c = claim(name);
    if (!c) return "persistentvolumeclaim \"" + name + "\" not found";
    if (c->deleting) return "persistentvolumeclaim \"" + name + "\" is being deleted";
    if (c->bound) continue;
    // IsDelayBindingMode: no class, or a class that does not exist, binds immediately.
    const bool delay = !c->class_name.empty() && mode(c->class_name).value_or("Immediate") == "WaitForFirstConsumer";
    if (!delay) unbound_immediate = true;
  }
  return unbound_immediate ? "pod has unbound immediate PersistentVolumeClaims" : "";
}

}  // namespace capstan::scheduler
