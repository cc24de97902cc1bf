#include "api/watch_stream.hpp"

#include "api/object_service.hpp"

namespace capstan::api {

WatchStream::WatchStream(const schema::Kind& kind, Selection selection, ResponseEncoder encoder, bool bookmarks,
                         std::shared_ptr<http::Responder> res, std::chrono::steady_clock::time_point deadline)
    : kind_(kind), selection_(std::move(selection)), encoder_(std::move(encoder)), bookmarks_(bookmarks), res_(std::move(res)),
      deadline_(deadline), last_bookmark_(std::chrono::steady_clock::now()) {}

void WatchStream::unsubscribe() {
  if (objects_) objects_->unwatch(sub_);
  objects_ = nullptr;
}

void WatchStream::send(const char* type, const store::ObjectPtr& obj) {
  last_revision_ = obj->revision;
  if (!res_->write(encoder_.watch_event(type, obj))) closed_ = true;
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
    res_->write(encoder_.watch_error(ApiError(410, "Expired", "the watch fell behind and was closed; list again")));
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
    res_->write(encoder_.watch_bookmark(last_revision_));
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
