#pragma once
// A workload's ControllerRevision history, shared by the DaemonSet and StatefulSet controllers
// (kube-controller-manager's pkg/controller/history and the constructHistory / snapshot /
// cleanupHistory steps both controllers build on it):
//   - each revision stores a strategic merge patch that puts the owner's pod template back
//     (`{"spec":{"template":{...,"$patch":"replace"}}}`, what `kubectl rollout undo` applies);
//   - sync() adopts orphan revisions the owner's selector matches, finds the revision holding the
//     current template (renumbering it to the newest when the template went back to it) or
//     creates one named `<owner>-<hash>`, and reports the others;
//   - a name taken by other data is a hash collision: the caller raises status.collisionCount
//     and tries again.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/informer.hpp"
#include "capstan/meta.capnp.h"
#include "capstan/object.hpp"

namespace capstan::sdk {

inline constexpr const char* kControllerRevisionHashLabel = "controller-revision-hash";

struct RevisionInfo {
  std::string name;
  int64_t revision = 0;
  std::string hash;  // its controller-revision-hash label
};

// cleanupHistory / truncateHistory: of the old revisions, those to delete: the oldest beyond
// `limit`, skipping any a live pod still uses (its name or hash is in `live`).
std::vector<std::string> revisions_to_delete(std::vector<RevisionInfo> old, int32_t limit, const std::set<std::string>& live);

// The revision data of a pod template (see above), as JSON text.
std::string template_revision_data(core::v1::PodTemplateSpec::Reader tmpl);

class ControllerHistory {
 public:
  // `revisions`: an informer on apps/v1 controllerrevisions (the caller starts it).
  ControllerHistory(const Client& client, const Informer& revisions, std::string owner_api_version, std::string owner_kind);

  struct Result {
    RevisionInfo current;            // the revision of the owner's current template
    std::vector<RevisionInfo> old;   // every other revision the owner has
    bool collision = false;          // nothing else is set: raise collisionCount and retry
  };
  // `tmpl`: the owner's pod template; `collisions`: its status.collisionCount. nullopt with
  // `error` set when a write failed.
  std::optional<Result> sync(const ObjectPtr& owner, meta::LabelSelector::Reader selector, core::v1::PodTemplateSpec::Reader tmpl,
                             std::optional<int32_t> collisions, std::string* error) const;

 private:
  bool adopt(const ObjectPtr& revision, const ObjectPtr& owner) const;

  const Client& client_;
  const Informer& revisions_;
  std::string api_version_, kind_;
};

}  // namespace capstan::sdk
