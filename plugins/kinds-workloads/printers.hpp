#pragma once
// The computed printer columns of the workload kinds, as kubectl shows them (ABI 1.2 on_print):
// pod READY "1/1", STATUS (the waiting/terminated reason, Init:0/1, Terminating...) and RESTARTS;
// node STATUS "Ready,SchedulingDisabled" and ROLES; deployment READY "2/3"; selectors as text.

#include <string>
#include <vector>

#include "capstan/object.hpp"

namespace capstan::workloads {

std::vector<std::string> print_pod(const sdk::ObjectPtr& obj);
std::vector<std::string> print_node(const sdk::ObjectPtr& obj);
std::vector<std::string> print_replica_set(const sdk::ObjectPtr& obj);
std::vector<std::string> print_deployment(const sdk::ObjectPtr& obj);
std::vector<std::string> print_daemon_set(const sdk::ObjectPtr& obj);
std::vector<std::string> print_controller_revision(const sdk::ObjectPtr& obj);
// READY: status.readyReplicas/spec.replicas.
std::vector<std::string> print_stateful_set(const sdk::ObjectPtr& obj);

}  // namespace capstan::workloads
