#include "namespace_controller.hpp"

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"

namespace capstan::controllers {

namespace {
using machinery::kNamespaces;
using machinery::kServiceAccounts;
}  // namespace

NamespaceController::NamespaceController(const sdk::Host& host, std::string ca_pem)
    : host_(host), client_(host, "namespace-controller"), namespaces_(client_, kNamespaces) {
  if (!ca_pem.empty()) root_ca_ = std::make_unique<RootCaPublisher>(host, std::move(ca_pem));
  controller_ = std::make_unique<sdk::Controller>("namespace", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
  controller_->watch(namespaces_);
}

void NamespaceController::start() {
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) ensure_namespace(name);
  namespaces_.start();
  controller_->start();
  if (root_ca_) root_ca_->start();
}

void NamespaceController::stop() {
  if (root_ca_) root_ca_->stop();
  controller_->stop();
  namespaces_.stop();
}

void NamespaceController::ensure_namespace(const std::string& name) {
  capnp::MallocMessageBuilder m;
  auto ns = m.initRoot<core::v1::Namespace>();
  ns.setApiVersion("v1");
  ns.setKind("Namespace");
  ns.initMetadata().setName(name);
  auto r = client_.create(kNamespaces, "", m);
  if (!r.status.ok() && !r.status.already_exists())
    host_.warn("cannot create namespace " + name + ": " + r.status.message);
}

void NamespaceController::ensure_default_service_account(const std::string& ns) {
  if (client_.get(kServiceAccounts, ns, "default").status.ok()) return;
  capnp::MallocMessageBuilder m;
  auto sa = m.initRoot<core::v1::ServiceAccount>();
  sa.setApiVersion("v1");
  sa.setKind("ServiceAccount");
  auto meta = sa.initMetadata();
  meta.setName("default");
  meta.setNamespace(ns);
  auto r = client_.create(kServiceAccounts, ns, m);
  if (!r.status.ok() && !r.status.already_exists() && !r.status.not_found())
    host_.warn("cannot create the default service account in " + ns + ": " + r.status.message);
}

sdk::ReconcileResult NamespaceController::reconcile(const std::string& key) {
  auto obj = namespaces_.get("", sdk::split_key(key).second);
  if (!obj) return sdk::ReconcileResult::ok();
  auto ns = obj->as<core::v1::Namespace>();
  if (ns.getMetadata().hasDeletionTimestamp()) return finalize(obj->name());
  ensure_default_service_account(obj->name());
  return sdk::ReconcileResult::ok();
}

sdk::ReconcileResult NamespaceController::finalize(const std::string& name) {
  // Delete everything namespaced in it, whichever plugin registered the kind.
  size_t remaining = 0;
  for (const auto& k : client_.kinds()) {
    if (!k.namespaced || k.transient) continue;
    sdk::Resource r{k.group, k.version, k.plural};
    auto list = client_.list(r, name);
    if (!list.status.ok()) continue;
    for (const auto& item : list.items) {
      ++remaining;
      auto s = client_.remove(r, name, item->name(), "Background");
      if (!s.ok() && !s.not_found()) host_.warn("namespace " + name + ": cannot delete " + k.plural + "/" + item->name() + ": " + s.message);
    }
  }
  if (remaining > 0) return sdk::ReconcileResult::after(std::chrono::milliseconds(200));
  // Empty: release the namespace by removing our finalizer (and only ours).
  std::string others;
  if (auto obj = namespaces_.get("", name)) {
    for (auto f : obj->as<core::v1::Namespace>().getMetadata().getFinalizers()) {
      if (f == "kubernetes") continue;
      others += (others.empty() ? "\"" : ",\"") + std::string(f.cStr()) + "\"";
    }
  }
  std::string finalizers = others.empty() ? "null" : "[" + others + "]";
  auto r = client_.patch(kNamespaces, "", name, "merge",
                         R"({"metadata":{"finalizers":)" + finalizers + R"(},"spec":{"finalizers":null}})");
  if (!r.status.ok() && !r.status.not_found()) return sdk::ReconcileResult::fail(r.status.message);
  return sdk::ReconcileResult::ok();
}

}  // namespace capstan::controllers
