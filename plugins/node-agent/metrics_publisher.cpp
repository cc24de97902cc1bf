// The resource metrics publisher (see metrics_publisher.hpp and docs/metrics.md).
#include "metrics_publisher.hpp"

#include <capnp/serialize.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/codec/k8s_time.hpp"
#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/runtime.capnp.h"

namespace capstan::agent::metrics {

namespace rt = capstan::runtime::v1;
namespace mv = capstan::metrics::v1beta1;

namespace {

using machinery::kPodMetrics;
using machinery::kNodeMetrics;
using machinery::kNodes;

std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void set_usage(capnp::List<k8s::QuantityEntry>::Builder list, uint64_t nanocores, uint64_t bytes) {
  list[0].setKey("cpu");
  list[0].setValue(cpu_quantity(nanocores));
  list[1].setKey("memory");
  list[1].setValue(memory_quantity(bytes));
}

void set_labels(meta::ObjectMeta::Builder md, const Labels& labels) {
  auto l = md.initLabels(static_cast<unsigned>(labels.size()));
  for (size_t i = 0; i < labels.size(); ++i) {
    l[static_cast<unsigned>(i)].setKey(labels[i].first);
    l[static_cast<unsigned>(i)].setValue(labels[i].second);
  }
}

void set_owner(meta::ObjectMeta::Builder md, const char* kind, const std::string& name, const std::string& uid) {
  if (uid.empty()) return;
  auto o = md.initOwnerReferences(1)[0];
  o.setApiVersion("v1");
  o.setKind(kind);
  o.setName(name);
  o.setUid(uid);
}

std::string labels_sig(const Labels& labels) {
  std::string s;
  for (const auto& [k, v] : labels) s += k + "=" + v + ",";
  return s;
}

}  // namespace

std::optional<uint64_t> cpu_rate_nanocores(const CpuSample& older, const CpuSample& newer) {
  if (newer.time_ns <= older.time_ns || newer.usage_ns < older.usage_ns) return std::nullopt;
  const long double used = static_cast<long double>(newer.usage_ns - older.usage_ns);
  const long double elapsed = static_cast<long double>(newer.time_ns - older.time_ns);
  const long double rate = used * 1e9L / elapsed + 0.5L;
  // A counter that jumped absurdly (more than a billion cores) is not a measurement.
  if (rate > 1e18L) return std::nullopt;
  return static_cast<uint64_t>(rate);
}

// As metrics-server writes them: resource.NewScaledQuantity(nanocores, -9) and
// resource.NewQuantity(bytes, BinarySI), in canonical form.
std::string cpu_quantity(uint64_t n) { return machinery::Quantity::from_scaled(static_cast<int64_t>(n), -9).to_string(); }

std::string memory_quantity(uint64_t bytes) {
  return machinery::Quantity::from_int64(static_cast<int64_t>(bytes), machinery::Quantity::Format::kBinarySI).to_string();
}

std::string go_duration(int64_t ns) {
  // metrics-server's window: a time.Duration rounded to the millisecond, as Go writes it.
  const int64_t ms = ns / 1000000 + (ns % 1000000 >= 500000 ? 1 : 0);
  return schema::format_go_duration(ms > 0 ? ms * 1000000 : 0);
}

std::optional<uint64_t> parse_proc_stat_busy_ns(std::string_view proc_stat, long ticks_per_second) {
  if (ticks_per_second <= 0 || proc_stat.substr(0, 4) != "cpu ") return std::nullopt;
  auto eol = proc_stat.find('\n');
  std::string_view line = proc_stat.substr(4, eol == std::string_view::npos ? std::string_view::npos : eol - 4);
  std::vector<uint64_t> v;
  size_t i = 0;
  while (i < line.size() && v.size() < 8) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    uint64_t x = 0;
    auto [p, ec] = std::from_chars(line.data() + i, line.data() + line.size(), x);
    if (ec != std::errc()) return std::nullopt;
    v.push_back(x);
    i = static_cast<size_t>(p - line.data());
  }
  if (v.size() < 4) return std::nullopt;
  v.resize(8, 0);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  const long double ns = static_cast<long double>(busy) * 1e9L / static_cast<long double>(ticks_per_second);
  if (ns >= 1.8e19L) return std::nullopt;  // beyond uint64: not a real counter
  return static_cast<uint64_t>(ns);
}

std::optional<uint64_t> parse_meminfo_working_set(std::string_view meminfo) {
  std::optional<uint64_t> total, available;
  size_t pos = 0;
  while (pos < meminfo.size()) {
    auto eol = meminfo.find('\n', pos);
    std::string_view line = meminfo.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? meminfo.size() : eol + 1;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), rest = line.substr(colon + 1);
    if (key != "MemTotal" && key != "MemAvailable") continue;
    size_t i = 0;
    while (i < rest.size() && rest[i] == ' ') ++i;
    uint64_t kb = 0;
    auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + rest.size(), kb);
    if (ec != std::errc() || kb > (UINT64_MAX >> 10)) return std::nullopt;
    (key == "MemTotal" ? total : available) = kb * 1024;
  }
  if (!total || !available) return std::nullopt;
  return *total > *available ? *total - *available : 0;
}

