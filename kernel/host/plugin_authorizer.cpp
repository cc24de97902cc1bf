#include "host/plugin_authorizer.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "capstan/host.capnp.h"

namespace capstan::host {

void PluginAuthorizers::add(std::string plugin, int order, const capstan_plugin_descriptor* descriptor, void* state) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::move(plugin), order, descriptor, state});
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.order != b.order ? a.order < b.order : a.plugin < b.plugin; });
}

void PluginAuthorizers::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

bool PluginAuthorizers::empty() const {
  std::lock_guard lock(mutex_);
  return entries_.empty();
}

auth::Decision PluginAuthorizers::authorize(const auth::User& user, const auth::RequestAttributes& a) const {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(mutex_);
    entries = entries_;
  }
  if (entries.empty()) return {};
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::AuthorizationRequest>();
  auto u = req.initUser();
  u.setUsername(user.name);
  u.setUid(user.uid);
  auto groups = u.initGroups(static_cast<unsigned>(user.groups.size()));
  for (unsigned i = 0; i < user.groups.size(); ++i) groups.set(i, user.groups[i]);
  auto extra = u.initExtra(static_cast<unsigned>(user.extra.size()));
  for (unsigned i = 0; i < user.extra.size(); ++i) {
    extra[i].setKey(user.extra[i].first);
    auto values = extra[i].initValues(static_cast<unsigned>(user.extra[i].second.size()));
    for (unsigned j = 0; j < user.extra[i].second.size(); ++j) values.set(j, user.extra[i].second[j]);
  }
  req.setVerb(a.verb);
  req.setResourceRequest(a.resource_request);
  req.setGroup(a.group);
  req.setVersion(a.version);
  req.setResource(a.resource);
  req.setSubresource(a.subresource);
  req.setNamespace(a.ns);
  req.setName(a.name);
  req.setPath(a.path);
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();

  auth::Decision result;
  for (const auto& e : entries) {
    capstan_owned_bytes out{nullptr, 0, nullptr};
    auto status = e.descriptor->on_authorize(e.state, capstan_borrowed_bytes{bytes.begin(), bytes.size()}, &out);
    std::string response(reinterpret_cast<const char*>(out.data), out.size);
    if (out.release) out.release(out.data, out.size);
    if (status != CAPSTAN_OK) {
      // A failing authorizer has no opinion; the error is kept for the access reviews.
      result.evaluation_error += (result.evaluation_error.empty() ? "" : ", ") + e.plugin + ": " + response;
      continue;
    }
    auto aligned = kj::heapArray<capnp::word>((response.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
    if (aligned.size() > 0) aligned.back() = capnp::word();
    if (!response.empty()) std::memcpy(aligned.begin(), response.data(), response.size());
    capnp::FlatArrayMessageReader reader(aligned);
    auto r = reader.getRoot<capstan::host::AuthorizationResponse>();
    std::string reason = r.getReason();
    std::string error = r.getEvaluationError();
    if (!error.empty()) result.evaluation_error += (result.evaluation_error.empty() ? "" : ", ") + error;
    switch (r.getDecision()) {
      case capstan::host::AuthorizationResponse::Decision::ALLOW:
        return {auth::Decision::Kind::kAllow, reason, result.evaluation_error};
      case capstan::host::AuthorizationResponse::Decision::DENY:
        return {auth::Decision::Kind::kDeny, reason, result.evaluation_error};
      default:
        if (!reason.empty()) result.reason += (result.reason.empty() ? "" : "\n") + reason;
    }
  }
  return result;
}

}  // namespace capstan::host
