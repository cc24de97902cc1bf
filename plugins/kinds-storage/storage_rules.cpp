#include "storage_rules.hpp"

#include <algorithm>
#include <set>

#include "capstan/machinery/validation.hpp"

namespace capstan::storage_kinds {

namespace field = sdk::field;

namespace {

const std::vector<std::string> kAccessModes = {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"};
const std::vector<std::string> kReclaimPolicies = {"Delete", "Recycle", "Retain"};
const std::vector<std::string> kVolumeModes = {"Block", "Filesystem"};
const std::vector<std::string> kHostPathTypes = {"",     "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate",
                                                 "File", "FileOrCreate", "Socket"};

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// validatePathNoBacksteps: no ".." element.
void no_backsteps(const std::string& p, const std::string& path, Causes& causes) {
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    if (p.compare(start, end - start, "..") == 0 && end - start == 2) {
      field::invalid(causes, path, field::go_quote(p), "must not contain '..'");
      return;
    }
    start = end + 1;
  }
}

// ValidateNodeSelector (without matchFields' metadata.name rule, which PVs never use).
void validate_node_selector(core::v1::NodeSelector::Reader sel, const std::string& path, Causes& causes) {
  auto terms = sel.getNodeSelectorTerms();
  if (terms.size() == 0) {
    field::required(causes, path + ".nodeSelectorTerms", "must have at least one node selector term");
    return;
  }
  for (unsigned i = 0; i < terms.size(); ++i) {
    const std::string tp = path + ".nodeSelectorTerms[" + std::to_string(i) + "]";
    auto check = [&](capnp::List<core::v1::NodeSelectorRequirement>::Reader reqs, const std::string& list) {
      for (unsigned j = 0; j < reqs.size(); ++j) {
        auto r = reqs[j];
        const std::string rp = tp + "." + list + "[" + std::to_string(j) + "]";
        const std::string op = r.getOperator();
        if (op == "In" || op == "NotIn") {
          if (r.getValues().size() == 0)
            field::required(causes, rp + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
        } else if (op == "Exists" || op == "DoesNotExist") {
          if (r.getValues().size() > 0)
            field::forbidden(causes, rp + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        } else if (op == "Gt" || op == "Lt") {
          if (r.getValues().size() != 1)
            field::required(causes, rp + ".values", "must be specified single value when `operator` is 'Lt' or 'Gt'");
        } else {
          field::invalid(causes, rp + ".operator", field::go_quote(op), "not a valid selector operator");
        }
        if (list == "matchExpressions")
          for (const auto& m : field::qualified_name(r.getKey().cStr()))
            field::invalid(causes, rp + ".key", field::go_quote(r.getKey().cStr()), m);
      }
    };
    check(terms[i].getMatchExpressions(), "matchExpressions");
    check(terms[i].getMatchFields(), "matchFields");
  }
}

}  // namespace

void validate_access_modes(capnp::List<capnp::Text>::Reader modes, const std::string& path,
                           const std::string& required_detail, Causes& causes) {
  if (modes.size() == 0) field::required(causes, path, required_detail);
  bool rwop = false, other = false;
  for (auto m : modes) {
    const std::string mode = m;
    if (!contains(kAccessModes, mode)) field::not_supported(causes, path, field::go_quote(mode), kAccessModes);
    if (mode == "ReadWriteOncePod") rwop = true;
    else if (contains(kAccessModes, mode)) other = true;
  }
  if (rwop && other) field::forbidden(causes, path, "may not use ReadWriteOncePod with other access modes");
}

std::optional<Quantity> storage_of(capnp::List<k8s::QuantityEntry>::Reader list) {
  for (auto e : list)
    if (e.getKey() == "storage") return Quantity::parse(e.getValue().cStr());
  return std::nullopt;
}

void validate_positive_quantity(const Quantity& q, const std::string& path, Causes& causes) {
  if (q.sign() <= 0) field::invalid(causes, path, field::go_quote(q.to_string()), "must be greater than zero");
}

void validate_class_name(const std::string& name, const std::string& path, Causes& causes) {
  for (const auto& m : field::dns1123_subdomain(name)) field::invalid(causes, path, field::go_quote(name), m);
}

void validate_csi_driver_name(const std::string& name, const std::string& path, Causes& causes) {
  if (name.empty()) field::required(causes, path);
  if (name.size() > 63) field::too_long(causes, path, 63);
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& m : field::dns1123_subdomain(lower)) field::invalid(causes, path, field::go_quote(name), m);
}

void validate_pv_spec(core::v1::PersistentVolumeSpec::Reader spec, const std::string& path, Causes& causes) {
  validate_access_modes(spec.getAccessModes(), path + ".accessModes", "", causes);

  auto capacity = spec.getCapacity();
  if (capacity.size() == 0) field::required(causes, path + ".capacity");
  const auto storage = storage_of(capacity);
  bool has_storage = false;
  for (auto e : capacity) has_storage = has_storage || e.getKey() == "storage";
  if (!has_storage || capacity.size() > 1) {
    // Upstream prints the whole ResourceList with %#v; the keys are what a reader needs.
    std::string keys = "core.ResourceList{";
    for (unsigned i = 0; i < capacity.size(); ++i)
      keys += (i ? ", " : "") + field::go_quote(capacity[i].getKey().cStr()) + ":" + field::go_quote(capacity[i].getValue().cStr());
    field::not_supported(causes, path + ".capacity", keys + "}", {"storage"});
  }
  for (auto e : capacity) {
    auto q = Quantity::parse(e.getValue().cStr());
    if (q) validate_positive_quantity(*q, path + ".capacity[" + std::string(e.getKey().cStr()) + "]", causes);
  }

  const std::string reclaim = spec.getPersistentVolumeReclaimPolicy();
  if (!reclaim.empty() && !contains(kReclaimPolicies, reclaim))
    field::not_supported(causes, path + ".persistentVolumeReclaimPolicy", field::go_quote(reclaim), kReclaimPolicies);

  bool affinity = false;
  if (spec.hasNodeAffinity()) {
    affinity = true;
    auto na = spec.getNodeAffinity();
    if (na.hasRequired()) validate_node_selector(na.getRequired(), path + ".nodeAffinity.required", causes);
    else field::required(causes, path + ".nodeAffinity.required", "must specify required node constraints");
  }

  // Exactly one volume source, in upstream's order of checks.
  int sources = 0;
  auto one_more = [&](const char* name) {
    if (sources > 0) {
      field::forbidden(causes, path + "." + name, "may not specify more than 1 volume type");
      return false;
    }
    ++sources;
    return true;
  };
  if (spec.hasHostPath() && one_more("hostPath")) {
    auto hp = spec.getHostPath();
    const std::string p = hp.getPath();
    if (p.empty()) {
      field::required(causes, path + ".hostPath.path");
    } else {
      no_backsteps(p, path + ".hostPath.path", causes);
      if (hp.hasType() && !contains(kHostPathTypes, hp.getType().cStr()))
        field::not_supported(causes, path + ".hostPath.type", field::go_quote(hp.getType().cStr()), kHostPathTypes);
    }
  }
  if (spec.hasNfs() && one_more("nfs")) {
    auto nfs = spec.getNfs();
    if (nfs.getServer().size() == 0) field::required(causes, path + ".nfs.server");
    const std::string p = nfs.getPath();
    if (p.empty()) field::required(causes, path + ".nfs.path");
    else if (p.front() != '/') field::invalid(causes, path + ".nfs.path", field::go_quote(p), "must be an absolute path");
  }
  if (spec.hasLocal() && one_more("local")) {
    const std::string p = spec.getLocal().getPath();
    if (p.empty()) field::required(causes, path + ".local.path");
    else no_backsteps(p, path + ".local.path", causes);
    if (!affinity) field::required(causes, path + ".nodeAffinity", "Local volume requires node affinity");
  }
  if (spec.hasCsi() && one_more("csi")) {
    auto csi = spec.getCsi();
    validate_csi_driver_name(csi.getDriver().cStr(), path + ".csi.driver", causes);
    if (csi.getVolumeHandle().size() == 0) field::required(causes, path + ".csi.volumeHandle");
    auto secret = [&](bool has, core::v1::SecretReference::Reader ref, const char* name) {
      if (!has) return;
      const std::string sp = path + ".csi." + name;
      if (ref.getName().size() == 0) field::required(causes, sp + ".name");
      if (ref.getNamespace().size() == 0) field::required(causes, sp + ".namespace");
    };
    secret(csi.hasControllerPublishSecretRef(), csi.getControllerPublishSecretRef(), "controllerPublishSecretRef");
    secret(csi.hasNodeStageSecretRef(), csi.getNodeStageSecretRef(), "nodeStageSecretRef");
    secret(csi.hasNodePublishSecretRef(), csi.getNodePublishSecretRef(), "nodePublishSecretRef");
    secret(csi.hasControllerExpandSecretRef(), csi.getControllerExpandSecretRef(), "controllerExpandSecretRef");
    secret(csi.hasNodeExpandSecretRef(), csi.getNodeExpandSecretRef(), "nodeExpandSecretRef");
  }
  if (sources == 0) field::required(causes, path, "must specify a volume type");

  if (spec.hasHostPath() && reclaim == "Recycle") {
    std::string p = spec.getHostPath().getPath();
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p == "/")
      field::forbidden(causes, path + ".persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'");
  }
  const std::string cls = spec.getStorageClassName();
  if (!cls.empty()) validate_class_name(cls, path + ".storageClassName", causes);
  if (spec.hasVolumeMode() && !contains(kVolumeModes, spec.getVolumeMode().cStr()))
    field::not_supported(causes, path + ".volumeMode", field::go_quote(spec.getVolumeMode().cStr()), kVolumeModes);
  if (spec.hasVolumeAttributesClassName()) {
    const std::string vac = spec.getVolumeAttributesClassName();
    if (vac.empty()) field::required(causes, path + ".volumeAttributesClassName", "an empty string is disallowed");
    else validate_class_name(vac, path + ".volumeAttributesClassName", causes);
    if (!spec.hasCsi()) field::required(causes, path + ".csi", "has to be specified when using volumeAttributesClassName");
  }
}

bool is_default_class(capnp::List<k8s::StringEntry>::Reader annotations) {
  for (auto a : annotations)
    if ((a.getKey() == kDefaultClassAnnotation || a.getKey() == kBetaDefaultClassAnnotation) && a.getValue() == "true")
      return true;
  return false;
}

std::optional<std::string> annotation(capnp::List<k8s::StringEntry>::Reader annotations, const std::string& key) {
  for (auto a : annotations)
    if (a.getKey() == key) return std::string(a.getValue().cStr());
  return std::nullopt;
}

std::string access_modes_string(capnp::List<capnp::Text>::Reader modes) {
  std::set<std::string> have;
  for (auto m : modes) have.insert(m);
  std::string out;
  for (auto [mode, abbrev] : {std::pair{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"},
                              {"ReadWriteOncePod", "RWOP"}})
    if (have.count(mode)) out += (out.empty() ? "" : ",") + std::string(abbrev);
  return out;
}

}  // namespace capstan::storage_kinds
