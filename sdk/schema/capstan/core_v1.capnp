@0xa97540657f070043;
# core/v1 kinds (the "" API group). Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::core::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct NamespaceSpec {
  finalizers @0 :List(Text) $K8s.proto(1) $K8s.doc("Finalizers that must be cleared before the namespace is removed.");
}

struct NamespaceCondition {
  type @0 :Text $K8s.proto(1) $K8s.required;
  status @1 :Text $K8s.proto(2) $K8s.required;
  lastTransitionTime @2 :Text $K8s.proto(4) $K8s.time;
  reason @3 :Text $K8s.proto(5);
  message @4 :Text $K8s.proto(6);
}

struct NamespaceStatus {
  phase @0 :Text $K8s.proto(1) $K8s.doc("Active or Terminating.");
  conditions @1 :List(NamespaceCondition) $K8s.proto(2) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge");
}

struct Namespace $K8s.doc("Namespace provides a scope for names. Deleting it deletes everything in it.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :NamespaceSpec $K8s.proto(2);
  status @4 :NamespaceStatus $K8s.proto(3);
}

struct ConfigMap $K8s.doc("ConfigMap holds configuration data for pods to consume.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  data @3 :List(K8s.StringEntry) $K8s.proto(2) $K8s.map
      $K8s.doc("Configuration data. Keys must consist of alphanumeric characters, '-', '_' or '.'.");
  binaryData @4 :List(K8s.BytesEntry) $K8s.proto(3) $K8s.map
      $K8s.doc("Binary configuration data, base64-encoded in JSON. Keys may not overlap with data.");
  immutable :group $K8s.proto(4) $K8s.optional { union { unset @5 :Void; value @6 :Bool; } }
}

struct Secret $K8s.doc("Secret holds secret data of a certain type.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  data @3 :List(K8s.BytesEntry) $K8s.proto(2) $K8s.map
      $K8s.doc("Secret data; each value is base64-encoded in JSON.");
  stringData @4 :List(K8s.StringEntry) $K8s.proto(4) $K8s.map
      $K8s.doc("Write-only convenience: plain string values merged into data on write.");
  type @5 :Text $K8s.proto(3) $K8s.doc("Used to ease programmatic handling of secret data (Opaque, kubernetes.io/tls, ...).");
  immutable :group $K8s.proto(5) $K8s.optional { union { unset @6 :Void; value @7 :Bool; } }
}

struct EventSource {
  component @0 :Text $K8s.proto(1);
  host @1 :Text $K8s.proto(2);
}

struct EventSeries {
  count @0 :Int32 $K8s.proto(1);
  lastObservedTime @1 :Text $K8s.proto(2) $K8s.microTime;
}

struct Event $K8s.doc("Event is a report of an event somewhere in the cluster.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  involvedObject @3 :Meta.ObjectReference $K8s.proto(2) $K8s.required $K8s.doc("The object this event is about.");
  reason @4 :Text $K8s.proto(3) $K8s.doc("Short, machine understandable reason for the transition (CamelCase).");
  message @5 :Text $K8s.proto(4) $K8s.doc("Human-readable description of the status of this operation.");
  source @6 :EventSource $K8s.proto(5);
  firstTimestamp @7 :Text $K8s.proto(6) $K8s.time;
  lastTimestamp @8 :Text $K8s.proto(7) $K8s.time;
  count @9 :Int32 $K8s.proto(8);
  type @10 :Text $K8s.proto(9) $K8s.doc("Normal or Warning.");
  eventTime @11 :Text $K8s.proto(10) $K8s.microTime;
  series @12 :EventSeries $K8s.proto(11) $K8s.nullable;
  action @13 :Text $K8s.proto(12);
  related @14 :Meta.ObjectReference $K8s.proto(13) $K8s.nullable;
  reportingComponent @15 :Text $K8s.proto(14);
  reportingInstance @16 :Text $K8s.proto(15);
}

struct ServiceAccount $K8s.doc("ServiceAccount binds together a name, secrets and pull secrets.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  secrets @3 :List(Meta.ObjectReference) $K8s.proto(2) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge");
  imagePullSecrets @4 :List(Meta.LocalObjectReference) $K8s.proto(3);
  automountServiceAccountToken :group $K8s.proto(4) $K8s.optional { union { unset @5 :Void; value @6 :Bool; } }
}

# ---------------------------------------------------------------------------------------------
# Pod and the structs it is made of.

struct ObjectFieldSelector {
  apiVersion @0 :Text $K8s.proto(1) $K8s.doc("Version of the schema the FieldPath is written in terms of, defaults to \"v1\".");
  fieldPath @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Path of the field to select in the specified API version.");
}

struct ResourceFieldSelector {
  containerName @0 :Text $K8s.proto(1) $K8s.doc("Container name: required for volumes, optional for env vars.");
  resource @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Required: resource to select (limits.cpu, requests.memory...).");
  divisor @2 :Text $K8s.proto(3) $K8s.quantity $K8s.doc("Specifies the output format of the exposed resources, defaults to \"1\".");
}

struct ConfigMapKeySelector {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1) $K8s.doc("Name of the referent.");
  key @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The key to select.");
  optional :group $K8s.proto(3) $K8s.optional $K8s.doc("Specify whether the ConfigMap or its key must be defined.") {
    union { unset @2 :Void; value @3 :Bool; }
  }
}

struct SecretKeySelector {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1) $K8s.doc("Name of the referent.");
  key @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The key of the secret to select from. Must be a valid secret key.");
  optional :group $K8s.proto(3) $K8s.optional $K8s.doc("Specify whether the Secret or its key must be defined.") {
    union { unset @2 :Void; value @3 :Bool; }
  }
}

