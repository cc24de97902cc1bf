#pragma once
// LocalHost: the host protocol served in the API server's own process — plugins' calls go to the
// object service and their watches to its event subscriptions, one delivery thread per watch.
// Objects cross as the same Cap'n Proto bytes the store holds; nothing detours through JSON.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "host/plugin_host.hpp"

namespace capstan::api { class ObjectService; struct WriteOutcome; }
namespace capstan::schema { struct Kind; }
namespace capstan::auth { class Authorizer; }

namespace capstan::host {

class PluginWatch;

class LocalHost final : public PluginHost {
 public:
  explicit LocalHost(api::ObjectService& objects);
  ~LocalHost() override;  // ends every watch

  void get(const sdk::HostTarget& t, Response out) override;
  void list(const sdk::HostTarget& t, std::string_view label_selector, std::string_view field_selector,
            Response out) override;
  void create(const sdk::HostTarget& t, capnp::Data::Reader object, Response out) override;
  void update(const sdk::HostTarget& t, capnp::Data::Reader object, std::string_view subresource,
              Response out) override;
  void patch(const sdk::HostTarget& t, std::string_view patch_type, std::string_view body,
             std::string_view subresource, Response out) override;
  void remove(const sdk::HostTarget& t, const sdk::HostDelete& options, Response out) override;
  void post_subresource(const sdk::HostTarget& t, std::string_view subresource, std::string_view body,
                        Response out) override;
  void list_kinds(Response out) override;
  // Answers with the authorizers set by set_authorizer (the API gate's chain); 503 before.
  void authorize(capstan::host::AuthorizationRequest::Reader request, Response out) override;
  void set_authorizer(const auth::Authorizer* authorizer) { authorizer_ = authorizer; }
  uint64_t watch(capstan::host::WatchRequest::Reader request, capstan_watch_callback callback,
                 void* user_data) override;
  void unwatch(uint64_t id) override;
  void unwatch_all() override;

 private:
  const schema::Kind& kind_of(const sdk::HostTarget& t) const;
  // Runs a write and waits for its outcome (plugins call from their own threads).
  template <typename Start>
  void wait_for(Start start, Response out);

  api::ObjectService& objects_;
  std::atomic<const auth::Authorizer*> authorizer_{nullptr};
  std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<PluginWatch>> watches_;
  uint64_t next_watch_ = 1;
};

}  // namespace capstan::host
