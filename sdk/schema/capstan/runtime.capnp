@0xdd6cc32cf47016b8;
# capstan.runtime.v1: the container runtime extension point. A plugin of type
# "capstan.runtime.v1" serves RuntimeRequest messages through Plugin::invoke and answers with a
# RuntimeResponse; the node agent calls it with Host::invoke("capstan.runtime.v1", bytes).
# Shaped like the CRI (kubernetes/cri-api runtime.v1 api.proto): the field names are CRI's.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::runtime::v1");

struct KeyValue {
  key @0 :Text;
  value @1 :Text;
}

# ---- sandboxes

struct PodSandboxMetadata {
  name @0 :Text;
  uid @1 :Text;
  namespace @2 :Text;
  attempt @3 :UInt32;
}

struct DNSConfig {
  servers @0 :List(Text);
  searches @1 :List(Text);
  options @2 :List(Text);
}

struct PodSandboxConfig {
  metadata @0 :PodSandboxMetadata;
  hostname @1 :Text;
  logDirectory @2 :Text;
  dnsConfig @3 :DNSConfig;
  labels @4 :List(KeyValue);
  annotations @5 :List(KeyValue);
  portMappings @6 :List(PortMapping);
  cgroupParent @7 :Text;          # CRI: LinuxPodSandboxConfig.cgroup_parent
}

struct PortMapping {
  protocol @0 :Text;              # "TCP" (default), "UDP", "SCTP"
  containerPort @1 :Int32;
  hostPort @2 :Int32;
  hostIp @3 :Text;
}

enum PodSandboxState {
  sandboxReady @0;
  sandboxNotready @1;
}

struct PodSandbox {
  id @0 :Text;
  metadata @1 :PodSandboxMetadata;
  state @2 :PodSandboxState;
  createdAt @3 :Int64;            # nanoseconds since the epoch
  labels @4 :List(KeyValue);
  annotations @5 :List(KeyValue);
}

struct PodSandboxStatus {
  id @0 :Text;
  metadata @1 :PodSandboxMetadata;
  state @2 :PodSandboxState;
  createdAt @3 :Int64;
  network :group {
    ip @4 :Text;                  # the pod IP (CRI: PodSandboxNetworkStatus.ip)
    additionalIps @5 :List(Text);
  }
  labels @6 :List(KeyValue);
  annotations @7 :List(KeyValue);
}

# ---- containers

struct ContainerMetadata {
  name @0 :Text;
  attempt @1 :UInt32;
}

struct ImageSpec {
  image @0 :Text;
}

struct LinuxContainerResources {
  cpuPeriod @0 :Int64;
  cpuQuota @1 :Int64;
  cpuShares @2 :Int64;
  memoryLimitInBytes @3 :Int64;
}

struct Mount {
  containerPath @0 :Text;
  hostPath @1 :Text;
  readonly @2 :Bool;
  selinuxRelabel @3 :Bool;
}

struct LinuxContainerConfig {
  resources @0 :LinuxContainerResources;
}

struct ContainerConfig {
  metadata @0 :ContainerMetadata;
  image @1 :ImageSpec;
  command @2 :List(Text);
  args @3 :List(Text);
  workingDir @4 :Text;
  envs @5 :List(KeyValue);
  labels @6 :List(KeyValue);
  annotations @7 :List(KeyValue);
  logPath @8 :Text;
  linux @9 :LinuxContainerConfig;
  mounts @10 :List(Mount);
  stdin @11 :Bool;
  stdinOnce @12 :Bool;
  tty @13 :Bool;
}

enum ContainerState {
  containerCreated @0;
  containerRunning @1;
  containerExited @2;
  containerUnknown @3;
}

struct Container {
  id @0 :Text;
  podSandboxId @1 :Text;
  metadata @2 :ContainerMetadata;
  image @3 :ImageSpec;
  imageRef @4 :Text;
  state @5 :ContainerState;
  createdAt @6 :Int64;
  labels @7 :List(KeyValue);
  annotations @8 :List(KeyValue);
}

struct ContainerStatus {
  id @0 :Text;
  metadata @1 :ContainerMetadata;
  state @2 :ContainerState;
  createdAt @3 :Int64;            # nanoseconds since the epoch; 0 = not yet
  startedAt @4 :Int64;
  finishedAt @5 :Int64;
  exitCode @6 :Int32;
  image @7 :ImageSpec;
  imageRef @8 :Text;
  reason @9 :Text;
  message @10 :Text;
  labels @11 :List(KeyValue);
  annotations @12 :List(KeyValue);
  logPath @13 :Text;
}