struct EnvVarSource {
  fieldRef @0 :ObjectFieldSelector $K8s.proto(1) $K8s.nullable $K8s.doc("Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels['<KEY>'], spec.nodeName, status.podIP...");
  resourceFieldRef @1 :ResourceFieldSelector $K8s.proto(2) $K8s.nullable $K8s.doc("Selects a resource of the container: limits and requests of cpu, memory, ephemeral-storage.");
  configMapKeyRef @2 :ConfigMapKeySelector $K8s.proto(3) $K8s.nullable $K8s.doc("Selects a key of a ConfigMap.");
  secretKeyRef @3 :SecretKeySelector $K8s.proto(4) $K8s.nullable $K8s.doc("Selects a key of a secret in the pod's namespace.");
}

struct EnvVar {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name of the environment variable. Must be a C_IDENTIFIER.");
  value @1 :Text $K8s.proto(2) $K8s.doc("Variable references $(VAR_NAME) are expanded using the previously defined environment variables. Defaults to \"\".");
  valueFrom @2 :EnvVarSource $K8s.proto(3) $K8s.nullable $K8s.doc("Source for the environment variable's value. Cannot be used if value is not empty.");
}

struct ConfigMapEnvSource {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1);
  optional :group $K8s.proto(2) $K8s.optional { union { unset @1 :Void; value @2 :Bool; } }
}

struct SecretEnvSource {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1);
  optional :group $K8s.proto(2) $K8s.optional { union { unset @1 :Void; value @2 :Bool; } }
}

struct EnvFromSource {
  prefix @0 :Text $K8s.proto(1) $K8s.doc("An optional identifier to prepend to each key in the ConfigMap. Must be a C_IDENTIFIER.");
  configMapRef @1 :ConfigMapEnvSource $K8s.proto(2) $K8s.nullable $K8s.doc("The ConfigMap to select from.");
  secretRef @2 :SecretEnvSource $K8s.proto(3) $K8s.nullable $K8s.doc("The Secret to select from.");
}

struct ContainerPort {
  name @0 :Text $K8s.proto(1) $K8s.doc("If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name.");
  hostPort @1 :Int32 $K8s.proto(2) $K8s.doc("Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536.");
  containerPort @2 :Int32 $K8s.proto(3) $K8s.required $K8s.doc("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.");
  protocol @3 :Text $K8s.proto(4) $K8s.doc("Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\".");
  hostIP @4 :Text $K8s.proto(5) $K8s.doc("What host IP to bind the external port to.");
}

struct ResourceRequirements {
  limits @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("Limits describes the maximum amount of compute resources allowed.");
  requests @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map
      $K8s.doc("Requests describes the minimum amount of compute resources required. If omitted it defaults to Limits if that is explicitly specified.");
}

struct VolumeMount {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("This must match the Name of a Volume.");
  readOnly @1 :Bool $K8s.proto(2) $K8s.doc("Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.");
  mountPath @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Path within the container at which the volume should be mounted. Must not contain ':'.");
  subPath @3 :Text $K8s.proto(4) $K8s.doc("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root).");
  mountPropagation @4 :Text $K8s.proto(5) $K8s.nullable;
  subPathExpr @5 :Text $K8s.proto(6);
}

struct ExecAction {
  command @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Command line to execute inside the container; it is not run in a shell.");
}

struct HTTPHeader {
  name @0 :Text $K8s.proto(1) $K8s.required;
  value @1 :Text $K8s.proto(2) $K8s.required;
}

struct HTTPGetAction {
  path @0 :Text $K8s.proto(1) $K8s.doc("Path to access on the HTTP server.");
  port @1 :K8s.IntOrString $K8s.proto(2) $K8s.required $K8s.doc("Name or number of the port to access on the container. Number must be in the range 1 to 65535.");
  host @2 :Text $K8s.proto(3) $K8s.doc("Host name to connect to, defaults to the pod IP.");
  scheme @3 :Text $K8s.proto(4) $K8s.doc("Scheme to use for connecting to the host. Defaults to HTTP.");
  httpHeaders @4 :List(HTTPHeader) $K8s.proto(5) $K8s.listType("atomic") $K8s.doc("Custom headers to set in the request.");
}

struct TCPSocketAction {
  port @0 :K8s.IntOrString $K8s.proto(1) $K8s.required $K8s.doc("Number or name of the port to access on the container.");
  host @1 :Text $K8s.proto(2) $K8s.doc("Optional: Host name to connect to, defaults to the pod IP.");
}

struct Probe $K8s.doc("Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.") {
  exec @0 :ExecAction $K8s.proto(1) $K8s.protoEmbedded(1) $K8s.nullable $K8s.doc("Exec specifies a command to execute in the container.");
  httpGet @1 :HTTPGetAction $K8s.proto(2) $K8s.protoEmbedded(1) $K8s.nullable $K8s.doc("HTTPGet specifies an HTTP GET request to perform.");
  tcpSocket @2 :TCPSocketAction $K8s.proto(3) $K8s.protoEmbedded(1) $K8s.nullable $K8s.doc("TCPSocket specifies a connection to a TCP port.");
  initialDelaySeconds @3 :Int32 $K8s.proto(2) $K8s.doc("Number of seconds after the container has started before liveness probes are initiated.");
  timeoutSeconds @4 :Int32 $K8s.proto(3) $K8s.doc("Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.");
  periodSeconds @5 :Int32 $K8s.proto(4) $K8s.doc("How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.");
  successThreshold @6 :Int32 $K8s.proto(5) $K8s.doc("Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.");
  failureThreshold @7 :Int32 $K8s.proto(6) $K8s.doc("Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3.");
  terminationGracePeriodSeconds :group $K8s.proto(7) $K8s.optional
      $K8s.doc("Optional duration in seconds the pod needs to terminate gracefully upon probe failure.") {
    union { unset @8 :Void; value @9 :Int64; }
  }
}

