#include "host/plugin_host.hpp"

#include <stdexcept>

namespace capstan::host {

namespace {
constexpr const char* kNoServer = "this command does not talk to an API server";
}

void OfflineHost::refuse(Response out) { sdk::set_status(out, 503, "ServiceUnavailable", kNoServer); }

uint64_t OfflineHost::watch(capstan::host::WatchRequest::Reader, capstan_watch_callback, void*) {
  throw std::runtime_error(kNoServer);
}

}  // namespace capstan::host
