// capstan.kind.v1/workloads: Pod, Node, PodTemplate (core/v1), ReplicaSet, Deployment, DaemonSet,
// StatefulSet and ControllerRevision (apps/v1), Lease (coordination.k8s.io/v1).
#include "capstan/apps_v1.capnp.h"
#include "capstan/coordination_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "kinds.hpp"
#include "pod_connect.hpp"
#include "printers.hpp"

namespace {

using namespace capstan;

class WorkloadKinds final : public sdk::Plugin {
 public:
  WorkloadKinds(const sdk::Host& host, const std::string& config)
      : client_(host, "kinds-workloads"), tolerations_(workloads::TolerationDefaults::parse(config)) {}
  // The kernel asks where a pod's log/exec/attach is served (ConnectRequest).
  std::string invoke(const std::string& request) override { return workloads::resolve_pod_connect(client_, request); }

  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "Pod") return workloads::admit_pod(req, tolerations_);
    if (req.kind == "Node") return workloads::admit_node(req);
    if (req.kind == "PodTemplate") return workloads::admit_pod_template(req);
    if (req.kind == "ReplicaSet") return workloads::admit_replica_set(req);
    if (req.kind == "Deployment") return workloads::admit_deployment(req);
    if (req.kind == "DaemonSet") return workloads::admit_daemon_set(req);
    if (req.kind == "ControllerRevision") return workloads::admit_controller_revision(req);
    if (req.kind == "StatefulSet") return workloads::admit_stateful_set(req);
    return sdk::AdmissionResult::allow();
  }
  // Cells of the columns marked computed below, in their order.
  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "Pod") return workloads::print_pod(obj);
    if (kind == "Node") return workloads::print_node(obj);
    if (kind == "ReplicaSet") return workloads::print_replica_set(obj);
    if (kind == "Deployment") return workloads::print_deployment(obj);
    if (kind == "DaemonSet") return workloads::print_daemon_set(obj);
    if (kind == "ControllerRevision") return workloads::print_controller_revision(obj);
    if (kind == "StatefulSet") return workloads::print_stateful_set(obj);
    return {};
  }

 private:
  sdk::Client client_;
  const workloads::TolerationDefaults tolerations_;
};

