#include "capstan/host_service.hpp"

#include <capnp/serialize.h>

#include <exception>

#include <cstring>

namespace capstan::sdk {

namespace {

// TODO(machinery): capstan/machinery/message.hpp once it lands.
kj::Array<capnp::word> aligned(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>((size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (size) {
    words.back() = capnp::word();
    std::memcpy(words.begin(), data, size);
  }
  return words;
}

std::string flat(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }
std::string_view view(capnp::Text::Reader t) { return std::string_view(t.begin(), t.size()); }

HostTarget target_of(capstan::host::HostRequest::Reader req) {
  auto r = req.getResource();
  return HostTarget{text(r.getGroup()), text(r.getVersion()), text(r.getResource()),
                    text(req.getNamespace()), text(req.getName()), text(req.getFieldManager())};
}

void dispatch(HostService& service, capstan::host::HostRequest::Reader req, HostService::Response out) {
  using R = capstan::host::HostRequest;
  if (req.isListKinds()) return service.list_kinds(out);
  const HostTarget t = target_of(req);
  switch (req.which()) {
    case R::GET:
      return service.get(t, out);
    case R::LIST: {
      auto l = req.getList();
      return service.list(t, view(l.getLabelSelector()), view(l.getFieldSelector()), out);
    }
    case R::CREATE:
      return service.create(t, req.getCreate(), out);
    case R::UPDATE: {
      auto u = req.getUpdate();
      return service.update(t, u.getObject(), view(u.getSubresource()), out);
    }
    case R::PATCH: {
      auto p = req.getPatch();
      return service.patch(t, view(p.getPatchType()), view(p.getBody()), view(p.getSubresource()), out);
    }
    case R::DELETE: {
      auto d = req.getDelete();
      HostDelete options{text(d.getPropagationPolicy()), text(d.getPreconditionUid()), d.getGracePeriodSeconds()};
      return service.remove(t, options, out);
    }
    case R::POST_SUBRESOURCE: {
      auto p = req.getPostSubresource();
      return service.post_subresource(t, view(p.getSubresource()), view(p.getBody()), out);
    }
    case R::AUTHORIZE:
      return service.authorize(req.getAuthorize(), out);
    case R::BIND:
      return set_status(out, 400, "BadRequest",
                        "the bind request is retired: post the object's binding subresource instead");
    default:
      return set_status(out, 400, "BadRequest", "unknown host request");
  }
}

}  // namespace

void HostService::authorize(capstan::host::AuthorizationRequest::Reader, Response out) {
  set_status(out, 501, "NotImplemented", "this host does not authorize requests");
}

void set_status(HostService::Response out, int code, std::string_view reason, std::string_view message) {
  auto st = out.initStatus();
  st.setCode(code);
  st.setReason(capnp::Text::Reader(reason.data(), reason.size()));
  st.setMessage(capnp::Text::Reader(message.data(), message.size()));
}

std::string serve_host_request(HostService& service, const void* data, size_t size) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<capstan::host::HostResponse>();
  try {
    auto words = aligned(data, size);
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1ull << 30;
    capnp::FlatArrayMessageReader reader(words, options);
    dispatch(service, reader.getRoot<capstan::host::HostRequest>(), out);
  } catch (const kj::Exception& e) {
    // The request itself could not be read (truncated, not a HostRequest).
    message.initRoot<capstan::host::HostResponse>();
    set_status(message.getRoot<capstan::host::HostResponse>(), 400, "BadRequest",
               std::string("malformed host request: ") + e.getDescription().cStr());
  } catch (const std::exception& e) {
    message.initRoot<capstan::host::HostResponse>();
    set_status(message.getRoot<capstan::host::HostResponse>(), 500, "InternalError", e.what());
  }
  return flat(message);
}

}  // namespace capstan::sdk
