#include "api/yaml_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "capstan/machinery/utf8.hpp"

namespace capstan::api {
namespace {

using json = nlohmann::json;

std::string nesting_message(int max_depth) { return "nesting too deep (max " + std::to_string(max_depth) + ")"; }

void check_size(std::string_view body, const DecodeLimits& limits) {
  if (body.size() > limits.max_bytes)
    throw BodyError("request body too large: " + std::to_string(body.size()) + " bytes (max " +
                     std::to_string(limits.max_bytes) + ")");
}

void line_col(std::string_view body, size_t offset, size_t& line, size_t& col) {
  offset = std::min(offset, body.size());
  line = 1;
  size_t last_nl = std::string_view::npos;
  for (size_t i = 0; i < offset; ++i)
    if (body[i] == '\n') ++line, last_nl = i;
  col = last_nl == std::string_view::npos ? offset + 1 : offset - last_nl;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML scalar resolution, after gopkg.in/yaml.v2 resolve.go.

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go strconv.ParseInt/ParseUint with base 0 (underscores already removed by the caller).
// Returns the magnitude and sign; nullopt when not an integer literal or the magnitude overflows uint64.
struct GoInt {
  bool neg;
  uint64_t mag;
};
std::optional<GoInt> parse_go_int(std::string_view s) {
  GoInt r{false, 0};
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    r.neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') base = 16, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'b') base = 2, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);  // legacy octal 0755
    if (s.empty()) return std::nullopt;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), r.mag, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  // from_chars accepts neither sign nor prefix inside, so "0x-1" / "0x+1" already failed above.
  return r;
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < n && s[i] == '.') {
    ++i;
    const size_t d = i;
    while (i < n && is_digit(s[i])) ++i;
    if (i == d) return false;
  } else {
    const size_t d = i;
    while (i < n && is_digit(s[i])) ++i;
    if (i == d) return false;
    if (i < n && s[i] == '.') {
      ++i;
      while (i < n && is_digit(s[i])) ++i;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t d = i;
    while (i < n && is_digit(s[i])) ++i;
    if (i == d) return false;
  }
  return i == n;
}

// ^\.[0-9]+([eE][-+]?[0-9]+)?$ — the decimal subset of Go's ParseFloat for strings starting with '.'.
bool dot_float(std::string_view s) { return !s.empty() && s[0] == '.' && yaml_style_float(s); }

std::optional<double> parse_double(const std::string& s) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  if (std::isinf(v)) return std::nullopt;  // Go: ErrRange -> not a float
  return v;
}

enum class Kind { Null, Bool, Int, Float, Str, Merge };

struct Resolved {
  Kind kind = Kind::Str;
  json value;
};

json int_json(const GoInt& g) {
  if (!g.neg) {
    if (g.mag <= uint64_t(INT64_MAX)) return json(static_cast<int64_t>(g.mag));
    return json(g.mag);  // number_unsigned, like yaml.v2's uint64
  }
  if (g.mag == uint64_t(INT64_MAX) + 1) return json(INT64_MIN);
  return json(-static_cast<int64_t>(g.mag));
}

bool int_fits(const GoInt& g) { return !g.neg || g.mag <= uint64_t(INT64_MAX) + 1; }

Resolved resolve_plain(const std::string& in) {
  if (in.empty() || in == "~" || in == "null" || in == "Null" || in == "NULL") return {Kind::Null, json(nullptr)};
  const char h = in[0];
  const bool hint_m = std::strchr("yYnNtTfFoO~<", h) != nullptr;
  const bool hint_d = is_digit(h) || h == '+' || h == '-';
  const bool hint_dot = h == '.';
  if (!hint_m && !hint_d && !hint_dot) return {Kind::Str, json(in)};
  static const char* kTrue[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* kFalse[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (const char* t : kTrue)
    if (in == t) return {Kind::Bool, json(true)};
  for (const char* f : kFalse)
    if (in == f) return {Kind::Bool, json(false)};
  if (in == ".inf" || in == ".Inf" || in == ".INF" || in == "+.inf" || in == "+.Inf" || in == "+.INF")
    return {Kind::Float, json(HUGE_VAL)};
  if (in == "-.inf" || in == "-.Inf" || in == "-.INF") return {Kind::Float, json(-HUGE_VAL)};
  if (in == ".nan" || in == ".NaN" || in == ".NAN") return {Kind::Float, json(NAN)};
  if (in == "<<") return {Kind::Merge, json(in)};
  if (hint_dot) {
    if (dot_float(in))
      if (auto d = parse_double(in)) return {Kind::Float, json(*d)};
    return {Kind::Str, json(in)};
  }
  if (hint_d) {
    std::string plain;
    plain.reserve(in.size());
    for (char c : in)
      if (c != '_') plain += c;
    if (auto g = parse_go_int(plain); g && int_fits(*g)) return {Kind::Int, int_json(*g)};
    if (yaml_style_float(plain))
      if (auto d = parse_double(plain)) return {Kind::Float, json(*d)};
  }
  return {Kind::Str, json(in)};
}

// Go strconv.FormatFloat(v, 'g', -1, 32), as sigs.k8s.io/yaml uses for float map keys.
std::string go_format_float32_g(double v) {
  const float f = static_cast<float>(v);
  if (std::isnan(f)) return ".nan";
  if (std::isinf(f)) return f > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);  // shortest: d.ddde±XX
  std::string s(buf, res.ptr);
  std::string out;
  size_t i = 0;
  if (s[0] == '-') out += '-', i = 1;
  const size_t e = s.find('e');
  std::string digits;
  for (size_t k = i; k < e; ++k)
    if (s[k] != '.') digits += s[k];
  int exp = std::atoi(s.c_str() + e + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (digits == "0") return out + "0";
  if (exp < -4 || exp >= 6) {  // %e, eprec = 6 for shortest
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    const int ax = std::abs(exp);
    if (ax < 10) out += '0';
    out += std::to_string(ax);
    return out;
  }
  const int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out += "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(dp)) + "." + digits.substr(static_cast<size_t>(dp));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Event-driven YAML -> JSON builder.

constexpr size_t kAliasNodeBudget = 1'000'000;
constexpr size_t kAliasByteBudget = 64u * 1024 * 1024;

struct SingleDocumentError {};

class Builder : public YAML::EventHandler {
 public:
  Builder(const DecodeLimits& limits, std::string_view body) : limits_(limits), body_(body) {
    // Marks are byte offsets only for UTF-8 input; skip the quoted-scalar check for UTF-16/32 bodies.
    const auto b = [&](size_t i) { return i < body.size() ? static_cast<unsigned char>(body[i]) : 1; };
    utf8_body_ = !(b(0) == 0 || b(1) == 0 || (b(0) == 0xFE && b(1) == 0xFF) || (b(0) == 0xFF && b(1) == 0xFE));
  }

  json take_result() { return root_ ? std::move(*root_) : json(nullptr); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 loops forever on some inputs (e.g. a stray leading ","), producing empty documents without
    // consuming anything; a document starting where the previous one started means no progress.
    if (documents_ > 0 && mark.pos == last_document_pos_) fail(mark, "did not find expected node content");
    last_document_pos_ = mark.pos;
    ++documents_;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    emit(json(nullptr), mark, anchor, Weight{1, 0, 0}, false);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail(mark, "anchor value contains itself or is not defined");
    const Anchored& a = it->second;
    charge(a.w, mark);
    if (static_cast<long>(stack_.size()) + a.w.height > limits_.max_depth) fail(mark, nesting_message(limits_.max_depth));
    emit(json(a.value), mark, 0, a.w, a.merge_key);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (tag == "!") check_quote_terminated(mark);
    Resolved r = resolve(mark, tag, value);
    const bool merge = r.kind == Kind::Merge;
    if (r.kind == Kind::Float) {
      const double d = r.value.get<double>();
      if (std::isnan(d) || std::isinf(d)) {
        if (!expecting_key()) fail(mark, "unsupported value: " + machinery::excerpt(value) + " (JSON has no NaN/Inf)");
        // as a key it is formatted (".inf"), see key_string()
      } else if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
                 !expecting_key()) {
        r.value = json(static_cast<int64_t>(d));  // Go marshals float64(1) as 1
      }
    }
    if (r.value.is_string()) {
      std::string& s = r.value.get_ref<std::string&>();
      if (!machinery::is_valid_utf8(s)) s = machinery::sanitize_utf8(s);
    }
    emit(std::move(r.value), mark, anchor, Weight{1, value.size(), 0}, merge);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array(), false);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object(), true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Weight {
    size_t nodes = 0;
    size_t bytes = 0;
    long height = 0;  // container nesting levels (scalar: 0)
  };
  struct Anchored {
    json value;
    Weight w;
    bool merge_key = false;
  };
  struct Frame {
    json value;
    bool is_map = false;
    bool have_key = false;
    bool key_is_merge = false;
    std::string key;
    YAML::Mark key_mark;
    YAML::anchor_t anchor = 0;
    YAML::Mark mark;
    Weight w;  // accumulated from children
  };

  [[noreturn]] static void fail(const YAML::Mark& mark, const std::string& what) {
    if (mark.is_null() || mark.line < 0) throw BodyError("yaml: " + what);
    throw BodyError("yaml: line " + std::to_string(mark.line + 1) + ": " + what);
  }

  void charge(const Weight& w, const YAML::Mark& mark) {
    alias_nodes_ += w.nodes;
    alias_bytes_ += w.bytes;
    if (alias_nodes_ > kAliasNodeBudget || alias_bytes_ > kAliasByteBudget)
      fail(mark, "document contains excessive aliasing");
  }

  // yaml-cpp 0.7 accepts a quoted scalar left open at the end of the stream when the input ends with a newline
  // (`a: 'oops\n` -> "oops "); libyaml/Go reject it. Verify the closing quote exists in the source.
  void check_quote_terminated(const YAML::Mark& mark) {
    if (!utf8_body_ || mark.pos < 0 || static_cast<size_t>(mark.pos) >= body_.size()) return;
    const size_t start = static_cast<size_t>(mark.pos);
    const char q = body_[start];
    if (q != '"' && q != '\'') return;  // node starts with a tag/anchor: skip the check
    for (size_t i = start + 1; i < body_.size(); ++i) {
      const char c = body_[i];
      if (q == '"' && c == '\\') {
        ++i;
      } else if (c == q) {
        if (q == '\'' && i + 1 < body_.size() && body_[i + 1] == '\'') {
          ++i;  // '' inside a single-quoted scalar
        } else {
          return;
        }
      }
    }
    fail(mark, "found unexpected end of stream while scanning a quoted scalar");
  }

  bool expecting_key() const { return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key; }

  Resolved resolve(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
    if (tag == "?") return resolve_plain(value);
    static const std::string kPrefix = "tag:yaml.org,2002:";
    if (tag.rfind(kPrefix, 0) != 0) return {Kind::Str, json(value)};  // "!" (quoted) or custom tags
    const std::string t = tag.substr(kPrefix.size());
    if (t == "str" || t == "binary" || t == "timestamp") return {Kind::Str, json(value)};
    Resolved r = resolve_plain(value);
    auto bad = [&]() -> Resolved {
      fail(mark, "cannot decode !!" + machinery::excerpt(t) + " `" + machinery::excerpt(value, 64) + "`");
    };
    if (t == "null") return r.kind == Kind::Null ? r : bad();
    if (t == "bool") return r.kind == Kind::Bool ? r : bad();
    if (t == "int") return r.kind == Kind::Int ? r : bad();
    if (t == "float") {
      if (r.kind == Kind::Float) return r;
      if (r.kind == Kind::Int) return {Kind::Float, json(r.value.get<double>())};
      return bad();
    }
    if (t == "merge") return value == "<<" ? Resolved{Kind::Merge, json(value)} : bad();
    return {Kind::Str, json(value)};
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json value, bool is_map) {
    if (documents_ > 1) throw SingleDocumentError{};
    if (static_cast<long>(stack_.size()) + 1 > limits_.max_depth) fail(mark, nesting_message(limits_.max_depth));
    Frame f;
    f.value = std::move(value);
    f.is_map = is_map;
    f.anchor = anchor;
    f.mark = mark;
    f.w = Weight{1, 0, 1};
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.is_map && f.have_key) fail(f.mark, "mapping key without value");  // not produced by yaml-cpp
    emit(std::move(f.value), f.mark, f.anchor, f.w, false);
  }

  std::string key_string(const json& k, const YAML::Mark& mark) {
    switch (k.type()) {
      case json::value_t::string: return k.get<std::string>();
      case json::value_t::boolean: return k.get<bool>() ? "true" : "false";
      case json::value_t::number_integer: return std::to_string(k.get<int64_t>());
      case json::value_t::number_unsigned: return std::to_string(k.get<uint64_t>());
      case json::value_t::number_float: return go_format_float32_g(k.get<double>());
      case json::value_t::null: fail(mark, "unsupported map key: null");
      default: fail(mark, "unsupported map key: a map key must be a scalar");
    }
  }

  void merge_into(json& target, const json& src, const YAML::Mark& mark) {
    const char* msg = "map merge requires map or sequence of maps as the value";
    if (src.is_object()) {
      for (const auto& [k, v] : src.items()) target[k] = v;
    } else if (src.is_array()) {
      for (const auto& item : src)
        if (!item.is_object()) fail(mark, msg);
      for (auto it = src.rbegin(); it != src.rend(); ++it)  // earlier maps take precedence
        for (const auto& [k, v] : it->items()) target[k] = v;
    } else {
      fail(mark, msg);
    }
  }

  void emit(json v, const YAML::Mark& mark, YAML::anchor_t anchor, const Weight& w, bool merge_key) {
    if (documents_ > 1) {
      // A trailing empty document ("---" at the end, or `--- null`) is tolerated; anything else is an error.
      if (!v.is_null() || !stack_.empty()) throw SingleDocumentError{};
      return;
    }
    if (anchor != 0) {
      // Anchored values are copied; charge the copy to the alias budget too, so that nested anchors over one big
      // structure (`&a [&b [&c [...]]]`) cannot multiply memory use.
      charge(w, mark);
      anchors_[anchor] = Anchored{v, w, merge_key};
    }
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    f.w.nodes += w.nodes;
    f.w.bytes += w.bytes;
    f.w.height = std::max(f.w.height, w.height + 1);
    if (!f.is_map) {
      f.value.push_back(std::move(v));
      return;
    }
    if (!f.have_key) {
      f.have_key = true;
      f.key_mark = mark;
      f.key_is_merge = merge_key;
      if (!merge_key) {
        f.key = key_string(v, mark);
        if (!machinery::is_valid_utf8(f.key)) f.key = machinery::sanitize_utf8(f.key);
      }
      return;
    }
    if (f.key_is_merge) {
      merge_into(f.value, v, f.key_mark);
    } else {
      f.value[f.key] = std::move(v);  // duplicate keys: last wins
    }
    f.have_key = false;
    f.key_is_merge = false;
  }

  const DecodeLimits& limits_;
  std::string_view body_;
  bool utf8_body_ = true;
  std::vector<Frame> stack_;
  std::optional<json> root_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  size_t alias_nodes_ = 0;
  size_t alias_bytes_ = 0;
  int documents_ = 0;
  int last_document_pos_ = -1;
};

// Pre-scan of a JSON text: container depth outside strings (so nlohmann never builds anything too deep).
void check_json_depth(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        throw BodyError("json: cannot parse body: " + nesting_message(max_depth) + " at byte " + std::to_string(i));
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
}

std::string lower_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool looks_like_json(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

void check_nesting(const json& value, int max_depth) {
  // Iterative DFS: (node, depth) where depth counts containers from the root.
  std::vector<std::pair<const json*, int>> todo{{&value, value.is_structured() ? 1 : 0}};
  while (!todo.empty()) {
    auto [node, depth] = todo.back();
    todo.pop_back();
    if (depth > max_depth) throw BodyError(nesting_message(max_depth));
    if (!node->is_structured()) continue;
    for (const auto& child : *node)
      if (child.is_structured()) todo.emplace_back(&child, depth + 1);
  }
}

json decode_json(std::string_view body, const DecodeLimits& limits) {
  check_size(body, limits);
  check_json_depth(body, limits.max_depth);
  try {
    return json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::parse_error& e) {
    // e.byte: 1-based index of the last character read (the offending one).
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    size_t line = 0, col = 0;
    line_col(body, offset, line, col);
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while parsing value - ..."
    if (auto p = what.find(": "); p != std::string::npos && what.find("parse error") != std::string::npos)
      what = what.substr(p + 2);
    if (what.rfind("syntax error ", 0) == 0) what = what.substr(13);
    throw BodyError("json: cannot parse body: syntax error at byte " + std::to_string(offset) + " (line " +
                     std::to_string(line) + ", column " + std::to_string(col) + "): " + machinery::excerpt(what, 512));
  } catch (const json::exception& e) {
    // e.g. "[json.exception.out_of_range.406] number overflow parsing '1e400'": drop the bracketed id.
    std::string what = e.what();
    if (auto p = what.find("] "); !what.empty() && what[0] == '[' && p != std::string::npos) what = what.substr(p + 2);
    throw BodyError("json: cannot parse body: " + machinery::excerpt(what, 512));
  }
}

json decode_yaml(std::string_view body, const DecodeLimits& limits) {
  check_size(body, limits);
  std::istringstream in{std::string(body)};
  Builder builder(limits, body);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) return json(nullptr);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const SingleDocumentError&) {
    throw BodyError("yaml: expected a single document");
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null() || e.mark.line < 0) throw BodyError("yaml: " + machinery::excerpt(e.msg, 512));
    throw BodyError("yaml: line " + std::to_string(e.mark.line + 1) + ": " + machinery::excerpt(e.msg, 512));
  }
  return builder.take_result();
}

json decode_body(std::string_view content_type, std::string_view body, const DecodeLimits& limits) {
  std::string ct = lower_trim(content_type.substr(0, content_type.find(';')));
  const bool is_json = ct == "application/json" || ct.ends_with("+json");
  const bool is_yaml = ct == "application/yaml" || ct == "application/x-yaml" || ct == "text/yaml" ||
                       ct == "text/x-yaml" || ct.ends_with("+yaml");
  if (is_json) return decode_json(body, limits);
  if (!is_yaml && !ct.empty())
    throw UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: "
                               "application/json, application/yaml, application/apply-patch+yaml, "
                               "application/merge-patch+json, application/json-patch+json, "
                               "application/strategic-merge-patch+json");
  if (looks_like_json(body)) {
    try {
      return decode_json(body, limits);
    } catch (const BodyError&) {
      // not JSON after all (e.g. a YAML flow mapping `{a: b}`): fall through to YAML
    }
  }
  return decode_yaml(body, limits);
}

}  // namespace capstan::api
