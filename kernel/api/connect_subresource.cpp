#include "api/connect_subresource.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "capstan/host.capnp.h"
#include "capstan/machinery/message.hpp"
#include "http/client.hpp"
#include "http/ws_client.hpp"
#include "schema/kind_registry.hpp"

namespace capstan::api {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void reply_status(const std::shared_ptr<http::Responder>& res, int code, const std::string& reason,
                  const std::string& message) {
  res->respond(code, {{"Content-Type", "application/json"}}, http::status_json(code, reason, message));
}

// The upgrade: connect to the far end first (it picks the subprotocol), then answer the client.
void relay_websocket(const http::Request& req, std::shared_ptr<http::Responder> res, std::string url) {
  const std::string* offered = req.header("sec-websocket-protocol");
  std::vector<std::string> protocols = offered ? split_list(*offered) : std::vector<std::string>{};
  if (url.rfind("http://", 0) == 0) url = "ws://" + url.substr(7);
  std::thread([res = std::move(res), url, protocols] {
    std::string chosen;
    std::shared_ptr<http::WsClient> backend;
    try {
      backend = http::WsClient::connect(url, protocols, chosen);
    } catch (const std::exception& e) {
      return reply_status(res, 500, "InternalError", std::string("error dialing backend: ") + e.what());
    }
    std::weak_ptr<http::WsClient> weak_backend = backend;
    auto client = res->upgrade_websocket(
        chosen,
        [weak_backend](std::string_view data, bool binary) {
          if (auto b = weak_backend.lock()) b->send(data, binary);
        },
        [weak_backend] {
          if (auto b = weak_backend.lock()) b->close();
        });
    if (!client) {
      backend->close();
      return reply_status(res, 400, "BadRequest", "invalid WebSocket upgrade request");
    }
    // The backend's reader thread owns it until the far end or the client closes.
    backend->start([client](std::string_view data, bool binary) { client->send(std::string(data), binary); },
                   [client, backend] { client->close(); });
  }).detach();
}

void relay_http(const http::Request& req, std::shared_ptr<http::Responder> res, const std::string& url) {
  (void)req;
  std::thread([res = std::move(res), url] {
    http::ClientConfig config;
    std::string target;
    try {
      config = http::ClientConfig::from_url(url);
      auto scheme_end = url.find("//") + 2;
      auto slash = url.find('/', scheme_end);
      target = slash == std::string::npos ? "/" : url.substr(slash);
    } catch (const std::exception& e) {
      return reply_status(res, 500, "InternalError", std::string("bad backend address: ") + e.what());
    }
    http::HttpClient client(config);
    auto stream = client.open_stream(target);
    res->on_close([&client, stream] { client.cancel(*stream); });
    bool started = false;
    // A backend's error in plain text ("previous terminated container ... not found") becomes a
    // Status with that message, as kube-apiserver answers: kubectl shows only a Status's message.
    int error_code = 0;
    std::string error_text;
    int status = client.run_stream_raw(
        *stream,
        [&](int code, const std::string& content_type) {
          if (code >= 400 && content_type.find("json") == std::string::npos) {
            error_code = code;
            return;
          }
          res->begin_stream(code, {{"Content-Type", content_type.empty() ? "text/plain" : content_type}});
          started = true;
        },
        [&](const std::string& data) {
          if (error_code == 0) return res->write(data);
          if (error_text.size() < 4096) error_text += data;
          return true;
        });
    if (error_code != 0) {
      while (!error_text.empty() && (error_text.back() == '\n' || error_text.back() == '\r')) error_text.pop_back();
      const char* reason = error_code == 400 ? "BadRequest" : error_code == 404 ? "NotFound"
                           : error_code == 403 ? "Forbidden" : "InternalError";
      return reply_status(res, error_code, reason, error_text.empty() ? "the node answered " + std::to_string(error_code) : error_text);
    }
    if (!started) {
      return reply_status(res, 500, "InternalError",
                          status == 0 ? "error dialing backend: cannot connect to " + config.host + ":" + config.port
                                      : "the backend closed the connection");
    }
    res->finish();
    // on_close may still fire later and touch `client`: wait for the responder to be done with it.
    while (!res->closed()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }).detach();
}

}  // namespace

void serve_connect(const http::Request& req, const std::shared_ptr<http::Responder>& res, const schema::Kind& kind,
                   const store::ObjectPtr& object, const std::string& subresource, const ConnectResolver& resolve) {
  capnp::MallocMessageBuilder m;
  auto cr = m.initRoot<capstan::host::ConnectRequest>();
  auto r = cr.initResource();
  r.setGroup(kind.group);
  r.setVersion(kind.version);
  r.setResource(kind.plural);
  cr.setSubresource(subresource);
  cr.setObject(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(object->bytes.data()), object->bytes.size()));
  auto q = req.target.find('?');
  cr.setQuery(q == std::string::npos ? "" : req.target.substr(q + 1));
  std::string response;
  if (!resolve || !resolve(kind.plugin, machinery::serialize(m), response))
    return reply_status(res, 503, "ServiceUnavailable",
                        "the " + subresource + " subresource of " + kind.group_resource() + " is not available" +
                            (response.empty() ? "" : ": " + response));
  machinery::MessageReader reader{std::string_view(response)};
  auto answer = reader.root<capstan::host::ConnectResponse>();
  auto st = answer.getStatus();
  if (st.getCode() != 0 && (st.getCode() < 200 || st.getCode() >= 300))
    return reply_status(res, st.getCode(), st.getReason().cStr(), st.getMessage().cStr());
  std::string url = answer.getUrl().cStr();
  if (url.empty()) return reply_status(res, 500, "InternalError", "the plugin gave no address for " + subresource);
  const std::string* upgrade = req.header("upgrade");
  if (upgrade && lower(*upgrade).find("websocket") != std::string::npos) return relay_websocket(req, res, url);
  relay_http(req, res, url);
}

}  // namespace capstan::api
