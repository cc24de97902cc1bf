#pragma once
// Rules the storage kinds share: access modes, storage quantities, class names, the volume
// sources of a PersistentVolumeSpec and the two protection finalizers. Messages and field paths
// are kube-apiserver's (pkg/apis/core/validation and pkg/apis/storage/validation, release-1.33).

#include <optional>
#include <string>
#include <vector>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/field_errors.hpp"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/quantity.hpp"
#include "capstan/plugin.hpp"

namespace capstan::storage_kinds {

using Causes = std::vector<sdk::FieldCause>;
using machinery::Mutable;
using machinery::Quantity;

// Finalizers the StorageObjectInUseProtection admission plugin adds on create.
inline constexpr const char* kPvcProtectionFinalizer = "kubernetes.io/pvc-protection";
inline constexpr const char* kPvProtectionFinalizer = "kubernetes.io/pv-protection";
// The pre-storageClassName way to name a class (still honoured by the printers and the binder).
inline constexpr const char* kBetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";
inline constexpr const char* kDefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
inline constexpr const char* kBetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

// Access modes: required (with `required_detail`), each supported, ReadWriteOncePod alone.
void validate_access_modes(capnp::List<capnp::Text>::Reader modes, const std::string& path,
                           const std::string& required_detail, Causes& causes);

// The `storage` entry of a quantity map, when present (values are canonical after decoding).
std::optional<Quantity> storage_of(capnp::List<k8s::QuantityEntry>::Reader list);

// ValidatePositiveQuantityValue: `path: Invalid value: "0": must be greater than zero`.
void validate_positive_quantity(const Quantity& q, const std::string& path, Causes& causes);

// ValidateClassName (a DNS subdomain) for storageClassName and friends.
void validate_class_name(const std::string& name, const std::string& path, Causes& causes);

// ValidateCSIDriverName: a DNS subdomain, Required when empty.
void validate_csi_driver_name(const std::string& name, const std::string& path, Causes& causes);

// ValidatePersistentVolumeSpec for a PersistentVolume (not an inline spec).
void validate_pv_spec(core::v1::PersistentVolumeSpec::Reader spec, const std::string& path, Causes& causes);

// Whether the annotations say the class is the default (either annotation, value "true").
bool is_default_class(capnp::List<k8s::StringEntry>::Reader annotations);

// The annotation value, or nullopt.
std::optional<std::string> annotation(capnp::List<k8s::StringEntry>::Reader annotations, const std::string& key);

// GetAccessModesAsString: "RWO,ROX,RWX,RWOP" in that order, duplicates once.
std::string access_modes_string(capnp::List<capnp::Text>::Reader modes);

}  // namespace capstan::storage_kinds