void build_pod_metrics(capnp::MessageBuilder& m, const PodUsage& u) {
  auto pm = m.initRoot<mv::PodMetrics>();
  pm.setApiVersion("metrics.k8s.io/v1beta1");
  pm.setKind("PodMetrics");
  auto md = pm.initMetadata();
  md.setName(u.name);
  md.setNamespace(u.ns);
  set_labels(md, u.labels);
  set_owner(md, "Pod", u.name, u.uid);
  pm.setTimestamp(machinery::format_rfc3339(u.time_ns / 1'000'000'000));
  pm.setWindow(go_duration(u.window_ns));
  auto cs = pm.initContainers(static_cast<unsigned>(u.containers.size()));
  for (size_t i = 0; i < u.containers.size(); ++i) {
    auto c = cs[static_cast<unsigned>(i)];
    c.setName(u.containers[i].name);
    set_usage(c.initUsage(2), u.containers[i].nanocores, u.containers[i].memory_bytes);
  }
}

void build_node_metrics(capnp::MessageBuilder& m, const NodeUsage& u) {
  auto nm = m.initRoot<mv::NodeMetrics>();
  nm.setApiVersion("metrics.k8s.io/v1beta1");
  nm.setKind("NodeMetrics");
  auto md = nm.initMetadata();
  md.setName(u.name);
  set_labels(md, u.labels);
  set_owner(md, "Node", u.name, u.uid);
  nm.setTimestamp(machinery::format_rfc3339(u.time_ns / 1'000'000'000));
  nm.setWindow(go_duration(u.window_ns));
  set_usage(nm.initUsage(2), u.nanocores, u.memory_bytes);
}

std::string signature(const PodUsage& u) {
  std::string s = u.uid + "|" + labels_sig(u.labels) + "|";
  for (const auto& c : u.containers)
    s += c.name + ":" + cpu_quantity(c.nanocores) + "/" + memory_quantity(c.memory_bytes) + ";";
  return s;
}

std::string signature(const NodeUsage& u) {
  return u.uid + "|" + labels_sig(u.labels) + "|" + cpu_quantity(u.nanocores) + "/" + memory_quantity(u.memory_bytes);
}

std::map<std::string, RateTracker::SandboxUsage> RateTracker::update(const std::vector<ContainerStat>& stats) {
  // Several entries may share a sandbox and a name (an exited instance beside its restart): keep
  // the newest reading of each.
  std::map<std::pair<std::string, std::string>, const ContainerStat*> newest;
  for (const auto& s : stats) {
    if (s.sandbox.empty() || s.name.empty() || s.time_ns == 0) continue;  // no cgroup: not running
    auto& slot = newest[{s.sandbox, s.name}];
    if (!slot || s.time_ns > slot->time_ns) slot = &s;
  }
  std::map<std::string, SandboxUsage> out;
  std::set<std::string> incomplete;
  std::map<std::string, CpuSample> next;
  for (const auto& [key, s] : newest) {
    const CpuSample now{s->time_ns, s->cpu_ns};
    next[s->id] = now;
    auto prev = last_.find(s->id);
    std::optional<uint64_t> rate;
    if (prev != last_.end()) rate = cpu_rate_nanocores(prev->second, now);
    if (!rate) {
      // First reading, or the counter went back: no rate yet; keep the old reading when the
      // new one came at the same instant so the next round still has a window.
      if (prev != last_.end() && now.time_ns == prev->second.time_ns) next[s->id] = prev->second;
      incomplete.insert(s->sandbox);
      continue;
    }
    auto& su = out[s->sandbox];
    su.containers.push_back({s->name, *rate, s->memory_bytes});
    su.time_ns = std::max(su.time_ns, now.time_ns);
    su.window_ns = std::max(su.window_ns, now.time_ns - prev->second.time_ns);
  }
  last_ = std::move(next);  // forget containers that are gone
  for (const auto& sb : incomplete) out.erase(sb);
  for (auto& [sb, su] : out)
    std::sort(su.containers.begin(), su.containers.end(),
              [](const ContainerUsage& a, const ContainerUsage& b) { return a.name < b.name; });
  return out;
}

PublisherOptions parse_publisher_options(const std::string& config_json, bool hollow) {
  PublisherOptions o;
  o.interval_seconds = hollow ? 0 : 15;
  auto j = config_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(config_json, nullptr, false);
  if (j.is_object() && j.contains("metricsInterval") && j["metricsInterval"].is_number())
    o.interval_seconds = std::clamp(j["metricsInterval"].get<int>(), 0, 86400);
  return o;
}

MetricsPublisher::MetricsPublisher(const sdk::Host& host, const sdk::Informer& pods, std::vector<std::string> nodes,
                                   bool hollow, PublisherOptions options)
    : host_(host),
      client_(host, "node-agent-metrics"),
      pods_(pods),
      nodes_(std::move(nodes)),
      node_set_(nodes_.begin(), nodes_.end()),
      hollow_(hollow),
      options_(options) {}

MetricsPublisher::~MetricsPublisher() { stop(); }

void MetricsPublisher::start() {
  if (options_.interval_seconds <= 0 || thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void MetricsPublisher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MetricsPublisher::loop() {
  const auto interval = std::chrono::seconds(options_.interval_seconds);
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    try {
      tick();
    } catch (const std::exception& e) {
      if (!warned_) host_.warn(std::string("node-agent: resource metrics: ") + e.what());
      warned_ = true;
    }
    // A round that overran its interval does not make the next ones run back to back.
    next = std::max(next + interval, std::chrono::steady_clock::now());
    std::unique_lock lock(mu_);
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
  }
}

std::vector<ContainerStat> MetricsPublisher::container_stats() {
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initListContainerStats();
  auto w = capnp::messageToFlatArray(m);
  std::string out = host_.invoke("capstan.runtime.v1", std::string(reinterpret_cast<const char*>(w.asBytes().begin()),
                                                                   w.asBytes().size()));
  auto words = kj::heapArray<capnp::word>((out.size() + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  std::memcpy(words.begin(), out.data(), out.size());
  capnp::FlatArrayMessageReader reader(words);
  auto resp = reader.getRoot<rt::RuntimeResponse>();
  if (resp.getError().size()) throw std::runtime_error("list container stats: " + text(resp.getError()));
  std::vector<ContainerStat> stats;
  if (resp.getResult().which() != rt::RuntimeResponse::Result::STATS) return stats;
  const int64_t now = machinery::now_ns();
  for (auto s : resp.getResult().getStats()) {
    ContainerStat c{text(s.getContainerId()), text(s.getName()), text(s.getPodSandboxId()), s.getTimestamp(),
                    s.getCpuUsageCoreNanoSeconds(), s.getMemoryWorkingSetBytes()};
    // A runtime that gives no time but some usage: the reading is from now.
    if (c.time_ns == 0 && (c.cpu_ns || c.memory_bytes)) c.time_ns = now;
    stats.push_back(std::move(c));
  }
  return stats;
}

std::map<std::string, std::vector<std::string>> MetricsPublisher::sandbox_pods() {
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initListPodSandbox();
  auto w = capnp::messageToFlatArray(m);
  std::string out = host_.invoke("capstan.runtime.v1", std::string(reinterpret_cast<const char*>(w.asBytes().begin()),
                                                                   w.asBytes().size()));
  auto words = kj::heapArray<capnp::word>((out.size() + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  std::memcpy(words.begin(), out.data(), out.size());
  capnp::FlatArrayMessageReader reader(words);
  auto resp = reader.getRoot<rt::RuntimeResponse>();
  if (resp.getError().size()) throw std::runtime_error("list pod sandboxes: " + text(resp.getError()));
  std::map<std::string, std::vector<std::string>> out_map;
  if (resp.getResult().which() != rt::RuntimeResponse::Result::ITEMS) return out_map;
  for (auto sb : resp.getResult().getItems()) {
    if (sb.getState() != rt::PodSandboxState::SANDBOX_READY) continue;
    auto md = sb.getMetadata();
    out_map[text(sb.getId())] = {text(md.getNamespace()), text(md.getName()), text(md.getUid())};
  }
  return out_map;
}

bool MetricsPublisher::write(const sdk::Resource& r, const std::string& ns, const std::string& name,
                             capnp::MallocMessageBuilder& m) {
  // Replace (no resourceVersion: the agent is the only writer), or create when it is not there.
  auto res = client_.update(r, ns, name, m);
  if (res.status.not_found()) res = client_.create(r, ns, m);
  if (res.status.already_exists()) res = client_.update(r, ns, name, m);
  if (!res.status.ok()) {
    if (!warned_)
      host_.warn("node-agent: cannot write " + r.resource + "." + r.group + " " + (ns.empty() ? "" : ns + "/") + name +
                 ": " + res.status.message);
    warned_ = true;
    return false;
  }
  return true;
}

void MetricsPublisher::write_pod(const PodUsage& u) {
  const std::string key = "pod:" + u.ns + "/" + u.name, sig = signature(u);
  if (written_[key] == sig) return;
  capnp::MallocMessageBuilder m;
  build_pod_metrics(m, u);
  if (write(kPodMetrics, u.ns, u.name, m)) written_[key] = sig;
  else written_.erase(key);
}

void MetricsPublisher::write_node(const NodeUsage& u) {
  const std::string key = "node:" + u.name, sig = signature(u);
  if (written_[key] == sig) return;
  capnp::MallocMessageBuilder m;
  build_node_metrics(m, u);
  if (write(kNodeMetrics, "", u.name, m)) written_[key] = sig;
  else written_.erase(key);
}

void MetricsPublisher::remove_pod(const std::string& key) {
  auto slash = key.find('/');
  auto st = client_.remove(kPodMetrics, key.substr(4, slash - 4), key.substr(slash + 1));
  if (st.ok() || st.not_found()) written_.erase(key);
}

std::optional<NodeUsage> MetricsPublisher::machine_usage(int64_t now_ns) {
  auto busy = parse_proc_stat_busy_ns(read_file("/proc/stat"), sysconf(_SC_CLK_TCK));
  auto mem = parse_meminfo_working_set(read_file("/proc/meminfo"));
  if (!busy || !mem) return std::nullopt;
  const CpuSample now{now_ns, *busy};
  std::optional<uint64_t> rate;
  int64_t window = 0;
  if (machine_last_) {
    rate = cpu_rate_nanocores(*machine_last_, now);
    window = now.time_ns - machine_last_->time_ns;
  }
  machine_last_ = now;
  if (!rate) return std::nullopt;
  // Busy time counts every CPU: the rate is already in cores.
  NodeUsage u;
  u.nanocores = *rate;
  u.memory_bytes = *mem;
  u.time_ns = now_ns;
  u.window_ns = window;
  return u;
}

void MetricsPublisher::tick() {
  const int64_t now = machinery::now_ns();
  auto stats = container_stats();
  auto sandboxes = sandbox_pods();
  auto usage = rates_.update(stats);

  // The node's live pods: a ready sandbox of a pod bound here and not being deleted.
  std::set<std::string> current;
  std::map<std::string, std::pair<sdk::ObjectPtr, std::string>> live;  // sandbox -> (pod, node)
  for (const auto& [sb, id] : sandboxes) {  // id: {namespace, name, uid}
    auto pod = pods_.get(id[0], id[1]);
    if (!pod || pod->uid() != id[2]) continue;  // not (or no longer) this node's pod
    auto p = pod->as<core::v1::Pod>();
    std::string node = text(p.getSpec().getNodeName());
    if (!node_set_.count(node) || p.getMetadata().hasDeletionTimestamp()) continue;
    current.insert("pod:" + id[0] + "/" + id[1]);
    live[sb] = {pod, std::move(node)};
  }
  std::map<std::string, NodeUsage> node_sums;  // hollow nodes: the sum of their pods
  for (auto& [sb, su] : usage) {
    auto it = live.find(sb);
    if (it == live.end()) continue;
    const auto& id = sandboxes[sb];
    auto p = it->second.first->as<core::v1::Pod>();
    const std::string& node = it->second.second;
    PodUsage u;
    u.ns = id[0];
    u.name = id[1];
    u.uid = id[2];
    for (auto l : p.getMetadata().getLabels()) u.labels.emplace_back(text(l.getKey()), text(l.getValue()));
    u.containers = su.containers;
    u.time_ns = su.time_ns;
    u.window_ns = su.window_ns;
    write_pod(u);
    auto& sum = node_sums[node];
    for (const auto& c : u.containers) {
      sum.nanocores += c.nanocores;
      sum.memory_bytes += c.memory_bytes;
    }
  }
  // Pods that stopped running here lose their metrics (deleted pods' go with the pod too); a pod
  // that only lacks a rate this round (a container just restarted) keeps its last ones.
  std::vector<std::string> gone;
  for (const auto& [key, sig] : written_)
    if (key.rfind("pod:", 0) == 0 && !current.count(key)) gone.push_back(key);
  for (const auto& key : gone) remove_pod(key);

  const int64_t window = last_tick_ns_ ? now - last_tick_ns_ : 0;
  last_tick_ns_ = now;
  std::optional<NodeUsage> machine;
  if (!hollow_) machine = machine_usage(now);
  for (const auto& node : nodes_) {
    NodeUsage u;
    if (hollow_) {
      if (!window) continue;  // no rates in the first round
      u = node_sums[node];
      u.time_ns = now;
      u.window_ns = window;
    } else {
      if (!machine) continue;
      u = *machine;
    }
    u.name = node;
    auto got = client_.get(kNodes, "", node);
    if (!got.status.ok()) continue;  // not registered yet
    u.uid = got.object->uid();
    for (auto l : got.object->metadata().getLabels()) u.labels.emplace_back(text(l.getKey()), text(l.getValue()));
    write_node(u);
  }
}

}  // namespace capstan::agent::metrics
