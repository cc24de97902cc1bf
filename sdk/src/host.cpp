#include "capstan/host.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace capstan::sdk {

namespace {
using EventFn = std::function<void(const void*, size_t)>;

// Watch callbacks live here until unwatch: the host holds only the raw pointer. Keyed by the
// host table too, because watch ids are per host and one process may hold several hosts (tests,
// an out-of-process plugin host).
std::mutex g_watch_mutex;
std::map<std::pair<const capstan_host_api*, uint64_t>, std::unique_ptr<EventFn>> g_watch_callbacks;

void deliver(void* user, capstan_borrowed_bytes event) {
  auto* fn = static_cast<EventFn*>(user);
  try {
    (*fn)(event.data, event.size);
  } catch (...) {
    // A throwing handler must not unwind into the kernel.
  }
}
}  // namespace

std::string Host::call(const std::string& request) const {
  capstan_owned_bytes response{nullptr, 0, nullptr};
  capstan_borrowed_bytes req{reinterpret_cast<const uint8_t*>(request.data()), request.size()};
  auto status = api_->call(api_->host_context, req, &response);
  std::string out;
  if (response.data) {
    out.assign(reinterpret_cast<const char*>(response.data), response.size);
    if (response.release) response.release(response.data, response.size);
  }
  if (status != CAPSTAN_OK) throw std::runtime_error("kernel refused the call: " + out);
  return out;
}

uint64_t Host::watch(const std::string& request, std::function<void(const void*, size_t)> on_event) const {
  auto fn = std::make_unique<EventFn>(std::move(on_event));
  uint64_t id = 0;
  capstan_borrowed_bytes req{reinterpret_cast<const uint8_t*>(request.data()), request.size()};
  EventFn* raw = fn.get();
  std::lock_guard lock(g_watch_mutex);
  if (api_->watch(api_->host_context, req, &deliver, raw, &id) != CAPSTAN_OK)
    throw std::runtime_error("kernel refused the watch");
  g_watch_callbacks[{api_, id}] = std::move(fn);
  return id;
}

void Host::unwatch(uint64_t id) const {
  api_->unwatch(api_->host_context, id);
  std::lock_guard lock(g_watch_mutex);
  g_watch_callbacks.erase({api_, id});
}

std::string Host::invoke(const std::string& target, const std::string& request) const {
  capstan_owned_bytes response{nullptr, 0, nullptr};
  capstan_borrowed_bytes req{reinterpret_cast<const uint8_t*>(request.data()), request.size()};
  auto status = api_->invoke(api_->host_context, target.c_str(), req, &response);
  std::string out;
  if (response.data) {
    out.assign(reinterpret_cast<const char*>(response.data), response.size);
    if (response.release) response.release(response.data, response.size);
  }
  if (status == CAPSTAN_NOT_FOUND) throw std::runtime_error("no running plugin serves " + target);
  if (status != CAPSTAN_OK) throw std::runtime_error(target + " failed: " + out);
  return out;
}

void Host::log(int level, const std::string& message) const {
  if (api_ && api_->log) api_->log(api_->host_context, level, message.c_str());
}

}  // namespace capstan::sdk
