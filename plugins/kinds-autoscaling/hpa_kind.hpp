#pragma once
// autoscaling/v2 HorizontalPodAutoscaler: kube-apiserver's defaulting and validation, and the
// cells of kubectl's columns (REFERENCE, TARGETS like "cpu: 45%/50%", MINPODS, MAXPODS, REPLICAS).
#include <string>
#include <vector>

#include "capstan/plugin.hpp"

namespace capstan::autoscaling_kinds {

sdk::AdmissionResult admit_hpa(const sdk::AdmissionRequest& req);
std::vector<std::string> print_hpa(const sdk::ObjectPtr& obj);

}  // namespace capstan::autoscaling_kinds
