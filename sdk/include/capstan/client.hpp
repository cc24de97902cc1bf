#pragma once
// A client for the kernel's store, the way client-go's dynamic client is: get, list, create,
// update (incl. status), patch and delete by resource, objects as Cap'n Proto bytes.

#include <capnp/message.h>

#include <string>
#include <vector>

#include "capstan/host.hpp"
#include "capstan/object.hpp"

namespace capstan::sdk {

struct Resource {
  std::string group;     // "" for core
  std::string version;   // v1
  std::string resource;  // plural: configmaps
};

struct Status {
  int code = 200;  // HTTP code
  std::string reason;
  std::string message;
  bool ok() const { return code >= 200 && code < 300; }
  bool not_found() const { return code == 404; }
  bool conflict() const { return code == 409 && reason == "Conflict"; }
  bool already_exists() const { return code == 409 && reason == "AlreadyExists"; }
};

struct GetResult {
  Status status;
  ObjectPtr object;  // set when status.ok()
};

struct ListResult {
  Status status;
  std::vector<ObjectPtr> items;
  uint64_t revision = 0;
};

struct KindSummary {
  std::string group, version, kind, plural;
  bool namespaced = false;
  bool transient = false;  // answers, never stored (access reviews): nothing to list or delete
};

class Client {
 public:
  explicit Client(const Host& host, std::string field_manager = "capstan-plugin")
      : host_(host), field_manager_(std::move(field_manager)) {}

  GetResult get(const Resource& r, const std::string& ns, const std::string& name) const;
  ListResult list(const Resource& r, const std::string& ns = "", const std::string& label_selector = "",
                  const std::string& field_selector = "") const;
  GetResult create(const Resource& r, const std::string& ns, capnp::MessageBuilder& object) const;
  // Replaces the object; metadata.resourceVersion, when set, is a precondition (Conflict otherwise).
  GetResult update(const Resource& r, const std::string& ns, const std::string& name, capnp::MessageBuilder& object,
                   const std::string& subresource = "") const;
  // patch_type: "merge", "json" or "strategic"; body is JSON.
  GetResult patch(const Resource& r, const std::string& ns, const std::string& name, const std::string& patch_type,
                  const std::string& body, const std::string& subresource = "") const;
  // grace_period_seconds: -1 = the kind's default (pods on a node: their terminationGracePeriodSeconds,
  // the node agent finishes the deletion); 0 = at once (what the agent sends once the pod is stopped).
  Status remove(const Resource& r, const std::string& ns, const std::string& name,
                const std::string& propagation_policy = "Background", const std::string& uid_precondition = "",
                int64_t grace_period_seconds = -1) const;
  std::vector<KindSummary> kinds() const;
  // POSTs to a subresource the object's kind serves, e.g. a pod's "binding" with a Binding or its
  // "eviction" with an Eviction; body is the subresource's request object as JSON.
  Status post_subresource(const Resource& r, const std::string& ns, const std::string& name,
                          const std::string& subresource, const std::string& body) const;

  const Host& host() const { return host_; }

 private:
  GetResult object_call(capnp::MessageBuilder& request) const;
  const Host& host_;
  std::string field_manager_;
};

}  // namespace capstan::sdk
