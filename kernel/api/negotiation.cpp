#include "api/negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace capstan::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// Go's strconv.ParseFloat(s, 32) as goautoneg uses it: anything unparsable is 0.
double parse_q(std::string_view text) {
  std::string s(text);
  if (s.empty()) return 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return 0;
  return v;
}

struct Served {
  MediaType media;
  std::string_view type, subtype;
  bool stream;  // has a stream (watch) form
};

// The order kube-apiserver's codec factory lists them: the first one answers `*/*`.
constexpr Served kServed[] = {
    {MediaType::kJson, "application", "json", true},
    {MediaType::kYaml, "application", "yaml", false},
    {MediaType::kProtobuf, "application", "vnd.kubernetes.protobuf", true},
};

enum class Restrictions { kResource, kError };

// acceptMediaTypeOptions + AllowsMediaTypeTransform: whether `clause` may be answered in
// `served` on this endpoint, and how.
std::optional<Negotiated> accept_clause(const AcceptClause& clause, const Served& served, const Endpoint& endpoint,
                                        Restrictions restrictions) {
  Negotiated out;
  out.media = served.media;
  bool convert = false;
  std::string as, group, version;
  for (const auto& [key, value] : clause.params) {
    if (key == "as") {
      convert = true;
      as = value;
    } else if (key == "g") {
      convert = true;
      group = value;
    } else if (key == "v") {
      convert = true;
      version = value;
    } else if (key == "stream") {
      if (!value.empty() && (!served.stream || value != "watch")) return std::nullopt;
    } else if (key == "sv") {
      // The server version of the meta group: v1 on resource endpoints, nothing for errors.
      if (!value.empty() && (restrictions == Restrictions::kError || value != "v1")) return std::nullopt;
    }
    // export, pretty, profile and unknown parameters change nothing here.
  }
  if (!convert) {
    // The kind's standard media types: JSON and YAML, protobuf when the kind has its numbers.
    if (served.media == MediaType::kProtobuf && !endpoint.protobuf) return std::nullopt;
    return out;
  }
  if (restrictions == Restrictions::kError || !endpoint.transforms) return std::nullopt;
  if (group != "meta.k8s.io" || (version != "v1" && version != "v1beta1")) return std::nullopt;
  out.transform_version = version;
  if (as == "Table") {
    // metav1.Table has no protobuf form.
    if (served.media == MediaType::kProtobuf) return std::nullopt;
    out.transform = Transform::kTable;
    return out;
  }
  if (as == "PartialObjectMetadata") {
    out.transform = Transform::kPartialObjectMetadata;
    return out;
  }
  if (as == "PartialObjectMetadataList") {
    out.transform = Transform::kPartialObjectMetadataList;
    return out;
  }
  return std::nullopt;
}

std::optional<Negotiated> negotiate(const std::string* accept, const Endpoint& endpoint, Restrictions restrictions) {
  if (!accept || accept->empty()) return Negotiated{};
  for (const auto& clause : parse_accept(*accept)) {
    for (const auto& served : kServed) {
      const bool matches = (clause.type == served.type && clause.subtype == served.subtype) ||
                           (clause.type == served.type && clause.subtype == "*") ||
                           (clause.type == "*" && clause.subtype == "*");
      if (!matches) continue;
      if (auto n = accept_clause(clause, served, endpoint, restrictions)) return n;
    }
  }
  return std::nullopt;
}

}  // namespace

const std::string* AcceptClause::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

std::vector<AcceptClause> parse_accept(std::string_view header) {
  std::vector<AcceptClause> out;
  for (std::string_view part : split(header, ',')) {
    part = trim(part);
    auto pieces = split(part, ';');
    auto range = split(pieces[0], '/');
    AcceptClause c;
    c.type = std::string(trim(range[0]));
    if (range.size() == 1 && c.type == "*") {
      c.subtype = "*";
    } else if (range.size() == 2) {
      c.subtype = std::string(trim(range[1]));
    } else {
      continue;
    }
    for (size_t i = 1; i < pieces.size(); ++i) {
      auto eq = pieces[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string token(trim(pieces[i].substr(0, eq)));
      std::string_view value = pieces[i].substr(eq + 1);
      if (token == "q") c.q = parse_q(value);
      else c.params.emplace_back(std::move(token), std::string(trim(value)));
    }
    out.push_back(std::move(c));
  }
  // goautoneg's order, with its comparison as written (a higher q first; otherwise a named type,
  // then a named subtype, before `*`) and Go's insertion sort, which is what sort.Sort runs on
  // a header's few clauses: the comparison is not a strict order, so the algorithm matters.
  auto less = [](const AcceptClause& a, const AcceptClause& b) {
    if (a.q > b.q) return true;
    if (a.type != "*" && b.type == "*") return true;
    if (a.subtype != "*" && b.subtype == "*") return true;
    return false;
  };
  for (size_t i = 1; i < out.size(); ++i)
    for (size_t j = i; j > 0 && less(out[j], out[j - 1]); --j) std::swap(out[j], out[j - 1]);
  return out;
}

std::optional<Negotiated> negotiate_output(const std::string* accept, const Endpoint& endpoint) {
  return negotiate(accept, endpoint, Restrictions::kResource);
}

std::optional<Negotiated> negotiate_stream(const std::string* accept, const Endpoint& endpoint) {
  auto n = negotiate(accept, endpoint, Restrictions::kResource);
  if (!n || n->media == MediaType::kYaml) return std::nullopt;
  return n;
}

MediaType negotiate_error(const std::string* accept, bool protobuf) {
  Endpoint endpoint;
  endpoint.protobuf = protobuf;
  endpoint.transforms = false;
  auto n = negotiate(accept, endpoint, Restrictions::kError);
  return n ? n->media : MediaType::kJson;
}

std::string not_acceptable_message(bool protobuf, bool stream) {
  std::string out = "only the following media types are accepted: ";
  if (stream) {
    out += "application/json;stream=watch";
    if (protobuf) out += ", application/vnd.kubernetes.protobuf;stream=watch";
  } else {
    out += "application/json, application/yaml";
    if (protobuf) out += ", application/vnd.kubernetes.protobuf";
  }
  return out;
}

std::string unsupported_media_type_message(bool protobuf) {
  std::string out = "the body of the request was in an unknown format - accepted media types include: "
                    "application/json, application/yaml";
  if (protobuf) out += ", application/vnd.kubernetes.protobuf";
  return out;
}

std::string media_type_of(const std::string* content_type) {
  if (!content_type) return "";
  std::string_view t = *content_type;
  if (auto semi = t.find(';'); semi != std::string_view::npos) t = t.substr(0, semi);
  t = trim(t);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const char* content_type_of(MediaType media) {
  switch (media) {
    case MediaType::kJson: return "application/json";
    case MediaType::kYaml: return "application/yaml";
    case MediaType::kProtobuf: return "application/vnd.kubernetes.protobuf";
  }
  return "application/json";
}

}  // namespace capstan::api
