#include "rbac_plugin.hpp"

#include <capnp/message.h>

#include <chrono>
#include <set>

#include "bootstrap_policy.hpp"
#include "escalation.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/rbac_v1.capnp.h"
#include "capstan/selectors.hpp"
#include "rbac_validation.hpp"

namespace capstan::rbac {

namespace {

using namespace std::chrono_literals;

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";
constexpr const char* kBootstrapLabel = "kubernetes.io/bootstrapping";
constexpr const char* kAutoupdate = "rbac.authorization.kubernetes.io/autoupdate";

sdk::Resource res(const machinery::GroupVersionResource& r) { return r; }

void set_texts(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& in) {
  for (unsigned i = 0; i < in.size(); ++i) out.set(i, in[i]);
}

void set_rules(capnp::List<v1::PolicyRule>::Builder out, const std::vector<PolicyRule>& rules) {
  for (unsigned i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    auto b = out[i];
    set_texts(b.initVerbs(static_cast<unsigned>(r.verbs.size())), r.verbs);
    if (!r.api_groups.empty()) set_texts(b.initApiGroups(static_cast<unsigned>(r.api_groups.size())), r.api_groups);
    if (!r.resources.empty()) set_texts(b.initResources(static_cast<unsigned>(r.resources.size())), r.resources);
    if (!r.resource_names.empty())
      set_texts(b.initResourceNames(static_cast<unsigned>(r.resource_names.size())), r.resource_names);
    if (!r.non_resource_urls.empty())
      set_texts(b.initNonResourceURLs(static_cast<unsigned>(r.non_resource_urls.size())), r.non_resource_urls);
  }
}

void set_bootstrap_meta(meta::ObjectMeta::Builder m, const std::string& name, const std::map<std::string, std::string>& extra) {
  m.setName(name);
  std::map<std::string, std::string> labels = extra;
  labels[kBootstrapLabel] = "rbac-defaults";
  auto l = m.initLabels(static_cast<unsigned>(labels.size()));
  unsigned i = 0;
  for (const auto& [k, v] : labels) {
    l[i].setKey(k);
    l[i++].setValue(v);
  }
  auto a = m.initAnnotations(1);
  a[0].setKey(kAutoupdate);
  a[0].setValue("true");
}

bool same_rules(const std::vector<PolicyRule>& a, const std::vector<PolicyRule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].verbs != b[i].verbs || a[i].api_groups != b[i].api_groups || a[i].resources != b[i].resources ||
        a[i].resource_names != b[i].resource_names || a[i].non_resource_urls != b[i].non_resource_urls)
      return false;
  }
  return true;
}

}  // namespace

RbacPlugin::RbacPlugin(const sdk::Host& host)
    : host_(host),
      client_(host, "rbac-authorizer"),
      roles_(client_, res(machinery::kRoles)),
      cluster_roles_(client_, res(machinery::kClusterRoles)),
      role_bindings_(client_, res(machinery::kRoleBindings)),
      cluster_role_bindings_(client_, res(machinery::kClusterRoleBindings)) {
  for (auto* inf : {&roles_, &role_bindings_, &cluster_role_bindings_})
    inf->add_handler([this](const sdk::ObjectPtr&, sdk::EventKind) { changed(); });
  cluster_roles_.add_handler([this](const sdk::ObjectPtr&, sdk::EventKind) {
    changed();
    std::lock_guard lock(loop_mu_);
    aggregate_pending_ = true;
    loop_cv_.notify_one();
  });
}

RbacPlugin::~RbacPlugin() { stop(); }

void RbacPlugin::changed() { generation_.fetch_add(1); }

void RbacPlugin::start() {
  for (auto* inf : {&roles_, &cluster_roles_, &role_bindings_, &cluster_role_bindings_}) inf->start();
  for (auto* inf : {&roles_, &cluster_roles_, &role_bindings_, &cluster_role_bindings_})
    if (!inf->wait_for_sync(10s)) host_.warn("rbac: " + inf->resource().resource + " not synced after 10 s");
  reconcile_bootstrap();
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = false;
    aggregate_pending_ = true;
  }
  loop_ = std::thread([this] { aggregation_loop(); });
}

void RbacPlugin::stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
    loop_cv_.notify_all();
  }
  if (loop_.joinable()) loop_.join();
  for (auto* inf : {&roles_, &cluster_roles_, &role_bindings_, &cluster_role_bindings_}) inf->stop();
}

std::shared_ptr<const PolicySnapshot> RbacPlugin::snapshot() {
  uint64_t gen = generation_.load();
  std::lock_guard lock(snapshot_mu_);
  if (!snapshot_ || snapshot_generation_ != gen) {
    snapshot_ = std::make_shared<PolicySnapshot>(roles_.list(), cluster_roles_.list(), role_bindings_.list(),
                                                 cluster_role_bindings_.list());
    snapshot_generation_ = gen;
  }
  return snapshot_;
}

sdk::AuthorizationDecision RbacPlugin::authorize(const sdk::AuthorizationAttributes& a) { return snapshot()->authorize(a); }

