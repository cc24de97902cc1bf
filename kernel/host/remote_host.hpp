#pragma once
// RemoteHost: the host calls of plugins running in `capstan agent`, sent to the API server over
// HTTPS as the REST requests kubectl would make. Objects cross the plugin boundary as Cap'n Proto
// and the wire as JSON: the kinds registered from the plugins' manifests give the codec.
// Watches are HTTP watch streams, one thread each, resumed from the last resourceVersion when the
// connection drops; a 410 (or an unreachable server for too long) becomes a RESYNC event, after
// which the plugin lists again, as it does in the server process.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <stdexcept>
#include <string_view>

#include "host/plugin_host.hpp"

namespace capstan::http { class HttpClient; struct ClientResponse; }
namespace capstan::schema { class KindRegistry; struct Kind; }

namespace capstan::host {

class RemoteWatch;

class RemoteHost final : public PluginHost {
 public:
  RemoteHost(const schema::KindRegistry& kinds, http::HttpClient& client);
  ~RemoteHost() override;

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
  uint64_t watch(capstan::host::WatchRequest::Reader request, capstan_watch_callback callback,
                 void* user_data) override;
  void unwatch(uint64_t id) override;
  void unwatch_all() override;

 private:
  struct NotServed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  const schema::Kind& kind_of(const sdk::HostTarget& t) const;
  template <typename Call>
  void guarded(Response out, Call call);
  void answer_object(const schema::Kind& kind, const http::ClientResponse& res, Response out) const;

  const schema::KindRegistry& kinds_;
  http::HttpClient& client_;
  std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<RemoteWatch>> watches_;
  uint64_t next_watch_ = 1;
};

// REST paths of a kind (exposed for tests): /api/v1[/namespaces/NS]/PLURAL or /apis/G/V/...
std::string rest_collection_path(const schema::Kind& kind, const std::string& ns);
std::string url_escape(const std::string& s);

}  // namespace capstan::host
