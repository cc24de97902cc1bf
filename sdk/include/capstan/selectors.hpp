#pragma once
// metav1.LabelSelector on typed objects: matching, emptiness and the string form kubectl prints.
// Shared by every plugin that selects objects by label (controllers, admission, printers).

#include <map>
#include <string>

#include "capstan/k8s.capnp.h"
#include "capstan/meta.capnp.h"

namespace capstan::sdk {

using Labels = std::map<std::string, std::string>;

Labels labels_of(capnp::List<capstan::k8s::StringEntry>::Reader labels);
// No matchLabels and no matchExpressions (which, for workload controllers, selects nothing).
bool selector_empty(capstan::meta::LabelSelector::Reader selector);
// matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) all hold.
bool selector_matches(capstan::meta::LabelSelector::Reader selector, const Labels& labels);
bool selector_matches(capstan::meta::LabelSelector::Reader selector,
                      capnp::List<capstan::k8s::StringEntry>::Reader labels);
// "app=web,tier in (a,b),!canary", or "<none>" for an empty selector.
std::string selector_string(capstan::meta::LabelSelector::Reader selector);

}  // namespace capstan::sdk
