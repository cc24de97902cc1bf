#pragma once
// The Kubernetes REST surface over the object service: version/health, discovery, OpenAPI,
// CRUD, list/watch, patch and Status errors. Kind-agnostic: every path is resolved through the
// kind registry.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/connect_subresource.hpp"
#include "http/request.hpp"

namespace capstan::store { class EventBus; }
namespace capstan::http { class Server; }
namespace capstan::schema { struct Kind; }

namespace capstan::api {

class ObjectService;
class WatchStream;

struct ApiServerOptions {
  std::string server_address;  // host:port advertised in /api
  // The Kubernetes release whose API Capstan serves, as /version reports it: clients (the kubectl
  // dispatcher, Helm's kubeVersion checks, client-go feature switches) take it at its word.
  // gitVersion is "v1.<minor>.0+capstan.<Capstan's version>" (docs/api-compatibility.md#version).
  std::string version_minor = "33";
};

class ApiServer {
 public:
  ApiServer(ObjectService& objects, store::EventBus& bus, ApiServerOptions options);
  ~ApiServer();

  // The HTTP handler to install in http::Server.
  void handle(http::Request&& req, std::shared_ptr<http::Responder> res);
  // Watch streams are drained on the HTTP I/O pool.
  void set_executor(std::function<void(std::function<void()>)> post) { post_ = std::move(post); }
  void set_ready(bool ready) { ready_ = ready; }
  // Set once the listener is bound (its port may have been chosen by the kernel).
  void set_server_address(std::string address) { options_.server_address = std::move(address); }
  // How connect subresources (pods/log, pods/exec) find where they are served: the plugin host.
  void set_connect_resolver(ConnectResolver resolve) { connect_ = std::move(resolve); }
  void stop();

 private:
  void handle_resource(http::Request& req, const std::shared_ptr<http::Responder>& res,
                       const std::vector<std::string>& parts, size_t first, bool& error_protobuf);
  void reply_aggregated(const http::Request& req, const std::shared_ptr<http::Responder>& res, bool core);
  void handle_scale(http::Request& req, const std::shared_ptr<http::Responder>& res, const schema::Kind& kind,
                    const std::string& ns, const std::string& name);
  void reaper_loop();

  ObjectService& objects_;
  store::EventBus& bus_;
  ApiServerOptions options_;
  std::function<void(std::function<void()>)> post_;
  std::atomic<bool> ready_{false};
  ConnectResolver connect_;

  std::mutex watches_mutex_;
  // Open watches are owned here until they end (the reaper drops them).
  std::vector<std::shared_ptr<WatchStream>> watches_;
  std::condition_variable reaper_cv_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace capstan::api