sdk::AccessRules RbacPlugin::rules_for(const sdk::UserInfo& user, const std::string& ns) {
  sdk::AccessRules out;
  for (const auto& r : snapshot()->rules_for(user, ns)) {
    if (!r.resources.empty()) out.resource_rules.push_back({r.verbs, r.api_groups, r.resources, r.resource_names});
    if (!r.non_resource_urls.empty()) out.non_resource_rules.push_back({r.verbs, r.non_resource_urls});
  }
  return out;
}

sdk::AdmissionResult RbacPlugin::admit(const sdk::AdmissionRequest& req) {
  auto result = validate(req);
  if (!result.allowed) return result;
  return prevent_escalation(req);
}

// Writes by a user (not by the kernel or a plugin, which have no user) of roles and bindings:
// see escalation.hpp.
sdk::AdmissionResult RbacPlugin::prevent_escalation(const sdk::AdmissionRequest& req) {
  using Op = sdk::AdmissionRequest::Operation;
  if (req.user.name.empty() || req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  for (const auto& g : req.user.groups)
    if (g == "system:masters") return sdk::AdmissionResult::allow();
  auto snap = snapshot();
  const std::string ns = req.object->ns();
  const std::string name = req.object->name();
  auto permitted = [&](const std::string& verb, const std::string& resource, const std::string& in_ns, const std::string& n) {
    sdk::AuthorizationAttributes a;
    a.user = req.user;
    a.verb = verb;
    a.group = kRbacGroup;
    a.version = "v1";
    a.resource = resource;
    a.ns = in_ns;
    a.name = n;
    return snap->authorize(a).decision == sdk::AuthorizationDecision::Kind::kAllow;
  };
  auto refuse = [&](const std::string& group_resource, const std::vector<PolicyRule>& missing) {
    sdk::AdmissionResult r;
    r.allowed = false;
    r.code = 403;
    r.reason = "Forbidden";
    r.message = escalation_message(group_resource, name, req.user.name, req.user.groups, missing);
    return r;
  };
  std::vector<PolicyRule> requested;
  std::string group_resource;
  if (req.kind == "Role" || req.kind == "ClusterRole") {
    const bool cluster = req.kind == "ClusterRole";
    group_resource = std::string(cluster ? "clusterroles" : "roles") + "." + kRbacGroup;
    if (permitted("escalate", cluster ? "clusterroles" : "roles", ns, name)) return sdk::AdmissionResult::allow();
    if (cluster) {
      auto cr = req.object->as<v1::ClusterRole>();
      // An aggregated role may come to hold anything: only those who hold everything may write one.
      requested = cr.hasAggregationRule() ? std::vector<PolicyRule>{{{"*"}, {"*"}, {"*"}, {}, {}}, {{"*"}, {}, {}, {}, {"*"}}}
                                          : rules_of(cr.getRules());
    } else {
      requested = rules_of(req.object->as<v1::Role>().getRules());
    }
  } else if (req.kind == "RoleBinding" || req.kind == "ClusterRoleBinding") {
    const bool cluster = req.kind == "ClusterRoleBinding";
    group_resource = std::string(cluster ? "clusterrolebindings" : "rolebindings") + "." + kRbacGroup;
    std::string ref_kind, ref_name;
    if (cluster) {
      auto b = req.object->as<v1::ClusterRoleBinding>();
      ref_kind = b.getRoleRef().getKind();
      ref_name = b.getRoleRef().getName();
    } else {
      auto b = req.object->as<v1::RoleBinding>();
      ref_kind = b.getRoleRef().getKind();
      ref_name = b.getRoleRef().getName();
    }
    const std::string ref_resource = ref_kind == "Role" ? "roles" : "clusterroles";
    if (permitted("bind", ref_resource, cluster ? "" : ns, ref_name)) return sdk::AdmissionResult::allow();
    const auto* rules = snap->role_rules(ref_kind, ref_kind == "Role" ? ns : "", ref_name);
    if (!rules) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = 404;
      r.reason = "NotFound";
      r.message = ref_resource + "." + kRbacGroup + " \"" + ref_name + "\" not found";
      return r;
    }
    requested = *rules;
  } else {
    return sdk::AdmissionResult::allow();
  }
  auto missing = missing_rights(snap->rules_for(req.user, ns), requested);
  if (missing.empty()) return sdk::AdmissionResult::allow();
  return refuse(group_resource, missing);
}