struct LifecycleHandler {
  exec @0 :ExecAction $K8s.proto(1) $K8s.nullable $K8s.doc("Exec specifies a command to execute in the container.");
  httpGet @1 :HTTPGetAction $K8s.proto(2) $K8s.nullable $K8s.doc("HTTPGet specifies an HTTP GET request to perform.");
  tcpSocket @2 :TCPSocketAction $K8s.proto(3) $K8s.nullable $K8s.doc("Deprecated. TCPSocket is not supported as a LifecycleHandler.");
}

struct Lifecycle {
  postStart @0 :LifecycleHandler $K8s.proto(1) $K8s.nullable $K8s.doc("PostStart is called immediately after a container is created.");
  preStop @1 :LifecycleHandler $K8s.proto(2) $K8s.nullable $K8s.doc("PreStop is called immediately before a container is terminated.");
}

struct Capabilities {
  add @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Added capabilities.");
  drop @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Removed capabilities.");
}

struct SELinuxOptions $K8s.doc("SELinuxOptions are the labels to be applied to the container") {
  user @0 :Text $K8s.proto(1) $K8s.doc("User is a SELinux user label that applies to the container.");
  role @1 :Text $K8s.proto(2) $K8s.doc("Role is a SELinux role label that applies to the container.");
  type @2 :Text $K8s.proto(3) $K8s.doc("Type is a SELinux type label that applies to the container.");
  level @3 :Text $K8s.proto(4) $K8s.doc("Level is SELinux level label that applies to the container.");
}

struct SeccompProfile $K8s.doc("SeccompProfile defines a pod/container's seccomp profile settings. Only one profile source may be set.") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("type indicates which kind of seccomp profile will be applied. Valid options are: Localhost - a profile defined in a file on the node should be used. RuntimeDefault - the container runtime default profile should be used. Unconfined - no profile should be applied.");
  localhostProfile @1 :Text $K8s.proto(2) $K8s.nullable $K8s.doc("localhostProfile indicates a profile defined in a file on the node should be used. Must be set if type is \"Localhost\". Must NOT be set for any other type.");
}

struct AppArmorProfile $K8s.doc("AppArmorProfile defines a pod or container's AppArmor settings.") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("type indicates which kind of AppArmor profile will be applied. Valid options are: Localhost - a profile pre-loaded on the node. RuntimeDefault - the container runtime's default profile. Unconfined - no AppArmor enforcement.");
  localhostProfile @1 :Text $K8s.proto(2) $K8s.nullable $K8s.doc("localhostProfile indicates a profile loaded on the node that should be used. Must be set if and only if type is \"Localhost\".");
}

struct Sysctl $K8s.doc("Sysctl defines a kernel parameter to be set") {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name of a property to set");
  value @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Value of a property to set");
}

struct SecurityContext $K8s.doc("Security options the container should be run with; these override the PodSecurityContext.") {
  capabilities @0 :Capabilities $K8s.proto(1) $K8s.nullable $K8s.doc("The capabilities to add/drop when running containers.");
  privileged :group $K8s.proto(2) $K8s.optional $K8s.doc("Run container in privileged mode. Defaults to false.") {
    union { unset @1 :Void; value @2 :Bool; }
  }
  # Declared in the Go type's order (the JSON order), numbered after the older fields.
  seLinuxOptions @13 :SELinuxOptions $K8s.proto(3) $K8s.nullable $K8s.doc("The SELinux context to be applied to the container.");
  runAsUser :group $K8s.proto(4) $K8s.optional $K8s.doc("The UID to run the entrypoint of the container process.") {
    union { unset @3 :Void; value @4 :Int64; }
  }
  runAsGroup :group $K8s.proto(8) $K8s.optional $K8s.doc("The GID to run the entrypoint of the container process.") {
    union { unset @5 :Void; value @6 :Int64; }
  }
  runAsNonRoot :group $K8s.proto(5) $K8s.optional $K8s.doc("Indicates that the container must run as a non-root user.") {
    union { unset @7 :Void; value @8 :Bool; }
  }
  readOnlyRootFilesystem :group $K8s.proto(6) $K8s.optional $K8s.doc("Whether this container has a read-only root filesystem. Default is false.") {
    union { unset @9 :Void; value @10 :Bool; }
  }
  allowPrivilegeEscalation :group $K8s.proto(7) $K8s.optional
      $K8s.doc("Controls whether a process can gain more privileges than its parent process.") {
    union { unset @11 :Void; value @12 :Bool; }
  }
  procMount @14 :Text $K8s.proto(9) $K8s.nullable $K8s.doc("procMount denotes the type of proc mount to use for the containers. The default value is Default which uses the container runtime defaults for readonly paths and masked paths.");
  seccompProfile @15 :SeccompProfile $K8s.proto(11) $K8s.nullable $K8s.doc("The seccomp options to use by this container. If seccomp options are provided at both the pod & container level, the container options override the pod options.");
  appArmorProfile @16 :AppArmorProfile $K8s.proto(12) $K8s.nullable $K8s.doc("appArmorProfile is the AppArmor options to use by this container. If set, this profile overrides the pod's appArmorProfile.");
}

