#include "namespace_policy.hpp"

namespace capstan::pod_security {

namespace {

constexpr const char* kPrefix = "pod-security.kubernetes.io/";
constexpr const char* kModes[] = {"enforce", "audit", "warn"};

std::optional<Level> parse_level(const std::string& s) {
  if (s == "privileged") return Level::kPrivileged;
  if (s == "baseline") return Level::kBaseline;
  if (s == "restricted") return Level::kRestricted;
  return std::nullopt;
}

// "latest" or v1.<minor> with a minor of 0 or without leading zeros.
bool valid_version(const std::string& s) {
  if (s == "latest") return true;
  if (s.rfind("v1.", 0) != 0 || s.size() == 3) return false;
  const std::string minor = s.substr(3);
  if (minor.size() > 1 && minor[0] == '0') return false;
  for (char c : minor)
    if (c < '0' || c > '9') return false;
  return true;
}

const std::string* label(const Labels& labels, const std::string& key) {
  for (const auto& [k, v] : labels)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace

std::string LevelVersion::text() const {
  const char* name = level == Level::kRestricted ? "restricted" : level == Level::kBaseline ? "baseline" : "privileged";
  return std::string(name) + ":" + version;
}

NamespacePolicy policy_of(const Labels& labels) {
  NamespacePolicy p;
  LevelVersion* modes[] = {&p.enforce, &p.audit, &p.warn};
  for (int i = 0; i < 3; ++i) {
    const std::string base = std::string(kPrefix) + kModes[i];
    if (const std::string* l = label(labels, base)) {
      auto level = parse_level(*l);
      modes[i]->level = level.value_or(Level::kRestricted);
    }
    if (const std::string* v = label(labels, base + "-version")) modes[i]->version = valid_version(*v) ? *v : "latest";
  }
  return p;
}

sdk::field::Causes validate_labels(const Labels& labels) {
  sdk::field::Causes causes;
  for (const char* mode : kModes) {
    const std::string key = std::string(kPrefix) + mode;
    if (const std::string* l = label(labels, key); l && !parse_level(*l))
      sdk::field::invalid(causes, "metadata.labels[" + key + "]", sdk::field::go_quote(*l),
                          "must be one of privileged, baseline, restricted");
    if (const std::string* v = label(labels, key + "-version"); v && !valid_version(*v))
      sdk::field::invalid(causes, "metadata.labels[" + key + "-version]", sdk::field::go_quote(*v),
                          "must be \"latest\" or \"v1.x\"");
  }
  return causes;
}

}  // namespace capstan::pod_security
