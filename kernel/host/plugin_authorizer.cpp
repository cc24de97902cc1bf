#include "host/plugin_authorizer.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "capstan/host.capnp.h"
#include "host/authorization_wire.hpp"

namespace capstan::host {

void PluginAuthorizers::add(std::string plugin, int order, const capstan_plugin_descriptor* descriptor, void* state,
                            uint32_t abi_minor) {
  std::lock_guard lock(mutex_);
  entries_.push_back({std::move(plugin), order, descriptor, state, abi_minor});
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

std::vector<PluginAuthorizers::Entry> PluginAuthorizers::snapshot() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

namespace {

std::string flat(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

kj::Array<capnp::word> aligned(const std::string& bytes) {
  auto words = kj::heapArray<capnp::word>((bytes.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (words.size() > 0) words.back() = capnp::word();
  if (!bytes.empty()) std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

void join(std::string& into, const std::string& more, const char* separator) {
  if (more.empty()) return;
  into += (into.empty() ? "" : separator) + more;
}

}  // namespace

bool PluginAuthorizers::ask(const Entry& e, const std::string& request, std::string& response, std::string& error) {
  capstan_owned_bytes out{nullptr, 0, nullptr};
  auto status = e.descriptor->on_authorize(e.state, capstan_borrowed_bytes{reinterpret_cast<const uint8_t*>(request.data()), request.size()}, &out);
  response.assign(reinterpret_cast<const char*>(out.data), out.size);
  if (out.release) out.release(out.data, out.size);
  if (status == CAPSTAN_OK) return true;
  error = e.plugin + ": " + response;
  return false;
}

auth::Decision PluginAuthorizers::authorize(const auth::User& user, const auth::RequestAttributes& a) const {
  const auto entries = snapshot();
  if (entries.empty()) return {};
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::AuthorizationRequest>();
  write_request(user, a, req);
  const std::string request = flat(m);

  auth::Decision result;
  for (const auto& e : entries) {
    std::string response, error;
    if (!ask(e, request, response, error)) {
      // A failing authorizer has no opinion; the error is kept for the access reviews.
      join(result.evaluation_error, error, ", ");
      continue;
    }
    auto words = aligned(response);
    capnp::FlatArrayMessageReader reader(words);
    auth::Decision d = read_decision(reader.getRoot<capstan::host::AuthorizationResponse>());
    join(result.evaluation_error, d.evaluation_error, ", ");
    if (d.kind != auth::Decision::Kind::kNoOpinion) return {d.kind, d.reason, result.evaluation_error};
    join(result.reason, d.reason, "\n");
  }
  return result;
}

auth::RuleSet PluginAuthorizers::rules_for(const auth::User& user, const std::string& ns) const {
  auth::RuleSet all;
  const auto entries = snapshot();
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::AuthorizationRequest>();
  write_user(user, req.initUser());
  req.setNamespace(ns);
  req.setRulesReview(true);
  const std::string request = flat(m);
  for (const auto& e : entries) {
    if (e.abi_minor < 5) {
      all.incomplete = true;
      join(all.evaluation_error, e.plugin + ": this authorizer cannot list rules", ", ");
      continue;
    }
    std::string response, error;
    if (!ask(e, request, response, error)) {
      all.incomplete = true;
      join(all.evaluation_error, error, ", ");
      continue;
    }
    auto words = aligned(response);
    capnp::FlatArrayMessageReader reader(words);
    auth::RuleSet r = read_rules(reader.getRoot<capstan::host::AuthorizationResponse>());
    for (auto& x : r.resource_rules) all.resource_rules.push_back(std::move(x));
    for (auto& x : r.non_resource_rules) all.non_resource_rules.push_back(std::move(x));
    all.incomplete = all.incomplete || r.incomplete;
    join(all.evaluation_error, r.evaluation_error, ", ");
  }
  return all;
}

}  // namespace capstan::host
