#pragma once
// Admission of each core kind (one file per kind).

#include "capstan/plugin.hpp"

namespace capstan::kinds {

sdk::AdmissionResult admit_namespace(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_configmap(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_secret(const sdk::AdmissionRequest& req);

}  // namespace capstan::kinds
