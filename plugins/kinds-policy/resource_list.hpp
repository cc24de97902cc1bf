#pragma once
// corev1.ResourceList as quota and limit-range admission handle it: resource name -> exact
// quantity, kept sorted by name (Go's maps are sorted wherever upstream prints or compares them),
// with the helpers of k8s.io/apiserver's quota package (Add, Subtract, Mask, LessThanOrEqual)
// and the readers/writers of the `$K8s.map` lists of QuantityEntry the schemas use.
#include <capnp/list.h>

#include <map>
#include <string>
#include <vector>

#include "capstan/k8s.capnp.h"
#include "capstan/machinery/quantity.hpp"

namespace capstan::policy {

using machinery::Quantity;
using ResourceList = std::map<std::string, Quantity>;

// Entries that do not parse as quantities are skipped (the kind's validation refused them).
ResourceList read_list(capnp::List<k8s::QuantityEntry>::Reader entries);
void write_list(capnp::List<k8s::QuantityEntry>::Builder entries, const ResourceList& list);  // sized by caller
// Initialises `field` of `parent` (a builder with initX(n)) from a list: write with init.
template <typename Init>
void set_list(Init init, const ResourceList& list) {
  write_list(init(static_cast<unsigned>(list.size())), list);
}

ResourceList add(ResourceList a, const ResourceList& b);
ResourceList subtract(ResourceList a, const ResourceList& b);
// The entries of `list` whose names are in `names`.
ResourceList mask(const ResourceList& list, const std::vector<std::string>& names);
std::vector<std::string> names(const ResourceList& list);
// Whether every entry of a is <= the same entry of b (entries missing from b are not limited);
// `exceeded` gets the names that are not.
bool less_or_equal(const ResourceList& a, const ResourceList& b, std::vector<std::string>* exceeded);
bool is_zero(const ResourceList& list);
std::vector<std::string> negative(const ResourceList& list);
// "cpu=1,memory=2Gi": quota's prettyPrint (sorted by name, canonical quantities).
std::string pretty(const ResourceList& list);

}  // namespace capstan::policy
