#pragma once
// Writing a plugin in C++: subclass Plugin, describe it with a PluginInfo, and expose it with
// CAPSTAN_PLUGIN(make_info) — which defines the one extern "C" entry point (through Boost.DLL's
// alias) returning the constant descriptor. Exceptions never cross the boundary: every shim
// catches them and answers with a status.

#include <boost/dll/alias.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capstan/abi.h"
#include "capstan/access.hpp"
#include "capstan/client.hpp"
#include "capstan/host.hpp"
#include "capstan/manifest.hpp"

namespace capstan::sdk {

struct AdmissionRequest {
  enum class Operation { kCreate, kUpdate, kDelete } operation;
  Resource resource;
  std::string kind;
  std::string subresource;
  ObjectPtr object;      // create/update
  ObjectPtr old_object;  // update/delete
  bool dry_run = false;
  std::optional<int64_t> grace_period_seconds;  // delete: what the client asked for (DeleteOptions)
  std::string hook;  // empty: admission of a kind this plugin owns; else one of its admission hooks
  UserInfo user;     // ABI 1.4: who asked; empty name: a write of the kernel or of a plugin
};

struct FieldCause {
  std::string field, reason = "FieldValueInvalid", message;
};

struct AdmissionResult {
  bool allowed = true;
  int code = 422;
  std::string reason = "Invalid";
  std::string message;
  std::vector<FieldCause> causes;
  std::string mutated;   // serialized replacement object; empty = unchanged
  bool retain = false;   // on delete: keep the object (marked for deletion) instead of removing it
  int64_t grace_period_seconds = -1;  // with retain: its deletionGracePeriodSeconds (graceful deletion)
  std::vector<std::string> warnings;

  static AdmissionResult allow() { return {}; }
  static AdmissionResult invalid(std::string message, std::vector<FieldCause> causes) {
    AdmissionResult r;
    r.allowed = false;
    r.message = std::move(message);
    r.causes = std::move(causes);
    return r;
  }
};

// Thrown from Plugin::start()/constructor to mean "not for this host".
struct SkipPlugin : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual void start() {}
  virtual void stop() {}
  virtual AdmissionResult admit(const AdmissionRequest&) { return AdmissionResult::allow(); }
  // The cells of `kind`'s computed printer columns for one object, in declaration order.
  virtual std::vector<std::string> print(const std::string& kind, const ObjectPtr& object) {
    (void)kind;
    (void)object;
    return {};
  }
  // Authorizers only (ManifestBuilder::authorizer): decides a request from memory (informer
  // caches); called on API request threads, concurrently. Throwing is a no-opinion with an
  // evaluation error.
  virtual AuthorizationDecision authorize(const AuthorizationAttributes&) { return {}; }
  // Authorizers only (ABI 1.5): the rules `user` has in namespace `ns`, cluster-wide ones
  // included, for SelfSubjectRulesReview. The default lists nothing and says so (incomplete).
  virtual AccessRules rules_for(const UserInfo& user, const std::string& ns) {
    (void)user;
    (void)ns;
    AccessRules r;
    r.incomplete = true;
    return r;
  }
  // Serves an extension-point call from another plugin (Host::invoke); throw to fail it.
  virtual std::string invoke(const std::string& request) {
    (void)request;
    throw std::runtime_error("this plugin serves no extension point");
  }
};

struct PluginInfo {
  std::string type;   // capstan.kind.v1, capstan.controller.v1, ...
  std::string id;
  uint32_t roles = CAPSTAN_ROLE_SERVER;
  std::vector<std::string> dependencies;  // "type.id" or "type.*" of plugins that must start first ('?' appended: if present)
  ManifestBuilder manifest;
  // Creates the plugin; config is the JSON configuration text (possibly empty).
  std::function<std::unique_ptr<Plugin>(const Host& host, const std::string& config)> create;
};

namespace detail {
const capstan_plugin_descriptor* describe(PluginInfo (*make_info)());
}  // namespace detail

}  // namespace capstan::sdk

// Defines the plugin's entry point. Use once per plugin, at namespace scope.
#define CAPSTAN_PLUGIN(make_info)                                                   \
  namespace capstan_plugin_entry_detail {                                           \
  static const capstan_plugin_descriptor* entry() {                                 \
    return ::capstan::sdk::detail::describe(&make_info);                            \
  }                                                                                 \
  }                                                                                 \
  BOOST_DLL_ALIAS(capstan_plugin_entry_detail::entry, capstan_plugin_entry)