struct ContainerFilter {
  id @0 :Text;                    # empty = any
  podSandboxId @1 :Text;          # empty = any
}

struct PodSandboxFilter {
  id @0 :Text;
}

# ---- images (CRI ImageService)

struct Image {
  id @0 :Text;
  repoTags @1 :List(Text);
  repoDigests @2 :List(Text);
  size @3 :UInt64;
}

# ---- stats (CRI ContainerStats; metrics.k8s.io reads these)

struct ContainerStats {
  containerId @0 :Text;
  name @1 :Text;                  # container name (metadata)
  podSandboxId @2 :Text;
  timestamp @3 :Int64;            # nanoseconds since the epoch
  cpuUsageCoreNanoSeconds @4 :UInt64;
  memoryWorkingSetBytes @5 :UInt64;
}

# ---- requests

struct RuntimeRequest {
  union {
    version @0 :Void;
    runPodSandbox :group {
      config @1 :PodSandboxConfig;
      runtimeHandler @2 :Text;
    }
    stopPodSandbox :group {
      podSandboxId @3 :Text;
    }
    removePodSandbox :group {
      podSandboxId @4 :Text;
    }
    podSandboxStatus :group {
      podSandboxId @5 :Text;
    }
    listPodSandbox :group {
      filter @6 :PodSandboxFilter;
    }
    createContainer :group {
      podSandboxId @7 :Text;
      config @8 :ContainerConfig;
      sandboxConfig @9 :PodSandboxConfig;
    }
    startContainer :group {
      containerId @10 :Text;
    }
    stopContainer :group {
      containerId @11 :Text;
      timeout @12 :Int64;         # seconds to wait before killing
    }
    removeContainer :group {
      containerId @13 :Text;
    }
    listContainers :group {
      filter @14 :ContainerFilter;
    }
    containerStatus :group {
      containerId @15 :Text;
    }
    execSync :group {
      containerId @16 :Text;
      cmd @17 :List(Text);
      timeout @18 :Int64;
    }
    pullImage :group {
      image @19 :ImageSpec;       # fully qualified reference (docker.io/library/nginx:latest)
      sandboxConfig @20 :PodSandboxConfig;
    }
    imageStatus :group {
      image @21 :ImageSpec;
    }
    listImages @22 :Void;
    removeImage :group {
      image @23 :ImageSpec;
    }
    # Not in the CRI: imports an OCI image archive (a tar of an OCI layout) from a file on the
    # node into the runtime's image store; answers `images` with what was imported.
    importImage :group {
      path @24 :Text;
    }
    listContainerStats :group {
      filter @25 :ContainerFilter;
    }
    # CRI Exec / Attach: the runtime prepares a streaming session and answers `url`, where it
    # serves the stream (CRI streaming: WebSocket channel.k8s.io v4 or SPDY remotecommand).
    exec :group {
      containerId @26 :Text;
      cmd @27 :List(Text);
      tty @28 :Bool;
      stdin @29 :Bool;
      stdout @30 :Bool;
      stderr @31 :Bool;
    }
    attach :group {
      containerId @32 :Text;
      tty @33 :Bool;
      stdin @34 :Bool;
      stdout @35 :Bool;
      stderr @36 :Bool;
    }
  }
}

struct RuntimeResponse {
  error @0 :Text;                 # non-empty: the request failed (e.g. "not found: ...")
  notFound @1 :Bool;              # the error is that the sandbox or container does not exist
  result :union {
    none @2 :Void;
    version :group {
      version @3 :Text;           # API version ("0.1.0")
      runtimeName @4 :Text;
      runtimeVersion @5 :Text;
      runtimeApiVersion @6 :Text;
    }
    podSandboxId @7 :Text;        # runPodSandbox
    podSandboxStatus @8 :PodSandboxStatus;
    items @9 :List(PodSandbox);   # listPodSandbox
    containerId @10 :Text;        # createContainer
    containerStatus @11 :ContainerStatus;
    containers @12 :List(Container);
    execSync :group {
      stdout @13 :Data;
      stderr @14 :Data;
      exitCode @15 :Int32;
    }
    imageRef @16 :Text;           # pullImage: the image id
    image @17 :Image;             # imageStatus (error + notFound when absent)
    images @18 :List(Image);      # listImages, importImage
    stats @19 :List(ContainerStats);
    url @20 :Text;                # exec, attach
  }
}
