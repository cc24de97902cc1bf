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

struct StringEntry {
  key @0 :Text;
  value @1 :Text;
}

struct BytesEntry {
  key @0 :Text;
  value @1 :Data;
}

struct IntOrString $intOrString {
  union {
    int @0 :Int32;
    str @1 :Text;
  }
}

struct QuantityEntry {
  # One entry of a map of resource.Quantity (resources.limits, node capacity...).
  key @0 :Text;
  value @1 :Text $quantity;
}
