#pragma once
// Admission of each workload kind (one file per kind).

#include "capstan/plugin.hpp"
#include "default_tolerations.hpp"

namespace capstan::workloads {

sdk::AdmissionResult admit_pod(const sdk::AdmissionRequest& req, const TolerationDefaults& tolerations = {});
sdk::AdmissionResult admit_node(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_pod_template(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_replica_set(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_deployment(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_daemon_set(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_controller_revision(const sdk::AdmissionRequest& req);
sdk::AdmissionResult admit_stateful_set(const sdk::AdmissionRequest& req);

}  // namespace capstan::workloads
