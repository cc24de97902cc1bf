#pragma once
// Static bearer tokens, in kube-apiserver's --token-auth-file format: one CSV line per token,
// `token,user,uid[,"group1,group2,..."]`; blank lines and lines starting with # are skipped.
// Capstan writes one such file at first start with the admin's token (auth/tokens.csv in the data
// directory), for clients that cannot present the admin certificate (the loopback plain-HTTP
// port, scripts); operators may name their own with --token-auth-file.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "auth/user.hpp"

namespace capstan::auth {

struct TokenFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TokenFile {
 public:
  // Parses the file's text; throws TokenFileError with the line number on a malformed line.
  static TokenFile parse(const std::string& text);
  static TokenFile load(const std::string& path);

  // The user a token names, compared in constant time per candidate.
  std::optional<User> find(const std::string& token) const;
  size_t size() const { return users_.size(); }

 private:
  std::map<std::string, User> users_;
};

// Reads the admin token in <data-dir>/auth (tokens.csv and admin.token), creating both with a
// fresh random token at first start (mode 0600). Returns the token.
std::string ensure_admin_token(const std::string& auth_dir, const std::string& admin_name);

}  // namespace capstan::auth
