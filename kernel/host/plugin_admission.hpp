#pragma once
// The admission hook (api::Admission) backed by plugins. For each write, in order:
//  1. the mutating admission hooks whose rules match it (capstan.admission.v1 plugins: limit
//     ranges' defaults), by order, then plugin and hook name;
//  2. the admission of the plugin that owns the kind (its defaulting and validation);
//  3. the validating admission hooks that match (quotas, disruption budgets), on the final object.
// Each is a call to the plugin's on_admit with a capstan.host.AdmissionRequest carrying the
// object's Cap'n Proto bytes; a mutated object, if any, replaces the draft. Any refusal ends the
// chain and answers the client with the plugin's Status.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/admission.hpp"
#include "capstan/abi.h"

namespace capstan::host {

// Which writes a hook is asked about, as Kubernetes' admission webhook rules.
struct AdmissionRule {
  std::vector<std::string> groups, resources, operations;
  bool matches(const std::string& group, const std::string& resource, const std::string& subresource,
               api::Operation op) const;
};

struct AdmissionHook {
  std::string plugin;  // type.id
  std::string name;
  bool mutating = false;
  int order = 0;
  std::vector<AdmissionRule> rules;
};

class PluginAdmission final : public api::Admission {
 public:
  // The owner admission of a plugin, keyed by its uri (type.id), which kinds name as their owner.
  void add(const std::string& plugin, const capstan_plugin_descriptor* descriptor, void* state);
  // An admission hook the plugin declared in its manifest.
  void add_hook(AdmissionHook hook, const capstan_plugin_descriptor* descriptor, void* state);

  void admit(const schema::Kind& kind, api::Operation op, const std::string& subresource, api::ObjectDraft& object,
             const store::Object* old_object, bool dry_run, std::vector<std::string>& warnings,
             api::DeleteAdmission* del = nullptr, const api::Requester* requester = nullptr) override;

 private:
  struct Target {
    const capstan_plugin_descriptor* descriptor;
    void* state;
  };
  struct Hook {
    AdmissionHook spec;
    Target target;
  };
  // One on_admit call; `hook` empty for the owner. Returns whether the object was replaced.
  void call(const Target& target, const std::string& plugin, const std::string& hook, bool may_mutate,
            const schema::Kind& kind, api::Operation op, const std::string& subresource, api::ObjectDraft& object,
            const store::Object* old_object, bool dry_run, std::vector<std::string>& warnings,
            api::DeleteAdmission* del, const api::Requester* requester);

  std::mutex mutex_;
  std::map<std::string, Target> owners_;
  std::vector<Hook> hooks_;  // sorted: mutating first, then by order, plugin, name
};

}  // namespace capstan::host
