#pragma once
// Records core/v1 Events about API objects, the way client-go's event recorder does for
// controllers and the kubelet, so that `kubectl describe` and `kubectl get events` show what
// happened:
//
//   - an Event is named `<involved object name>.<hex unique suffix>` and lives in the involved
//     object's namespace ("default" for cluster-scoped objects such as Nodes);
//   - it carries source.component/host, reportingComponent/reportingInstance, type, reason,
//     message, firstTimestamp, lastTimestamp and count;
//   - a repeat of the same (object, type, reason, message) from the same source within ten
//     minutes is not a new Event: the existing one is patched (count + 1, lastTimestamp = now),
//     so a crash loop or a failing probe does not flood the store (client-go's correlator);
//   - from the 10th distinct message for the same (object, type, reason) within ten minutes on,
//     messages are folded into one Event whose message starts with
//     "(combined from similar events): " (client-go's aggregator).
//
// By default record()/emit() write before returning. set_synchronous(false) moves the writes to a
// background thread, in order, so a controller never waits on them; when more than 1000 are
// waiting, new ones are dropped with a log line, as client-go's broadcaster does. Call shutdown()
// from the plugin's stop() (the destructor does it too): it writes what is queued and joins the
// thread. Failures are logged through the host, never thrown. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "capstan/client.hpp"
#include "capstan/host.hpp"
#include "capstan/meta.capnp.h"
#include "capstan/object.hpp"

namespace capstan::sdk {

inline constexpr const char* kEventTypeNormal = "Normal";
inline constexpr const char* kEventTypeWarning = "Warning";

// What an Event is about (core/v1 ObjectReference, the Event's involvedObject).
struct ObjectRef {
  std::string api_version;  // "v1", "apps/v1"
  std::string kind;         // "Pod"
  std::string ns;           // empty for cluster-scoped objects
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;  // e.g. "spec.containers{web}"; usually empty

  // From a stored object: apiVersion and kind are read from the object itself (every root struct
  // starts with them) unless given.
  static ObjectRef of(const Object& obj, std::string api_version = "", std::string kind = "");
  static ObjectRef of(capstan::meta::ObjectReference::Reader ref);
};

// The same, in the field order node-side callers use.
struct EventTarget {
  std::string kind, api_version = "v1", ns, name, uid;
  std::string field_path;  // e.g. "spec.containers{web}" for a container of a pod
};

class EventRecorder {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `component` is source.component and reportingComponent ("replicaset-controller", "kubelet");
  // `source_host` is source.host and reportingInstance (the node name for node agents), may be "".
  EventRecorder(const Host& host, std::string component, std::string source_host = "");
  EventRecorder(const Client& client, std::string component, std::string source_host = "")
      : EventRecorder(client.host(), std::move(component), std::move(source_host)) {}
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // type: kEventTypeNormal or kEventTypeWarning; reason: CamelCase; message: for humans.
  void record(const ObjectRef& involved, std::string_view type, std::string_view reason, std::string message);
  void record(const Object& involved, std::string_view type, std::string_view reason, std::string message) {
    record(ObjectRef::of(involved), type, reason, std::move(message));
  }
  void record(const ObjectPtr& involved, std::string_view type, std::string_view reason, std::string message) {
    if (involved) record(ObjectRef::of(*involved), type, reason, std::move(message));
  }
  void record(capstan::meta::ObjectReference::Reader involved, std::string_view type, std::string_view reason,
              std::string message) {
    record(ObjectRef::of(involved), type, reason, std::move(message));
  }

  // The same under the names node-side callers use.
  void emit(const EventTarget& target, const std::string& type, const std::string& reason,
            const std::string& message);
  // For an object of a kind whose root struct starts with apiVersion, kind, metadata.
  void emit(const ObjectPtr& object, const std::string& kind, const std::string& type, const std::string& reason,
            const std::string& message, const std::string& field_path = "");

  // How many Event objects were created and how many repeats were folded into existing ones.
  uint64_t created() const;
  uint64_t folded() const;

  // false: write on a background thread instead of in record() (controllers).
  void set_synchronous(bool synchronous);
  // Replaces the clock used for timestamps and the ten-minute windows (tests).
  void set_clock(Clock clock);
  // Blocks until every event recorded so far has been written (or dropped).
  void flush();
  // Writes what is queued, then stops the background thread; later calls record nothing.
  void shutdown();

  const std::string& component() const { return component_; }

 private:
  struct Pending {
    ObjectRef involved;
    std::string type, reason, message;
    std::chrono::system_clock::time_point when;
  };
  struct Seen {  // an Event already written, for the repeat check
    std::string ns, name;
    int32_t count = 0;
    std::string first_timestamp;
    std::chrono::system_clock::time_point last;
  };
  struct Similar {  // distinct messages seen for one (object, type, reason), with when
    std::map<std::string, std::chrono::system_clock::time_point> messages;
  };

  void run();
  void write(const Pending& p);
  bool create(const Pending& p, const std::string& message, int32_t count, const std::string& first_timestamp,
              Seen& seen);
  std::string unique_name(const std::string& base);
  void prune(std::chrono::system_clock::time_point now);

  const Host& host_;
  Client client_;
  std::string component_, source_host_;

  std::mutex mu_;  // queue, flags and clock
  std::condition_variable cv_;
  Clock clock_;
  std::deque<Pending> queue_;
  bool synchronous_ = true;
  bool stopped_ = false;
  size_t dropped_ = 0;  // dropped since the last report of a full queue
  std::chrono::steady_clock::time_point last_drop_report_{};
  bool writing_ = false;
  std::thread thread_;

  mutable std::mutex write_mu_;  // everything below; one write at a time
  std::map<std::string, Seen> seen_;
  std::map<std::string, Similar> similar_;
  uint64_t last_suffix_ = 0;
  uint64_t created_ = 0, folded_ = 0;
};

// RFC 3339 UTC time with second precision, as Event timestamps are written.
std::string event_time_now();

}  // namespace capstan::sdk
