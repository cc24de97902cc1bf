#include "pod_checks.hpp"

#include <algorithm>
#include <optional>
#include <functional>
#include <set>

namespace capstan::pod_security {

namespace {

using Spec = core::v1::PodSpec::Reader;
using Container = core::v1::Container::Reader;
using Meta = meta::ObjectMeta::Reader;

std::string join_quote(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  std::string out = "\"";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "\", \"" : "") + items[i];
  return out + "\"";
}
std::string join_quote(const std::set<std::string>& items) { return join_quote(std::vector<std::string>(items.begin(), items.end())); }

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}
std::string join(const std::set<std::string>& items, const std::string& sep) {
  return join(std::vector<std::string>(items.begin(), items.end()), sep);
}

const char* plural(const char* one, const char* many, size_t n) { return n == 1 ? one : many; }

// Every container: init containers, containers (ephemeral containers are not served).
void visit(Spec spec, const std::function<void(Container)>& fn) {
  for (auto c : spec.getInitContainers()) fn(c);
  for (auto c : spec.getContainers()) fn(c);
}

std::string annotation(Meta m, const std::string& key, bool* present) {
  for (auto a : m.getAnnotations())
    if (std::string(a.getKey()) == key) {
      *present = true;
      return a.getValue();
    }
  *present = false;
  return {};
}

std::string names_with(const char* one, const char* many, const std::vector<std::string>& names) {
  return std::string(plural(one, many, names.size())) + " " + join_quote(names);
}

// ---- baseline

std::optional<Violation> host_namespaces(Meta, Spec spec) {
  std::set<std::string> ns;
  if (spec.getHostNetwork()) ns.insert("hostNetwork");
  if (spec.getHostPID()) ns.insert("hostPID");
  if (spec.getHostIPC()) ns.insert("hostIPC");
  if (ns.empty()) return std::nullopt;
  return Violation{"hostNamespaces", "host namespaces", join(ns, ", ")};
}

