#include "container_config.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/validation.hpp"

namespace capstan::agent {
namespace {

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

template <typename Map>
std::optional<std::string> map_get(Map entries, const std::string& key) {
  for (auto e : entries)
    if (e.getKey() == key.c_str()) return str(e.getValue());
  return std::nullopt;
}

// "metadata.labels['app']" -> ("metadata.labels", "app").
bool split_subscript(const std::string& path, std::string& base, std::string& key) {
  auto open = path.find("['");
  if (open == std::string::npos || path.size() < open + 4 || path.compare(path.size() - 2, 2, "']") != 0) return false;
  base = path.substr(0, open);
  key = path.substr(open + 2, path.size() - open - 4);
  return true;
}

template <typename Map>
std::string format_map(Map entries) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (auto e : entries) kv.emplace_back(str(e.getKey()), str(e.getValue()));
  std::sort(kv.begin(), kv.end());
  std::string out;
  for (size_t i = 0; i < kv.size(); ++i) out += (i ? "\n" : "") + kv[i].first + "=" + machinery::quote(kv[i].second, std::string_view::npos);  // strconv.Quote
  return out;
}

template <typename Map>
std::optional<std::string> quantity_of(Map entries, const char* name) {
  for (auto e : entries)
    if (e.getKey() == name) return str(e.getValue());
  return std::nullopt;
}

void set_env(EnvList& env, const std::string& name, const std::string& value) {
  for (auto& [k, v] : env)
    if (k == name) {
      v = value;
      return;
    }
  env.emplace_back(name, value);
}

}  // namespace

std::string expand(const std::string& input,
                   const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  std::string out;
  size_t checkpoint = 0;
  for (size_t cursor = 0; cursor < input.size(); ++cursor) {
    if (input[cursor] != '$' || cursor + 1 >= input.size()) continue;
    out.append(input, checkpoint, cursor - checkpoint);
    const char next = input[cursor + 1];
    size_t advance = 1;
    if (next == '$') {
      out += '$';  // escaped
    } else if (next == '(') {
      auto close = input.find(')', cursor + 2);
      if (close == std::string::npos) {
        out.append(input, cursor, std::string::npos);  // incomplete reference: literal
        return out;
      }
      const std::string name = input.substr(cursor + 2, close - cursor - 2);
      auto v = lookup(name);
      out += v ? *v : "$(" + name + ")";
      advance = close - cursor;
    } else {
      out += '$';
      out += next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  if (checkpoint < input.size()) out.append(input, checkpoint, std::string::npos);
  return out;
}

std::vector<std::string> expand_all(capnp::List<capnp::Text>::Reader list, const EnvList& env) {
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [k, v] : env)
      if (k == name) return v;
    return std::nullopt;
  };
  std::vector<std::string> out;
  for (auto a : list) out.push_back(expand(str(a), lookup));
  return out;
}

std::optional<std::string> pod_field(core::Pod::Reader pod, const std::string& path, const PodContext& ctx) {
  auto md = pod.getMetadata();
  std::string base, key;
  if (split_subscript(path, base, key)) {
    if (base == "metadata.labels") return map_get(md.getLabels(), key).value_or("");
    if (base == "metadata.annotations") return map_get(md.getAnnotations(), key).value_or("");
    return std::nullopt;
  }
  if (path == "metadata.name") return str(md.getName());
  if (path == "metadata.namespace") return str(md.getNamespace());
  if (path == "metadata.uid") return str(md.getUid());
  if (path == "metadata.labels") return format_map(md.getLabels());
  if (path == "metadata.annotations") return format_map(md.getAnnotations());
  if (path == "spec.nodeName") return ctx.node_name.empty() ? str(pod.getSpec().getNodeName()) : ctx.node_name;
  if (path == "spec.serviceAccountName") {
    auto sa = str(pod.getSpec().getServiceAccountName());
    return sa.empty() ? str(pod.getSpec().getServiceAccount()) : sa;
  }
  if (path == "status.hostIP" || path == "status.hostIPs") return ctx.host_ip;
  if (path == "status.podIP" || path == "status.podIPs") return ctx.pod_ip;
  return std::nullopt;
}