struct Container $K8s.doc("A single application container that you want to run within a pod.") {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated.");
  image @1 :Text $K8s.proto(2) $K8s.doc("Container image name.");
  command @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this is not provided.");
  args @3 :List(Text) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("Arguments to the entrypoint. The image's CMD is used if this is not provided.");
  workingDir @4 :Text $K8s.proto(5) $K8s.doc("Container's working directory. Defaults to the image's.");
  ports @5 :List(ContainerPort) $K8s.proto(6) $K8s.patchMergeKey("containerPort") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("containerPort,protocol")
      $K8s.doc("List of ports to expose from the container.");
  envFrom @6 :List(EnvFromSource) $K8s.proto(19) $K8s.listType("atomic") $K8s.doc("List of sources to populate environment variables in the container.");
  env @7 :List(EnvVar) $K8s.proto(7) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name") $K8s.doc("List of environment variables to set in the container. Cannot be updated.");
  resources @8 :ResourceRequirements $K8s.proto(8) $K8s.doc("Compute Resources required by this container. Cannot be updated.");
  volumeMounts @9 :List(VolumeMount) $K8s.proto(9) $K8s.patchMergeKey("mountPath") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("mountPath") $K8s.doc("Pod volumes to mount into the container's filesystem. Cannot be updated.");
  livenessProbe @10 :Probe $K8s.proto(10) $K8s.nullable $K8s.doc("Periodic probe of container liveness. Container will be restarted if the probe fails.");
  readinessProbe @11 :Probe $K8s.proto(11) $K8s.nullable $K8s.doc("Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails.");
  startupProbe @12 :Probe $K8s.proto(22) $K8s.nullable $K8s.doc("StartupProbe indicates that the Pod has successfully initialized.");
  lifecycle @13 :Lifecycle $K8s.proto(12) $K8s.nullable $K8s.doc("Actions that the management system should take in response to container lifecycle events.");
  terminationMessagePath @14 :Text $K8s.proto(13) $K8s.doc("Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log.");
  terminationMessagePolicy @15 :Text $K8s.proto(20) $K8s.doc("Indicate how the termination message should be populated: File or FallbackToLogsOnError. Defaults to File.");
  imagePullPolicy @16 :Text $K8s.proto(14) $K8s.doc("Image pull policy: Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise.");
  securityContext @17 :SecurityContext $K8s.proto(15) $K8s.nullable $K8s.doc("SecurityContext defines the security options the container should be run with.");
  stdin @18 :Bool $K8s.proto(16) $K8s.doc("Whether this container should allocate a buffer for stdin in the container runtime.");
  stdinOnce @19 :Bool $K8s.proto(17);
  tty @20 :Bool $K8s.proto(18) $K8s.doc("Whether this container should allocate a TTY for itself, also requires 'stdin' to be true.");
}

struct KeyToPath {
  key @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The key to project.");
  path @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The relative path of the file to map the key to.");
  mode :group $K8s.proto(3) $K8s.optional $K8s.doc("Mode bits used to set permissions on this file.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
}

struct EmptyDirVolumeSource {
  medium @0 :Text $K8s.proto(1) $K8s.doc("What type of storage medium should back this directory: \"\" (node default) or Memory.");
  sizeLimit @1 :Text $K8s.proto(2) $K8s.nullable $K8s.quantity $K8s.doc("Total amount of local storage required for this EmptyDir volume.");
}

struct HostPathVolumeSource {
  path @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Path of the directory on the host.");
  type @1 :Text $K8s.proto(2) $K8s.nullable $K8s.doc("Type for HostPath Volume. Defaults to \"\".");
}

struct ConfigMapVolumeSource {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1) $K8s.doc("Name of the referent.");
  items @1 :List(KeyToPath) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("If unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume.");
  defaultMode :group $K8s.proto(3) $K8s.optional $K8s.doc("Mode bits used to set permissions on created files by default. Defaults to 0644.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  optional :group $K8s.proto(4) $K8s.optional $K8s.doc("Specify whether the ConfigMap or its keys must be defined.") {
    union { unset @4 :Void; value @5 :Bool; }
  }
}

struct SecretVolumeSource {
  secretName @0 :Text $K8s.proto(1) $K8s.doc("Name of the secret in the pod's namespace to use.");
  items @1 :List(KeyToPath) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume.");
  defaultMode :group $K8s.proto(3) $K8s.optional $K8s.doc("Mode bits used to set permissions on created files by default. Defaults to 0644.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  optional :group $K8s.proto(4) $K8s.optional $K8s.doc("Specify whether the Secret or its keys must be defined.") {
    union { unset @4 :Void; value @5 :Bool; }
  }
}

struct PersistentVolumeClaimVolumeSource {
  claimName @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name of a PersistentVolumeClaim in the same namespace as the pod using this volume.");
  readOnly @1 :Bool $K8s.proto(2) $K8s.doc("Will force the ReadOnly setting in VolumeMounts. Default false.");
}

struct DownwardAPIVolumeFile {
  path @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Relative path name of the file to be created.");
  fieldRef @1 :ObjectFieldSelector $K8s.proto(2) $K8s.nullable $K8s.doc("Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.");
  resourceFieldRef @2 :ResourceFieldSelector $K8s.proto(3) $K8s.nullable $K8s.doc("Selects a resource of the container: only resources limits and requests are currently supported.");
  mode :group $K8s.proto(4) $K8s.optional $K8s.doc("Mode bits used to set permissions on this file.") {
    union { unset @3 :Void; value @4 :Int32; }
  }
}

struct DownwardAPIVolumeSource {
  items @0 :List(DownwardAPIVolumeFile) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Items is a list of downward API volume file.");
  defaultMode :group $K8s.proto(2) $K8s.optional $K8s.doc("Mode bits to use on created files by default. Defaults to 0644.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
}

struct ConfigMapProjection {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1);
  items @1 :List(KeyToPath) $K8s.proto(2) $K8s.listType("atomic");
  optional :group $K8s.proto(4) $K8s.optional { union { unset @2 :Void; value @3 :Bool; } }
}

struct SecretProjection {
  name @0 :Text $K8s.proto(1) $K8s.protoEmbedded(1);
  items @1 :List(KeyToPath) $K8s.proto(2) $K8s.listType("atomic");
  optional :group $K8s.proto(4) $K8s.optional { union { unset @2 :Void; value @3 :Bool; } }
}

struct DownwardAPIProjection {
  items @0 :List(DownwardAPIVolumeFile) $K8s.proto(1) $K8s.listType("atomic");
}

