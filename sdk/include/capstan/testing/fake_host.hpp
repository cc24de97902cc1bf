#pragma once
// An in-memory stand-in for the kernel behind capstan_host_api, so a controller or the scheduler
// can run end to end in a unit test: informers list and watch it, clients get, list, create,
// update, patch (merge, strategic, JSON), delete and bind against it.
//
// It applies the server's object rules (capstan/machinery/object_rules.hpp, the same code the
// kernel runs): one global revision (metadata.resourceVersion), 409 Conflict on a stale
// resourceVersion or uid precondition, 409 AlreadyExists, 404 NotFound, generateName,
// uid/creationTimestamp/generation, status kept apart from the main resource for kinds with a
// status subresource, generation bumped on spec changes, no-op writes not stored, deletion held by
// finalizers (Orphan/Foreground add `orphan` / `foregroundDeletion` as kube-apiserver does), and a
// binding subresource for pods. It serves the host protocol through the SDK's one dispatcher and
// uses the SDK's codec, patch engines and selectors, so patches and selectors behave as they do on
// a real server. There is no admission, validation beyond decoding, nor graceful deletion: a
// deleted pod without finalizers is gone at once.
//
// Watches deliver on one thread per watch, like the kernel, in revision order, replaying history
// after the requested revision. Tests can hold a resource's watch events (to simulate a slow
// watch), inject failures with a reactor, and read or write objects directly as JSON.
//
// Installed with the SDK (library capstan_sdk_testing), for third-party plugins' tests too.

#include <capnp/schema.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capstan/abi.h"
#include "capstan/client.hpp"
#include "capstan/host.hpp"
#include "capstan/host_service.hpp"
#include "capstan/host_table.hpp"
#include "capstan/object.hpp"

namespace capstan::sdk::testing {

using json = nlohmann::json;

// Resources the fake knows besides the built-in ones (see FakeHost()).
struct FakeKind {
  Resource resource;  // {group, version, plural}
  std::string kind;
  bool namespaced = true;
  capnp::StructSchema schema;
  bool status_subresource = true;  // the `status` field is written only through /status
  // An assigning action subresource as the kind declares it (sdk::Subresource::assigns): a POST
  // to it writes the body's target.name into `path`, once. Pods: {"binding", "spec.nodeName"}.
  struct Assigns {
    std::string subresource, path;
  } assigns;
};

// One call a plugin made, as the reactor and calls() see it.
struct FakeCall {
  std::string verb;  // get, list, create, update, patch, delete, post (a subresource), listKinds
  Resource resource;
  std::string ns, name, subresource;
  json object;  // create/update: the object sent; patch: the patch body; otherwise null
};

class FakeHost : private HostService {
 public:
  // Knows core/v1 pods, nodes, namespaces, configmaps, events; apps/v1 replicasets, deployments;
  // coordination.k8s.io/v1 leases.
  FakeHost();
  ~FakeHost();  // ends every watch
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // What the plugin under test is given.
  const Host& host() const { return host_; }
  const capstan_host_api* api() const { return table_.api(); }

  void add_kind(FakeKind kind);

  // ---- direct access for tests: no reactor, not recorded in calls(); watches are told.
  // Stores the object as given (status included), filling metadata as a create would
  // (namespace, uid, creationTimestamp, generation, resourceVersion; generateName). Replaces an
  // existing object of the same name, keeping its uid. Throws std::runtime_error on bad input.
  json put(const Resource& r, const json& object);
  // Merge-patches an object, status included; throws when it does not exist.
  json patch(const Resource& r, const std::string& ns, const std::string& name, const json& merge_patch);
  // Removes an object at once, whatever its finalizers; false when absent.
  bool erase(const Resource& r, const std::string& ns, const std::string& name);
  std::optional<json> get(const Resource& r, const std::string& ns, const std::string& name) const;
  // Sorted by namespace/name. ns "" = all namespaces.
  std::vector<json> list(const Resource& r, const std::string& ns = "", const std::string& label_selector = "") const;
  uint64_t revision() const;