// The wide columns of the workload controllers.
void workload_wide_columns(sdk::KindSpec& k) {
  k.printer_columns.push_back(sdk::column("Containers", "string", ".spec.template.spec.containers[*].name", "Names of the containers", 1));
  k.printer_columns.push_back(sdk::column("Images", "string", ".spec.template.spec.containers[*].image", "Images of the containers", 1));
  k.printer_columns.push_back(sdk::computed_column("Selector", "string", "The label selector", 1));
}

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "workloads";
  info.dependencies = {"capstan.kind.v1.core"};
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("Workloads: Pod, Node, PodTemplate, ReplicaSet, Deployment, DaemonSet, StatefulSet, ControllerRevision, Lease");

  sdk::KindSpec pod;
  pod.kind = "Pod";
  pod.plural = "pods";
  pod.singular = "pod";
  pod.short_names = {"po"};
  pod.categories = {"all"};
  pod.schema = capnp::Schema::from<core::v1::Pod>();
  pod.subresources = {{"status"}};
  for (const char* connect : {"log", "exec", "attach"}) {
    sdk::Subresource s;
    s.name = connect;
    s.kind = std::string(connect) == "log" ? "Pod" : "PodExecOptions";
    s.version = "v1";
    s.verbs = std::string(connect) == "log" ? std::vector<std::string>{"get"} : std::vector<std::string>{"create", "get"};
    if (s.name == "attach") s.kind = "PodAttachOptions";
    s.connect = true;
    pod.subresources.push_back(s);
  }
  // policy/v1 Eviction: the kernel deletes the pod with the Eviction's deleteOptions; admission
  // sees the deletion as subresource "eviction".
  sdk::Subresource eviction{"eviction", "Eviction", "policy", "v1", {"create"}};
  eviction.deletes = true;
  pod.subresources.push_back(eviction);
  // Binding: the kernel writes the Binding's target into spec.nodeName, once; the Pod's admission
  // of subresource "binding" records PodScheduled=True in the same write.
  sdk::Subresource binding{"binding", "Binding", "", "v1", {"create"}};
  binding.assigns = ".spec.nodeName";
  pod.subresources.push_back(binding);
  pod.status_field = "status";
  pod.printer_columns = {sdk::computed_column("Ready", "string", "Ready containers out of all containers"),
                         sdk::computed_column("Status", "string", "The pod's state as kubectl summarises it"),
                         sdk::computed_column("Restarts", "integer", "Restarts of all containers"),
                         sdk::age_column(),
                         sdk::column("IP", "string", ".status.podIP", "IP address of the pod", 1),
                         sdk::column("Node", "string", ".spec.nodeName", "Node the pod is bound to", 1)};
  pod.selectable_fields = {"spec.nodeName",      "status.phase",       "spec.restartPolicy",
                           "spec.schedulerName", "spec.serviceAccountName", "status.podIP"};
  pod.admission = true;
  info.manifest.kind(pod);

  sdk::KindSpec node;
  node.kind = "Node";
  node.plural = "nodes";
  node.singular = "node";
  node.short_names = {"no"};
  node.namespaced = false;
  node.schema = capnp::Schema::from<core::v1::Node>();
  node.subresources = {{"status"}};
  node.status_field = "status";
  node.printer_columns = {sdk::computed_column("Status", "string", "Ready, NotReady, and SchedulingDisabled when cordoned"),
                          sdk::computed_column("Roles", "string", "Roles from node-role.kubernetes.io/ labels"),
                          sdk::age_column(),
                          sdk::column("Version", "string", ".status.nodeInfo.kubeletVersion", "Kubelet version"),
                          sdk::column("Internal-IP", "string", ".status.addresses[0].address", "First address of the node", 1),
                          sdk::column("OS-Image", "string", ".status.nodeInfo.osImage", "OS image", 1),
                          sdk::column("Kernel-Version", "string", ".status.nodeInfo.kernelVersion", "Kernel version", 1),
                          sdk::column("Container-Runtime", "string", ".status.nodeInfo.containerRuntimeVersion", "Container runtime", 1)};
  node.selectable_fields = {"spec.unschedulable", "metadata.name"};
  node.admission = true;
  info.manifest.kind(node);

  sdk::KindSpec tmpl;
  tmpl.kind = "PodTemplate";
  tmpl.plural = "podtemplates";
  tmpl.singular = "podtemplate";
  tmpl.schema = capnp::Schema::from<core::v1::PodTemplate>();
  tmpl.printer_columns = {sdk::column("Containers", "string", ".template.spec.containers[*].name", "Names of the containers"),
                          sdk::column("Images", "string", ".template.spec.containers[*].image", "Images of the containers"),
                          sdk::column("Pod-Labels", "string", ".template.metadata.labels", "Labels of the pods")};
  tmpl.admission = true;
  info.manifest.kind(tmpl);

  sdk::KindSpec rs;
  rs.group = "apps";
  rs.kind = "ReplicaSet";
  rs.plural = "replicasets";
  rs.singular = "replicaset";
  rs.short_names = {"rs"};
  rs.categories = {"all"};
  rs.schema = capnp::Schema::from<apps::v1::ReplicaSet>();
  rs.subresources = {{"status"}};  // scale: from rs.scale below
  rs.status_field = "status";
  rs.scale = sdk::ScaleSpec{};
  rs.printer_columns = {sdk::column("Desired", "integer", ".spec.replicas", "Number of desired pods"),
                        sdk::column("Current", "integer", ".status.replicas", "Number of pods"),
                        sdk::column("Ready", "integer", ".status.readyReplicas", "Number of ready pods"),
                        sdk::age_column()};
  workload_wide_columns(rs);
  rs.admission = true;
  info.manifest.kind(rs);

  sdk::KindSpec deploy;
  deploy.group = "apps";
  deploy.kind = "Deployment";
  deploy.plural = "deployments";
  deploy.singular = "deployment";
  deploy.short_names = {"deploy"};
  deploy.categories = {"all"};
  deploy.schema = capnp::Schema::from<apps::v1::Deployment>();
  deploy.subresources = {{"status"}};  // scale: from deploy.scale below
  deploy.status_field = "status";
  deploy.scale = sdk::ScaleSpec{};
  deploy.printer_columns = {sdk::computed_column("Ready", "string", "Ready pods out of desired"),
                            sdk::column("Up-to-date", "integer", ".status.updatedReplicas", "Number of pods with the current template"),
                            sdk::column("Available", "integer", ".status.availableReplicas", "Number of available pods"),
                            sdk::age_column()};
  workload_wide_columns(deploy);
  deploy.admission = true;
  info.manifest.kind(deploy);

  sdk::KindSpec ds;
  ds.group = "apps";
  ds.kind = "DaemonSet";
  ds.plural = "daemonsets";
  ds.singular = "daemonset";
  ds.short_names = {"ds"};
  ds.categories = {"all"};
  ds.schema = capnp::Schema::from<apps::v1::DaemonSet>();
  ds.subresources = {{"status"}};
  ds.status_field = "status";
  // Computed, so a DaemonSet without status yet shows 0s as kube-apiserver's printer does.
  ds.printer_columns = {sdk::computed_column("Desired", "integer", "Number of nodes that should run the daemon pod"),
                        sdk::computed_column("Current", "integer", "Number of nodes running the daemon pod"),
                        sdk::computed_column("Ready", "integer", "Number of nodes running a ready daemon pod"),
                        sdk::computed_column("Up-to-date", "integer", "Number of nodes running the updated daemon pod"),
                        sdk::computed_column("Available", "integer", "Number of nodes running an available daemon pod"),
                        sdk::computed_column("Node Selector", "string", "The template's nodeSelector"),
                        sdk::age_column(),
                        sdk::column("Containers", "string", ".spec.template.spec.containers[*].name", "Names of the containers", 1),
                        sdk::column("Images", "string", ".spec.template.spec.containers[*].image", "Images of the containers", 1),
                        sdk::computed_column("Selector", "string", "The label selector", 1)};
  ds.admission = true;
  info.manifest.kind(ds);

  sdk::KindSpec sts;
  sts.group = "apps";
  sts.kind = "StatefulSet";
  sts.plural = "statefulsets";
  sts.singular = "statefulset";
  sts.short_names = {"sts"};
  sts.categories = {"all"};
  sts.schema = capnp::Schema::from<apps::v1::StatefulSet>();
  sts.subresources = {{"status"}};  // scale: from sts.scale below
  sts.status_field = "status";
  sts.scale = sdk::ScaleSpec{};
  sts.printer_columns = {sdk::computed_column("Ready", "string", "Ready pods out of desired"), sdk::age_column(),
                         sdk::column("Containers", "string", ".spec.template.spec.containers[*].name", "Names of the containers", 1),
                         sdk::column("Images", "string", ".spec.template.spec.containers[*].image", "Images of the containers", 1)};
  sts.admission = true;
  info.manifest.kind(sts);

  sdk::KindSpec cr;
  cr.group = "apps";
  cr.kind = "ControllerRevision";
  cr.plural = "controllerrevisions";
  cr.singular = "controllerrevision";
  cr.schema = capnp::Schema::from<apps::v1::ControllerRevision>();
  cr.printer_columns = {sdk::computed_column("Controller", "string", "The controlling owner"),
                        sdk::computed_column("Revision", "integer", "The revision number"), sdk::age_column()};
  cr.admission = true;
  info.manifest.kind(cr);

  sdk::KindSpec lease;
  lease.group = "coordination.k8s.io";
  lease.kind = "Lease";
  lease.plural = "leases";
  lease.singular = "lease";
  lease.schema = capnp::Schema::from<coordination::v1::Lease>();
  lease.printer_columns = {sdk::column("Holder", "string", ".spec.holderIdentity", "The current holder"), sdk::age_column()};
  info.manifest.kind(lease);

  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<WorkloadKinds>(host, config); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
