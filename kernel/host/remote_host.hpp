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

#include "host/host_transport.hpp"

namespace capstan::http { class HttpClient; }
namespace capstan::schema { class KindRegistry; struct Kind; }

namespace capstan::host {

class RemoteWatch;

class RemoteHost final : public HostTransport {
 public:
  RemoteHost(const schema::KindRegistry& kinds, http::HttpClient& client);
  ~RemoteHost() override;

  std::string serve(const std::string& request_bytes) override;
  uint64_t start_watch(const std::string& request_bytes, capstan_watch_callback cb, void* user) override;
  void stop_watch(uint64_t id) override;
  void stop_all_watches() override;

 private:
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
