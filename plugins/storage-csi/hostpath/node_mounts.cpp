#include "node_mounts.hpp"

#include <dirent.h>

#include <fstream>
#include <sstream>

namespace capstan::csi::hostpath {

namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const char a = s[i + 1], b = s[i + 2], c = s[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<MountEntry> parse_mountinfo(const std::string& text) {
  std::vector<MountEntry> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    std::string w;
    while (f >> w) fields.push_back(w);
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    size_t sep = 0;
    for (size_t i = 6; i < fields.size(); ++i)
      if (fields[i] == "-") {
        sep = i;
        break;
      }
    if (sep == 0 || sep + 2 >= fields.size()) continue;
    MountEntry e;
    e.major_minor = fields[2];
    e.root = unescape(fields[3]);
    e.mount_point = unescape(fields[4]);
    std::istringstream opts(fields[5]);
    std::string o;
    while (std::getline(opts, o, ','))
      if (o == "ro") e.readonly = true;
    e.fs_type = fields[sep + 1];
    e.source = unescape(fields[sep + 2]);
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<MountEntry> mount_at(const std::string& path) {
  std::optional<MountEntry> found;
  // Later lines are mounted on top of earlier ones: the last match is what the path shows.
  for (auto& e : parse_mountinfo(read_file("/proc/self/mountinfo")))
    if (e.mount_point == path) found = std::move(e);
  return found;
}

std::optional<std::string> loop_device_for(const std::string& image) {
  DIR* d = opendir("/sys/block");
  if (!d) return std::nullopt;
  std::optional<std::string> found;
  while (dirent* ent = readdir(d)) {
    std::string name = ent->d_name;
    if (name.rfind("loop", 0) != 0) continue;
    std::string backing = read_file("/sys/block/" + name + "/loop/backing_file");
    while (!backing.empty() && (backing.back() == '\n' || backing.back() == ' ')) backing.pop_back();
    if (backing == image) {
      found = "/dev/" + name;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace capstan::csi::hostpath
