#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {

using core::v1::Node;
using Op = sdk::AdmissionRequest::Operation;

sdk::AdmissionResult admit_node(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  auto node = req.object->as<Node>();
  Causes causes;
  const std::vector<std::string> effects = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
  auto taints = node.getSpec().getTaints();
  for (unsigned i = 0; i < taints.size(); ++i) {
    std::string path = "spec.taints[" + std::to_string(i) + "]";
    std::string effect = taints[i].getEffect();
    if (effect.empty()) {
      causes.push_back({path + ".effect", "FieldValueRequired", "Required value"});
    } else if (std::find(effects.begin(), effects.end(), effect) == effects.end()) {
      causes.push_back({path + ".effect", "FieldValueNotSupported",
                        "Unsupported value: " + quote(effect) +
                            ": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""});
    }
    if (taints[i].getKey().size() == 0) causes.push_back({path + ".key", "FieldValueRequired", "Required value"});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  return sdk::AdmissionResult::allow();
}

}  // namespace capstan::workloads
