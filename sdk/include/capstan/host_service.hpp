#pragma once
// The host protocol (host.capnp) as one C++ interface. Whatever hosts plugins implements it: the
// kernel's local object service (kernel/host/local_host), an agent's client of a remote API
// server (kernel/host/remote_host) and the SDK's fake for unit tests (capstan/testing/fake_host).
// serve_host_request() is the protocol's only dispatcher: it decodes a HostRequest, calls the
// matching method and encodes the HostResponse, so no implementation switches on the union.

#include <capnp/message.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "capstan/abi.h"
#include "capstan/host.capnp.h"

namespace capstan::sdk {

// What a request addresses. For namespaced kinds an empty namespace means "all" (lists) or is
// taken from the object (create).
struct HostTarget {
  std::string group, version, resource;
  std::string ns, name;
  std::string field_manager;
};

struct HostDelete {
  std::string propagation_policy;  // Background (default) | Foreground | Orphan
  std::string precondition_uid;
  int64_t grace_period_seconds = -1;  // -1: the object's default
};

class HostService {
 public:
  using Response = capstan::host::HostResponse::Builder;
  virtual ~HostService() = default;

  // Each method answers through `out`: its status (code 0 or 2xx = success) and the object,
  // items, resourceVersion or kinds. Throwing std::exception answers 500 InternalError.
  virtual void get(const HostTarget& target, Response out) = 0;
  virtual void list(const HostTarget& target, std::string_view label_selector, std::string_view field_selector,
                    Response out) = 0;
  virtual void create(const HostTarget& target, capnp::Data::Reader object, Response out) = 0;
  virtual void update(const HostTarget& target, capnp::Data::Reader object, std::string_view subresource,
                      Response out) = 0;
  virtual void patch(const HostTarget& target, std::string_view patch_type, std::string_view body,
                     std::string_view subresource, Response out) = 0;
  virtual void remove(const HostTarget& target, const HostDelete& options, Response out) = 0;
  // A subresource the object's kind serves (binding, eviction, ...): `body` is the subresource's
  // request object as JSON; the answer is its Status.
  virtual void post_subresource(const HostTarget& target, std::string_view subresource, std::string_view body,
                                Response out) = 0;
  virtual void list_kinds(Response out) = 0;
  // ABI 1.5: asks the host's authorizers about a request or, with `rulesReview`, for a user's
  // rules; the answer goes in out.authorization. A host without authorizers (an agent's remote
  // host, the offline one) answers 501.
  virtual void authorize(capstan::host::AuthorizationRequest::Reader request, Response out);

  // Events (serialized capstan.host.WatchEvent) go to callback, on a thread of the service, until
  // unwatch(id) returns. Throws std::exception when the watch cannot start.
  virtual uint64_t watch(capstan::host::WatchRequest::Reader request, capstan_watch_callback callback,
                         void* user_data) = 0;
  virtual void unwatch(uint64_t id) = 0;
};

// Decodes one serialized HostRequest, calls `service`, returns the serialized HostResponse.
// Malformed requests are answered with a 400 status, never an exception.
std::string serve_host_request(HostService& service, const void* data, size_t size);

// Fills a response's status.
void set_status(HostService::Response out, int code, std::string_view reason = {}, std::string_view message = {});

}  // namespace capstan::sdk
