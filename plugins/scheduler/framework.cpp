#include "framework.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace capstan::scheduler {

std::string Status::message() const {
  std::string out;
  for (const auto& r : reasons_) {
    if (!out.empty()) out += ", ";
    out += r;
  }
  return out;
}

SchedulerConfig SchedulerConfig::parse(const std::string& json) {
  SchedulerConfig config;
  if (json.find_first_not_of(" \t\r\n") == std::string::npos) return config;  // the host passes "" today
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("scheduler config is not JSON: ") + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument("scheduler config must be a JSON object");
  if (auto it = j.find("scoring"); it != j.end()) {
    if (!it->is_string()) throw std::invalid_argument("scheduler config: scoring must be a string");
    const auto s = it->get<std::string>();
    if (s == "LeastAllocated") config.scoring = Scoring::kLeastAllocated;
    else if (s == "MostAllocated") config.scoring = Scoring::kMostAllocated;
    else throw std::invalid_argument("scheduler config: scoring must be LeastAllocated or MostAllocated, not " + s);
  }
  return config;
}

void Registry::add_filter(std::string name, FilterFactory factory) {
  if (!filters_.emplace(std::move(name), std::move(factory)).second) throw std::logic_error("duplicate filter plugin");
}

void Registry::add_score(std::string name, ScoreFactory factory) {
  if (!scores_.emplace(std::move(name), std::move(factory)).second) throw std::logic_error("duplicate score plugin");
}

std::unique_ptr<FilterPlugin> Registry::make_filter(const std::string& name, const SchedulerConfig& config) const {
  auto it = filters_.find(name);
  if (it == filters_.end()) throw std::invalid_argument("no filter plugin " + name);
  return it->second(config);
}

std::unique_ptr<ScorePlugin> Registry::make_score(const std::string& name, const SchedulerConfig& config) const {
  auto it = scores_.find(name);
  if (it == scores_.end()) throw std::invalid_argument("no score plugin " + name);
  return it->second(config);
}

Profile Profile::default_profile() {
  Profile p;
  // Kubernetes' default order: cheap, unresolvable checks first.
  p.filters = {"NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodeResourcesFit"};
  p.scores = {{"NodeResourcesFit", 1}, {"NodeAffinity", 2}};
  return p;
}

Framework::Framework(const Registry& registry, const Profile& profile, const SchedulerConfig& config) {
  for (const auto& name : profile.filters) filters_.push_back(registry.make_filter(name, config));
  for (const auto& [name, weight] : profile.scores) scores_.emplace_back(registry.make_score(name, config), weight);
}

Status Framework::run_filters(const PodInfo& pod, const NodeInfo& node) const {
  for (const auto& f : filters_) {
    Status s = f->filter(pod, node);
    if (!s.ok()) return s;
  }
  return Status::success();
}

std::vector<int64_t> Framework::run_scores(const PodInfo& pod, const std::vector<const NodeInfo*>& nodes) const {
  std::vector<int64_t> total(nodes.size(), 0);
  std::vector<int64_t> scores(nodes.size());
  for (const auto& [plugin, weight] : scores_) {
    for (size_t i = 0; i < nodes.size(); ++i) scores[i] = plugin->score(pod, *nodes[i]);
    plugin->normalize(pod, scores);
    for (size_t i = 0; i < nodes.size(); ++i) total[i] += std::clamp<int64_t>(scores[i], 0, ScorePlugin::kMaxNodeScore) * weight;
  }
  return total;
}

std::string fit_error_message(size_t num_nodes, const std::map<std::string, int>& reason_counts) {
  if (num_nodes == 0) return "no nodes available to schedule pods";
  // As FitError.Error(): "<count> <reason>" strings, sorted, joined with ", ".
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reason_counts) parts.push_back(std::to_string(count) + " " + reason);
  std::sort(parts.begin(), parts.end());
  std::string out = "0/" + std::to_string(num_nodes) + " nodes are available: ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ".";
}

}  // namespace capstan::scheduler
