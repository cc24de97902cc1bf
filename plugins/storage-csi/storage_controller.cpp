#include "storage_controller.hpp"

#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/storage_v1.capnp.h"
#include "csi_client.hpp"

namespace capstan::storage {
namespace core = capstan::core::v1;
namespace sv1 = capstan::storage::v1;
using machinery::kCSINodes;
using machinery::kNodes;
using machinery::kPersistentVolumeClaims;
using machinery::kPersistentVolumes;
using machinery::kStorageClasses;
using nlohmann::json;

namespace {

constexpr const char* kHostPathDriver = "hostpath.csi.capstan.io";
// Where a node-local driver's volume lives, so DeleteVolume reaches that node's driver.
constexpr const char* kAnnVolumeNode = "csi.capstan.io/volume-node";

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string annotation(meta::ObjectMeta::Reader md, const std::string& key) {
  for (auto e : md.getAnnotations())
    if (str(e.getKey()) == key) return str(e.getValue());
  return "";
}

ClaimView view_claim(core::PersistentVolumeClaim::Reader pvc) {
  ClaimView c;
  c.ns = str(pvc.getMetadata().getNamespace());
  c.name = str(pvc.getMetadata().getName());
  c.uid = str(pvc.getMetadata().getUid());
  auto spec = pvc.getSpec();
  for (auto m : spec.getAccessModes()) c.access_modes.push_back(str(m));
  for (auto q : spec.getResources().getRequests())
    if (str(q.getKey()) == "storage") c.request_bytes = machinery::value_of(str(q.getValue())).value_or(0);
  c.class_name = spec.hasStorageClassName() ? str(spec.getStorageClassName()) : "";
  if (spec.hasVolumeMode() && spec.getVolumeMode().size()) c.volume_mode = str(spec.getVolumeMode());
  c.volume_name = str(spec.getVolumeName());
  return c;
}

PvView view_pv(core::PersistentVolume::Reader pv) {
  PvView v;
  v.name = str(pv.getMetadata().getName());
  auto spec = pv.getSpec();
  v.class_name = str(spec.getStorageClassName());
  if (spec.hasVolumeMode() && spec.getVolumeMode().size()) v.volume_mode = str(spec.getVolumeMode());
  for (auto m : spec.getAccessModes()) v.access_modes.push_back(str(m));
  for (auto q : spec.getCapacity())
    if (str(q.getKey()) == "storage") v.capacity_bytes = machinery::value_of(str(q.getValue())).value_or(0);
  if (spec.hasClaimRef()) {
    v.claim_ns = str(spec.getClaimRef().getNamespace());
    v.claim_name = str(spec.getClaimRef().getName());
    v.claim_uid = str(spec.getClaimRef().getUid());
  }
  v.phase = str(pv.getStatus().getPhase());
  v.deleting = pv.getMetadata().hasDeletionTimestamp() && pv.getMetadata().getDeletionTimestamp().size();
  return v;
}

std::string capacity_string(core::PersistentVolume::Reader pv) {
  for (auto q : pv.getSpec().getCapacity())
    if (str(q.getKey()) == "storage") return str(q.getValue());
  return "";
}

}  // namespace

std::string endpoint_annotation(const std::string& driver) { return "csi.capstan.io/endpoint-" + driver; }

StorageConfig parse_storage_config(const std::string& text) {
  StorageConfig c;
  auto j = text.empty() ? json::object() : json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  if (j.contains("drivers") && j["drivers"].is_object())
    for (auto& [k, v] : j["drivers"].items())
      if (v.is_string()) c.drivers[k] = v.get<std::string>();
  if (j.contains("defaultClass") && j["defaultClass"].is_boolean()) c.default_class = j["defaultClass"];
  if (j.contains("timeoutSeconds") && j["timeoutSeconds"].is_number_integer())
    c.timeout = std::chrono::seconds(j["timeoutSeconds"].get<int>());
  return c;
}

StorageController::StorageController(const sdk::Host& host, const std::string& config)
    : host_(host),
      client_(host, "persistentvolume-controller"),
      config_(parse_storage_config(config)),
      events_(client_, "persistentvolume-controller"),
      claims_(client_, kPersistentVolumeClaims),
      volumes_(client_, kPersistentVolumes),
      classes_(client_, kStorageClasses),
      csinodes_(client_, kCSINodes) {
  events_.set_synchronous(false);
  claim_ctl_ = std::make_unique<sdk::Controller>(
      "persistentvolume-binder-claims", host_, [this](const std::string& k) { return sync_claim(k); }, 2);
  volume_ctl_ = std::make_unique<sdk::Controller>(
      "persistentvolume-binder-volumes", host_, [this](const std::string& k) { return sync_volume(k); }, 2);
  claim_ctl_->watch(claims_);
  volume_ctl_->watch(volumes_);
  // A volume's change concerns its claim, a claim's change its volume.
  volumes_.add_handler([this](const sdk::ObjectPtr& o, sdk::EventKind) {
    auto pv = o->as<core::PersistentVolume>();
    if (pv.getSpec().hasClaimRef())
      claim_ctl_->enqueue(str(pv.getSpec().getClaimRef().getNamespace()) + "/" +
                          str(pv.getSpec().getClaimRef().getName()));
  });
  claims_.add_handler([this](const sdk::ObjectPtr& o, sdk::EventKind kind) {
    auto pvc = o->as<core::PersistentVolumeClaim>();
    if (pvc.getSpec().getVolumeName().size()) volume_ctl_->enqueue(str(pvc.getSpec().getVolumeName()));
    if (kind == sdk::EventKind::kDeleted)
      for (const auto& pv : volumes_.list()) {
        auto r = pv->as<core::PersistentVolume>();
        if (r.getSpec().hasClaimRef() && str(r.getSpec().getClaimRef().getUid()) == o->uid()) volume_ctl_->enqueue(pv->name());
      }
  });
  // A class (or a node's drivers) appearing unblocks the claims waiting for it.
  auto requeue_pending = [this](const sdk::ObjectPtr&, sdk::EventKind) {
    for (const auto& c : claims_.list())
      if (c->as<core::PersistentVolumeClaim>().getSpec().getVolumeName().size() == 0) claim_ctl_->enqueue(c->key());
  };
  classes_.add_handler(requeue_pending);
  csinodes_.add_handler(requeue_pending);
}

StorageController::~StorageController() { stop(); }

void StorageController::start() {
  classes_.start();
  csinodes_.start();
  claims_.start();
  volumes_.start();
  if (config_.default_class) ensure_defaults();
  claim_ctl_->start();
  volume_ctl_->start();
}

void StorageController::stop() {
  if (claim_ctl_) claim_ctl_->stop();
  if (volume_ctl_) volume_ctl_->stop();
  claims_.stop();
  volumes_.stop();
  classes_.stop();
  csinodes_.stop();
  events_.flush();
  std::lock_guard l(mu_);
  for (auto& [k, r] : recorders_) r->flush();
}

// The objects a Capstan cluster starts with, as minikube's and kind's storage addons do: created
// when absent, never overwritten (an administrator may change or delete them).
void StorageController::ensure_defaults() {
  {
    capnp::MallocMessageBuilder m;
    auto sc = m.initRoot<sv1::StorageClass>();
    sc.setApiVersion("storage.k8s.io/v1");
    sc.setKind("StorageClass");
    auto md = sc.initMetadata();
    md.setName("standard");
    auto ann = md.initAnnotations(1);
    ann[0].setKey(kAnnDefaultClass);
    ann[0].setValue("true");
    sc.setProvisioner(kHostPathDriver);
    sc.setReclaimPolicy("Delete");
    sc.setVolumeBindingMode("WaitForFirstConsumer");
    sc.getAllowVolumeExpansion().setValue(true);
    if (!client_.get(kStorageClasses, "", "standard").status.ok()) {
      auto r = client_.create(kStorageClasses, "", m);
      if (!r.status.ok() && !r.status.already_exists())
        host_.warn("storage-csi: cannot create StorageClass standard: " + r.status.message);
    }
  }
  {
    capnp::MallocMessageBuilder m;
    auto d = m.initRoot<sv1::CSIDriver>();
    d.setApiVersion("storage.k8s.io/v1");
    d.setKind("CSIDriver");
    d.initMetadata().setName(kHostPathDriver);
    auto spec = d.initSpec();
    spec.getAttachRequired().setValue(false);
    spec.getPodInfoOnMount().setValue(false);
    spec.getStorageCapacity().setValue(false);
    spec.initVolumeLifecycleModes(1).set(0, "Persistent");
    spec.setFsGroupPolicy("File");
    if (!client_.get(machinery::kCSIDrivers, "", kHostPathDriver).status.ok()) {
      auto r = client_.create(machinery::kCSIDrivers, "", m);
      if (!r.status.ok() && !r.status.already_exists())
        host_.warn(std::string("storage-csi: cannot create CSIDriver ") + kHostPathDriver + ": " + r.status.message);
    }
  }
}

// The default class, as DefaultStorageClass picks it: the newest annotated as default (ties by
// name).
sdk::ObjectPtr StorageController::default_class() const {
  auto list = classes_.has_synced() ? classes_.list() : std::vector<sdk::ObjectPtr>{};
  if (!classes_.has_synced()) {
    auto r = client_.list(kStorageClasses);
    if (r.status.ok()) list = r.items;
  }
  sdk::ObjectPtr best;
  std::string best_time;
  for (const auto& o : list) {
    auto md = o->metadata();
    if (annotation(md, kAnnDefaultClass) != "true" && annotation(md, kAnnBetaDefaultClass) != "true") continue;
    const std::string t = str(md.getCreationTimestamp());
    if (!best || t > best_time || (t == best_time && o->name() < best->name())) {
      best = o;
      best_time = t;
    }
  }
  return best;
}

sdk::EventRecorder& StorageController::provisioner_events(const std::string& driver) {
  std::lock_guard l(mu_);
  auto& r = recorders_[driver];
  if (!r) {
    r = std::make_unique<sdk::EventRecorder>(client_, driver);
    r->set_synchronous(false);
  }
  return *r;
}

csi::Client* StorageController::driver(const std::string& name, const std::string& node, std::string& error) {
  std::string endpoint;
  if (auto it = config_.drivers.find(name); it != config_.drivers.end()) {
    endpoint = it->second;
  } else {
    // A node-local driver: its node's agent publishes the socket on the node's CSINode.
    std::vector<sdk::ObjectPtr> candidates;
    if (!node.empty()) {
      if (auto n = csinodes_.get("", node)) candidates.push_back(n);
    } else {
      candidates = csinodes_.list();
    }
    for (const auto& c : candidates) {
      endpoint = annotation(c->metadata(), endpoint_annotation(name));
      if (!endpoint.empty()) break;
    }
    if (endpoint.empty()) {
      error = "driver " + name + " is not registered" + (node.empty() ? std::string() : " on node " + node);
      return nullptr;
    }
  }
  std::lock_guard l(mu_);
  auto& c = clients_[endpoint];
  if (!c) c = std::make_unique<csi::Client>(endpoint, config_.timeout);
  return c.get();
}

sdk::ReconcileResult StorageController::sync_claim(const std::string& key) {
  const auto slash = key.find('/');
  auto obj = claims_.get(key.substr(0, slash), key.substr(slash + 1));
  if (!obj) {
    std::lock_guard l(mu_);
    last_event_.erase(key);
    return sdk::ReconcileResult::ok();
  }
  auto pvc = obj->as<core::PersistentVolumeClaim>();
  if (pvc.getMetadata().hasDeletionTimestamp() && pvc.getMetadata().getDeletionTimestamp().size())
    return sdk::ReconcileResult::ok();
  ClaimView c = view_claim(pvc);
  auto once = [&](const std::string& type, const std::string& reason, const std::string& message,
                  sdk::EventRecorder* rec = nullptr) {
    {
      std::lock_guard l(mu_);
      auto& last = last_event_[key];
      if (last == reason + message) return;
      last = reason + message;
    }
    (rec ? *rec : events_).record(obj, type, reason, message);
  };

  if (!pvc.getSpec().hasStorageClassName() && c.volume_name.empty()) {
    // Retroactive default class assignment (upstream since 1.28): a claim created before any
    // default class existed gets the one that exists now.
    if (auto sc = default_class()) {
      json patch{{"spec", {{"storageClassName", sc->name()}}}};
      auto r = client_.patch(kPersistentVolumeClaims, c.ns, c.name, "merge", patch.dump());
      if (!r.status.ok() && !r.status.not_found()) return sdk::ReconcileResult::fail(r.status.message);
      return sdk::ReconcileResult::ok();
    }
  }

  if (!c.volume_name.empty()) {
    auto pv = volumes_.get("", c.volume_name);
    if (!pv) {
      if (annotation(pvc.getMetadata(), kAnnBindCompleted) == "yes" && str(pvc.getStatus().getPhase()) == "Bound") {
        json st{{"status", {{"phase", "Lost"}}}};
        client_.patch(kPersistentVolumeClaims, c.ns, c.name, "merge", st.dump(), "status");
        events_.record(obj, sdk::kEventTypeWarning, "ClaimLost",
                       "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
      }
      return sdk::ReconcileResult::ok();  // a pre-bound volume not created yet: its arrival requeues
    }
    auto bound = bind(obj, c, pv, annotation(pvc.getMetadata(), kAnnBoundByController) == "yes");
    if (!bound.error.empty() || bound.requeue) return bound;
    return resize(obj, pv);
  }

  auto sc = c.class_name.empty() ? nullptr : classes_.get("", c.class_name);
  const bool wffc = sc && str(sc->as<sv1::StorageClass>().getVolumeBindingMode()) == "WaitForFirstConsumer";
  const std::string selected = annotation(pvc.getMetadata(), kAnnSelectedNode);

  // An existing volume first (static provisioning), smallest that fits.
  if (!wffc || !selected.empty()) {
    std::vector<sdk::ObjectPtr> objs = volumes_.list();
    std::vector<PvView> views;
    for (const auto& o : objs) views.push_back(view_pv(o->as<core::PersistentVolume>()));
    const bool has_selector = pvc.getSpec().hasSelector();
    auto extra = [&](const PvView& v) {
      // Claims with a label selector are never provisioned (upstream); matching them against
      // volume labels is done here for the simple matchLabels form.
      if (!has_selector) return true;
      auto sel = pvc.getSpec().getSelector();
      if (sel.getMatchExpressions().size()) return false;
      for (const auto& o : objs)
        if (o->name() == v.name) {
          for (auto want : sel.getMatchLabels()) {
            bool found = false;
            for (auto have : o->metadata().getLabels())
              if (have.getKey() == want.getKey() && have.getValue() == want.getValue()) found = true;
            if (!found) return false;
          }
          return true;
        }
      return false;
    };
    if (auto i = find_best_pv(c, views, extra)) return bind(obj, c, objs[*i], true);
    if (has_selector) {
      once(sdk::kEventTypeNormal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
      return sdk::ReconcileResult::ok();
    }
  }
  if (c.class_name.empty()) {
    once(sdk::kEventTypeNormal, "FailedBinding", kNoVolumeNoClassMessage);
    return sdk::ReconcileResult::ok();
  }
  if (!sc) {
    once(sdk::kEventTypeWarning, "ProvisioningFailed", "storageclass.storage.k8s.io \"" + c.class_name + "\" not found");
    return sdk::ReconcileResult::ok();
  }
  if (wffc && selected.empty()) {
    once(sdk::kEventTypeNormal, "WaitForFirstConsumer", kWaitForFirstConsumerMessage);
    return sdk::ReconcileResult::ok();
  }
  const std::string provisioner = str(sc->as<sv1::StorageClass>().getProvisioner());
  if (annotation(pvc.getMetadata(), kAnnStorageProvisioner) != provisioner) {
    json patch{{"metadata", {{"annotations", {{kAnnStorageProvisioner, provisioner}, {kAnnBetaStorageProvisioner, provisioner}}}}}};
    auto r = client_.patch(kPersistentVolumeClaims, c.ns, c.name, "merge", patch.dump());
    if (!r.status.ok()) return r.status.not_found() ? sdk::ReconcileResult::ok() : sdk::ReconcileResult::fail(r.status.message);
    once(sdk::kEventTypeNormal, "ExternalProvisioning", external_provisioning_message(provisioner));
    return sdk::ReconcileResult::ok();  // the annotated claim comes back through the informer
  }
  return provision(obj, c, sc);
}

sdk::ReconcileResult StorageController::provision(const sdk::ObjectPtr& obj, const ClaimView& c, const sdk::ObjectPtr& sc_obj) {
  auto sc = sc_obj->as<sv1::StorageClass>();
  auto pvc = obj->as<core::PersistentVolumeClaim>();
  const std::string driver_name = str(sc.getProvisioner());
  const std::string pv_name = pv_name_for(c.uid);
  // Created already (a crash between CreateVolume and binding): bind it.
  if (auto existing = volumes_.get("", pv_name)) return bind(obj, c, existing, true);
  if (auto got = client_.get(kPersistentVolumes, "", pv_name); got.status.ok()) return bind(obj, c, got.object, true);

  std::string node = annotation(pvc.getMetadata(), kAnnSelectedNode);
  std::string error;
  if (node.empty() && !config_.drivers.count(driver_name)) {
    // Immediate binding with a node-local driver: the first node that runs it.
    for (const auto& n : csinodes_.list())
      if (!annotation(n->metadata(), endpoint_annotation(driver_name)).empty()) {
        node = n->name();
        break;
      }
  }
  auto* client = driver(driver_name, node, error);
  if (!client) {
    // Not ours (yet): the claim waits for the provisioner the annotation names.
    return sdk::ReconcileResult::after(std::chrono::seconds(10));
  }
  auto& prov_events = provisioner_events(driver_name);
  // The selected node's values of the driver's topology keys (from its CSINode) are the
  // requisite topology.
  std::optional<csi::Topology> topology;
  if (!node.empty()) {
    auto csinode = csinodes_.get("", node);
    auto nobj = client_.get(kNodes, "", node);
    if (csinode && nobj.status.ok()) {
      csi::Topology t;
      for (auto d : csinode->as<sv1::CSINode>().getSpec().getDrivers())
        if (str(d.getName()) == driver_name)
          for (auto key : d.getTopologyKeys())
            for (auto l : nobj.object->metadata().getLabels())
              if (l.getKey() == key) t[str(key)] = str(l.getValue());
      if (!t.empty()) topology = t;
    }
  }
  std::map<std::string, std::string> params;
  for (auto p : sc.getParameters()) params[str(p.getKey())] = str(p.getValue());
  std::vector<std::string> mount_options;
  for (auto m : sc.getMountOptions()) mount_options.push_back(str(m));
  std::string fs_type;
  auto request = create_request(c, params, mount_options, topology, fs_type, error);
  const std::string failed = "failed to provision volume with StorageClass \"" + c.class_name + "\": ";
  if (!error.empty()) {
    prov_events.record(obj, sdk::kEventTypeWarning, "ProvisioningFailed", failed + error);
    return sdk::ReconcileResult::fail(error);
  }
  prov_events.record(obj, sdk::kEventTypeNormal, "Provisioning",
                     "External provisioner is provisioning volume for claim \"" + c.ns + "/" + c.name + "\"");
  csi::Volume vol;
  auto s = client->create_volume(request, vol);
  if (!s.ok()) {
    prov_events.record(obj, sdk::kEventTypeWarning, "ProvisioningFailed", failed + s.describe());
    return sdk::ReconcileResult::fail(s.describe());  // retried with back-off
  }

  capnp::MallocMessageBuilder m;
  auto pv = m.initRoot<core::PersistentVolume>();
  pv.setApiVersion("v1");
  pv.setKind("PersistentVolume");
  auto md = pv.initMetadata();
  md.setName(pv_name);
  {
    std::vector<std::pair<std::string, std::string>> ann = {{kAnnProvisionedBy, driver_name}};
    if (!node.empty()) ann.emplace_back(kAnnVolumeNode, node);
    auto a = md.initAnnotations(static_cast<unsigned>(ann.size()));
    for (unsigned i = 0; i < ann.size(); ++i) {
      a[i].setKey(ann[i].first);
      a[i].setValue(ann[i].second);
    }
  }
  auto spec = pv.initSpec();
  auto cap = spec.initCapacity(1);
  cap[0].setKey("storage");
  cap[0].setValue(machinery::Quantity::from_int64(vol.capacity_bytes ? vol.capacity_bytes : c.request_bytes,
                                                  machinery::Quantity::Format::kBinarySI)
                      .to_string());
  auto modes = spec.initAccessModes(static_cast<unsigned>(c.access_modes.size()));
  for (unsigned i = 0; i < c.access_modes.size(); ++i) modes.set(i, c.access_modes[i]);
  auto ref = spec.initClaimRef();
  ref.setKind("PersistentVolumeClaim");
  ref.setApiVersion("v1");
  ref.setNamespace(c.ns);
  ref.setName(c.name);
  ref.setUid(c.uid);
  ref.setResourceVersion(std::to_string(obj->revision()));
  spec.setPersistentVolumeReclaimPolicy(sc.hasReclaimPolicy() && sc.getReclaimPolicy().size() ? sc.getReclaimPolicy()
                                                                                               : "Delete");
  spec.setStorageClassName(c.class_name);
  if (!mount_options.empty()) {
    auto mo = spec.initMountOptions(static_cast<unsigned>(mount_options.size()));
    for (unsigned i = 0; i < mount_options.size(); ++i) mo.set(i, mount_options[i]);
  }
  spec.setVolumeMode(c.volume_mode);
  auto csi = spec.initCsi();
  csi.setDriver(driver_name);
  csi.setVolumeHandle(vol.volume_id);
  if (!fs_type.empty()) csi.setFsType(fs_type);
  {
    auto attrs = vol.volume_context;
    attrs["storage.kubernetes.io/csiProvisionerIdentity"] = driver_name;
    auto a = csi.initVolumeAttributes(static_cast<unsigned>(attrs.size()));
    unsigned i = 0;
    for (const auto& [k, v] : attrs) {
      a[i].setKey(k);
      a[i].setValue(v);
      ++i;
    }
  }
  auto terms = node_affinity(vol.accessible_topology);
  if (!terms.empty()) {
    auto t = spec.initNodeAffinity().initRequired().initNodeSelectorTerms(static_cast<unsigned>(terms.size()));
    for (unsigned i = 0; i < terms.size(); ++i) {
      auto exprs = t[i].initMatchExpressions(static_cast<unsigned>(terms[i].in.size()));
      for (unsigned j = 0; j < terms[i].in.size(); ++j) {
        exprs[j].setKey(terms[i].in[j].first);
        exprs[j].setOperator("In");
        exprs[j].initValues(1).set(0, terms[i].in[j].second);
      }
    }
  }
  auto created = client_.create(kPersistentVolumes, "", m);
  if (!created.status.ok() && !created.status.already_exists()) {
    // The volume exists on the driver: CreateVolume is idempotent, so the retry finds it again.
    prov_events.record(obj, sdk::kEventTypeWarning, "ProvisioningFailed", failed + created.status.message);
    return sdk::ReconcileResult::fail(created.status.message);
  }
  prov_events.record(obj, sdk::kEventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume " + pv_name);
  auto pv_obj = created.status.ok() ? created.object : client_.get(kPersistentVolumes, "", pv_name).object;
  if (!pv_obj) return sdk::ReconcileResult::fail("the provisioned volume " + pv_name + " vanished");
  return bind(obj, c, pv_obj, true);
}

// Completes a bind from wherever it stopped (upstream's bind: the volume first, then the claim),
// each write idempotent: PV claimRef, PV Bound, claim volumeName and annotations, claim Bound.
sdk::ReconcileResult StorageController::bind(const sdk::ObjectPtr& claim_obj, const ClaimView& c,
                                             const sdk::ObjectPtr& pv_obj, bool by_controller) {
  auto pv = pv_obj->as<core::PersistentVolume>();
  const std::string pv_name = pv_obj->name();
  auto fail = [](const sdk::Status& s) {
    return s.not_found() || s.conflict() ? sdk::ReconcileResult{true, {}, {}} : sdk::ReconcileResult::fail(s.message);
  };
  const bool ref_ok = pv.getSpec().hasClaimRef() && str(pv.getSpec().getClaimRef().getUid()) == c.uid;
  if (!ref_ok) {
    if (pv.getSpec().hasClaimRef() && str(pv.getSpec().getClaimRef().getUid()).size() &&
        str(pv.getSpec().getClaimRef().getUid()) != c.uid) {
      events_.record(claim_obj, sdk::kEventTypeWarning, "FailedBinding",
                     "volume \"" + pv_name + "\" already bound to a different claim.");
      return sdk::ReconcileResult::ok();
    }
    json patch{{"spec", {{"claimRef", {{"kind", "PersistentVolumeClaim"}, {"apiVersion", "v1"}, {"namespace", c.ns},
                                       {"name", c.name}, {"uid", c.uid},
                                       {"resourceVersion", std::to_string(claim_obj->revision())}}}}}};
    if (by_controller) patch["metadata"]["annotations"][kAnnBoundByController] = "yes";
    auto r = client_.patch(kPersistentVolumes, "", pv_name, "merge", patch.dump());
    if (!r.status.ok()) return fail(r.status);
  }
  if (str(pv.getStatus().getPhase()) != "Bound") {
    json st{{"status", {{"phase", "Bound"}}}};
    auto r = client_.patch(kPersistentVolumes, "", pv_name, "merge", st.dump(), "status");
    if (!r.status.ok()) return fail(r.status);
  }
  auto pvc = claim_obj->as<core::PersistentVolumeClaim>();
  if (c.volume_name != pv_name || annotation(pvc.getMetadata(), kAnnBindCompleted) != "yes") {
    json patch{{"spec", {{"volumeName", pv_name}}}, {"metadata", {{"annotations", {{kAnnBindCompleted, "yes"}}}}}};
    if (by_controller) patch["metadata"]["annotations"][kAnnBoundByController] = "yes";
    auto r = client_.patch(kPersistentVolumeClaims, c.ns, c.name, "merge", patch.dump());
    if (!r.status.ok()) return fail(r.status);
  }
  if (str(pvc.getStatus().getPhase()) != "Bound") {
    json modes = json::array();
    for (auto m : pv.getSpec().getAccessModes()) modes.push_back(str(m));
    json st{{"status", {{"phase", "Bound"}, {"accessModes", modes}, {"capacity", {{"storage", capacity_string(pv)}}}}}};
    auto r = client_.patch(kPersistentVolumeClaims, c.ns, c.name, "merge", st.dump(), "status");
    if (!r.status.ok()) return fail(r.status);
  }
  std::lock_guard l(mu_);
  last_event_.erase(c.ns + "/" + c.name);
  return sdk::ReconcileResult::ok();
}

sdk::ReconcileResult StorageController::sync_volume(const std::string& name) {
  auto obj = volumes_.get("", name);
  if (!obj) return sdk::ReconcileResult::ok();
  auto pv = obj->as<core::PersistentVolume>();
  const std::string phase = str(pv.getStatus().getPhase());
  auto set_phase = [&](const std::string& p, const std::string& message = "") -> sdk::ReconcileResult {
    json st{{"status", {{"phase", p}}}};
    if (!message.empty()) st["status"]["message"] = message;
    auto r = client_.patch(kPersistentVolumes, "", name, "merge", st.dump(), "status");
    if (!r.status.ok() && !r.status.not_found()) return sdk::ReconcileResult::fail(r.status.message);
    return sdk::ReconcileResult::ok();
  };
  if (!pv.getSpec().hasClaimRef() || pv.getSpec().getClaimRef().getName().size() == 0) {
    if (phase.empty() || phase == "Pending") return set_phase("Available");
    return sdk::ReconcileResult::ok();
  }
  auto ref = pv.getSpec().getClaimRef();
  auto claim = claims_.get(str(ref.getNamespace()), str(ref.getName()));
  const std::string ref_uid = str(ref.getUid());
  if (claim && (ref_uid.empty() || ref_uid == claim->uid())) {
    auto pvc = claim->as<core::PersistentVolumeClaim>();
    if (str(pvc.getSpec().getVolumeName()) != name) claim_ctl_->enqueue(claim->key());
    else if (phase != "Bound") return set_phase("Bound");
    return sdk::ReconcileResult::ok();
  }
  if (!claim && ref_uid.empty()) {
    // Pre-bound to a claim that does not exist yet: available to it alone.
    if (phase.empty() || phase == "Pending") return set_phase("Available");
    return sdk::ReconcileResult::ok();
  }
  // The claim is gone (or replaced by another with the same name): released.
  if (phase != "Released" && phase != "Failed") {
    auto r = set_phase("Released");
    if (!r.error.empty()) return r;
  }
  const std::string policy = str(pv.getSpec().getPersistentVolumeReclaimPolicy());
  if (policy != "Delete") return sdk::ReconcileResult::ok();  // Retain (and the obsolete Recycle)
  if (pv.getMetadata().hasDeletionTimestamp() && pv.getMetadata().getDeletionTimestamp().size())
    return sdk::ReconcileResult::ok();
  const std::string provisioned_by = annotation(pv.getMetadata(), kAnnProvisionedBy);
  if (!pv.getSpec().hasCsi() || provisioned_by != str(pv.getSpec().getCsi().getDriver())) {
    if (phase != "Failed") {
      events_.record(obj, sdk::kEventTypeWarning, "VolumeFailedDelete",
                     "error getting deleter volume plugin for volume \"" + name + "\": no deletable volume plugin matched");
      return set_phase("Failed", "error getting deleter volume plugin for volume \"" + name + "\": no deletable volume plugin matched");
    }
    return sdk::ReconcileResult::ok();
  }
  std::string error;
  auto* client = driver(provisioned_by, annotation(pv.getMetadata(), kAnnVolumeNode), error);
  if (!client) {
    events_.record(obj, sdk::kEventTypeWarning, "VolumeFailedDelete", error);
    return sdk::ReconcileResult::fail(error);
  }
  auto s = client->delete_volume(str(pv.getSpec().getCsi().getVolumeHandle()));
  if (!s.ok()) {
    provisioner_events(provisioned_by).record(obj, sdk::kEventTypeWarning, "VolumeFailedDelete", s.describe());
    return sdk::ReconcileResult::fail(s.describe());  // e.g. still staged on its node: back-off
  }
  auto r = client_.remove(kPersistentVolumes, "", name);
  if (!r.ok() && !r.not_found()) return sdk::ReconcileResult::fail(r.message);
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::storage
