#pragma once
// The plugin host: finds plugin libraries, checks their ABI before touching anything else,
// orders them by what they require, registers their kinds, initialises and starts them, and
// stops them in reverse order. Built explicitly by main(); there is no global registry.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capstan/abi.h"

namespace capstan::api { class ObjectService; class Admission; }
namespace capstan::store { class EventBus; }
namespace capstan::schema { class KindRegistry; }

namespace capstan::sdk { class HostTable; }

namespace capstan::host {

class PluginAdmission;
class PluginAuthorizers;

enum class PluginState { kFound, kRefused, kSkipped, kFailed, kInitialised, kRunning, kStopped };
const char* to_string(PluginState s);

struct PluginRecord {
  std::string path;
  std::string type, id;
  uint32_t abi_major = 0, abi_minor = 0;
  uint32_t roles = 0;
  std::vector<std::string> dependencies;
  PluginState state = PluginState::kFound;
  // Not run in this process, but its kinds are registered so objects can be encoded (capstan
  // agent: the kind plugins run in the server; the agent's plugins still read their objects).
  bool schema_only = false;
  std::string error;
  std::string uri() const { return type + "." + id; }
};

class PluginHost;

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();

  // Loads every *.so in dir and reads its descriptor (ABI checked first).
  void discover(const std::string& dir);
  // Orders the loaded plugins by their requirements; marks cycles, duplicates and missing
  // requirements as failed with a clear error. Plugins whose roles exclude `role` are skipped.
  // A requirement ending in '?' ("capstan.network.v1.*?") is optional: the plugin starts after
  // (and stops before) the matching plugins that run in this process, and is neither failed nor
  // delayed when there are none; an optional edge that would close a cycle is ignored.
  // With kinds_from_other_roles, plugins of other roles that declare kinds become schema-only
  // providers: their kinds are registered and they satisfy requirements, but they do not run.
  void resolve(uint32_t role, bool kinds_from_other_roles = false);
  // Among plugins of one type, run only the chosen id (`--use TYPE=ID`); call before resolve.
  void select(const std::string& type, const std::string& id) { selection_[type] = id; }
  // Never run this plugin (`--disable`, by id, type or type.id); call before resolve.
  void disable(const std::string& name) { disabled_.push_back(name); }
  // The JSON configuration handed to each plugin's on_init; call before initialise.
  void set_config(std::function<std::string(const PluginRecord&)> config) { config_ = std::move(config); }
  // Registers the kinds of schema-only plugins (resolve's kinds_from_other_roles): a process
  // without a store still reads and writes their objects. Call before initialise.
  void register_schema_only(schema::KindRegistry& kinds);
  // Registers kinds and calls on_init for each plugin in order; every plugin gets its own table
  // over `host` (the local object service, the remote API server, or none). Returns false if a
  // plugin named in `required` did not come up. `host` must outlive stop().
  bool initialise(schema::KindRegistry& kinds, PluginHost& host, const std::vector<std::string>& required,
                  std::string& error);
  void start();
  void stop();

  const std::vector<PluginRecord>& records() const { return records_; }
  // The uris in start order (stop is the reverse), after resolve (and initialise, which drops
  // the plugins that did not come up).
  std::vector<std::string> order() const;
  // The admission hook backed by the plugins (filled by initialise()).
  api::Admission* admission();
  // The authorizers the plugins provide (filled by initialise(), emptied by stop()).
  std::shared_ptr<const PluginAuthorizers> authorizers() const;
  // Routes an extension-point call (capstan_host_api.invoke) to the running plugin serving target.
  capstan_status invoke(const std::string& target, const std::string& request, std::string& response);

 private:
  struct Loaded;
  void register_admission_hooks(const std::string& uri, const capstan_plugin_descriptor* d, void* state);
  std::vector<size_t> order_with_optional(const std::vector<size_t>& hard_order, const std::map<std::string, size_t>& by_uri,
                                          const std::function<std::vector<size_t>(const std::string&)>& providers) const;
  std::map<std::string, std::string> selection_;
  std::vector<std::string> disabled_;
  std::function<std::string(const PluginRecord&)> config_;
  std::vector<PluginRecord> records_;
  std::vector<std::unique_ptr<Loaded>> loaded_;  // parallel to records_
  std::vector<size_t> order_;
  PluginHost* host_ = nullptr;
  std::unique_ptr<PluginAdmission> admission_;
  std::shared_ptr<PluginAuthorizers> authorizers_;
  std::map<std::string, std::unique_ptr<sdk::HostTable>> tables_;  // by plugin uri
};

}  // namespace capstan::host
