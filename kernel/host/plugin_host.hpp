#pragma once
// What the plugin registry hands its plugins: a host service (local, remote or offline) that can
// also end every watch at once — the registry does so after on_stop and before on_destroy, so no
// watch callback outlives its plugin.

#include "capstan/host_service.hpp"

namespace capstan::host {

class PluginHost : public sdk::HostService {
 public:
  virtual void unwatch_all() = 0;
};

// A command without an API server (`capstan image import`): every call is refused clearly.
class OfflineHost final : public PluginHost {
 public:
  void get(const sdk::HostTarget&, Response out) override { refuse(out); }
  void list(const sdk::HostTarget&, std::string_view, std::string_view, Response out) override { refuse(out); }
  void create(const sdk::HostTarget&, capnp::Data::Reader, Response out) override { refuse(out); }
  void update(const sdk::HostTarget&, capnp::Data::Reader, std::string_view, Response out) override { refuse(out); }
  void patch(const sdk::HostTarget&, std::string_view, std::string_view, std::string_view, Response out) override {
    refuse(out);
  }
  void remove(const sdk::HostTarget&, const sdk::HostDelete&, Response out) override { refuse(out); }
  void post_subresource(const sdk::HostTarget&, std::string_view, std::string_view, Response out) override {
    refuse(out);
  }
  void list_kinds(Response out) override { refuse(out); }
  uint64_t watch(capstan::host::WatchRequest::Reader, capstan_watch_callback, void*) override;
  void unwatch(uint64_t) override {}
  void unwatch_all() override {}

 private:
  static void refuse(Response out);
};

}  // namespace capstan::host
