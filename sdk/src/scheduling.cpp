#include "capstan/scheduling.hpp"

#include <algorithm>
#include <charconv>

namespace capstan::sdk::scheduling {
namespace {

bool parse_int64(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// One requirement against a value that may be absent. nullopt: the requirement cannot be parsed
// (upstream's selector construction fails, and the term is ignored).
std::optional<bool> requirement_matches(const Requirement& r, const std::string* value) {
  using Op = Requirement::Op;
  switch (r.op) {
    case Op::kIn:
      if (r.values.empty()) return std::nullopt;
      return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    case Op::kNotIn:
      if (r.values.empty()) return std::nullopt;
      return !value || std::find(r.values.begin(), r.values.end(), *value) == r.values.end();
    case Op::kExists:
      if (!r.values.empty()) return std::nullopt;
      return value != nullptr;
    case Op::kDoesNotExist:
      if (!r.values.empty()) return std::nullopt;
      return value == nullptr;
    case Op::kGt:
    case Op::kLt: {
      int64_t want = 0;
      if (r.values.size() != 1 || !parse_int64(r.values[0], want)) return std::nullopt;
      int64_t have = 0;
      if (!value || !parse_int64(*value, have)) return false;
      return r.op == Op::kGt ? have > want : have < want;
    }
    case Op::kInvalid:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<Requirement> requirements(capnp::List<core::v1::NodeSelectorRequirement>::Reader list) {
  std::vector<Requirement> out;
  out.reserve(list.size());
  for (auto r : list) {
    Requirement req;
    req.key = r.getKey();
    req.op = requirement_op(std::string_view(r.getOperator().cStr(), r.getOperator().size()));
    for (auto v : r.getValues()) req.values.emplace_back(v);
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace

bool term_matches(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& r : term.match_expressions) {
    auto it = labels.find(r.key);
    auto m = requirement_matches(r, it == labels.end() ? nullptr : &it->second);
    if (!m || !*m) return false;
  }
  const std::string name(node_name);
  for (const auto& r : term.match_fields) {
    // Field selectors of node affinity know metadata.name and the set operators only.
    if (r.key != "metadata.name" || (r.op != Requirement::Op::kIn && r.op != Requirement::Op::kNotIn)) return false;
    auto m = requirement_matches(r, &name);
    if (!m || !*m) return false;
  }
  return true;
}

bool RequiredNodeAffinity::matches(const Labels& labels, std::string_view node_name) const {
  for (const auto& [k, v] : node_selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  if (!has_required_terms) return true;
  return std::any_of(terms.begin(), terms.end(), [&](const NodeSelectorTerm& t) { return term_matches(t, labels, node_name); });
}

bool tolerates(const Toleration& t, const Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (!t.key.empty() && t.key != taint.key) return false;
  if (t.op.empty() || t.op == "Equal") return t.value == taint.value;
  return t.op == "Exists";
}

bool tolerated(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& t) { return tolerates(t, taint); });
}

std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints, const std::vector<Toleration>& tolerations,
                                            const std::function<bool(const Taint&)>& filter) {
  for (const auto& taint : taints) {
    if (filter && !filter(taint)) continue;
    if (!tolerated(tolerations, taint)) return taint;
  }
  return std::nullopt;
}

Requirement::Op requirement_op(std::string_view s) {
  using Op = Requirement::Op;
  if (s == "In") return Op::kIn;
  if (s == "NotIn") return Op::kNotIn;
  if (s == "Exists") return Op::kExists;
  if (s == "DoesNotExist") return Op::kDoesNotExist;
  if (s == "Gt") return Op::kGt;
  if (s == "Lt") return Op::kLt;
  return Op::kInvalid;
}

NodeSelectorTerm term_of(core::v1::NodeSelectorTerm::Reader t) {
  return {requirements(t.getMatchExpressions()), requirements(t.getMatchFields())};
}

RequiredNodeAffinity required_node_affinity(core::v1::PodSpec::Reader spec) {
  RequiredNodeAffinity out;
  for (auto e : spec.getNodeSelector()) out.node_selector.emplace(e.getKey(), e.getValue());
  if (spec.hasAffinity() && spec.getAffinity().hasNodeAffinity()) {
    auto na = spec.getAffinity().getNodeAffinity();
    if (na.hasRequiredDuringSchedulingIgnoredDuringExecution()) {
      out.has_required_terms = true;
      for (auto t : na.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
        out.terms.push_back(term_of(t));
    }
  }
  return out;
}

std::vector<Toleration> tolerations_of(capnp::List<core::v1::Toleration>::Reader list) {
  std::vector<Toleration> out;
  out.reserve(list.size());
  for (auto t : list) {
    Toleration x{t.getKey(), t.getOperator(), t.getValue(), t.getEffect(), std::nullopt};
    if (t.getTolerationSeconds().isValue()) x.toleration_seconds = t.getTolerationSeconds().getValue();
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<Taint> taints_of(capnp::List<core::v1::Taint>::Reader list) {
  std::vector<Taint> out;
  out.reserve(list.size());
  for (auto t : list) out.push_back({t.getKey(), t.getValue(), t.getEffect()});
  return out;
}

}  // namespace capstan::sdk::scheduling
