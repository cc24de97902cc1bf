#pragma once
// Connect subresources (pods/log, pods/exec, pods/attach): the kernel asks the plugin owning the
// kind where the subresource of this object is served (a host.capnp ConnectRequest through the
// plugin's on_invoke), then proxies the client's request there: a plain response is streamed back
// as it arrives (kubectl logs -f), a WebSocket upgrade is relayed message by message with the
// subprotocol the far end chose (v5/v4.channel.k8s.io for exec). Kind-agnostic.

#include <functional>
#include <memory>
#include <string>

#include "http/request.hpp"
#include "store/object.hpp"

namespace capstan::schema { struct Kind; }

namespace capstan::api {

// Sends `request` to the plugin `plugin` (its uri) and fills `response`; false = no answer.
using ConnectResolver = std::function<bool(const std::string& plugin, const std::string& request, std::string& response)>;

void serve_connect(const http::Request& req, const std::shared_ptr<http::Responder>& res, const schema::Kind& kind,
                   const store::ObjectPtr& object, const std::string& subresource, const ConnectResolver& resolve);

}  // namespace capstan::api