std::string resource_field(core::Container::Reader container, core::ResourceFieldSelector::Reader sel,
                           const PodContext& ctx, std::string& error) {
  const std::string res = str(sel.getResource());
  const std::string divisor_text = sel.getDivisor().size() ? str(sel.getDivisor()) : "1";
  auto dot = res.find('.');
  if (dot == std::string::npos) {
    error = "unsupported container resource: " + res;
    return "";
  }
  const std::string which = res.substr(0, dot), name = res.substr(dot + 1);
  if ((which != "limits" && which != "requests") ||
      (name != "cpu" && name != "memory" && name != "ephemeral-storage")) {
    error = "unsupported container resource: " + res;
    return "";
  }
  auto r = container.getResources();
  std::optional<std::string> q = which == "limits" ? quantity_of(r.getLimits(), name.c_str())
                                                   : quantity_of(r.getRequests(), name.c_str());
  if (name == "cpu") {
    auto div = machinery::milli_value_of(divisor_text);
    if (!div || *div <= 0) {
      error = "invalid divisor " + divisor_text;
      return "";
    }
    int64_t milli = 0;
    if (q) milli = machinery::milli_value_of(*q).value_or(0);
    else if (which == "limits") milli = ctx.node_cpu_milli;
    return std::to_string(static_cast<int64_t>(std::ceil(static_cast<double>(milli) / static_cast<double>(*div))));
  }
  auto div = machinery::value_of(divisor_text);
  if (!div || *div <= 0) {
    error = "invalid divisor " + divisor_text;
    return "";
  }
  int64_t bytes = 0;
  if (q) bytes = machinery::value_of(*q).value_or(0);
  else if (which == "limits" && name == "memory") bytes = ctx.node_memory_bytes;
  return std::to_string(static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / static_cast<double>(*div))));
}

