#include "pod_templates.hpp"

#include "capstan/apps_v1.capnp.h"
#include "capstan/batch_v1.capnp.h"

namespace capstan::pod_security {

std::optional<core::v1::PodTemplateSpec::Reader> pod_template(const std::string& resource, const sdk::Object& o) {
  if (resource == "deployments") return o.as<apps::v1::Deployment>().getSpec().getTemplate();
  if (resource == "replicasets") return o.as<apps::v1::ReplicaSet>().getSpec().getTemplate();
  if (resource == "statefulsets") return o.as<apps::v1::StatefulSet>().getSpec().getTemplate();
  if (resource == "daemonsets") return o.as<apps::v1::DaemonSet>().getSpec().getTemplate();
  if (resource == "jobs") return o.as<batch::v1::Job>().getSpec().getTemplate();
  if (resource == "cronjobs") return o.as<batch::v1::CronJob>().getSpec().getJobTemplate().getSpec().getTemplate();
  if (resource == "podtemplates") return o.as<core::v1::PodTemplate>().getTemplate();
  return std::nullopt;
}

}  // namespace capstan::pod_security
