#pragma once
// Admission of each storage kind (one file per kind): kube-apiserver's defaulting, its
// registry strategies (status resets, lastPhaseTransitionTime) and validation with its messages.

#include <functional>
#include <string>
#include <vector>

#include "capstan/plugin.hpp"

namespace capstan::storage_kinds {

// The StorageClasses the DefaultStorageClass and PersistentVolumeClaimResize admissions read:
// (name, creationTimestamp, annotations-say-default, allowVolumeExpansion) of every class.
struct ClassInfo {
  std::string name;
  std::string created;  // RFC 3339
  bool is_default = false;
  bool allow_expansion = false;  // allowVolumeExpansion: true (the PersistentVolumeClaimResize admission)
};
using ClassLister = std::function<std::vector<ClassInfo>()>;

// The default class as the DefaultStorageClass admission picks it: of the classes marked
// default, the newest (creationTimestamp), ties broken by the name that sorts first; "" if none.
std::string default_class(const std::vector<ClassInfo>& classes);

sdk::AdmissionResult admit_persistent_volume(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_persistent_volume_claim(const sdk::AdmissionRequest& req, const ClassLister& classes);
sdk::AdmissionResult admit_storage_class(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_csi_driver(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_csi_node(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_volume_attachment(const sdk::AdmissionRequest& req);

}  // namespace capstan::storage_kinds