struct ServiceAccountTokenProjection {
  audience @0 :Text $K8s.proto(1) $K8s.doc("Intended audience of the token. Defaults to the identifier of the apiserver.");
  expirationSeconds :group $K8s.proto(2) $K8s.optional $K8s.doc("Requested duration of validity of the service account token. Defaults to 1 hour.") {
    union { unset @1 :Void; value @2 :Int64; }
  }
  path @3 :Text $K8s.proto(3) $K8s.required $K8s.doc("Path relative to the mount point of the file to project the token into.");
}

struct VolumeProjection {
  secret @0 :SecretProjection $K8s.proto(1) $K8s.nullable $K8s.doc("Secret information about the secret data to project.");
  downwardAPI @1 :DownwardAPIProjection $K8s.proto(2) $K8s.nullable $K8s.doc("DownwardAPI information about the downwardAPI data to project.");
  configMap @2 :ConfigMapProjection $K8s.proto(3) $K8s.nullable $K8s.doc("ConfigMap information about the configMap data to project.");
  serviceAccountToken @3 :ServiceAccountTokenProjection $K8s.proto(4) $K8s.nullable $K8s.doc("Information about the serviceAccountToken data to project.");
}

struct ProjectedVolumeSource {
  sources @0 :List(VolumeProjection) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Sources is the list of volume projections.");
  defaultMode :group $K8s.proto(2) $K8s.optional $K8s.doc("Mode bits used to set permissions on created files by default. Defaults to 0644.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
}

struct Volume $K8s.doc("Volume represents a named volume in a pod that may be accessed by any container in the pod.") {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name of the volume. Must be a DNS_LABEL and unique within the pod.");
  hostPath @1 :HostPathVolumeSource $K8s.proto(1) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("A pre-existing file or directory on the host machine that is directly exposed to the container.");
  emptyDir @2 :EmptyDirVolumeSource $K8s.proto(2) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("A temporary directory that shares a pod's lifetime.");
  secret @3 :SecretVolumeSource $K8s.proto(6) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("Secret represents a secret that should populate this volume.");
  persistentVolumeClaim @4 :PersistentVolumeClaimVolumeSource $K8s.proto(10) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("A reference to a PersistentVolumeClaim in the same namespace.");
  downwardAPI @5 :DownwardAPIVolumeSource $K8s.proto(16) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("Downward API about the pod that should populate this volume.");
  configMap @6 :ConfigMapVolumeSource $K8s.proto(19) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("A configMap that should populate this volume.");
  projected @7 :ProjectedVolumeSource $K8s.proto(26) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("Items for all in one resources secrets, configmaps, and downward API.");
}

struct NodeSelectorRequirement {
  key @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The label key that the selector applies to.");
  operator @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Represents a key's relationship to a set of values: In, NotIn, Exists, DoesNotExist, Gt, and Lt.");
  values @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("An array of string values.");
}

struct NodeSelectorTerm {
  matchExpressions @0 :List(NodeSelectorRequirement) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("A list of node selector requirements by node's labels.");
  matchFields @1 :List(NodeSelectorRequirement) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("A list of node selector requirements by node's fields.");
}

struct NodeSelector {
  nodeSelectorTerms @0 :List(NodeSelectorTerm) $K8s.proto(1) $K8s.required $K8s.listType("atomic") $K8s.doc("Required. A list of node selector terms. The terms are ORed.");
}

struct PreferredSchedulingTerm {
  weight @0 :Int32 $K8s.proto(1) $K8s.required $K8s.doc("Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.");
  preference @1 :NodeSelectorTerm $K8s.proto(2) $K8s.required $K8s.doc("A node selector term, associated with the corresponding weight.");
}

struct NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution @0 :NodeSelector $K8s.proto(1) $K8s.nullable
      $K8s.doc("If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.");
  preferredDuringSchedulingIgnoredDuringExecution @1 :List(PreferredSchedulingTerm) $K8s.proto(2) $K8s.listType("atomic")
      $K8s.doc("The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.");
}

struct PodAffinityTerm {
  labelSelector @0 :Meta.LabelSelector $K8s.proto(1) $K8s.nullable $K8s.doc("A label query over a set of resources, in this case pods.");
  namespaces @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("Namespaces the labelSelector applies to; null or empty means this pod's namespace.");
  topologyKey @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running.");
  namespaceSelector @3 :Meta.LabelSelector $K8s.proto(4) $K8s.nullable $K8s.doc("A label query over the set of namespaces that the term applies to.");
}

struct WeightedPodAffinityTerm {
  weight @0 :Int32 $K8s.proto(1) $K8s.required $K8s.doc("Weight associated with matching the corresponding podAffinityTerm, in the range 1-100.");
  podAffinityTerm @1 :PodAffinityTerm $K8s.proto(2) $K8s.required $K8s.doc("Required. A pod affinity term, associated with the corresponding weight.");
}

struct PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution @0 :List(PodAffinityTerm) $K8s.proto(1) $K8s.listType("atomic");
  preferredDuringSchedulingIgnoredDuringExecution @1 :List(WeightedPodAffinityTerm) $K8s.proto(2) $K8s.listType("atomic");
}

struct Affinity $K8s.doc("A group of affinity scheduling rules.") {
  nodeAffinity @0 :NodeAffinity $K8s.proto(1) $K8s.nullable $K8s.doc("Describes node affinity scheduling rules for the pod.");
  podAffinity @1 :PodAffinity $K8s.proto(2) $K8s.nullable $K8s.doc("Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).");
  podAntiAffinity @2 :PodAffinity $K8s.proto(3) $K8s.nullable $K8s.doc("Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).");
}

struct Toleration {
  key @0 :Text $K8s.proto(1) $K8s.doc("The taint key that the toleration applies to. Empty means match all taint keys.");
  operator @1 :Text $K8s.proto(2) $K8s.doc("Exists or Equal. Defaults to Equal.");
  value @2 :Text $K8s.proto(3) $K8s.doc("The taint value the toleration matches to.");
  effect @3 :Text $K8s.proto(4) $K8s.doc("The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute. Empty means match all taint effects.");
  tolerationSeconds :group $K8s.proto(5) $K8s.optional
      $K8s.doc("The period of time the toleration (which must be of effect NoExecute) tolerates the taint.") {
    union { unset @4 :Void; value @5 :Int64; }
  }
}

