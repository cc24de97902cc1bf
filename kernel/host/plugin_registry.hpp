#pragma once
// The plugin host: finds plugin libraries, checks their ABI before touching anything else,
// orders them by what they require, registers their kinds, initialises and starts them, and
// stops them in reverse order. Built explicitly by main(); there is no global registry.

#include <memory>
#include <string>
#include <vector>

#include "capstan/abi.h"

namespace capstan::api { class ObjectService; class Admission; }
namespace capstan::store { class EventBus; }
namespace capstan::schema { class KindRegistry; }

namespace capstan::host {

enum class PluginState { kFound, kRefused, kSkipped, kFailed, kInitialised, kRunning, kStopped };
const char* to_string(PluginState s);

struct PluginRecord {
  std::string path;
  std::string type, id;
  uint32_t abi_major = 0, abi_minor = 0;
  uint32_t roles = 0;
  std::vector<std::string> dependencies;
  PluginState state = PluginState::kFound;
  std::string error;
  std::string uri() const { return type + "." + id; }
};

class HostApi;

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();

  // Loads every *.so in dir and reads its descriptor (ABI checked first).
  void discover(const std::string& dir);
  // Orders the loaded plugins by their requirements; marks cycles, duplicates and missing
  // requirements as failed with a clear error. Plugins whose roles exclude `role` are skipped.
  void resolve(uint32_t role);
  // Registers kinds and calls on_init for each plugin in order. Returns false if a plugin named
  // in `required` did not come up.
  bool initialise(schema::KindRegistry& kinds, api::ObjectService& objects, store::EventBus& bus,
                  const std::vector<std::string>& required, std::string& error);
  void start();
  void stop();

  const std::vector<PluginRecord>& records() const { return records_; }
  // The admission hook backed by the plugins (valid after initialise()).
  api::Admission* admission();
  // Routes an extension-point call (capstan_host_api.invoke) to the running plugin serving target.
  capstan_status invoke(const std::string& target, const std::string& request, std::string& response);

 private:
  struct Loaded;
  std::vector<PluginRecord> records_;
  std::vector<std::unique_ptr<Loaded>> loaded_;  // parallel to records_
  std::vector<size_t> order_;
  std::unique_ptr<HostApi> host_api_;
};

}  // namespace capstan::host
