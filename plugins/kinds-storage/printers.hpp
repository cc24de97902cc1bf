#pragma once
// Cells of the computed printer columns, as kube-apiserver's printers.go (release-1.33) fills them.

#include <string>
#include <vector>

#include "capstan/object.hpp"

namespace capstan::storage_kinds {

// CAPACITY, ACCESS MODES, STATUS, CLAIM, STORAGECLASS, VOLUMEATTRIBUTESCLASS, REASON, VOLUMEMODE
std::vector<std::string> print_persistent_volume(const sdk::ObjectPtr& obj);
// STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS, VOLUMEATTRIBUTESCLASS, VOLUMEMODE
std::vector<std::string> print_persistent_volume_claim(const sdk::ObjectPtr& obj);
// NAME (with " (default)"), RECLAIMPOLICY, VOLUMEBINDINGMODE, ALLOWVOLUMEEXPANSION
std::vector<std::string> print_storage_class(const sdk::ObjectPtr& obj);
// ATTACHREQUIRED, PODINFOONMOUNT, STORAGECAPACITY, TOKENREQUESTS, REQUIRESREPUBLISH, MODES
std::vector<std::string> print_csi_driver(const sdk::ObjectPtr& obj);
// DRIVERS
std::vector<std::string> print_csi_node(const sdk::ObjectPtr& obj);
// PV, ATTACHED
std::vector<std::string> print_volume_attachment(const sdk::ObjectPtr& obj);

}  // namespace capstan::storage_kinds