struct PodSecurityContext $K8s.doc("Pod-level security attributes and common container settings.") {
  # Declared in the Go type's order (the JSON order), numbered after the older fields.
  seLinuxOptions @9 :SELinuxOptions $K8s.proto(1) $K8s.nullable $K8s.doc("The SELinux context to be applied to all containers.");
  runAsUser :group $K8s.proto(2) $K8s.optional $K8s.doc("The UID to run the entrypoint of the container process.") {
    union { unset @0 :Void; value @1 :Int64; }
  }
  runAsGroup :group $K8s.proto(6) $K8s.optional $K8s.doc("The GID to run the entrypoint of the container process.") {
    union { unset @2 :Void; value @3 :Int64; }
  }
  runAsNonRoot :group $K8s.proto(3) $K8s.optional $K8s.doc("Indicates that the container must run as a non-root user.") {
    union { unset @4 :Void; value @5 :Bool; }
  }
  supplementalGroups @6 :List(Int64) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("A list of groups applied to the first process run in each container.");
  fsGroup :group $K8s.proto(5) $K8s.optional $K8s.doc("A special supplemental group that applies to all containers in a pod.") {
    union { unset @7 :Void; value @8 :Int64; }
  }
  sysctls @10 :List(Sysctl) $K8s.proto(7) $K8s.listType("atomic") $K8s.doc("Sysctls hold a list of namespaced sysctls used for the pod. Pods with unsupported sysctls (by the container runtime) might fail to launch.");
  seccompProfile @11 :SeccompProfile $K8s.proto(10) $K8s.nullable $K8s.doc("The seccomp options to use by the containers in this pod.");
  appArmorProfile @12 :AppArmorProfile $K8s.proto(11) $K8s.nullable $K8s.doc("appArmorProfile is the AppArmor options to use by the containers in this pod.");
}

struct PodDNSConfigOption {
  name @0 :Text $K8s.proto(1);
  value @1 :Text $K8s.proto(2) $K8s.nullable;
}

struct PodDNSConfig {
  nameservers @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("A list of DNS name server IP addresses.");
  searches @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("A list of DNS search domains for host-name lookup.");
  options @2 :List(PodDNSConfigOption) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("A list of DNS resolver options.");
}

struct PodReadinessGate {
  conditionType @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("ConditionType refers to a condition in the pod's condition list with matching type.");
}

struct PodSpec $K8s.doc("PodSpec is a description of a pod.") {
  volumes @0 :List(Volume) $K8s.proto(1) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge,retainKeys")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("List of volumes that can be mounted by containers belonging to the pod.");
  initContainers @1 :List(Container) $K8s.proto(20) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("List of initialization containers belonging to the pod, executed in order before the app containers are started.");
  containers @2 :List(Container) $K8s.proto(2) $K8s.required $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("List of containers belonging to the pod. There must be at least one container in a Pod. Cannot be updated.");
  restartPolicy @3 :Text $K8s.proto(3) $K8s.doc("Restart policy for all containers within the pod: Always, OnFailure, Never. Default to Always.");
  terminationGracePeriodSeconds :group $K8s.proto(4) $K8s.optional
      $K8s.doc("Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.") {
    union { unset @4 :Void; value @5 :Int64; }
  }
  activeDeadlineSeconds :group $K8s.proto(5) $K8s.optional
      $K8s.doc("Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed.") {
    union { unset @6 :Void; value @7 :Int64; }
  }
  dnsPolicy @8 :Text $K8s.proto(6) $K8s.doc("Set DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. Defaults to \"ClusterFirst\".");
  nodeSelector @9 :List(K8s.StringEntry) $K8s.proto(7) $K8s.map
      $K8s.doc("A selector which must be true for the pod to fit on a node: labels that must match the node's labels.");
  serviceAccountName @10 :Text $K8s.proto(8) $K8s.doc("Name of the ServiceAccount to use to run this pod.");
  serviceAccount @11 :Text $K8s.proto(9) $K8s.doc("Deprecated alias for serviceAccountName.");
  automountServiceAccountToken :group $K8s.proto(21) $K8s.optional
      $K8s.doc("Indicates whether a service account token should be automatically mounted.") {
    union { unset @12 :Void; value @13 :Bool; }
  }
  nodeName @14 :Text $K8s.proto(10) $K8s.doc("A request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node.");
  hostNetwork @15 :Bool $K8s.proto(11) $K8s.doc("Host networking requested for this pod. Default to false.");
  hostPID @16 :Bool $K8s.proto(12);
  hostIPC @17 :Bool $K8s.proto(13);
  securityContext @18 :PodSecurityContext $K8s.proto(14) $K8s.nullable $K8s.doc("Pod-level security attributes and common container settings.");
  imagePullSecrets @19 :List(Meta.LocalObjectReference) $K8s.proto(15) $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("References to secrets in the same namespace to use for pulling any of the images used by this PodSpec.");
  hostname @20 :Text $K8s.proto(16) $K8s.doc("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value.");
  subdomain @21 :Text $K8s.proto(17) $K8s.doc("If specified, the fully qualified Pod hostname will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\".");
  affinity @22 :Affinity $K8s.proto(18) $K8s.nullable $K8s.doc("If specified, the pod's scheduling constraints.");
  schedulerName @23 :Text $K8s.proto(19) $K8s.doc("If specified, the pod will be dispatched by specified scheduler. Defaults to \"default-scheduler\".");
  tolerations @24 :List(Toleration) $K8s.proto(22) $K8s.listType("atomic") $K8s.doc("If specified, the pod's tolerations.");
  priorityClassName @25 :Text $K8s.proto(24) $K8s.doc("If specified, indicates the pod's priority.");
  priority :group $K8s.proto(25) $K8s.optional $K8s.doc("The priority value. The higher the value, the higher the priority.") {
    union { unset @26 :Void; value @27 :Int32; }
  }
  dnsConfig @28 :PodDNSConfig $K8s.proto(26) $K8s.nullable $K8s.doc("Specifies the DNS parameters of a pod.");
  readinessGates @29 :List(PodReadinessGate) $K8s.proto(28) $K8s.listType("atomic")
      $K8s.doc("If specified, all readiness gates will be evaluated for pod readiness.");
  enableServiceLinks :group $K8s.proto(30) $K8s.optional
      $K8s.doc("Indicates whether information about services should be injected into pod's environment variables. Defaults to true.") {
    union { unset @30 :Void; value @31 :Bool; }
  }
}

