#pragma once
// Exposes a HostService as the C table (capstan_host_api) a plugin receives. The kernel makes one
// per plugin, so that its log lines name the plugin and extension-point calls are routed; the
// SDK's fake host makes one for the plugin under test. Every entry catches everything: no
// exception crosses the plugin boundary.

#include <functional>
#include <string>
#include <string_view>

#include "capstan/abi.h"
#include "capstan/host_service.hpp"

namespace capstan::sdk {

class HostTable {
 public:
  struct Hooks {
    // capstan_host_api.log; level 0 trace .. 5 critical. Unset: dropped.
    std::function<void(int level, std::string_view message)> log;
    // capstan_host_api.invoke: the status, and the response (or error text) in `response`.
    // Unset: CAPSTAN_NOT_FOUND.
    std::function<capstan_status(std::string_view target, std::string_view request, std::string& response)> invoke;
  };

  // `service` must outlive the table and every plugin that holds it.
  HostTable(HostService& service, Hooks hooks);
  HostTable(const HostTable&) = delete;
  HostTable& operator=(const HostTable&) = delete;

  const capstan_host_api* api() const { return &table_; }

 private:
  HostService& service_;
  Hooks hooks_;
  capstan_host_api table_{};
};

// Hands `bytes` to the other side of the boundary as capstan_owned_bytes (malloc'd; it frees
// them with the release function it is given).
void give_bytes(capstan_owned_bytes* out, std::string_view bytes);

}  // namespace capstan::sdk
