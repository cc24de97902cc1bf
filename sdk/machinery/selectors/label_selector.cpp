#include "capstan/machinery/selectors/label_selector.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "capstan/machinery/utf8.hpp"
#include "capstan/machinery/validation.hpp"

namespace capstan::selectors {
namespace {

using machinery::excerpt;
using machinery::quote;

constexpr std::string_view kPrefix = "unable to parse requirement: ";

[[noreturn]] void fail(const std::string& what) { throw SelectorError(std::string(kPrefix) + what); }

std::optional<int64_t> parse_int64(std::string_view s) {
  // Go strconv.ParseInt(s, 10, 64): optional sign, decimal digits.
  if (s.empty()) return std::nullopt;
  std::string_view digits = s;
  bool neg = false;
  if (digits[0] == '+' || digits[0] == '-') {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return std::nullopt;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  if (neg) {
    if (mag > uint64_t(INT64_MAX) + 1) return std::nullopt;
    return mag == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(mag);
  }
  if (mag > uint64_t(INT64_MAX)) return std::nullopt;
  return int64_t(mag);
}

// Builds a requirement like labels.NewRequirement (validating key, values and operator arity). `values` is a set.
LabelRequirement make_requirement(std::string key, LabelOperator op, std::vector<std::string> values) {
  if (auto err = validate_label_key(key); !err.empty()) fail("key: Invalid value: " + quote(key) + ": " + err);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  switch (op) {
    case LabelOperator::In:
    case LabelOperator::NotIn:
      if (values.empty()) fail("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
      break;
    case LabelOperator::Equals:
    case LabelOperator::DoubleEquals:
    case LabelOperator::NotEquals:
      if (values.size() != 1) fail("values: Invalid value: exact-match compatibility requires one single value");
      break;
    case LabelOperator::Exists:
    case LabelOperator::DoesNotExist:
      if (!values.empty()) fail("values: Invalid value: values set must be empty for exists and does not exist");
      break;
    case LabelOperator::GreaterThan:
    case LabelOperator::LessThan:
      if (values.size() != 1) fail("values: Invalid value: for 'Gt', 'Lt' operators, exactly one value is required");
      for (size_t i = 0; i < values.size(); ++i)
        if (!parse_int64(values[i]))
          fail("values[" + std::to_string(i) + "]: Invalid value: " + quote(values[i]) +
               ": for 'Gt', 'Lt' operators, the value must be an integer");
      break;
  }
  for (size_t i = 0; i < values.size(); ++i)
    if (auto err = validate_label_value(values[i]); !err.empty())
      fail("values[" + std::to_string(i) + "][" + excerpt(key) + "]: Invalid value: " + quote(values[i]) + ": " + err);
  return LabelRequirement{std::move(key), op, std::move(values)};
}

// ---- lexer/parser mirroring k8s.io/apimachinery/pkg/labels/selector.go ----

enum class Tok {
  End,
  Ident,
  DoesNotExist,  // !
  NotEquals,     // !=
  OpenPar,
  ClosedPar,
  Comma,
  Equals,        // =
  DoubleEquals,  // ==
  GreaterThan,
  LessThan,
  In,
  NotIn,
};

struct Token {
  Tok tok;
  std::string_view lit;
};

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<Tok> special_token(std::string_view s) {
  if (s == "!") return Tok::DoesNotExist;
  if (s == "!=") return Tok::NotEquals;
  if (s == "(") return Tok::OpenPar;
  if (s == ")") return Tok::ClosedPar;
  if (s == ",") return Tok::Comma;
  if (s == "=") return Tok::Equals;
  if (s == "==") return Tok::DoubleEquals;
  if (s == ">") return Tok::GreaterThan;
  if (s == "<") return Tok::LessThan;
  return std::nullopt;
}

enum class Mode { KeyAndOperator, Values };

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::vector<LabelRequirement> parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      Token t = lookahead(Mode::Values);
      switch (t.tok) {
        case Tok::Ident:
        case Tok::DoesNotExist: {
          reqs.push_back(parse_requirement());
          Token c = consume(Mode::Values);
          if (c.tok == Tok::End) return reqs;
          if (c.tok == Tok::Comma) {
            Token n = lookahead(Mode::Values);
            if (n.tok != Tok::Ident && n.tok != Tok::DoesNotExist)
              fail("found '" + excerpt(n.lit) + "', expected: identifier after ','");
            break;
          }
          fail("found '" + excerpt(c.lit) + "', expected: ',' or 'end of string'");
        }
        case Tok::End:
          return reqs;
        default:
          fail("found '" + excerpt(t.lit) + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  Token lex() {
    while (pos_ < s_.size() && is_whitespace(s_[pos_])) ++pos_;
    if (pos_ >= s_.size()) return {Tok::End, {}};
    const size_t start = pos_;
    if (is_special(s_[pos_])) {
      // Longest match among the special symbols (at most two characters: "!=", "==").
      if (pos_ + 1 < s_.size() && is_special(s_[pos_ + 1])) {
        if (auto t = special_token(s_.substr(pos_, 2))) {
          pos_ += 2;
          return {*t, s_.substr(start, 2)};
        }
      }
      ++pos_;
      return {*special_token(s_.substr(start, 1)), s_.substr(start, 1)};
    }
    while (pos_ < s_.size() && !is_whitespace(s_[pos_]) && !is_special(s_[pos_])) ++pos_;
    std::string_view lit = s_.substr(start, pos_ - start);
    if (lit == "in") return {Tok::In, lit};
    if (lit == "notin") return {Tok::NotIn, lit};
    return {Tok::Ident, lit};
  }

  Token consume(Mode mode) {
    Token t = lex();
    if (mode == Mode::Values && (t.tok == Tok::In || t.tok == Tok::NotIn)) t.tok = Tok::Ident;
    return t;
  }

  Token lookahead(Mode mode) {
    const size_t saved = pos_;
    Token t = consume(mode);
    pos_ = saved;
    return t;
  }

  LabelRequirement parse_requirement() {
    // parseKeyAndInferOperator
    LabelOperator op = LabelOperator::Equals;
    bool op_known = false;
    Token t = consume(Mode::Values);
    if (t.tok == Tok::DoesNotExist) {
      op = LabelOperator::DoesNotExist;
      op_known = true;
      t = consume(Mode::Values);
    }
    if (t.tok != Tok::Ident) fail("found '" + excerpt(t.lit) + "', expected: identifier");
    std::string key(t.lit);
    if (auto err = validate_label_key(key); !err.empty()) fail("key: Invalid value: " + quote(key) + ": " + err);
    Token next = lookahead(Mode::Values);
    if (next.tok == Tok::End || next.tok == Tok::Comma) {
      if (!op_known) op = LabelOperator::Exists;
      op_known = true;
    }
    if (op_known) return make_requirement(std::move(key), op, {});

    // parseOperator
    Token o = consume(Mode::KeyAndOperator);
    switch (o.tok) {
      case Tok::In: op = LabelOperator::In; break;
      case Tok::NotIn: op = LabelOperator::NotIn; break;
      case Tok::Equals: op = LabelOperator::Equals; break;
      case Tok::DoubleEquals: op = LabelOperator::DoubleEquals; break;
      case Tok::NotEquals: op = LabelOperator::NotEquals; break;
      case Tok::GreaterThan: op = LabelOperator::GreaterThan; break;
      case Tok::LessThan: op = LabelOperator::LessThan; break;
      default: fail("found '" + excerpt(o.lit) + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    std::vector<std::string> values =
        (op == LabelOperator::In || op == LabelOperator::NotIn) ? parse_values() : parse_exact_value();
    return make_requirement(std::move(key), op, std::move(values));
  }

  std::vector<std::string> parse_values() {
    Token t = consume(Mode::Values);
    if (t.tok != Tok::OpenPar) fail("found '" + excerpt(t.lit) + "' expected: '('");
    Token n = lookahead(Mode::Values);
    if (n.tok == Tok::Ident || n.tok == Tok::Comma) {
      auto values = parse_identifiers_list();
      Token c = consume(Mode::Values);
      if (c.tok != Tok::ClosedPar) fail("found '" + excerpt(c.lit) + "', expected: ')'");
      return values;
    }
    if (n.tok == Tok::ClosedPar) {  // "()" is the set {""}, as in Kubernetes
      consume(Mode::Values);
      return {std::string()};
    }
    fail("found '" + excerpt(n.lit) + "', expected: ',', ')' or identifier");
  }

  std::vector<std::string> parse_identifiers_list() {
    std::vector<std::string> s;
    while (true) {
      Token t = consume(Mode::Values);
      if (t.tok == Tok::Ident) {
        s.emplace_back(t.lit);
        Token n = lookahead(Mode::Values);
        if (n.tok == Tok::Comma) continue;
        if (n.tok == Tok::ClosedPar) return s;
        fail("found '" + excerpt(n.lit) + "', expected: ',' or ')'");
      } else if (t.tok == Tok::Comma) {
        if (s.empty()) s.emplace_back();  // "(,"
        Token n = lookahead(Mode::Values);
        if (n.tok == Tok::ClosedPar) {
          s.emplace_back();  // ",)"
          return s;
        }
        if (n.tok == Tok::Comma) {
          consume(Mode::Values);
          s.emplace_back();  // ",,"
        }
      } else {
        fail("found '" + excerpt(t.lit) + "', expected: ',', or identifier");
      }
    }
  }

  std::vector<std::string> parse_exact_value() {
    Token n = lookahead(Mode::Values);
    if (n.tok == Tok::End || n.tok == Tok::Comma) return {std::string()};
    Token t = consume(Mode::Values);
    if (t.tok == Tok::Ident) return {std::string(t.lit)};
    fail("found '" + excerpt(t.lit) + "', expected: identifier");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void sort_by_key(std::vector<LabelRequirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
}

bool contains(const std::vector<std::string>& set, const std::string& v) {
  return std::binary_search(set.begin(), set.end(), v);
}

bool requirement_matches(const LabelRequirement& r, const std::string* value) {
  switch (r.op) {
    case LabelOperator::In:
    case LabelOperator::Equals:
    case LabelOperator::DoubleEquals:
      return value != nullptr && contains(r.values, *value);
    case LabelOperator::NotIn:
    case LabelOperator::NotEquals:
      return value == nullptr || !contains(r.values, *value);
    case LabelOperator::Exists:
      return value != nullptr;
    case LabelOperator::DoesNotExist:
      return value == nullptr;
    case LabelOperator::GreaterThan:
    case LabelOperator::LessThan: {
      if (value == nullptr || r.values.size() != 1) return false;
      auto have = parse_int64(*value);
      auto want = parse_int64(r.values[0]);
      if (!have || !want) return false;
      return r.op == LabelOperator::GreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

}  // namespace

namespace {
// As labels.Parse reports them: every problem of the value, joined by "; ".
std::string joined(const machinery::ValidationErrors& errs) {
  std::string out;
  for (const auto& e : errs) out += (out.empty() ? "" : "; ") + e;
  return out;
}
}  // namespace

std::string validate_label_key(std::string_view key) { return joined(machinery::is_qualified_name(key)); }

std::string validate_label_value(std::string_view value) { return joined(machinery::is_valid_label_value(value)); }

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  sel.requirements_ = Parser(text).parse();
  sort_by_key(sel.requirements_);
  return sel;
}

LabelSelector LabelSelector::from_json(const nlohmann::json& j) {
  LabelSelector sel;
  if (j.is_null()) {
    sel.nothing_ = true;
    return sel;
  }
  if (!j.is_object()) throw SelectorError("invalid label selector: must be an object");
  if (auto it = j.find("matchLabels"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw SelectorError("invalid label selector: matchLabels must be an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) throw SelectorError("invalid label selector: matchLabels[" + quote(k) + "] must be a string");
      sel.requirements_.push_back(make_requirement(k, LabelOperator::Equals, {v.get<std::string>()}));
    }
  }
  if (auto it = j.find("matchExpressions"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw SelectorError("invalid label selector: matchExpressions must be an array");
    for (const auto& expr : *it) {
      if (!expr.is_object()) throw SelectorError("invalid label selector: matchExpressions items must be objects");
      auto key = expr.find("key");
      auto oper = expr.find("operator");
      if (key == expr.end() || !key->is_string())
        throw SelectorError("invalid label selector: matchExpressions key must be a string");
      if (oper == expr.end() || !oper->is_string())
        throw SelectorError("invalid label selector: matchExpressions operator must be a string");
      const auto& o = oper->get_ref<const std::string&>();
      LabelOperator op;
      if (o == "In") op = LabelOperator::In;
      else if (o == "NotIn") op = LabelOperator::NotIn;
      else if (o == "Exists") op = LabelOperator::Exists;
      else if (o == "DoesNotExist") op = LabelOperator::DoesNotExist;
      else throw SelectorError(quote(o) + " is not a valid label selector operator");
      std::vector<std::string> values;
      if (auto v = expr.find("values"); v != expr.end() && !v->is_null()) {
        if (!v->is_array()) throw SelectorError("invalid label selector: matchExpressions values must be an array");
        for (const auto& s : *v) {
          if (!s.is_string()) throw SelectorError("invalid label selector: matchExpressions values must be strings");
          values.push_back(s.get<std::string>());
        }
      }
      sel.requirements_.push_back(make_requirement(key->get<std::string>(), op, std::move(values)));
    }
  }
  sort_by_key(sel.requirements_);
  return sel;
}

bool LabelSelector::matches(const std::function<const std::string*(std::string_view key)>& lookup) const {
  if (nothing_) return false;
  for (const auto& r : requirements_)
    if (!requirement_matches(r, lookup(r.key))) return false;
  return true;
}

bool LabelSelector::matches(const nlohmann::json& labels) const {
  return matches([&labels](std::string_view key) -> const std::string* {
    if (!labels.is_object()) return nullptr;
    auto it = labels.find(key);
    if (it == labels.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
  });
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ',';
    if (r.op == LabelOperator::DoesNotExist) out += '!';
    out += r.key;
    switch (r.op) {
      case LabelOperator::Exists:
      case LabelOperator::DoesNotExist: continue;
      case LabelOperator::Equals: out += '='; break;
      case LabelOperator::DoubleEquals: out += "=="; break;
      case LabelOperator::NotEquals: out += "!="; break;
      case LabelOperator::GreaterThan: out += '>'; break;
      case LabelOperator::LessThan: out += '<'; break;
      case LabelOperator::In: out += " in "; break;
      case LabelOperator::NotIn: out += " notin "; break;
    }
    if (r.op == LabelOperator::In || r.op == LabelOperator::NotIn) {
      out += '(';
      for (size_t i = 0; i < r.values.size(); ++i) out += (i ? "," : "") + r.values[i];
      out += ')';
    } else if (!r.values.empty()) {
      out += r.values[0];
    }
  }
  return out;
}

}  // namespace capstan::selectors
