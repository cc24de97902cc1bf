#include "host/plugin_admission.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <optional>
#include <tuple>
#include <cstring>

#include "api/api_error.hpp"
#include "capstan/host.capnp.h"

namespace capstan::host {

namespace {

std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

capnp::Data::Reader data_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

}  // namespace

bool AdmissionRule::matches(const std::string& group, const std::string& resource, const std::string& subresource,
                            api::Operation op) const {
  auto any_of = [](const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end() || std::find(list.begin(), list.end(), "*") != list.end();
  };
  const char* operation = op == api::Operation::kCreate ? "CREATE" : op == api::Operation::kUpdate ? "UPDATE" : "DELETE";
  if (!any_of(groups, group) || !any_of(operations, operation)) return false;
  for (const auto& r : resources) {
    const auto slash = r.find('/');
    const std::string base = r.substr(0, slash);
    if (base != "*" && base != resource) continue;
    if (slash == std::string::npos) {
      if (subresource.empty()) return true;  // "pods", "*": the resource itself
      continue;
    }
    const std::string sub = r.substr(slash + 1);
    if (base == "*" && sub == "*") return true;  // "*/*": every resource and subresource
    if (sub == "*" ? !subresource.empty() : sub == subresource) return true;
  }
  return false;
}

void PluginAdmission::add(const std::string& plugin, const capstan_plugin_descriptor* descriptor, void* state) {
  std::lock_guard lock(mutex_);
  owners_[plugin] = Target{descriptor, state};
}

void PluginAdmission::add_hook(AdmissionHook hook, const capstan_plugin_descriptor* descriptor, void* state) {
  std::lock_guard lock(mutex_);
  hooks_.push_back(Hook{std::move(hook), Target{descriptor, state}});
  std::stable_sort(hooks_.begin(), hooks_.end(), [](const Hook& a, const Hook& b) {
    if (a.spec.mutating != b.spec.mutating) return a.spec.mutating;
    return std::tie(a.spec.order, a.spec.plugin, a.spec.name) < std::tie(b.spec.order, b.spec.plugin, b.spec.name);
  });
}

void PluginAdmission::admit(const schema::Kind& kind, api::Operation op, const std::string& subresource,
                            api::ObjectDraft& object, const store::Object* old_object, bool dry_run,
                            std::vector<std::string>& warnings, api::DeleteAdmission* del,
                            const api::Requester* requester) {
  std::vector<Hook> mutating, validating;
  std::optional<Target> owner;
  {
    std::lock_guard lock(mutex_);
    for (const auto& h : hooks_) {
      bool match = false;
      for (const auto& r : h.spec.rules) match |= r.matches(kind.group, kind.plural, subresource, op);
      if (match) (h.spec.mutating ? mutating : validating).push_back(h);
    }
    if (kind.admission)
      if (auto it = owners_.find(kind.plugin); it != owners_.end()) owner = it->second;
  }
  for (const auto& h : mutating)
    call(h.target, h.spec.plugin, h.spec.name, true, kind, op, subresource, object, old_object, dry_run, warnings, nullptr,
         requester);
  if (owner) call(*owner, kind.plugin, "", true, kind, op, subresource, object, old_object, dry_run, warnings, del, requester);
  for (const auto& h : validating)
    call(h.target, h.spec.plugin, h.spec.name, false, kind, op, subresource, object, old_object, dry_run, warnings, nullptr,
         requester);
}

void PluginAdmission::call(const Target& target, const std::string& plugin, const std::string& hook, bool may_mutate,
                           const schema::Kind& kind, api::Operation op, const std::string& subresource,
                           api::ObjectDraft& object, const store::Object* old_object, bool dry_run,
                           std::vector<std::string>& warnings, api::DeleteAdmission* del,
                           const api::Requester* requester) {
  if (!target.descriptor->on_admit) return;
  const auto& admitter = target;
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::AdmissionRequest>();
  req.setOperation(op == api::Operation::kCreate   ? capstan::host::AdmissionRequest::Operation::CREATE
                   : op == api::Operation::kUpdate ? capstan::host::AdmissionRequest::Operation::UPDATE
                                                   : capstan::host::AdmissionRequest::Operation::DELETE);
  auto r = req.initResource();
  r.setGroup(kind.group);
  r.setVersion(kind.version);
  r.setResource(kind.plural);
  req.setKind(kind.kind);
  req.setSubresource(subresource);
  req.setDryRun(dry_run);
  req.setHook(hook);
  if (requester && !requester->name.empty()) {
    auto u = req.initUserInfo();
    u.setUsername(requester->name);
    u.setUid(requester->uid);
    auto groups = u.initGroups(static_cast<unsigned>(requester->groups.size()));
    for (unsigned i = 0; i < requester->groups.size(); ++i) groups.set(i, requester->groups[i]);
    auto extra = u.initExtra(static_cast<unsigned>(requester->extra.size()));
    for (unsigned i = 0; i < requester->extra.size(); ++i) {
      extra[i].setKey(requester->extra[i].first);
      auto values = extra[i].initValues(static_cast<unsigned>(requester->extra[i].second.size()));
      for (unsigned j = 0; j < requester->extra[i].second.size(); ++j) values.set(j, requester->extra[i].second[j]);
    }
  }
  if (del && del->grace_period_seconds) req.setGracePeriodSeconds(*del->grace_period_seconds);
  // The object's own bytes, and the stored revision's as they are.
  const std::string object_bytes = object.bytes();
  req.setObject(data_of(object_bytes));
  if (old_object) req.setOldObject(data_of(old_object->bytes));
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  capstan_owned_bytes response{nullptr, 0, nullptr};
  auto status = admitter.descriptor->on_admit(admitter.state, capstan_borrowed_bytes{bytes.begin(), bytes.size()}, &response);
  std::string resp_bytes;
  if (response.data) {
    resp_bytes.assign(reinterpret_cast<const char*>(response.data), response.size);
    if (response.release) response.release(response.data, response.size);
  }
  if (status != CAPSTAN_OK)
    throw api::ApiError(500, "InternalError",
                        "admission plugin " + plugin + (hook.empty() ? "" : " (" + hook + ")") + " failed: " + resp_bytes);
  auto rw = kj::heapArray<capnp::word>((resp_bytes.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (!resp_bytes.empty()) {
    rw.back() = capnp::word();
    std::memcpy(rw.begin(), resp_bytes.data(), resp_bytes.size());
  }
  capnp::FlatArrayMessageReader reader(rw);
  auto resp = reader.getRoot<capstan::host::AdmissionResponse>();
  for (auto w : resp.getWarnings()) warnings.push_back(text(w));
  if (!resp.getAllowed()) {
    auto st = resp.getStatus();
    api::ApiError e(st.getCode() ? st.getCode() : 422, st.hasReason() ? text(st.getReason()) : "Invalid",
                    text(st.getMessage()));
    for (auto c : st.getCauses()) e.causes.push_back({text(c.getField()), text(c.getReason()), text(c.getMessage())});
    const std::string name = object.name();
    if (e.reason == "Invalid" && !e.causes.empty() && e.code == 422) throw api::invalid(kind.kind, kind.group, name, e.causes);
    e.with_details(name, kind.group, kind.plural);
    throw e;
  }
  if (del && resp.getRetain()) {
    del->retain = true;
    del->retain_grace_seconds = std::max<int64_t>(resp.getGracePeriodSeconds(), 0);
  }
  if (resp.hasObject() && resp.getObject().size() > 0) {
    if (!may_mutate)
      throw api::ApiError(500, "InternalError",
                          "validating admission hook " + hook + " of " + plugin + " tried to change the object");
    auto d = resp.getObject();
    try {
      object.replace(std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
    } catch (const kj::Exception& ex) {
      throw api::ApiError(500, "InternalError",
                          "admission plugin " + plugin + " returned an object that is not a " + kind.kind + ": " +
                              ex.getDescription().cStr());
    }
  }
}

}  // namespace capstan::host
