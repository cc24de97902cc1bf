#pragma once
// The metadata rules every Kubernetes write follows, for any kind, on the object's Cap'n Proto
// form: what a create fills in (uid, creationTimestamp, generation), what an update carries over
// from the stored object and when it bumps metadata.generation, how the status subresource splits
// an object, when two revisions are the same object, and how deletion waits for finalizers. The
// kernel's object service and the SDK's fake host both apply them, so a controller's unit test
// sees the server's rules.

#include <capnp/dynamic.h>

#include <string>
#include <string_view>

#include "capstan/meta.capnp.h"

namespace capstan::machinery {

// What the rules need to know about a kind.
struct ObjectKind {
  std::string api_version;  // v1, apps/v1
  std::string kind;         // Pod
  bool namespaced = true;
  std::string status_field;         // the field the status subresource owns ("status"); "" = none
  bool status_subresource = false;  // the status field is written only through the subresource
};

// The object's metadata (the root struct's `metadata` field), initialised when absent.
meta::ObjectMeta::Builder metadata(capnp::DynamicStruct::Builder root);
meta::ObjectMeta::Reader metadata(capnp::DynamicStruct::Reader root);

// apiVersion and kind as the kind says.
void set_type_meta(const ObjectKind& kind, capnp::DynamicStruct::Builder root);

struct CreateFacts {
  std::string uid;
  std::string now;                   // RFC 3339
  bool keep_managed_fields = false;  // server-side apply computed them already
};

// A create: the server-owned metadata (uid, creationTimestamp, generation 1) is set; what a
// client may not set on a create (resourceVersion, deletionTimestamp, deletionGracePeriodSeconds,
// selfLink, managedFields) is cleared; the status is dropped when it has a subresource.
void prepare_create(const ObjectKind& kind, capnp::DynamicStruct::Builder root, const CreateFacts& facts);

// An update of the main resource (subresource "") or of the status subresource (subresource ==
// kind.status_field): `next` keeps old's server-owned metadata (uid, creationTimestamp,
// deletionTimestamp, deletionGracePeriodSeconds, name, namespace, generation) and its
// managedFields unless next brings its own; resourceVersion is cleared. A status write takes only
// the status from `next` and everything else from `old`; a main write to a kind with a status
// subresource keeps old's status. Other subresources (scale, binding) change the main resource.
void prepare_update(const ObjectKind& kind, capnp::DynamicStruct::Reader old, capnp::DynamicStruct::Builder next,
                    std::string_view subresource);
// metadata.generation: old's, plus one when anything but metadata and status changed. Called once
// the object is final (after admission, which may default what the client left out).
void update_generation(const ObjectKind& kind, capnp::DynamicStruct::Reader old, capnp::DynamicStruct::Builder next);

// Whether anything outside metadata and the status field differs (metadata.generation moves).
bool spec_changed(const ObjectKind& kind, capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b);
// Equal but for metadata.resourceVersion and metadata.managedFields: a no-op write, which
// Kubernetes does not store.
bool same_object(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b);

// Deletion.
bool has_finalizer(meta::ObjectMeta::Reader meta, std::string_view finalizer);
void add_finalizer(meta::ObjectMeta::Builder meta, std::string_view finalizer);
bool has_finalizers(meta::ObjectMeta::Reader meta);
// Marked for deletion (deletionTimestamp set) and nothing left to wait for: remove from the store.
bool finalized(meta::ObjectMeta::Reader meta);
// Sets deletionTimestamp/deletionGracePeriodSeconds unless already set.
void mark_for_deletion(meta::ObjectMeta::Builder meta, std::string_view now, int64_t grace_period_seconds);

// A random version-4 UUID, as metadata.uid.
std::string new_uid();
// Five characters from Kubernetes' rand.String alphabet, appended to metadata.generateName.
std::string random_name_suffix();

}  // namespace capstan::machinery
