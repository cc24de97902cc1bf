@0xa5df656240617bc6;
# What a plugin declares about itself (capstan_plugin_descriptor.manifest).

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::plugin");
using Schema = import "/capnp/schema.capnp";

struct PrinterColumn {
  name @0 :Text;          # column header as kubectl prints it, e.g. "Data"
  type @1 :Text;          # string | integer | number | boolean | date
  format @2 :Text;        # "name" for the name column
  description @3 :Text;
  priority @4 :Int32;     # > 0: only with -o wide
  jsonPath @5 :Text;      # simple JSON path into the object (".data", ".status.phase"); see docs/api-compatibility.md
  computed @6 :Bool;      # the cell comes from the plugin's on_print (ABI 1.2), not from jsonPath
}

struct Subresource {
  name @0 :Text;          # status | scale | log | exec | ...
  kind @1 :Text;          # response kind (Scale); empty = the kind itself
  group @2 :Text;
  version @3 :Text;
  verbs @4 :List(Text);
  # A connect subresource (pods/log, pods/exec, pods/attach): the kernel asks the owning plugin
  # where it is served (host.capnp ConnectRequest through on_invoke) and proxies the client's
  # request there: HTTP responses are streamed, WebSocket upgrades relayed message by message.
  connect @5 :Bool;
  # An action subresource (POST only). `deletes`: the POST deletes the object with the body's
  # `deleteOptions`, and admission sees the deletion with this subresource's name (pods/eviction,
  # which disruption budgets can refuse). `assigns`: the POST's body names a target
  # (`target.name`, as a Binding does) and the kernel writes that name into this field path of
  # the object, once (pods/binding: ".spec.nodeName"; binding again to another target conflicts).
  deletes @6 :Bool;
  assigns @7 :Text;
}

struct ScaleInfo {
  # Where a kind keeps what its autoscaling/v1 Scale subresource shows (as CustomResourceDefinition
  # scale subresources do): simple JSON paths into the object.
  specReplicasPath @0 :Text;      # ".spec.replicas"
  statusReplicasPath @1 :Text;    # ".status.replicas"
  labelSelectorPath @2 :Text;     # ".spec.selector" (a LabelSelector object) or a string field
}

struct KindInfo {
  group @0 :Text;               # "" for core
  version @1 :Text;             # v1
  kind @2 :Text;                # ConfigMap
  plural @3 :Text;              # configmaps
  singular @4 :Text;            # configmap
  shortNames @5 :List(Text);    # [cm]
  categories @6 :List(Text);    # [all]
  namespaced @7 :Bool;
  rootStructId @8 :UInt64;      # id of the Cap'n Proto struct of the whole object
  subresources @9 :List(Subresource);
  printerColumns @10 :List(PrinterColumn);   # the NAME column is implicit, AGE is appended last
  selectableFields @11 :List(Text);          # JSON paths usable in fieldSelector, e.g. "spec.nodeName"
  admission @12 :Bool;          # route writes of this kind through the plugin's on_admit
  statusField @13 :Text;        # the field the status subresource owns ("status"), empty = none
  generationIgnores @14 :List(Text);   # top-level fields whose change does not bump generation (default: metadata, status)
  namespaceScope @15 :Bool;     # objects of this kind are the namespaces namespaced objects live in
  scale @16 :ScaleInfo;         # set: the kernel serves the `scale` subresource from these paths
  bindingPath @17 :Text;        # ABI 1.2; since 1.3 declare a subresource with `assigns` (the kernel still reads this as a `binding` one)
  nameRule @18 :Text;           # ABI 1.4: how metadata.name is checked: "" DNS-1123 subdomain (most kinds),
                                # "pathSegment" any name usable as a URL path segment (RBAC's "system:node")
  transient @19 :Bool;          # ABI 1.5: objects of this kind are answers, not records (access reviews,
                                # TokenReview): the only verb is create, which runs the owner's admission
                                # (where the answer is filled in) and returns the result; nothing is stored
}

# Which writes an admission hook is asked about, as Kubernetes' admission webhook rules say it.
struct AdmissionRule {
  groups @0 :List(Text);       # API groups: "" the core group, "*" any
  resources @1 :List(Text);    # "pods" (the resource itself), "pods/eviction" (a subresource),
                               # "pods/*", "*" (every resource), "*/*" (and every subresource)
  operations @2 :List(Text);   # CREATE | UPDATE | DELETE | "*"
}

# Admission for kinds the plugin does not own (capstan.admission.v1 plugins: quotas, limit
# ranges, disruption budgets). The kernel calls the plugin's on_admit with `hook` set to the
# hook's name. Mutating hooks run before the kind's own admission, validating hooks after it
# (where the object is final); within a phase by `order`, then by plugin and hook name.
struct AdmissionHook {
  name @0 :Text;
  mutating @1 :Bool;           # may change the object; a validating hook may only allow or deny
  rules @2 :List(AdmissionRule);
  order @3 :Int32;
}

struct PluginManifest {
  description @0 :Text;
  kinds @1 :List(KindInfo);
  schemaNodes @2 :List(Schema.Node);   # every node the kinds need, dependencies included
  admissionHooks @3 :List(AdmissionHook);
  authorizer @4 :Bool;          # ABI 1.4: the kernel asks this plugin's on_authorize about requests
  authorizerOrder @5 :Int32;    # authorizers are asked in this order (lower first), then by plugin name
}
