#pragma once
// One HTTP watch: events from the bus, filtered by namespace and selectors, written as
// newline-delimited JSON (or Table rows) to the client as they come. A watcher that falls
// behind is cut off with a 410 Expired event, as kube-apiserver does, and re-lists.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"
#include "schema/kind_registry.hpp"
#include "store/event_bus.hpp"

namespace capstan::api {

class WatchStream : public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(const schema::Kind& kind, std::string ns, selectors::LabelSelector labels, selectors::FieldSelector fields,
              bool table, bool bookmarks, std::shared_ptr<http::Responder> res,
              std::chrono::steady_clock::time_point deadline);

  // Sends the initial ADDED events (for watches without a resourceVersion).
  void send_initial(const std::vector<store::ObjectPtr>& objects);
  void attach(std::shared_ptr<store::Subscription> sub, store::EventBus* bus);
  // Drains queued events to the client; safe to call from any thread.
  void drain();
  // Called periodically: ends the watch at its deadline, sends bookmarks.
  bool tick(std::chrono::steady_clock::time_point now);
  void close();

 private:
  bool matches(const store::Object& obj) const;
  void send(const char* type, const store::ObjectPtr& obj);

  const schema::Kind& kind_;
  std::string ns_;
  selectors::LabelSelector labels_;
  selectors::FieldSelector fields_;
  bool table_;
  bool bookmarks_;
  bool columns_sent_ = false;
  std::shared_ptr<http::Responder> res_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point last_bookmark_;
  uint64_t last_revision_ = 0;
  std::shared_ptr<store::Subscription> sub_;
  store::EventBus* bus_ = nullptr;
  std::mutex mutex_;
  bool closed_ = false;
};

}  // namespace capstan::api
