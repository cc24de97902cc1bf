#include "image_ref.hpp"

#include <algorithm>
#include <cctype>

namespace capstan::cri {
namespace {

bool is_hex_id(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::string normalize_image_ref(const std::string& ref) {
  if (ref.empty() || is_hex_id(ref)) return ref;
  if (ref.rfind("sha256:", 0) == 0) return ref;

  std::string name = ref, digest;
  if (auto at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at);
    name = name.substr(0, at);
  }

  std::string domain, rest;
  auto slash = name.find('/');
  if (slash != std::string::npos) {
    std::string first = name.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
      domain = first;
      rest = name.substr(slash + 1);
    }
  }
  if (domain.empty()) {
    domain = "docker.io";
    rest = name;
  }
  if (domain == "index.docker.io") domain = "docker.io";
  // Official images live under library/ on Docker Hub.
  if (domain == "docker.io" && rest.find('/') == std::string::npos) rest = "library/" + rest;

  // A tag is a ':' after the last '/'.
  auto last_slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  bool has_tag = colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash);
  if (!has_tag && digest.empty()) rest += ":latest";
  return domain + "/" + rest + digest;
}

}  // namespace capstan::cri
