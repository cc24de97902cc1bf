#include "auth/token_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace capstan::auth {

namespace {

// One CSV record (RFC 4180 quoting, as Go's encoding/csv reads it).
std::vector<std::string> csv_fields(const std::string& line, size_t line_no) {
  std::vector<std::string> out;
  std::string field;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) throw TokenFileError("line " + std::to_string(line_no) + ": unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',')
        throw TokenFileError("line " + std::to_string(line_no) + ": extraneous text after a quoted field");
    } else {
      while (i < line.size() && line[i] != ',') field += line[i++];
    }
    out.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string random_token() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for the admin token");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

void write_private(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

}  // namespace

TokenFile TokenFile::parse(const std::string& text) {
  TokenFile f;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto fields = csv_fields(t, line_no);
    if (fields.size() < 3)
      throw TokenFileError("line " + std::to_string(line_no) + ": a token line needs at least 3 fields (token,user,uid), found " +
                           std::to_string(fields.size()));
    User u;
    std::string token = fields[0];
    u.name = fields[1];
    u.uid = fields[2];
    if (token.empty() || u.name.empty())
      throw TokenFileError("line " + std::to_string(line_no) + ": empty token or user name");
    if (fields.size() >= 4 && !fields[3].empty()) {
      std::string groups = fields[3];
      size_t s = 0;
      while (s <= groups.size()) {
        size_t e = groups.find(',', s);
        if (e == std::string::npos) e = groups.size();
        std::string g = trim(groups.substr(s, e - s));
        if (!g.empty()) u.groups.push_back(g);
        s = e + 1;
      }
    }
    // kube-apiserver warns about duplicate tokens and keeps the last line.
    f.users_[token] = std::move(u);
  }
  return f;
}

TokenFile TokenFile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TokenFileError("cannot read token file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const TokenFileError& e) {
    throw TokenFileError(path + ": " + e.what());
  }
}

std::optional<User> TokenFile::find(const std::string& token) const {
  // Compare against every token with CRYPTO_memcmp so the time taken says nothing about which
  // prefix matched; the map only holds a handful of tokens.
  const User* found = nullptr;
  for (const auto& [t, u] : users_) {
    if (t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0) found = &u;
  }
  if (!found) return std::nullopt;
  return *found;
}

std::string ensure_admin_token(const std::string& auth_dir, const std::string& admin_name) {
  namespace fs = std::filesystem;
  fs::create_directories(auth_dir);
  ::chmod(auth_dir.c_str(), 0700);
  const std::string token_path = (fs::path(auth_dir) / "admin.token").string();
  const std::string csv_path = (fs::path(auth_dir) / "tokens.csv").string();
  std::string token;
  {
    std::ifstream in(token_path);
    if (in) std::getline(in, token);
  }
  token = trim(token);
  if (token.empty()) {
    token = random_token();
    write_private(token_path, token + "\n");
  }
  if (!fs::exists(csv_path))
    write_private(csv_path, "# token,user,uid,\"groups\" (kube-apiserver --token-auth-file format)\n" + token + "," +
                                admin_name + "," + admin_name + ",\"" + kMastersGroup + "\"\n");
  return token;
}

}  // namespace capstan::auth
