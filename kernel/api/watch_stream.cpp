#include "api/watch_stream.hpp"

#include <nlohmann/json.hpp>

#include "api/object_service.hpp"
#include "api/table.hpp"

namespace capstan::api {

using nlohmann::json;

WatchStream::WatchStream(const schema::Kind& kind, Selection selection, bool table, bool bookmarks,
                         std::shared_ptr<http::Responder> res, std::chrono::steady_clock::time_point deadline)
    : kind_(kind), selection_(std::move(selection)), table_(table), bookmarks_(bookmarks), res_(std::move(res)),
      deadline_(deadline), last_bookmark_(std::chrono::steady_clock::now()) {}

void WatchStream::unsubscribe() {
  if (objects_) objects_->unwatch(sub_);
  objects_ = nullptr;
}

void WatchStream::send(const char* type, const store::ObjectPtr& obj) {
  std::string line;
  if (table_) {
    json t = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", {{"resourceVersion", std::to_string(obj->revision)}}}};
    if (!columns_sent_) {
      t["columnDefinitions"] = table_column_definitions(kind_);
      columns_sent_ = true;
    }
    auto computed = computed_cells(kind_, {obj});
    t["rows"] = json::array({table_row(kind_, json::parse(obj->json), false, &computed[0])});
    line = "{\"type\":\"" + std::string(type) + "\",\"object\":" + t.dump() + "}\n";
  } else {
    // The object's JSON is encoded once per revision and shared by every watcher.
    line.reserve(obj->json.size() + 32);
    line += "{\"type\":\"";
    line += type;
    line += "\",\"object\":";
    line += obj->json;
    line += "}\n";
  }
  last_revision_ = obj->revision;
  if (!res_->write(std::move(line))) closed_ = true;
}

void WatchStream::send_initial(const std::vector<store::ObjectPtr>& objects) {
  std::lock_guard lock(mutex_);
  // The object service selected these already.
  for (const auto& o : objects) send("ADDED", o);
}

void WatchStream::attach(std::shared_ptr<store::Subscription> sub, const ObjectService* objects) {
  std::lock_guard lock(mutex_);
  sub_ = std::move(sub);
  objects_ = objects;
}

void WatchStream::drain() {
  std::lock_guard lock(mutex_);
  if (closed_ || !sub_) return;
  std::vector<store::Event> events;
  for (;;) {
    events.clear();
    sub_->drain(events, 256);
    if (events.empty()) break;
    for (const auto& e : events) {
      auto type = selection_.filter(e);
      if (!type) continue;
      send(*type == store::EventType::kAdded ? "ADDED" : *type == store::EventType::kModified ? "MODIFIED" : "DELETED",
           e.object);
      if (closed_) break;
    }
    if (closed_) break;
  }
  if (sub_->cut_off() && !closed_) {
    json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"},
                   {"message", "the watch fell behind and was closed; list again"}, {"reason", "Expired"}, {"code", 410}};
    res_->write("{\"type\":\"ERROR\",\"object\":" + status.dump() + "}\n");
    closed_ = true;
  }
  if (closed_) {
    unsubscribe();
    res_->finish();
  }
}

bool WatchStream::tick(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  if (res_->closed()) {
    closed_ = true;
  } else if (now >= deadline_) {
    closed_ = true;
    res_->finish();
  } else if (bookmarks_ && now - last_bookmark_ > std::chrono::seconds(30) && last_revision_ > 0) {
    json b = {{"type", "BOOKMARK"},
              {"object", {{"kind", kind_.kind}, {"apiVersion", kind_.api_version()},
                          {"metadata", {{"resourceVersion", std::to_string(last_revision_)}}}}}};
    res_->write(b.dump() + "\n");
    last_bookmark_ = now;
  }
  if (closed_) unsubscribe();
  return !closed_;
}

void WatchStream::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  unsubscribe();
  res_->finish();
}

}  // namespace capstan::api
