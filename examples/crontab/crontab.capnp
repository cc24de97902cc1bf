@0xae61cee0dc264068;
# stable.example.com/v1 CronTab: the classic CustomResourceDefinition example, written as a
# Capstan kind. The root struct starts with apiVersion, kind and metadata like every kind.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("example::crontab::v1");
using K8s = import "/capstan/k8s.capnp";
using Meta = import "/capstan/meta.capnp";

struct CronTabSpec $K8s.doc("CronTabSpec is the desired schedule of a CronTab.") {
  cronSpec @0 :Text $K8s.doc("Schedule in cron format: five space-separated fields (minute hour day-of-month month day-of-week).");
  image @1 :Text $K8s.doc("Container image to run on each tick of the schedule.");
  replicas :group $K8s.optional $K8s.doc("Number of copies to run on each tick (optional: 0 differs from unset).") {
    union {
      unset @2 :Void;
      value @3 :Int32;
    }
  }
}

struct CronTabStatus $K8s.doc("CronTabStatus is the state of a CronTab as the crontab controller observed it.") {
  lastScheduleTime @0 :Text $K8s.doc("RFC 3339 time the schedule was last accepted by the controller.");
  observedGeneration :group $K8s.optional $K8s.doc("The metadata.generation the controller last acted on.") {
    union {
      unset @1 :Void;
      value @2 :Int64;
    }
  }
  message @3 :Text $K8s.doc("Human-readable summary of the controller's view of the schedule.");
}

struct CronTab $K8s.doc("CronTab runs an image on a cron schedule (example third-party kind).") {
  apiVersion @0 :Text $K8s.doc("APIVersion defines the versioned schema of this representation of an object.");
  kind @1 :Text $K8s.doc("Kind is a string value representing the REST resource this object represents.");
  metadata @2 :Meta.ObjectMeta $K8s.doc("Standard object's metadata.");
  spec @3 :CronTabSpec $K8s.doc("Desired schedule.");
  status @4 :CronTabStatus $K8s.doc("Observed state, written by the crontab controller through the status subresource.");
}
