#include "system.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace capstan::proxy {

machinery::RunResult nft_apply(const std::string& script, const std::string& path, bool check_only) {
  if (!write_file(path, script)) {
    machinery::RunResult r;
    r.error = "cannot write " + path;
    return r;
  }
  if (check_only) return machinery::run({"nft", "-c", "-f", path}, {.merge_stderr = true});
  return machinery::run({"nft", "-f", path}, {.merge_stderr = true});
}

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  dirs += ":/usr/sbin:/sbin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace capstan::proxy
