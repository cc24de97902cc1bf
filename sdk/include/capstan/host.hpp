#pragma once
// The C++ face of capstan_host_api: what the kernel lends a plugin. Calls are synchronous and
// thread-safe; watch callbacks run on a kernel delivery thread.

#include <cstdint>
#include <functional>
#include <string>

#include "capstan/abi.h"

namespace capstan::sdk {

class Host {
 public:
  explicit Host(const capstan_host_api* api) : api_(api) {}

  // Sends a serialized capstan.host.HostRequest, returns the serialized HostResponse.
  // Throws std::runtime_error when the kernel refuses the call itself.
  std::string call(const std::string& request) const;

  // Starts a watch (serialized capstan.host.WatchRequest); `on_event` receives serialized
  // capstan.host.WatchEvent bytes. Returns the watch id for unwatch().
  uint64_t watch(const std::string& request, std::function<void(const void* data, size_t size)> on_event) const;
  void unwatch(uint64_t id) const;

  // Calls the plugin serving `target` (a plugin type such as "capstan.runtime.v1", or "type.id")
  // with an extension-point request; returns its response. Throws std::runtime_error when no
  // running plugin serves the target or it fails.
  std::string invoke(const std::string& target, const std::string& request) const;

  void log(int level, const std::string& message) const;
  void info(const std::string& m) const { log(2, m); }
  void warn(const std::string& m) const { log(3, m); }
  void error(const std::string& m) const { log(4, m); }

  const capstan_host_api* raw() const { return api_; }

 private:
  const capstan_host_api* api_;
};

}  // namespace capstan::sdk