std::optional<Violation> privileged(Meta, Spec spec) {
  std::vector<std::string> bad;
  visit(spec, [&](Container c) {
    if (c.hasSecurityContext() && c.getSecurityContext().getPrivileged().isValue() &&
        c.getSecurityContext().getPrivileged().getValue())
      bad.emplace_back(c.getName());
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"privileged", "privileged", names_with("container", "containers", bad) + " must not set securityContext.privileged=true"};
}

std::optional<Violation> capabilities_baseline(Meta, Spec spec) {
  static const std::set<std::string> allowed = {"AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER",  "FSETID",
                                                "KILL",        "MKNOD",  "NET_BIND_SERVICE", "SETFCAP", "SETGID",
                                                "SETPCAP",     "SETUID", "SYS_CHROOT"};
  std::vector<std::string> bad;
  std::set<std::string> caps;
  visit(spec, [&](Container c) {
    if (!c.hasSecurityContext() || !c.getSecurityContext().hasCapabilities()) return;
    bool valid = true;
    for (auto cap : c.getSecurityContext().getCapabilities().getAdd())
      if (!allowed.count(cap)) {
        valid = false;
        caps.insert(cap);
      }
    if (!valid) bad.emplace_back(c.getName());
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"capabilities_baseline", "non-default capabilities",
                   names_with("container", "containers", bad) + " must not include " + join_quote(caps) +
                       " in securityContext.capabilities.add"};
}

std::optional<Violation> host_path_volumes(Meta, Spec spec) {
  std::vector<std::string> bad;
  for (auto v : spec.getVolumes())
    if (v.hasHostPath()) bad.emplace_back(v.getName());
  if (bad.empty()) return std::nullopt;
  return Violation{"hostPathVolumes", "hostPath volumes", names_with("volume", "volumes", bad)};
}

std::optional<Violation> host_ports(Meta, Spec spec) {
  std::vector<std::string> bad;
  std::set<int> ports;
  visit(spec, [&](Container c) {
    bool valid = true;
    for (auto p : c.getPorts())
      if (p.getHostPort() != 0) {
        valid = false;
        ports.insert(p.getHostPort());
      }
    if (!valid) bad.emplace_back(c.getName());
  });
  if (bad.empty()) return std::nullopt;
  // Sorted as strings, as upstream's string set is.
  std::set<std::string> port_texts;
  for (int p : ports) port_texts.insert(std::to_string(p));
  return Violation{"hostPorts", "hostPort",
                   names_with("container", "containers", bad) + " " + plural("uses", "use", bad.size()) + " " +
                       plural("hostPort", "hostPorts", port_texts.size()) + " " + join(port_texts, ", ")};
}

std::optional<Violation> app_armor(Meta m, Spec) {
  const std::string prefix = "container.apparmor.security.beta.kubernetes.io/";
  std::vector<std::string> bad;
  for (auto a : m.getAnnotations()) {
    std::string k = a.getKey(), v = a.getValue();
    if (k.rfind(prefix, 0) == 0 && !(v.empty() || v == "runtime/default" || v.rfind("localhost/", 0) == 0))
      bad.push_back(k + "=" + sdk::field::go_quote(v));
  }
  if (bad.empty()) return std::nullopt;
  std::sort(bad.begin(), bad.end());
  return Violation{"appArmorProfile", plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.size()),
                   join(bad, ", ")};
}

std::optional<Violation> se_linux(Meta, Spec spec) {
  static const std::set<std::string> types = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"};
  std::vector<std::string> setters;
  std::set<std::string> bad_types;
  bool user = false, role = false;
  auto valid = [&](core::v1::SELinuxOptions::Reader o) {
    bool ok = true;
    if (!types.count(o.getType())) {
      ok = false;
      bad_types.insert(o.getType());
    }
    if (o.getUser().size()) ok = false, user = true;
    if (o.getRole().size()) ok = false, role = true;
    return ok;
  };
  if (spec.hasSecurityContext() && spec.getSecurityContext().hasSeLinuxOptions() &&
      !valid(spec.getSecurityContext().getSeLinuxOptions()))
    setters.push_back("pod");
  std::vector<std::string> bad;
  visit(spec, [&](Container c) {
    if (c.hasSecurityContext() && c.getSecurityContext().hasSeLinuxOptions() && !valid(c.getSecurityContext().getSeLinuxOptions()))
      bad.emplace_back(c.getName());
  });
  if (!bad.empty()) setters.push_back(names_with("container", "containers", bad));
  if (setters.empty()) return std::nullopt;
  // As upstream, user and role are named only beside a forbidden type.
  std::vector<std::string> data;
  if (!bad_types.empty()) {
    data.push_back(std::string(plural("type", "types", bad_types.size())) + " " + join_quote(bad_types));
    if (user) data.push_back("user may not be set");
    if (role) data.push_back("role may not be set");
  }
  return Violation{"seLinuxOptions", "seLinuxOptions",
                   join(setters, " and ") + " set forbidden securityContext.seLinuxOptions: " + join(data, "; ")};
}

std::optional<Violation> proc_mount(Meta, Spec spec) {
  std::vector<std::string> bad;
  std::set<std::string> kinds;
  visit(spec, [&](Container c) {
    if (!c.hasSecurityContext() || !c.getSecurityContext().hasProcMount()) return;
    std::string pm = c.getSecurityContext().getProcMount();
    if (pm != "Default") {
      bad.emplace_back(c.getName());
      kinds.insert(pm);
    }
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"procMount", "procMount",
                   names_with("container", "containers", bad) + " must not set securityContext.procMount to " + join_quote(kinds)};
}

bool valid_seccomp(const std::string& type) { return type == "Localhost" || type == "RuntimeDefault"; }

// Both seccomp checks: explicit bad values; `require` (restricted) also needs every container
// covered by a good pod-level or container-level profile.
std::optional<Violation> seccomp(Meta m, Spec spec, bool require) {
  const std::string id = require ? "seccompProfile_restricted" : "seccompProfile_baseline";
  if (!require) {
    // The retired alpha annotations (version 1.0 of the baseline check).
    auto good = [](const std::string& v) {
      return v == "runtime/default" || v == "docker/default" || v.rfind("localhost/", 0) == 0;
    };
    std::set<std::string> forbidden;
    bool present = false;
    const std::string pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    if (std::string v = annotation(m, pod_key, &present); present && !good(v)) forbidden.insert(pod_key + "=" + sdk::field::go_quote(v));
    visit(spec, [&](Container c) {
      const std::string key = "container.seccomp.security.alpha.kubernetes.io/" + std::string(c.getName());
      bool p = false;
      if (std::string v = annotation(m, key, &p); p && !good(v)) forbidden.insert(key + "=" + sdk::field::go_quote(v));
    });
    if (!forbidden.empty())
      return Violation{id, "seccompProfile",
                       std::string("forbidden ") + plural("annotation", "annotations", forbidden.size()) + " " + join(forbidden, ", ")};
  }
  std::vector<std::string> setters;
  std::set<std::string> bad_values;
  bool pod_set = false;
  if (spec.hasSecurityContext() && spec.getSecurityContext().hasSeccompProfile()) {
    std::string t = spec.getSecurityContext().getSeccompProfile().getType();
    if (!valid_seccomp(t)) {
      setters.push_back("pod");
      bad_values.insert(t);
    } else {
      pod_set = true;
    }
  }
  std::vector<std::string> explicit_bad, implicit_bad;
  visit(spec, [&](Container c) {
    if (c.hasSecurityContext() && c.getSecurityContext().hasSeccompProfile()) {
      std::string t = c.getSecurityContext().getSeccompProfile().getType();
      if (!valid_seccomp(t)) {
        explicit_bad.emplace_back(c.getName());
        bad_values.insert(t);
      }
    } else if (!pod_set) {
      implicit_bad.emplace_back(c.getName());
    }
  });
  if (!explicit_bad.empty()) setters.push_back(names_with("container", "containers", explicit_bad));
  if (!setters.empty())
    return Violation{id, "seccompProfile",
                     join(setters, " and ") + " must not set securityContext.seccompProfile.type to " + join_quote(bad_values)};
  if (require && !implicit_bad.empty())
    return Violation{id, "seccompProfile",
                     "pod or " + names_with("container", "containers", implicit_bad) +
                         " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""};
  return std::nullopt;
}

std::optional<Violation> sysctls(Meta, Spec spec) {
  static const std::set<std::string> allowed = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                                                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                                                "net.ipv4.ip_unprivileged_port_start"};
  std::vector<std::string> bad;
  if (spec.hasSecurityContext())
    for (auto s : spec.getSecurityContext().getSysctls())
      if (!allowed.count(s.getName())) bad.emplace_back(s.getName());
  if (bad.empty()) return std::nullopt;
  return Violation{"sysctls", "forbidden sysctls", join(bad, ", ")};
}

// ---- restricted

std::optional<Violation> restricted_volumes(Meta, Spec spec) {
  std::set<std::string> bad;
  for (auto v : spec.getVolumes()) {
    const bool allowed = v.hasConfigMap() || v.hasDownwardAPI() || v.hasEmptyDir() || v.hasPersistentVolumeClaim() ||
                         v.hasProjected() || v.hasSecret();
    if (!allowed) bad.insert(v.getName());
  }
  if (bad.empty()) return std::nullopt;
  // Go's %q of a []string: ["a" "b"].
  std::string list = "[";
  for (const auto& n : bad) list += (list.size() > 1 ? " " : "") + sdk::field::go_quote(n);
  return Violation{"restrictedVolumes", "restricted volume types", "volumes " + list + "] have restricted types"};
}

std::optional<Violation> allow_privilege_escalation(Meta, Spec spec) {
  std::vector<std::string> bad;
  visit(spec, [&](Container c) {
    if (!c.hasSecurityContext() || !c.getSecurityContext().getAllowPrivilegeEscalation().isValue() ||
        c.getSecurityContext().getAllowPrivilegeEscalation().getValue())
      bad.emplace_back(c.getName());
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"allowPrivilegeEscalation", "allowPrivilegeEscalation != false",
                   names_with("container", "containers", bad) + " must set securityContext.allowPrivilegeEscalation=false"};
}

std::optional<Violation> run_as_non_root(Meta, Spec spec) {
  std::vector<std::string> setters;
  bool pod_non_root = false;
  if (spec.hasSecurityContext() && spec.getSecurityContext().getRunAsNonRoot().isValue()) {
    if (!spec.getSecurityContext().getRunAsNonRoot().getValue()) setters.push_back("pod");
    else pod_non_root = true;
  }
  std::vector<std::string> explicit_bad, implicit_bad;
  visit(spec, [&](Container c) {
    if (c.hasSecurityContext() && c.getSecurityContext().getRunAsNonRoot().isValue()) {
      if (!c.getSecurityContext().getRunAsNonRoot().getValue()) explicit_bad.emplace_back(c.getName());
    } else if (!pod_non_root) {
      implicit_bad.emplace_back(c.getName());
    }
  });
  if (!explicit_bad.empty()) setters.push_back(names_with("container", "containers", explicit_bad));
  if (!setters.empty())
    return Violation{"runAsNonRoot", "runAsNonRoot != true",
                     join(setters, " and ") + " must not set securityContext.runAsNonRoot=false"};
  if (!implicit_bad.empty())
    return Violation{"runAsNonRoot", "runAsNonRoot != true",
                     "pod or " + names_with("container", "containers", implicit_bad) + " must set securityContext.runAsNonRoot=true"};
  return std::nullopt;
}

std::optional<Violation> run_as_user(Meta, Spec spec) {
  std::vector<std::string> setters;
  if (spec.hasSecurityContext() && spec.getSecurityContext().getRunAsUser().isValue() &&
      spec.getSecurityContext().getRunAsUser().getValue() == 0)
    setters.push_back("pod");
  std::vector<std::string> bad;
  visit(spec, [&](Container c) {
    if (c.hasSecurityContext() && c.getSecurityContext().getRunAsUser().isValue() &&
        c.getSecurityContext().getRunAsUser().getValue() == 0)
      bad.emplace_back(c.getName());
  });
  if (!bad.empty()) setters.push_back(names_with("container", "containers", bad));
  if (setters.empty()) return std::nullopt;
  return Violation{"runAsUser", "runAsUser=0", join(setters, " and ") + " must not set runAsUser=0"};
}

std::optional<Violation> capabilities_restricted(Meta, Spec spec) {
  std::vector<std::string> missing_drop, adding;
  std::set<std::string> caps;
  visit(spec, [&](Container c) {
    if (!c.hasSecurityContext() || !c.getSecurityContext().hasCapabilities()) {
      missing_drop.emplace_back(c.getName());
      return;
    }
    auto k = c.getSecurityContext().getCapabilities();
    bool dropped_all = false;
    for (auto d : k.getDrop()) dropped_all |= std::string(d) == "ALL";
    if (!dropped_all) missing_drop.emplace_back(c.getName());
    bool forbidden = false;
    for (auto a : k.getAdd())
      if (std::string(a) != "NET_BIND_SERVICE") {
        forbidden = true;
        caps.insert(a);
      }
    if (forbidden) adding.emplace_back(c.getName());
  });
  std::vector<std::string> details;
  if (!missing_drop.empty())
    details.push_back(names_with("container", "containers", missing_drop) + " must set securityContext.capabilities.drop=[\"ALL\"]");
  if (!adding.empty())
    details.push_back(names_with("container", "containers", adding) + " must not include " + join_quote(caps) +
                      " in securityContext.capabilities.add");
  if (details.empty()) return std::nullopt;
  return Violation{"capabilities_restricted", "unrestricted capabilities", join(details, "; ")};
}

using Check = std::function<std::optional<Violation>(Meta, Spec)>;

}  // namespace

std::vector<Violation> evaluate(Level level, Meta metadata, Spec spec) {
  if (level == Level::kPrivileged) return {};
  std::vector<Check> checks = {host_namespaces, privileged, host_ports, app_armor, se_linux, proc_mount, sysctls};
  if (level == Level::kBaseline) {
    checks.insert(checks.end(), {capabilities_baseline, host_path_volumes,
                                 [](Meta m, Spec s) { return seccomp(m, s, false); }});
  } else {
    // Restricted: its own capability, volume and seccomp checks replace the baseline ones.
    checks.insert(checks.end(), {capabilities_restricted, restricted_volumes,
                                 [](Meta m, Spec s) { return seccomp(m, s, true); }, allow_privilege_escalation,
                                 run_as_non_root, run_as_user});
  }
  std::vector<Violation> out;
  for (const auto& c : checks)
    if (auto v = c(metadata, spec)) out.push_back(std::move(*v));
  std::sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) { return a.check < b.check; });
  return out;
}

std::string describe(const std::vector<Violation>& violations) {
  std::string out;
  for (size_t i = 0; i < violations.size(); ++i)
    out += (i ? ", " : "") + violations[i].reason + (violations[i].detail.empty() ? "" : " (" + violations[i].detail + ")");
  return out;
}

}  // namespace capstan::pod_security
