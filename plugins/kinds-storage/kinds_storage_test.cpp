// The storage kinds' admission and printers, called directly with objects written as JSON.
#include <gtest/gtest.h>

#include "capstan/core_v1_storage.capnp.h"
#include "capstan/storage_v1.capnp.h"
#include "capstan/testing/json_objects.hpp"
#include "kinds.hpp"
#include "printers.hpp"

namespace capstan::storage_kinds {
namespace {

using json = nlohmann::json;
using Op = sdk::AdmissionRequest::Operation;
using core::v1::PersistentVolume;
using core::v1::PersistentVolumeClaim;
using sdk::testing::json_of;
using sdk::testing::object_from_json;
using storage::v1::CSIDriver;
using storage::v1::CSINode;
using storage::v1::StorageClass;
using storage::v1::VolumeAttachment;

sdk::AdmissionRequest request(Op op, std::string kind, sdk::ObjectPtr object, sdk::ObjectPtr old = nullptr,
                              std::string subresource = "") {
  sdk::AdmissionRequest req;
  req.operation = op;
  req.kind = std::move(kind);
  req.object = std::move(object);
  req.old_object = std::move(old);
  req.subresource = std::move(subresource);
  return req;
}

std::string causes(const sdk::AdmissionResult& r) {
  std::string out;
  for (const auto& c : r.causes) out += c.field + ": " + c.message + "\n";
  return out;
}

json pv_json() {
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolume"},
          {"metadata", {{"name", "pv1"}}},
          {"spec",
           {{"capacity", {{"storage", "1Gi"}}},
            {"accessModes", {"ReadWriteOnce"}},
            {"hostPath", {{"path", "/tmp/pv1"}}}}}};
}

json pvc_json() {
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata", {{"name", "data"}, {"namespace", "default"}}},
          {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
}

ClassLister no_classes() {
  return [] { return std::vector<ClassInfo>{}; };
}

TEST(PersistentVolume, CreateDefaultsStatusAndFinalizer) {
  auto r = admit_persistent_volume(request(Op::kCreate, "PersistentVolume", object_from_json<PersistentVolume>(pv_json())));
  ASSERT_TRUE(r.allowed) << causes(r);
  json out = json_of<PersistentVolume>(r.mutated);
  EXPECT_EQ(out["spec"]["persistentVolumeReclaimPolicy"], "Retain");
  EXPECT_EQ(out["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(out["status"]["phase"], "Pending");
  EXPECT_TRUE(out["status"].contains("lastPhaseTransitionTime"));
  EXPECT_EQ(out["metadata"]["finalizers"], json::array({"kubernetes.io/pv-protection"}));
}

TEST(PersistentVolume, ValidationMessages) {
  json bad = pv_json();
  bad["spec"].erase("hostPath");
  bad["spec"]["accessModes"] = {"ReadWriteOncePod", "ReadWriteOnce", "Sometimes"};
  bad["spec"]["capacity"] = {{"storage", "0"}};
  bad["spec"]["persistentVolumeReclaimPolicy"] = "Keep";
  auto r = admit_persistent_volume(request(Op::kCreate, "PersistentVolume", object_from_json<PersistentVolume>(bad)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", "
            "\"ReadWriteOnce\", \"ReadWriteOncePod\"\n"
            "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes\n"
            "spec.capacity[storage]: Invalid value: \"0\": must be greater than zero\n"
            "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"\n"
            "spec: Required value: must specify a volume type\n");
}

TEST(PersistentVolume, TwoSourcesAndLocalWithoutAffinity) {
  json bad = pv_json();
  bad["spec"]["local"] = {{"path", "/mnt/a"}};
  auto r = admit_persistent_volume(request(Op::kCreate, "PersistentVolume", object_from_json<PersistentVolume>(bad)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.local: Forbidden: may not specify more than 1 volume type\n");
  bad["spec"].erase("hostPath");
  r = admit_persistent_volume(request(Op::kCreate, "PersistentVolume", object_from_json<PersistentVolume>(bad)));
  EXPECT_EQ(causes(r), "spec.nodeAffinity: Required value: Local volume requires node affinity\n");
}

TEST(PersistentVolume, SourceAndVolumeModeAreImmutable) {
  auto created = admit_persistent_volume(request(Op::kCreate, "PersistentVolume", object_from_json<PersistentVolume>(pv_json())));
  json stored = json_of<PersistentVolume>(created.mutated);
  json next = stored;
  next["spec"]["hostPath"]["path"] = "/tmp/other";
  next["spec"]["volumeMode"] = "Block";
  next["spec"]["persistentVolumeReclaimPolicy"] = "Delete";  // mutable
  auto r = admit_persistent_volume(request(Op::kUpdate, "PersistentVolume", object_from_json<PersistentVolume>(next),
                                           object_from_json<PersistentVolume>(stored)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n(changed: hostPath)\n"
            "volumeMode: Invalid value: \"Block\": field is immutable\n");
}

TEST(PersistentVolume, StatusPhaseChangeStampsTransitionTime) {
  json old = pv_json();
  old["status"] = {{"phase", "Available"}, {"lastPhaseTransitionTime", "2020-01-01T00:00:00Z"}};
  json next = old;
  next["status"]["phase"] = "Bound";
  auto r = admit_persistent_volume(request(Op::kUpdate, "PersistentVolume", object_from_json<PersistentVolume>(next),
                                           object_from_json<PersistentVolume>(old), "status"));
  ASSERT_TRUE(r.allowed);
  EXPECT_NE(json_of<PersistentVolume>(r.mutated)["status"]["lastPhaseTransitionTime"], "2020-01-01T00:00:00Z");
  // The same phase keeps the old time.
  next = old;
  next["status"].erase("lastPhaseTransitionTime");
  r = admit_persistent_volume(request(Op::kUpdate, "PersistentVolume", object_from_json<PersistentVolume>(next),
                                      object_from_json<PersistentVolume>(old), "status"));
  EXPECT_EQ(json_of<PersistentVolume>(r.mutated)["status"]["lastPhaseTransitionTime"], "2020-01-01T00:00:00Z");
}

TEST(PersistentVolumeClaim, WithoutStorageRequest) {
  json bad = pvc_json();
  bad["spec"].erase("resources");
  bad["spec"].erase("accessModes");
  auto r = admit_persistent_volume_claim(request(Op::kCreate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(bad)),
                                         no_classes());
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "spec.accessModes: Required value: at least 1 access mode is required\n"
            "spec.resources[storage]: Required value\n");
}

TEST(PersistentVolumeClaim, CreateGetsDefaultClassFinalizerAndPending) {
  std::vector<ClassInfo> classes = {{"old-default", "2024-01-01T00:00:00Z", true},
                                    {"new-default", "2025-01-01T00:00:00Z", true},
                                    {"other", "2026-01-01T00:00:00Z", false}};
  auto r = admit_persistent_volume_claim(
      request(Op::kCreate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(pvc_json())), [&] { return classes; });
  ASSERT_TRUE(r.allowed) << causes(r);
  json out = json_of<PersistentVolumeClaim>(r.mutated);
  EXPECT_EQ(out["spec"]["storageClassName"], "new-default");
  EXPECT_EQ(out["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(out["status"]["phase"], "Pending");
  EXPECT_EQ(out["metadata"]["finalizers"], json::array({"kubernetes.io/pvc-protection"}));

  // "" means no class: it stays "".
  json none = pvc_json();
  none["spec"]["storageClassName"] = "";
  r = admit_persistent_volume_claim(request(Op::kCreate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(none)),
                                    [&] { return classes; });
  EXPECT_EQ(json_of<PersistentVolumeClaim>(r.mutated)["spec"]["storageClassName"], "");
}

TEST(PersistentVolumeClaim, DefaultClassTieBreaksOnName) {
  EXPECT_EQ(default_class({{"b", "2025-01-01T00:00:00Z", true}, {"a", "2025-01-01T00:00:00Z", true}}), "a");
  EXPECT_EQ(default_class({{"b", "2025-01-01T00:00:00Z", false}}), "");
}

json bound(json pvc, const std::string& size, const std::string& capacity) {
  pvc["spec"]["resources"]["requests"]["storage"] = size;
  pvc["spec"]["volumeName"] = "pv1";
  pvc["spec"]["storageClassName"] = "standard";
  pvc["spec"]["volumeMode"] = "Filesystem";
  pvc["status"] = {{"phase", "Bound"}, {"capacity", {{"storage", capacity}}}, {"accessModes", {"ReadWriteOnce"}}};
  return pvc;
}

ClassLister expandable_standard(bool allow) {
  return [allow] { return std::vector<ClassInfo>{{"standard", "2026-01-01T00:00:00Z", true, allow}}; };
}

TEST(PersistentVolumeClaim, BoundClaimGrowsButDoesNotShrinkBelowCapacity) {
  json old = bound(pvc_json(), "2Gi", "2Gi");
  auto update = [&](json next) {
    return admit_persistent_volume_claim(request(Op::kUpdate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(next),
                                                 object_from_json<PersistentVolumeClaim>(old)),
                                         expandable_standard(true));
  };
  EXPECT_TRUE(update(bound(pvc_json(), "3Gi", "2Gi")).allowed);
  auto r = update(bound(pvc_json(), "1Gi", "2Gi"));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity\n");
  // Recovering from a failed expansion: back down to above what the volume has is allowed.
  old = bound(pvc_json(), "5Gi", "2Gi");
  EXPECT_TRUE(update(bound(pvc_json(), "3Gi", "2Gi")).allowed);
}

// The PersistentVolumeClaimResize admission: growing needs a class that allows expansion.
TEST(PersistentVolumeClaim, GrowingNeedsAClassThatAllowsExpansion) {
  const json old = bound(pvc_json(), "2Gi", "2Gi");
  auto update = [&](json next, ClassLister classes) {
    return admit_persistent_volume_claim(request(Op::kUpdate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(next),
                                                 object_from_json<PersistentVolumeClaim>(old)),
                                         classes);
  };
  const std::string refused =
      "persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be resized and the "
      "storageclass that provisions the pvc must support resize";
  for (auto classes : {expandable_standard(false), no_classes()}) {
    auto r = update(bound(pvc_json(), "3Gi", "2Gi"), classes);
    ASSERT_FALSE(r.allowed);
    EXPECT_EQ(r.code, 403);
    EXPECT_EQ(r.reason, "Forbidden");
    EXPECT_EQ(r.message, refused);
  }
  EXPECT_TRUE(update(bound(pvc_json(), "3Gi", "2Gi"), expandable_standard(true)).allowed);
  // Unchanged or smaller requests are not this plugin's business.
  EXPECT_TRUE(update(bound(pvc_json(), "2Gi", "2Gi"), expandable_standard(false)).allowed);
  // A claim of no class ("") is never expanded.
  json none = bound(pvc_json(), "3Gi", "2Gi");
  none["spec"]["storageClassName"] = "";
  json old_none = old;
  old_none["spec"]["storageClassName"] = "";
  auto r = admit_persistent_volume_claim(request(Op::kUpdate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(none),
                                                 object_from_json<PersistentVolumeClaim>(old_none)),
                                         expandable_standard(true));
  EXPECT_EQ(r.message, refused);
}

TEST(PersistentVolumeClaim, SpecIsImmutableExceptVolumeNameOnceAndNewClass) {
  json old = pvc_json();
  old["spec"]["volumeMode"] = "Filesystem";
  old["status"] = {{"phase", "Pending"}};
  json next = old;
  next["spec"]["volumeName"] = "pv1";          // allowed once
  next["spec"]["storageClassName"] = "later";  // allowed from nil
  auto r = admit_persistent_volume_claim(request(Op::kUpdate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(next),
                                                 object_from_json<PersistentVolumeClaim>(old)),
                                         no_classes());
  EXPECT_TRUE(r.allowed) << causes(r);
  next = old;
  next["spec"]["accessModes"] = {"ReadWriteMany"};
  next["spec"]["resources"]["requests"]["storage"] = "2Gi";  // a Pending claim cannot resize
  r = admit_persistent_volume_claim(request(Op::kUpdate, "PersistentVolumeClaim", object_from_json<PersistentVolumeClaim>(next),
                                            object_from_json<PersistentVolumeClaim>(old)),
                                    no_classes());
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for "
            "bound claims\n");
}

TEST(StorageClass, DefaultsAndImmutableFields) {
  json sc = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "StorageClass"}, {"metadata", {{"name", "standard"}}},
             {"provisioner", "example.com/hostpath"}, {"parameters", {{"a", "b"}}}};
  auto r = admit_storage_class(request(Op::kCreate, "StorageClass", object_from_json<StorageClass>(sc)));
  ASSERT_TRUE(r.allowed) << causes(r);
  json stored = json_of<StorageClass>(r.mutated);
  EXPECT_EQ(stored["reclaimPolicy"], "Delete");
  EXPECT_EQ(stored["volumeBindingMode"], "Immediate");
  json next = stored;
  next["parameters"]["a"] = "c";
  next["provisioner"] = "other.example.com/x";
  next["reclaimPolicy"] = "Retain";
  next["volumeBindingMode"] = "WaitForFirstConsumer";
  next["allowVolumeExpansion"] = true;  // mutable
  r = admit_storage_class(request(Op::kUpdate, "StorageClass", object_from_json<StorageClass>(next), object_from_json<StorageClass>(stored)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r),
            "parameters: Forbidden: updates to parameters are forbidden.\n"
            "provisioner: Forbidden: updates to provisioner are forbidden.\n"
            "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.\n"
            "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable\n");
  next = stored;
  next["allowVolumeExpansion"] = true;
  EXPECT_TRUE(admit_storage_class(request(Op::kUpdate, "StorageClass", object_from_json<StorageClass>(next),
                                          object_from_json<StorageClass>(stored)))
                  .allowed);
  sc["reclaimPolicy"] = "Recycle";
  sc.erase("provisioner");
  r = admit_storage_class(request(Op::kCreate, "StorageClass", object_from_json<StorageClass>(sc)));
  EXPECT_EQ(causes(r),
            "provisioner: Required value\n"
            "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"\n");
}

TEST(CSIDriver, DefaultsAndAttachRequiredImmutable) {
  json d = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "CSIDriver"}, {"metadata", {{"name", "hostpath.csi.capstan.io"}}},
            {"spec", json::object()}};
  auto r = admit_csi_driver(request(Op::kCreate, "CSIDriver", object_from_json<CSIDriver>(d)));
  ASSERT_TRUE(r.allowed) << causes(r);
  json stored = json_of<CSIDriver>(r.mutated);
  EXPECT_EQ(stored["spec"]["attachRequired"], true);
  EXPECT_EQ(stored["spec"]["podInfoOnMount"], false);
  EXPECT_EQ(stored["spec"]["fsGroupPolicy"], "ReadWriteOnceWithFSType");
  EXPECT_EQ(stored["spec"]["volumeLifecycleModes"], json::array({"Persistent"}));
  json next = stored;
  next["spec"]["attachRequired"] = false;
  r = admit_csi_driver(request(Op::kUpdate, "CSIDriver", object_from_json<CSIDriver>(next), object_from_json<CSIDriver>(stored)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.attachedRequired: Invalid value: false: field is immutable\n");
}

TEST(CSINode, DuplicateDriversAndMissingNodeID) {
  json n = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "CSINode"}, {"metadata", {{"name", "node-1"}}},
            {"spec", {{"drivers", {{{"name", "a.csi"}, {"nodeID", "n1"}}, {{"name", "a.csi"}, {"nodeID", ""}}}}}}};
  auto r = admit_csi_node(request(Op::kCreate, "CSINode", object_from_json<CSINode>(n)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(causes(r), "spec.drivers[1].nodeID: Required value\nspec.drivers[1].name: Duplicate value: \"a.csi\"\n");
}

TEST(VolumeAttachment, SourceAndImmutableSpec) {
  json va = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "VolumeAttachment"}, {"metadata", {{"name", "va1"}}},
             {"spec", {{"attacher", "blk.csi.example.com"}, {"source", json::object()}, {"nodeName", "node-1"}}}};
  auto r = admit_volume_attachment(request(Op::kCreate, "VolumeAttachment", object_from_json<VolumeAttachment>(va)));
  EXPECT_EQ(causes(r), "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName\n");
  va["spec"]["source"] = {{"persistentVolumeName", "pv1"}};
  EXPECT_TRUE(admit_volume_attachment(request(Op::kCreate, "VolumeAttachment", object_from_json<VolumeAttachment>(va))).allowed);
  json next = va;
  next["spec"]["nodeName"] = "node-2";
  r = admit_volume_attachment(request(Op::kUpdate, "VolumeAttachment", object_from_json<VolumeAttachment>(next),
                                      object_from_json<VolumeAttachment>(va)));
  EXPECT_EQ(causes(r), "spec: Invalid value: field is immutable\n");
}

TEST(Printers, PersistentVolumeAndClaimColumns) {
  json pv = pv_json();
  pv["spec"]["accessModes"] = {"ReadWriteMany", "ReadWriteOnce"};
  pv["spec"]["claimRef"] = {{"namespace", "shop"}, {"name", "data"}};
  pv["spec"]["storageClassName"] = "standard";
  pv["spec"]["persistentVolumeReclaimPolicy"] = "Retain";
  pv["status"] = {{"phase", "Bound"}};
  EXPECT_EQ(print_persistent_volume(object_from_json<PersistentVolume>(pv)),
            (std::vector<std::string>{"1Gi", "RWO,RWX", "Bound", "shop/data", "standard", "<unset>", "", "<unset>"}));

  json pvc = pvc_json();
  pvc["status"] = {{"phase", "Pending"}};
  EXPECT_EQ(print_persistent_volume_claim(object_from_json<PersistentVolumeClaim>(pvc)),
            (std::vector<std::string>{"Pending", "", "", "", "", "<unset>", "<unset>"}));
  pvc = bound(pvc_json(), "1Gi", "10Gi");
  EXPECT_EQ(print_persistent_volume_claim(object_from_json<PersistentVolumeClaim>(pvc)),
            (std::vector<std::string>{"Bound", "pv1", "10Gi", "RWO", "standard", "<unset>", "Filesystem"}));
}

TEST(Printers, StorageClassNameMarksTheDefault) {
  json sc = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "StorageClass"},
             {"metadata", {{"name", "standard"}, {"annotations", {{"storageclass.kubernetes.io/is-default-class", "true"}}}}},
             {"provisioner", "hostpath.csi.capstan.io"}, {"volumeBindingMode", "WaitForFirstConsumer"}};
  EXPECT_EQ(print_storage_class(object_from_json<StorageClass>(sc)),
            (std::vector<std::string>{"standard (default)", "Delete", "WaitForFirstConsumer", "false"}));
}

TEST(Printers, CSIKinds) {
  json d = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "CSIDriver"}, {"metadata", {{"name", "x.csi"}}},
            {"spec", {{"attachRequired", false}, {"volumeLifecycleModes", {"Persistent", "Ephemeral"}}}}};
  EXPECT_EQ(print_csi_driver(object_from_json<CSIDriver>(d)),
            (std::vector<std::string>{"false", "false", "false", "<unset>", "false", "Persistent,Ephemeral"}));
  json va = {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "VolumeAttachment"}, {"metadata", {{"name", "va1"}}},
             {"spec", {{"attacher", "a"}, {"source", {{"persistentVolumeName", "pv1"}}}, {"nodeName", "n"}}}};
  EXPECT_EQ(print_volume_attachment(object_from_json<VolumeAttachment>(va)), (std::vector<std::string>{"pv1", "false"}));
}

}  // namespace
}  // namespace capstan::storage_kinds
