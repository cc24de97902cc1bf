// libFuzzer target: what the authentication layer reads from outside — a token file's text and
// an Authorization header. The first byte picks which; a token file either parses or is refused
// with TokenFileError, a header either yields a one-word token or none; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/authenticator.hpp"
#include "auth/token_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
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