  // ---- observing and steering what the plugin does
  std::vector<FakeCall> calls() const;
  size_t count_calls(const std::string& verb, const std::string& resource) const;
  void clear_calls();
  // Called before every plugin call; returning a Status answers the call with it (an error, or a
  // success that stores nothing). Runs without the fake's lock held.
  using Reactor = std::function<std::optional<Status>(const FakeCall&)>;
  void set_reactor(Reactor reactor);
  // While held, watch events of this resource queue up undelivered (a lagging watch).
  void hold_watch_events(const Resource& r);
  void release_watch_events(const Resource& r);
  // Every active watch gets one `resync` event (the watch fell behind), as the kernel does.
  void resync_watches();
  // Waits until every unheld watch queue is empty and no callback is running.
  bool wait_delivered(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  size_t active_watches() const;
  std::vector<std::string> logs() const;

  // The value at a dotted path ("status.replicas"), null when any part is missing.
  static json at(const json& object, std::string_view dotted_path);

  // Polls `pred` every 5 ms until it holds or `timeout` passes; returns its last value.
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  struct Stored {
    json object;
    std::string bytes;  // capnp
    uint64_t rev = 0;
  };
  struct WatchEvent {
    int type;  // capstan::host::WatchEvent::Type
    std::string bytes;
    uint64_t rev;
  };
  struct Watcher;
  struct Record {  // history entry
    std::string resource_key;
    int type;
    std::string ns;
    json object;
    std::optional<json> previous;  // MODIFIED: the state before
    std::string bytes;
    uint64_t rev;
  };
  struct Outcome {
    Status status;
    std::optional<Stored> object;
  };

  // The host protocol (HostService), served to the plugin through the SDK's table.
  void get(const HostTarget& t, Response out) override;
  void list(const HostTarget& t, std::string_view label_selector, std::string_view field_selector,
            Response out) override;
  void create(const HostTarget& t, capnp::Data::Reader object, Response out) override;
  void update(const HostTarget& t, capnp::Data::Reader object, std::string_view subresource, Response out) override;
  void patch(const HostTarget& t, std::string_view patch_type, std::string_view body, std::string_view subresource,
             Response out) override;
  void remove(const HostTarget& t, const HostDelete& options, Response out) override;
  void post_subresource(const HostTarget& t, std::string_view subresource, std::string_view body,
                        Response out) override;
  void list_kinds(Response out) override;
  uint64_t watch(capstan::host::WatchRequest::Reader request, capstan_watch_callback callback,
                 void* user_data) override;
  void unwatch(uint64_t id) override;

  // Records the call and asks the reactor; true when the reactor answered it.
  bool intercept(FakeCall call, Response out);
  void respond(const Outcome& outcome, Response out) const;

  const FakeKind* kind_for(const Resource& r) const;
  json to_json(const FakeKind& k, const std::string& bytes) const;
  std::string to_bytes(const FakeKind& k, const json& object) const;
  static std::string key_of(const FakeKind& k, const std::string& ns, const std::string& name);

  // The write paths, mu_ held; they publish to watchers. Objects arrive as Cap'n Proto bytes.
  Outcome do_create(const FakeKind& k, const std::string& ns, const std::string& bytes, bool as_given);
  Outcome do_update(const FakeKind& k, const std::string& ns, const std::string& name, const std::string& bytes,
                    const std::string& subresource, bool check_rv);
  Outcome do_delete(const FakeKind& k, const std::string& ns, const std::string& name, const std::string& policy,
                    const std::string& uid);
  // Stores `next` (the rules applied) over `old`: a no-op, an update, or the deletion of a
  // finalized object.
  Outcome store_update(const FakeKind& k, const std::string& key, Stored& old, const std::string& next);
  void publish(const FakeKind& k, int type, const json& object, const std::optional<json>& previous,
               const std::string& bytes, uint64_t rev);
  void offer(Watcher& w, const Record& rec);

  HostTable table_;
  Host host_;
  std::map<std::string, FakeKind> kinds_;  // by group/plural

  mutable std::recursive_mutex mu_;
  std::map<std::string, std::map<std::string, Stored>> objects_;  // group/plural -> ns/name -> object
  uint64_t revision_ = 1;
  std::vector<Record> history_;
  std::vector<FakeCall> calls_;
  std::vector<std::string> logs_;
  Reactor reactor_;
  std::set<std::string> held_;
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers_;
  uint64_t next_watch_id_ = 1;
  uint64_t uid_counter_ = 0;
};

}  // namespace capstan::sdk::testing
