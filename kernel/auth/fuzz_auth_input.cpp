// libFuzzer target: what the authentication layer reads from outside — a token file's text, an
// Authorization header, impersonation headers. The first byte picks which; a token file either
// parses or is refused with TokenFileError, a header either yields a one-word token or none,
// impersonation yields a user or an ApiError; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/authenticator.hpp"
#include "api/api_error.hpp"
#include "auth/impersonation.hpp"
#include "auth/token_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 == 2) {
    // Impersonation headers: "name: value" lines, checked against an authorizer that allows all.
    struct AllowAll : capstan::auth::Authorizer {
      capstan::auth::Decision authorize(const capstan::auth::User&, const capstan::auth::RequestAttributes&) const override {
        return {capstan::auth::Decision::Kind::kAllow, "", ""};
      }
    } allow;
    capstan::http::Request req;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (auto colon = line.find(':'); colon != std::string::npos)
        req.headers.emplace_back("impersonate-" + line.substr(0, colon), line.substr(colon + 1));
      start = end + 1;
    }
    try {
      auto as = capstan::auth::impersonate(req, capstan::auth::User{"admin", "", {"system:masters"}, {}}, allow);
      if (as && as->name.empty()) abort();  // impersonation always names a user
    } catch (const capstan::api::ApiError&) {
    }
  } else if (data[0] % 2 == 0) {
    try {
      auto f = capstan::auth::TokenFile::parse(text);
      (void)f.find(text);
    } catch (const capstan::auth::TokenFileError&) {
    }
  } else {
    capstan::http::Request req;
    req.headers.emplace_back("authorization", text);
    auto t = capstan::auth::bearer_token(req);
    if (t && (t->empty() || t->find(' ') != std::string::npos)) abort();
  }
  return 0;
}
