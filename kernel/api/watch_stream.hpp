#pragma once
// One HTTP watch: events from the object service, filtered by its selection, written to the
// client as they come in the negotiated form — newline-delimited JSON (objects, Table rows or
// PartialObjectMetadata) or length-prefixed protobuf WatchEvents. A watcher that falls behind is
// cut off with a 410 Expired event, as kube-apiserver does, and re-lists.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/responses.hpp"
#include "api/selection.hpp"
#include "http/request.hpp"
#include "schema/kind_registry.hpp"
#include "store/event_bus.hpp"

namespace capstan::api {

class WatchStream : public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(const schema::Kind& kind, Selection selection, ResponseEncoder encoder, bool bookmarks,
              std::shared_ptr<http::Responder> res, std::chrono::steady_clock::time_point deadline);

  // Sends the initial ADDED events (for watches without a resourceVersion).
  void send_initial(const std::vector<store::ObjectPtr>& objects);
  void attach(std::shared_ptr<store::Subscription> sub, const class ObjectService* objects);
  // Drains queued events to the client; safe to call from any thread.
  void drain();
  // Called periodically: ends the watch at its deadline, sends bookmarks.
  bool tick(std::chrono::steady_clock::time_point now);
  void close();

 private:
  void send(const char* type, const store::ObjectPtr& obj);
  void unsubscribe();

  const schema::Kind& kind_;
  Selection selection_;
  ResponseEncoder encoder_;
  bool bookmarks_;
  std::shared_ptr<http::Responder> res_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point last_bookmark_;
  uint64_t last_revision_ = 0;
  std::shared_ptr<store::Subscription> sub_;
  const class ObjectService* objects_ = nullptr;
  std::mutex mutex_;
  bool closed_ = false;
};

}  // namespace capstan::api