void RbacPlugin::reconcile_bootstrap() {
  for (const auto& role : bootstrap_cluster_roles()) {
    auto existing = client_.get(res(machinery::kClusterRoles), "", role.name);
    if (existing.status.ok()) {
      // Roles still marked autoupdate get their bootstrap rules back (aggregated ones are filled
      // by the aggregation loop); a user who set autoupdate to "false" keeps their edits.
      bool autoupdate = false;
      for (auto a : existing.object->metadata().getAnnotations())
        if (a.getKey() == kAutoupdate && a.getValue() == "true") autoupdate = true;
      if (!autoupdate || !role.aggregate_from.empty()) continue;
      auto current = rules_of(existing.object->as<v1::ClusterRole>().getRules());
      if (same_rules(current, role.rules)) continue;
    } else if (!existing.status.not_found()) {
      host_.warn("rbac: cannot read clusterrole " + role.name + ": " + existing.status.message);
      continue;
    }
    capnp::MallocMessageBuilder m;
    auto cr = m.initRoot<v1::ClusterRole>();
    cr.setApiVersion("rbac.authorization.k8s.io/v1");
    cr.setKind("ClusterRole");
    set_bootstrap_meta(cr.initMetadata(), role.name, role.labels);
    set_rules(cr.initRules(static_cast<unsigned>(role.rules.size())), role.rules);
    if (!role.aggregate_from.empty()) {
      auto sel = cr.initAggregationRule().initClusterRoleSelectors(static_cast<unsigned>(role.aggregate_from.size()));
      for (unsigned i = 0; i < role.aggregate_from.size(); ++i) {
        auto ml = sel[i].initMatchLabels(1);
        ml[0].setKey(role.aggregate_from[i]);
        ml[0].setValue("true");
      }
    }
    auto r = existing.status.ok() ? client_.update(res(machinery::kClusterRoles), "", role.name, m)
                                  : client_.create(res(machinery::kClusterRoles), "", m);
    if (!r.status.ok() && !r.status.already_exists())
      host_.warn("rbac: cannot write clusterrole " + role.name + ": " + r.status.message);
  }
  for (const auto& binding : bootstrap_cluster_role_bindings()) {
    auto existing = client_.get(res(machinery::kClusterRoleBindings), "", binding.name);
    if (existing.status.ok()) continue;  // subjects users added are kept; roleRef is immutable anyway
    capnp::MallocMessageBuilder m;
    auto crb = m.initRoot<v1::ClusterRoleBinding>();
    crb.setApiVersion("rbac.authorization.k8s.io/v1");
    crb.setKind("ClusterRoleBinding");
    set_bootstrap_meta(crb.initMetadata(), binding.name, {});
    auto ref = crb.initRoleRef();
    ref.setApiGroup("rbac.authorization.k8s.io");
    ref.setKind("ClusterRole");
    ref.setName(binding.role);
    auto subjects = crb.initSubjects(static_cast<unsigned>(binding.subjects.size()));
    for (unsigned i = 0; i < binding.subjects.size(); ++i) {
      subjects[i].setKind(binding.subjects[i].first);
      subjects[i].setApiGroup("rbac.authorization.k8s.io");
      subjects[i].setName(binding.subjects[i].second);
    }
    auto r = client_.create(res(machinery::kClusterRoleBindings), "", m);
    if (!r.status.ok() && !r.status.already_exists())
      host_.warn("rbac: cannot create clusterrolebinding " + binding.name + ": " + r.status.message);
  }
}

// Fills each aggregated ClusterRole's rules with the union (first occurrence order, duplicates
// dropped) of the rules of the ClusterRoles its selectors match, as upstream's
// clusterrole-aggregation controller does.
void RbacPlugin::aggregate() {
  auto all = cluster_roles_.list();
  for (const auto& target : all) {
    auto cr = target->as<v1::ClusterRole>();
    if (!cr.hasAggregationRule()) continue;
    std::vector<PolicyRule> rules;
    auto seen = [&](const PolicyRule& r) {
      for (const auto& x : rules)
        if (same_rules({x}, {r})) return true;
      return false;
    };
    std::vector<sdk::ObjectPtr> sources;
    for (const auto& other : all) {
      if (other->name() == target->name()) continue;
      auto labels = sdk::labels_of(other->metadata().getLabels());
      for (auto sel : cr.getAggregationRule().getClusterRoleSelectors()) {
        if (sdk::selector_matches(sel, labels)) {
          sources.push_back(other);
          break;
        }
      }
    }
    std::sort(sources.begin(), sources.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
    for (const auto& s : sources)
      for (const auto& r : rules_of(s->as<v1::ClusterRole>().getRules()))
        if (!seen(r)) rules.push_back(r);
    if (same_rules(rules_of(cr.getRules()), rules)) continue;
    capnp::MallocMessageBuilder m;
    m.setRoot(cr);
    auto b = m.getRoot<v1::ClusterRole>();
    set_rules(b.initRules(static_cast<unsigned>(rules.size())), rules);
    auto r = client_.update(res(machinery::kClusterRoles), "", target->name(), m);
    if (!r.status.ok() && !r.status.conflict())
      host_.warn("rbac: cannot aggregate clusterrole " + target->name() + ": " + r.status.message);
  }
}

void RbacPlugin::aggregation_loop() {
  std::unique_lock lock(loop_mu_);
  while (!stopping_) {
    loop_cv_.wait(lock, [&] { return stopping_ || aggregate_pending_; });
    if (stopping_) break;
    aggregate_pending_ = false;
    lock.unlock();
    aggregate();
    lock.lock();
  }
}

}  // namespace capstan::rbac
