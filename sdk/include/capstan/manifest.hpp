#pragma once
// Builds a plugin's manifest: the kinds it registers and the schema nodes the kernel loads to
// understand them (each kind's root struct and everything it reaches).

#include <capnp/schema.h>

#include <optional>
#include <string>
#include <vector>

namespace capstan::sdk {

struct PrinterColumn {
  std::string name;
  std::string type = "string";  // string | integer | number | boolean | date
  std::string json_path;        // ".data", ".status.phase"; a map/list field prints its size
  std::string description;
  int priority = 0;             // > 0: only with -o wide
  std::string format;
  bool computed = false;        // the plugin's Plugin::print computes it (READY "1/1", ...)
};

struct Subresource {
  std::string name;             // status | scale | ...
  std::string kind, group, version;
  std::vector<std::string> verbs = {"get", "patch", "update"};
  bool connect = false;         // proxied by the kernel to where Plugin::invoke answers (ConnectRequest)
  // Action subresources (POST only; see plugin.capnp): `deletes` — the POST deletes the object
  // with the body's deleteOptions (eviction); `assigns` — the POST's `target.name` is written into
  // this field path, once (binding: ".spec.nodeName").
  bool deletes = false;
  std::string assigns;
};

// The `scale` subresource (autoscaling/v1 Scale), served by the kernel from these JSON paths.
struct ScaleSpec {
  std::string spec_replicas_path = ".spec.replicas";
  std::string status_replicas_path = ".status.replicas";
  std::string label_selector_path = ".spec.selector";  // a LabelSelector object or a selector string
};

struct KindSpec {
  std::string group;            // "" = core
  std::string version = "v1";
  std::string kind;
  std::string plural;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool namespaced = true;
  capnp::StructSchema schema;   // capnp::Schema::from<MyKind>()
  std::vector<Subresource> subresources;
  std::vector<PrinterColumn> printer_columns;
  std::vector<std::string> selectable_fields;
  bool admission = false;       // route writes through Plugin::admit
  std::string status_field;     // "status" when the kind has a status subresource
  // Objects of this kind are the namespaces other objects live in: the kernel refuses to create
  // namespaced objects in one that does not exist or is being deleted.
  bool namespace_scope = false;
  // How metadata.name is checked: "" a DNS-1123 subdomain (most kinds); "pathSegment" any name
  // that is a URL path segment (not "." or "..", no '/' or '%'), as RBAC's "system:discovery".
  std::string name_rule;
  // Objects of this kind are answers, not records (ABI 1.5; access reviews, TokenReview): the
  // only verb is create; it runs Plugin::admit, whose mutated object (the status filled in) is
  // the answer; nothing is stored. The kind needs `admission`.
  bool transient = false;
  // Set to serve `<plural>/scale` (discovery shows it as autoscaling/v1 Scale).
  std::optional<ScaleSpec> scale;
};

// Admission for writes of kinds the plugin does not own (quotas, limit ranges, disruption
// budgets): the kernel calls Plugin::admit with AdmissionRequest::hook set to the hook's name for
// every write a rule matches. Rules read as Kubernetes' admission webhook rules: groups ("" core,
// "*" any), resources ("pods", "pods/eviction", "pods/*", "*", "*/*"), operations (CREATE,
// UPDATE, DELETE, "*"). Mutating hooks run before the kind's own admission and may change the
// object; validating hooks run after it and may only allow or deny. Lower `order` first.
struct AdmissionRuleSpec {
  std::vector<std::string> groups = {"*"};
  std::vector<std::string> resources;
  std::vector<std::string> operations = {"*"};
};

struct AdmissionHookSpec {
  std::string name;
  bool mutating = false;
  std::vector<AdmissionRuleSpec> rules;
  int order = 0;
};

class ManifestBuilder {
 public:
  ManifestBuilder& description(std::string d) {
    description_ = std::move(d);
    return *this;
  }
  ManifestBuilder& kind(KindSpec k) {
    kinds_.push_back(std::move(k));
    return *this;
  }
  ManifestBuilder& admission_hook(AdmissionHookSpec h) {
    hooks_.push_back(std::move(h));
    return *this;
  }
  // The plugin decides requests' authorization (Plugin::authorize); authorizers are asked in
  // `order`, lower first, until one allows or denies.
  ManifestBuilder& authorizer(int order = 0) {
    authorizer_ = true;
    authorizer_order_ = order;
    return *this;
  }
  // Serialized capstan.plugin.PluginManifest, word-aligned.
  std::string build() const;

 private:
  std::string description_;
  std::vector<KindSpec> kinds_;
  std::vector<AdmissionHookSpec> hooks_;
  bool authorizer_ = false;
  int authorizer_order_ = 0;
};

}  // namespace capstan::sdk
