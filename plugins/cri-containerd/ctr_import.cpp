#include "ctr_import.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "capstan/machinery/process.hpp"

namespace capstan::cri {

std::vector<std::string> parse_ctr_import_output(const std::string& output) {
  std::vector<std::string> names;
  std::istringstream in(output);
  const std::string prefix = "unpacking ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    auto open = line.find(" (", prefix.size());
    if (open == std::string::npos || open == prefix.size()) continue;
    std::string name = line.substr(prefix.size(), open - prefix.size());
    if (name.find(' ') != std::string::npos) continue;
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> ctr_import(const std::string& socket, const std::string& snapshotter, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error("image archive not found: " + path);
  machinery::RunOptions o;
  o.merge_stderr = true;
  o.timeout = std::chrono::minutes(10);
  auto r = machinery::run({"ctr", "--address", socket, "-n", "k8s.io", "images", "import", "--snapshotter", snapshotter, path}, o);
  auto names = parse_ctr_import_output(r.out);
  if (!r.ok()) {
    std::string msg = r.output() + (r.timed_out ? " (killed after 600 s)" : "");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw std::runtime_error("cannot import " + path + ": " + (msg.empty() ? "ctr failed" : msg));
  }
  if (names.empty())
    throw std::runtime_error("no named image in " + path +
                             " (an OCI archive names its images with the io.containerd.image.name annotation)");
  return names;
}

}  // namespace capstan::cri