EnvResult resolve_env(core::Pod::Reader pod, core::Container::Reader container, const ObjectSource& objects,
                      const PodContext& ctx) {
  EnvResult out;
  const std::string ns = str(pod.getMetadata().getNamespace());
  try {
    for (auto from : container.getEnvFrom()) {
      const std::string prefix = str(from.getPrefix());
      std::optional<StringMap> data;
      if (from.hasConfigMapRef()) {
        auto ref = from.getConfigMapRef();
        data = objects.config_map(ns, str(ref.getName()));
        if (!data) {
          if (ref.getOptional().isValue() && ref.getOptional().getValue()) continue;
          out.error = "configmap \"" + str(ref.getName()) + "\" not found";
          return out;
        }
      } else if (from.hasSecretRef()) {
        auto ref = from.getSecretRef();
        data = objects.secret(ns, str(ref.getName()));
        if (!data) {
          if (ref.getOptional().isValue() && ref.getOptional().getValue()) continue;
          out.error = "secret \"" + str(ref.getName()) + "\" not found";
          return out;
        }
      } else {
        continue;
      }
      for (const auto& [k, v] : *data) {
        const std::string name = prefix + k;
        if (!machinery::is_env_var_name(name).empty()) {
          out.invalid_keys.push_back(name);
          continue;
        }
        set_env(out.env, name, v);
      }
    }
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
      for (const auto& [k, v] : out.env)
        if (k == name) return v;
      return std::nullopt;
    };
    for (auto var : container.getEnv()) {
      const std::string name = str(var.getName());
      std::string value = str(var.getValue());
      if (!value.empty()) {
        value = expand(value, lookup);
      } else if (var.hasValueFrom()) {
        auto from = var.getValueFrom();
        if (from.hasFieldRef()) {
          const std::string path = str(from.getFieldRef().getFieldPath());
          auto v = pod_field(pod, path, ctx);
          if (!v) {
            out.error = "unsupported fieldPath: " + path;
            return out;
          }
          value = *v;
        } else if (from.hasResourceFieldRef()) {
          auto sel = from.getResourceFieldRef();
          core::Container::Reader target = container;
          if (sel.getContainerName().size())
            for (auto c : pod.getSpec().getContainers())
              if (c.getName() == sel.getContainerName()) target = c;
          std::string error;
          value = resource_field(target, sel, ctx, error);
          if (!error.empty()) {
            out.error = error;
            return out;
          }
        } else if (from.hasConfigMapKeyRef()) {
          auto ref = from.getConfigMapKeyRef();
          const bool optional = ref.getOptional().isValue() && ref.getOptional().getValue();
          auto data = objects.config_map(ns, str(ref.getName()));
          if (!data) {
            if (optional) continue;
            out.error = "configmap \"" + str(ref.getName()) + "\" not found";
            return out;
          }
          auto it = data->find(str(ref.getKey()));
          if (it == data->end()) {
            if (optional) continue;
            out.error = "couldn't find key " + str(ref.getKey()) + " in ConfigMap " + ns + "/" + str(ref.getName());
            return out;
          }
          value = it->second;
        } else if (from.hasSecretKeyRef()) {
          auto ref = from.getSecretKeyRef();
          const bool optional = ref.getOptional().isValue() && ref.getOptional().getValue();
          auto data = objects.secret(ns, str(ref.getName()));
          if (!data) {
            if (optional) continue;
            out.error = "secret \"" + str(ref.getName()) + "\" not found";
            return out;
          }
          auto it = data->find(str(ref.getKey()));
          if (it == data->end()) {
            if (optional) continue;
            out.error = "couldn't find key " + str(ref.getKey()) + " in Secret " + ns + "/" + str(ref.getName());
            return out;
          }
          value = it->second;
        }
      }
      set_env(out.env, name, value);
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

LinuxResources linux_resources(core::Container::Reader container) {
  LinuxResources r;
  auto res = container.getResources();
  auto req_cpu = quantity_of(res.getRequests(), "cpu");
  auto lim_cpu = quantity_of(res.getLimits(), "cpu");
  // Requests default to limits (the API server does so too; kept here for objects written before).
  std::optional<std::string> shares_from = req_cpu ? req_cpu : lim_cpu;
  int64_t milli = shares_from ? machinery::milli_value_of(*shares_from).value_or(0) : 0;
  r.cpu_shares = milli == 0 ? 2 : std::max<int64_t>(2, milli * 1024 / 1000);
  if (lim_cpu) {
    int64_t lim = machinery::milli_value_of(*lim_cpu).value_or(0);
    if (lim > 0) r.cpu_quota = std::max<int64_t>(1000, lim * r.cpu_period / 1000);
  }
  if (auto mem = quantity_of(res.getLimits(), "memory")) r.memory_limit = machinery::value_of(*mem).value_or(0);
  return r;
}

std::string qos_class(core::Pod::Reader pod) {
  bool any = false, guaranteed = true;
  auto visit = [&](core::Container::Reader c) {
    auto res = c.getResources();
    StringMap req, lim;
    for (auto e : res.getRequests())
      if (e.getKey() == "cpu" || e.getKey() == "memory") req[str(e.getKey())] = str(e.getValue());
    for (auto e : res.getLimits())
      if (e.getKey() == "cpu" || e.getKey() == "memory") lim[str(e.getKey())] = str(e.getValue());
    for (const auto& [k, v] : lim)
      if (!req.count(k)) req[k] = v;
    for (const auto& [k, v] : req)
      if (auto q = machinery::Quantity::parse(v); q && !q->is_zero()) any = true;
    for (const auto& [k, v] : lim)
      if (auto q = machinery::Quantity::parse(v); q && !q->is_zero()) any = true;
    if (lim.size() != 2) guaranteed = false;
    for (const auto& [k, v] : lim)
      if (machinery::Quantity::parse(req[k]) != machinery::Quantity::parse(v)) guaranteed = false;
  };
  for (auto c : pod.getSpec().getInitContainers()) visit(c);
  for (auto c : pod.getSpec().getContainers()) visit(c);
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

ResolvConf parse_resolv_conf(const std::string& text) {
  ResolvConf out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto hash = line.find_first_of("#;");
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key;
    if (!(words >> key)) continue;
    std::vector<std::string> rest;
    for (std::string w; words >> w;) rest.push_back(w);
    if (key == "nameserver" && !rest.empty()) out.nameservers.push_back(rest[0]);
    else if (key == "search" || key == "domain") out.searches = rest;  // the last one wins, as in glibc
    else if (key == "options") out.options.insert(out.options.end(), rest.begin(), rest.end());
  }
  return out;
}

ResolvConf pod_dns(core::Pod::Reader pod, const DnsSettings& settings) {
  auto spec = pod.getSpec();
  std::string policy = str(spec.getDnsPolicy());
  if (policy.empty()) policy = "ClusterFirst";
  enum { kCluster, kHost, kNone } type = kCluster;
  if (policy == "Default") type = kHost;
  else if (policy == "None") type = kNone;
  else if (policy == "ClusterFirst" && spec.getHostNetwork()) type = kHost;
  if (type == kCluster && settings.cluster_dns.empty()) type = kHost;  // no cluster DNS configured

  ResolvConf out;
  if (type == kCluster) {
    const std::string ns = str(pod.getMetadata().getNamespace());
    const std::string& d = settings.cluster_domain;
    out.nameservers = {settings.cluster_dns};
    out.searches = {ns + ".svc." + d, "svc." + d, d};
    for (const auto& s : settings.host.searches)
      if (std::find(out.searches.begin(), out.searches.end(), s) == out.searches.end()) out.searches.push_back(s);
    out.options = {"ndots:5"};
  } else if (type == kHost) {
    out = settings.host;
  }
  if (spec.hasDnsConfig()) {
    auto cfg = spec.getDnsConfig();
    for (auto n : cfg.getNameservers())
      if (std::find(out.nameservers.begin(), out.nameservers.end(), str(n)) == out.nameservers.end())
        out.nameservers.push_back(str(n));
    for (auto s : cfg.getSearches())
      if (std::find(out.searches.begin(), out.searches.end(), str(s)) == out.searches.end())
        out.searches.push_back(str(s));
    for (auto o : cfg.getOptions()) {
      const std::string name = str(o.getName());
      const std::string opt = o.getValue().size() ? name + ":" + str(o.getValue()) : name;
      bool replaced = false;
      for (auto& existing : out.options)
        if (existing.substr(0, existing.find(':')) == name) {
          existing = opt;
          replaced = true;
        }
      if (!replaced) out.options.push_back(opt);
    }
  }
  if (out.nameservers.size() > 3) out.nameservers.resize(3);
  if (out.searches.size() > 32) out.searches.resize(32);
  return out;
}

std::string pod_hostname(core::Pod::Reader pod) {
  std::string h = pod.getSpec().getHostname().size() ? str(pod.getSpec().getHostname()) : str(pod.getMetadata().getName());
  if (h.size() > 63) {
    h.resize(63);
    while (!h.empty() && (h.back() == '-' || h.back() == '.')) h.pop_back();
  }
  return h;
}

std::vector<PortMappingSpec> port_mappings(core::Pod::Reader pod) {
  std::vector<PortMappingSpec> out;
  for (auto c : pod.getSpec().getContainers())
    for (auto p : c.getPorts()) {
      if (p.getHostPort() <= 0) continue;
      PortMappingSpec m;
      m.protocol = p.getProtocol().size() ? str(p.getProtocol()) : "TCP";
      m.container_port = p.getContainerPort();
      m.host_port = p.getHostPort();
      m.host_ip = str(p.getHostIP());
      out.push_back(m);
    }
  return out;
}

std::string normalize_image(const std::string& image) {
  std::string name = image, digest;
  if (auto at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at);
    name.resize(at);
  }
  std::string domain, remainder = name;
  auto slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string first = name.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
      domain = first;
      remainder = name.substr(slash + 1);
    }
  }
  if (domain.empty() || domain == "index.docker.io") {
    domain = "docker.io";
    if (remainder.find('/') == std::string::npos) remainder = "library/" + remainder;
  }
  std::string out = domain + "/" + remainder;
  const auto last = out.rfind('/');
  if (digest.empty() && out.find(':', last) == std::string::npos) out += ":latest";
  return out + digest;
}

PullAction pull_action(const std::string& policy_in, const std::string& image, bool present, bool always_pulls) {
  std::string policy = policy_in;
  if (policy.empty()) {
    const std::string n = normalize_image(image);
    const bool latest = n.find('@') == std::string::npos && n.size() >= 7 && n.compare(n.size() - 7, 7, ":latest") == 0;
    policy = latest ? "Always" : "IfNotPresent";
  }
  if (policy == "Always") return always_pulls || !present ? PullAction::kPull : PullAction::kUseLocal;
  if (policy == "Never") return present ? PullAction::kUseLocal : PullAction::kNeverPullMissing;
  return present ? PullAction::kUseLocal : PullAction::kPull;
}

std::string container_log_path(const std::string& container, uint32_t restart_count) {
  return container + "/" + std::to_string(restart_count) + ".log";
}

std::string pod_log_directory(const std::string& root, const std::string& ns, const std::string& name,
                              const std::string& uid) {
  return root + "/" + ns + "_" + name + "_" + uid;
}

}  // namespace capstan::agent
