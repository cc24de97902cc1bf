#include "root_ca_publisher.hpp"

#include <capnp/message.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"

namespace capstan::controllers {

namespace {

using machinery::kConfigMaps;
using machinery::kNamespaces;

// Upstream's annotation on the ConfigMap, word for word.
constexpr const char* kDescription =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
    "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
    "clusters.";

void fill(core::v1::ConfigMap::Builder cm, const std::string& ns, const std::string& ca_pem) {
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  auto meta = cm.initMetadata();
  meta.setName(kRootCaConfigMap);
  meta.setNamespace(ns);
  auto annotations = meta.initAnnotations(1);
  annotations[0].setKey("kubernetes.io/description");
  annotations[0].setValue(kDescription);
  auto data = cm.initData(1);
  data[0].setKey("ca.crt");
  data[0].setValue(ca_pem);
}

bool holds(core::v1::ConfigMap::Reader cm, const std::string& ca_pem) {
  if (cm.getData().size() != 1 || std::string(cm.getData()[0].getKey()) != "ca.crt") return false;
  return std::string(cm.getData()[0].getValue()) == ca_pem;
}

}  // namespace

RootCaPublisher::RootCaPublisher(const sdk::Host& host, std::string ca_pem)
    : host_(host), client_(host, "root-ca-cert-publisher"), ca_pem_(std::move(ca_pem)),
      namespaces_(client_, kNamespaces), configmaps_(client_, kConfigMaps) {
  configmaps_.set_selectors("", std::string("metadata.name=") + kRootCaConfigMap);
  controller_ = std::make_unique<sdk::Controller>("root-ca-cert-publisher", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
  controller_->watch(namespaces_);
  // A change to a published copy wakes its namespace.
  controller_->watch_owned(configmaps_, [](const sdk::ObjectPtr& cm) -> std::optional<std::string> { return cm->ns(); });
}

void RootCaPublisher::start() {
  namespaces_.start();
  configmaps_.start();
  controller_->start();
}

void RootCaPublisher::stop() {
  controller_->stop();
  configmaps_.stop();
  namespaces_.stop();
}

sdk::ReconcileResult RootCaPublisher::reconcile(const std::string& key) {
  const std::string ns = sdk::split_key(key).second.empty() ? key : sdk::split_key(key).second;
  auto namespace_object = namespaces_.get("", ns);
  if (!namespace_object || namespace_object->as<core::v1::Namespace>().getMetadata().hasDeletionTimestamp())
    return sdk::ReconcileResult::ok();
  auto current = configmaps_.get(ns, kRootCaConfigMap);
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<core::v1::ConfigMap>();
  fill(cm, ns, ca_pem_);
  if (!current) {
    auto r = client_.create(kConfigMaps, ns, m);
    if (r.status.ok() || r.status.already_exists() || r.status.not_found()) return sdk::ReconcileResult::ok();
    // A namespace being deleted refuses new content (403): nothing to publish there.
    if (r.status.code == 403) return sdk::ReconcileResult::ok();
    throw std::runtime_error("cannot publish " + std::string(kRootCaConfigMap) + " in " + ns + ": " + r.status.message);
  }
  if (holds(current->as<core::v1::ConfigMap>(), ca_pem_)) return sdk::ReconcileResult::ok();
  // Edited: put the certificate back (the resourceVersion makes it a compare-and-swap).
  cm.getMetadata().setResourceVersion(current->as<core::v1::ConfigMap>().getMetadata().getResourceVersion());
  auto r = client_.update(kConfigMaps, ns, kRootCaConfigMap, m);
  if (!r.status.ok() && !r.status.not_found())
    throw std::runtime_error("cannot restore " + std::string(kRootCaConfigMap) + " in " + ns + ": " + r.status.message);
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::controllers
