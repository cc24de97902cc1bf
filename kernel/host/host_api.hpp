#pragma once
// The kernel side of capstan_host_api: plugin calls (serialized capstan.host.HostRequest) are
// served by the object service, watches by the event bus with a delivery thread per watch, and
// admission requests are sent to the plugins that own a kind.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/admission.hpp"
#include "capstan/abi.h"
#include "host/host_transport.hpp"

namespace capstan::api { class ObjectService; }
namespace capstan::schema { class KindRegistry; }
namespace capstan::store { class EventBus; }

namespace capstan::host {

class PluginWatch;

class HostApi final : public api::Admission {
 public:
  // In the server: calls are served locally from objects and bus.
  HostApi(api::ObjectService& objects, store::EventBus& bus);
  // Elsewhere (capstan agent): calls go to `remote`; kinds give the codecs for admission.
  HostApi(const schema::KindRegistry& kinds, HostTransport& remote);
  ~HostApi() override;

  // The table handed to a plugin; `plugin` names it in logs.
  const capstan_host_api* table_for(const std::string& plugin);

  void admit(const schema::Kind& kind, api::Operation op, const std::string& subresource, nlohmann::json& object,
             const nlohmann::json* old_object, bool dry_run, std::vector<std::string>& warnings,
             api::DeleteAdmission* del = nullptr) override;

  // Serves one call; public for tests.
  std::string serve(const std::string& request_bytes);
  uint64_t start_watch(const std::string& request_bytes, capstan_watch_callback cb, void* user);
  void stop_watch(uint64_t id);
  void stop_all_watches();

  // Serves capstan_host_api.invoke: set by the plugin registry, which knows the running plugins.
  using Invoker = std::function<capstan_status(const std::string& target, const std::string& request, std::string& response)>;
  void set_invoker(Invoker invoker) { invoker_ = std::move(invoker); }

  // Admission hooks of plugins, keyed by the kind's plugin uri.
  void set_admitter(const std::string& plugin, const capstan_plugin_descriptor* d, void* state);

  std::string encode(const schema::Kind& kind, const nlohmann::json& object) const;
  nlohmann::json decode(const schema::Kind& kind, const void* data, size_t size) const;

 private:
  struct Context {
    HostApi* self;
    std::string plugin;
    capstan_host_api table;
  };
  struct Admitter {
    const capstan_plugin_descriptor* descriptor;
    void* state;
  };

  api::ObjectService* objects_ = nullptr;
  store::EventBus* bus_ = nullptr;
  const schema::KindRegistry& kinds_;
  HostTransport* remote_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Context>> contexts_;
  std::map<std::string, Admitter> admitters_;
  std::map<uint64_t, std::shared_ptr<PluginWatch>> watches_;
  uint64_t next_watch_ = 1;
  Invoker invoker_;
};

}  // namespace capstan::host
