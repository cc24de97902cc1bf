#pragma once
// The admission hook (api::Admission) backed by plugins: a write of a kind whose plugin admits
// goes to that plugin's on_admit as a capstan.host.AdmissionRequest carrying the object's Cap'n
// Proto bytes, and the plugin's mutated bytes, if any, become the object.

#include <map>
#include <mutex>
#include <string>

#include "api/admission.hpp"
#include "capstan/abi.h"

namespace capstan::host {

class PluginAdmission final : public api::Admission {
 public:
  // The admission hook of a plugin, keyed by its uri (type.id), which kinds name as their owner.
  void add(const std::string& plugin, const capstan_plugin_descriptor* descriptor, void* state);

  void admit(const schema::Kind& kind, api::Operation op, const std::string& subresource, api::ObjectDraft& object,
             const store::Object* old_object, bool dry_run, std::vector<std::string>& warnings,
             api::DeleteAdmission* del = nullptr) override;

 private:
  struct Admitter {
    const capstan_plugin_descriptor* descriptor;
    void* state;
  };
  std::mutex mutex_;
  std::map<std::string, Admitter> admitters_;
};

}  // namespace capstan::host
