@0xeca4cdd22ec5a7b9;
# coordination.k8s.io/v1 kinds. Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::coordination::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct LeaseSpec $K8s.doc("LeaseSpec is a specification of a Lease.") {
  holderIdentity @0 :Text $K8s.proto(1) $K8s.nullable $K8s.doc("The identity of the holder of a current lease.");
  leaseDurationSeconds :group $K8s.proto(2) $K8s.optional
      $K8s.doc("The duration that candidates for a lease need to wait to force acquire it, measured against the time of last observed renewTime.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
  acquireTime @3 :Text $K8s.proto(3) $K8s.microTime $K8s.nullable $K8s.doc("The time the current lease was acquired (RFC 3339 with microseconds).");
  renewTime @4 :Text $K8s.proto(4) $K8s.microTime $K8s.nullable $K8s.doc("The time the current holder of a lease has last updated the lease (RFC 3339 with microseconds).");
  leaseTransitions :group $K8s.proto(5) $K8s.optional
      $K8s.doc("The number of transitions of a lease between holders.") {
    union { unset @5 :Void; value @6 :Int32; }
  }
}

struct Lease $K8s.doc("Lease defines a lease concept.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :LeaseSpec $K8s.proto(2) $K8s.doc("Specification of the Lease.");
}
