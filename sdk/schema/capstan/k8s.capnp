@0xc5a1147bb39d9e5c;
# Annotations that tell Capstan how a Cap'n Proto schema maps onto the Kubernetes JSON form.
# The kernel recognises them by id when it walks a kind's schema at run time, so the ids below
# are ABI: never change them. Every kind schema (built-in or third-party) imports this file.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::k8s");

annotation jsonName @0x9e5ab4a799358e3c (field) :Text;
# The JSON name when it differs from the Cap'n Proto field name (e.g. `$ref`, `x-foo`).

annotation map @0x8b995b5a50f2e778 (field) :Void;
# On a List of a struct whose first two fields are `key` and `value`: the JSON form is an object
# ({"k":"v"}), as Kubernetes writes labels, annotations and ConfigMap data.

annotation quantity @0xa2b42106d6c4f364 (field) :Void;
# On Text: a resource.Quantity; JSON accepts a number or a string and writes a string.

annotation rawJson @0xb77163e7d63e7424 (field) :Void;
# On Text: any JSON value kept verbatim (free-form objects such as managedFields.fieldsV1).

annotation optional @0xf038ec6ebbc0e90f (group) :Void;
# On a group holding `union { unset @N :Void; value @M :T; }`: a scalar that may be absent.
# The JSON form is the plain scalar (or nothing), so `replicas: 0` differs from no replicas.

annotation intOrString @0x8983158aaf64b6d7 (struct) :Void;
# On a struct holding `union { int @0 :Int32; str @1 :Text; }`: JSON is a number or a string.

annotation doc @0xc7d77c3f403ababd (field, struct, group) :Text;
# Description shown by `kubectl explain` and written into the OpenAPI documents. Also allowed on
# an `$optional` group, whose own doc describes the scalar it holds.

annotation required @0xde57f786b22f3779 (field) :Void;
# The field must be present (validation answers `Required value`).

annotation patchMergeKey @0x808006c7c9099bb1 (field) :Text;
# Strategic merge patch: the key that identifies list elements (`name`, `containerPort`...).

annotation patchStrategy @0xfcfeafc3238d591b (field) :Text;
# Strategic merge patch: `merge`, `replace`, `retainKeys` or `merge,retainKeys`.

annotation listType @0x8dbc0e1320eb09cf (field) :Text;
# Server-side apply: `atomic`, `set` or `map`.

annotation listMapKeys @0x9b5be2c697f25b75 (field) :Text;
# Server-side apply: comma-separated keys of a `map` list.

annotation embeddedObject @0xeeaf66ab6c9a6cb6 (field) :Void;
# On Text: a whole API object (with apiVersion and kind) kept as raw JSON.

# ---- Protobuf (application/vnd.kubernetes.protobuf): how each field travels in Kubernetes' wire
# format. The numbers are those of k8s.io/api's generated.proto; see docs/protobuf.md.

annotation proto @0xaae88ea4ffa82d1b (field, group) :UInt32;
# The protobuf field number (the `= N` of the field in generated.proto, the N of the Go struct tag
# `protobuf:"bytes,N,opt,name=..."`). Fields without it are not on the protobuf wire (apiVersion
# and kind of a root travel in the envelope instead).

annotation protoEmbedded @0x863300232a570e62 (field, group) :UInt32;
# The field belongs, upstream, to an inline embedded Go struct that protobuf carries as a message
# of its own at this number of the enclosing message: Volume's VolumeSource (2), Probe's
# ProbeHandler (1), the LocalObjectReference of ConfigMapKeySelector (1)... `proto` then numbers
# the field inside that message.

annotation nullable @0x89b5090e05857e1d (field) :Void;
# The Go field is a pointer (`*T`): protobuf carries it only when it is set, and an empty value
# that is set (`hostPath.type: ""`, `emptyDir: {}`) stays distinct from an absent one. Fields
# without it are Go values: always written (their zero value when unset, as Go's marshaller
# does) and decoded as unset when they hold the zero value. `$optional` groups are nullable.

annotation notNullable @0xf77377cd198b7bdf (group) :Void;
# On an `$optional` group that mirrors a Go value, not a pointer (metadata.generation): protobuf
# writes its zero value when unset, as Go does.

annotation time @0xa79828b048e6053a (field) :Void;
# On Text: a metav1.Time (RFC 3339, whole seconds). Protobuf: Timestamp {seconds = 1, nanos = 2}.

annotation microTime @0xb4482c55ae743320 (field) :Void;
# On Text: a metav1.MicroTime (RFC 3339 with microseconds). Protobuf: Timestamp {seconds = 1, nanos = 2}.

annotation duration @0xaae4619da8522963 (field) :Void;
# On Text: a metav1.Duration written as Go writes a time.Duration ("1m30s"). Protobuf:
# Duration {duration = 1} in nanoseconds.

# Protobuf forms of the other shapes, which need no annotation of their own: `$quantity` Text is
# resource.Quantity {string = 1}; `$rawJson` and `$embeddedObject` Text are a message whose field
# 1 holds the JSON bytes (FieldsV1, RawExtension); `$intOrString` is IntOrString {type = 1,
# intVal = 2, strVal = 3}; a `$map` list is a repeated entry message numbered by its entry
# struct (key = 1, value = 2).

struct StringEntry {
  key @0 :Text $proto(1);
  value @1 :Text $proto(2);
}

struct BytesEntry {
  key @0 :Text $proto(1);
  value @1 :Data $proto(2);
}

struct IntOrString $intOrString {
  union {
    int @0 :Int32 $proto(2);  # intVal; type = 1 tells which member is set
    str @1 :Text $proto(3);   # strVal
  }
}

struct QuantityEntry {
  # One entry of a map of resource.Quantity (resources.limits, node capacity...).
  key @0 :Text $proto(1);
  value @1 :Text $quantity $proto(2);
}
