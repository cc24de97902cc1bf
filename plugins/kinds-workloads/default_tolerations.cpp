#include "default_tolerations.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace capstan::workloads {
namespace {

constexpr const char* kNotReady = "node.kubernetes.io/not-ready";
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";

bool covers(core::v1::Toleration::Reader t, const char* key) {
  return (t.getKey().size() == 0 || t.getKey() == key) && (t.getEffect().size() == 0 || t.getEffect() == "NoExecute");
}

}  // namespace

TolerationDefaults TolerationDefaults::parse(const std::string& config_json) {
  TolerationDefaults d;
  auto config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return d;
  auto seconds = [&](const char* key, int64_t& out) {
    auto it = config.find(key);
    if (it != config.end() && it->is_number_integer() && it->get<int64_t>() >= 0) out = it->get<int64_t>();
  };
  seconds("defaultNotReadyTolerationSeconds", d.not_ready_seconds);
  seconds("defaultUnreachableTolerationSeconds", d.unreachable_seconds);
  return d;
}

bool add_default_tolerations(core::v1::PodSpec::Builder spec, const TolerationDefaults& defaults) {
  auto old = spec.asReader().getTolerations();
  bool not_ready = false, unreachable = false;
  for (auto t : old) {
    not_ready |= covers(t, kNotReady);
    unreachable |= covers(t, kUnreachable);
  }
  if (not_ready && unreachable) return false;
  struct Add {
    const char* key;
    int64_t seconds;
  };
  std::vector<Add> add;
  if (!not_ready) add.push_back({kNotReady, defaults.not_ready_seconds});
  if (!unreachable) add.push_back({kUnreachable, defaults.unreachable_seconds});
  auto list = capnp::Orphanage::getForMessageContaining(spec).newOrphan<capnp::List<core::v1::Toleration>>(
      old.size() + add.size());
  for (uint32_t i = 0; i < old.size(); ++i) list.get().setWithCaveats(i, old[i]);
  for (size_t i = 0; i < add.size(); ++i) {
    auto t = list.get()[old.size() + i];
    t.setKey(add[i].key);
    t.setOperator("Exists");
    t.setEffect("NoExecute");
    t.getTolerationSeconds().setValue(add[i].seconds);
  }
  spec.adoptTolerations(std::move(list));
  return true;
}

}  // namespace capstan::workloads
