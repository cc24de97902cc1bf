#pragma once
// Where plugin host calls go. In the server process HostApi serves them from the object service
// and the event bus; in `capstan agent` a RemoteHost sends them to the API server over HTTPS.
// Messages are the serialized capstan.host.HostRequest / WatchRequest / WatchEvent of host.capnp.

#include <cstdint>
#include <string>

#include "capstan/abi.h"

namespace capstan::host {

class HostTransport {
 public:
  virtual ~HostTransport() = default;
  // Serves one HostRequest; answers a serialized HostResponse (errors inside its status).
  virtual std::string serve(const std::string& request_bytes) = 0;
  // Starts a watch delivering serialized WatchEvents to cb until stop_watch(id).
  virtual uint64_t start_watch(const std::string& request_bytes, capstan_watch_callback cb, void* user) = 0;
  virtual void stop_watch(uint64_t id) = 0;
  virtual void stop_all_watches() = 0;
};

}  // namespace capstan::host