struct PodCondition {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type is the type of the condition.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status is the status of the condition. Can be True, False, Unknown.");
  lastProbeTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("Last time we probed the condition.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.doc("Last time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.doc("Unique, one-word, CamelCase reason for the condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.doc("Human-readable message indicating details about last transition.");
}

struct PodIP {
  ip @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("IP is the IP address assigned to the pod.");
}

struct ContainerStateWaiting {
  reason @0 :Text $K8s.proto(1) $K8s.doc("(brief) reason the container is not yet running.");
  message @1 :Text $K8s.proto(2) $K8s.doc("Message regarding why the container is not yet running.");
}

struct ContainerStateRunning {
  startedAt @0 :Text $K8s.proto(1) $K8s.time $K8s.doc("Time at which the container was last (re-)started.");
}

struct ContainerStateTerminated {
  exitCode @0 :Int32 $K8s.proto(1) $K8s.required $K8s.doc("Exit status from the last termination of the container.");
  signal @1 :Int32 $K8s.proto(2) $K8s.doc("Signal from the last termination of the container.");
  reason @2 :Text $K8s.proto(3) $K8s.doc("(brief) reason from the last termination of the container.");
  message @3 :Text $K8s.proto(4) $K8s.doc("Message regarding the last termination of the container.");
  startedAt @4 :Text $K8s.proto(5) $K8s.time $K8s.doc("Time at which previous execution of the container started.");
  finishedAt @5 :Text $K8s.proto(6) $K8s.time $K8s.doc("Time at which the container last terminated.");
  containerID @6 :Text $K8s.proto(7) $K8s.doc("Container's ID in the format '<type>://<container_id>'.");
}

struct ContainerState {
  waiting @0 :ContainerStateWaiting $K8s.proto(1) $K8s.nullable $K8s.doc("Details about a waiting container.");
  running @1 :ContainerStateRunning $K8s.proto(2) $K8s.nullable $K8s.doc("Details about a running container.");
  terminated @2 :ContainerStateTerminated $K8s.proto(3) $K8s.nullable $K8s.doc("Details about a terminated container.");
}

struct ContainerStatus {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Name is a DNS_LABEL representing the unique name of the container.");
  state @1 :ContainerState $K8s.proto(2) $K8s.doc("State holds details about the container's current condition.");
  lastState @2 :ContainerState $K8s.proto(3) $K8s.doc("LastTerminationState holds the last termination state of the container.");
  ready @3 :Bool $K8s.proto(4) $K8s.required $K8s.doc("Ready specifies whether the container is currently passing its readiness check.");
  restartCount @4 :Int32 $K8s.proto(5) $K8s.required $K8s.doc("RestartCount holds the number of times the container has been restarted.");
  image @5 :Text $K8s.proto(6) $K8s.required $K8s.doc("Image is the name of container image that the container is running.");
  imageID @6 :Text $K8s.proto(7) $K8s.required $K8s.doc("ImageID is the image ID of the container's image.");
  containerID @7 :Text $K8s.proto(8) $K8s.doc("ContainerID is the ID of the container in the format '<type>://<container_id>'.");
  started :group $K8s.proto(9) $K8s.optional $K8s.doc("Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.") {
    union { unset @8 :Void; value @9 :Bool; }
  }
}

struct PodStatus $K8s.doc("Most recently observed status of the pod.") {
  phase @0 :Text $K8s.proto(1) $K8s.doc("The phase of a Pod: Pending, Running, Succeeded, Failed or Unknown.");
  conditions @1 :List(PodCondition) $K8s.proto(2) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Current service state of pod.");
  message @2 :Text $K8s.proto(3) $K8s.doc("A human readable message indicating details about why the pod is in this condition.");
  reason @3 :Text $K8s.proto(4) $K8s.doc("A brief CamelCase message indicating details about why the pod is in this state.");
  nominatedNodeName @4 :Text $K8s.proto(11) $K8s.doc("Set only when this pod preempts other pods on the node.");
  hostIP @5 :Text $K8s.proto(5) $K8s.doc("IP address of the host to which the pod is assigned. Empty if not yet scheduled.");
  podIP @6 :Text $K8s.proto(6) $K8s.doc("IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.");
  podIPs @7 :List(PodIP) $K8s.proto(12) $K8s.patchMergeKey("ip") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("ip") $K8s.doc("IP addresses allocated to the pod; podIPs[0] must equal podIP.");
  startTime @8 :Text $K8s.proto(7) $K8s.time $K8s.nullable $K8s.doc("RFC 3339 date and time at which the object was acknowledged by the Kubelet.");
  initContainerStatuses @9 :List(ContainerStatus) $K8s.proto(10) $K8s.listType("atomic") $K8s.doc("The status of each init container in this pod.");
  containerStatuses @10 :List(ContainerStatus) $K8s.proto(8) $K8s.listType("atomic") $K8s.doc("The status of each container in this pod.");
  qosClass @11 :Text $K8s.proto(9) $K8s.doc("The Quality of Service (QOS) classification assigned to the pod based on resource requirements: Guaranteed, Burstable or BestEffort.");
}

struct Pod $K8s.doc("Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :PodSpec $K8s.proto(2) $K8s.doc("Specification of the desired behavior of the pod.");
  status @4 :PodStatus $K8s.proto(3) $K8s.doc("Most recently observed status of the pod. Populated by the system. Read-only.");
}

struct PodTemplateSpec $K8s.doc("PodTemplateSpec describes the data a pod should have when created from a template.") {
  metadata @0 :Meta.ObjectMeta $K8s.proto(1) $K8s.doc("Standard object's metadata.");
  spec @1 :PodSpec $K8s.proto(2) $K8s.doc("Specification of the desired behavior of the pod.");
}

struct PodTemplate $K8s.doc("PodTemplate describes a template for creating copies of a predefined pod.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  template @3 :PodTemplateSpec $K8s.proto(2) $K8s.doc("Template defines the pods that will be created from this pod template.");
}

struct Binding $K8s.doc("Binding ties one object to another; for example, a pod is bound to a node by a scheduler.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  target @3 :Meta.ObjectReference $K8s.proto(2) $K8s.required $K8s.doc("The target object that you want to bind to the standard object.");
}

# ---------------------------------------------------------------------------------------------
# Node

struct Taint {
  key @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Required. The taint key to be applied to a node.");
  value @1 :Text $K8s.proto(2) $K8s.doc("The taint value corresponding to the taint key.");
  effect @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Required. The effect of the taint on pods that do not tolerate the taint: NoSchedule, PreferNoSchedule and NoExecute.");
  timeAdded @3 :Text $K8s.proto(4) $K8s.time $K8s.nullable $K8s.doc("TimeAdded represents the time at which the taint was added. It is only written for NoExecute taints.");
}

struct NodeSpec $K8s.doc("NodeSpec describes the attributes that a node is created with.") {
  podCIDR @0 :Text $K8s.proto(1) $K8s.doc("PodCIDR represents the pod IP range assigned to the node.");
  podCIDRs @1 :List(Text) $K8s.proto(7) $K8s.patchStrategy("merge") $K8s.listType("set")
      $K8s.doc("podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.");
  providerID @2 :Text $K8s.proto(3) $K8s.doc("ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>.");
  unschedulable @3 :Bool $K8s.proto(4) $K8s.doc("Unschedulable controls node schedulability of new pods. By default, node is schedulable.");
  taints @4 :List(Taint) $K8s.proto(5) $K8s.listType("atomic") $K8s.doc("If specified, the node's taints.");
}

struct NodeCondition {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of node condition.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastHeartbeatTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("Last time we got an update on a given condition.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.doc("Last time the condition transit from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.doc("(brief) reason for the condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.doc("Human readable message indicating details about last transition.");
}

struct NodeAddress {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Node address type, one of Hostname, ExternalIP or InternalIP.");
  address @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("The node address.");
}

struct DaemonEndpoint {
  port @0 :Int32 $K8s.proto(1) $K8s.jsonName("Port") $K8s.required $K8s.doc("Port number of the given endpoint.");
}

struct NodeDaemonEndpoints {
  kubeletEndpoint @0 :DaemonEndpoint $K8s.proto(1) $K8s.doc("Endpoint on which Kubelet is listening.");
}

struct NodeSystemInfo {
  machineID @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("MachineID reported by the node.");
  systemUUID @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("SystemUUID reported by the node.");
  bootID @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Boot ID reported by the node.");
  kernelVersion @3 :Text $K8s.proto(4) $K8s.required $K8s.doc("Kernel Version reported by the node from 'uname -r'.");
  osImage @4 :Text $K8s.proto(5) $K8s.required $K8s.doc("OS Image reported by the node from /etc/os-release.");
  containerRuntimeVersion @5 :Text $K8s.proto(6) $K8s.required $K8s.doc("ContainerRuntime Version reported by the node through runtime remote API.");
  kubeletVersion @6 :Text $K8s.proto(7) $K8s.required $K8s.doc("Kubelet Version reported by the node.");
  kubeProxyVersion @7 :Text $K8s.proto(8) $K8s.required $K8s.doc("KubeProxy Version reported by the node.");
  operatingSystem @8 :Text $K8s.proto(9) $K8s.required $K8s.doc("The Operating System reported by the node.");
  architecture @9 :Text $K8s.proto(10) $K8s.required $K8s.doc("The Architecture reported by the node.");
}

struct ContainerImage {
  names @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("Names by which this image is known.");
  sizeBytes @1 :Int64 $K8s.proto(2) $K8s.doc("The size of the image in bytes.");
}

struct NodeStatus $K8s.doc("NodeStatus is information about the current status of a node.") {
  capacity @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("Capacity represents the total resources of a node.");
  allocatable @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map $K8s.doc("Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.");
  phase @2 :Text $K8s.proto(3) $K8s.doc("NodePhase is the recently observed lifecycle phase of the node. Deprecated.");
  conditions @3 :List(NodeCondition) $K8s.proto(4) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Conditions is an array of current observed node conditions.");
  addresses @4 :List(NodeAddress) $K8s.proto(5) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("List of addresses reachable to the node.");
  daemonEndpoints @5 :NodeDaemonEndpoints $K8s.proto(6) $K8s.doc("Endpoints of daemons running on the Node.");
  nodeInfo @6 :NodeSystemInfo $K8s.proto(7) $K8s.doc("Set of ids/uuids to uniquely identify the node.");
  images @7 :List(ContainerImage) $K8s.proto(8) $K8s.listType("atomic") $K8s.doc("List of container images on this node.");
}

struct Node $K8s.doc("Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :NodeSpec $K8s.proto(2) $K8s.doc("Spec defines the behavior of a node.");
  status @4 :NodeStatus $K8s.proto(3) $K8s.doc("Most recently observed status of the node. Populated by the system. Read-only.");
}
