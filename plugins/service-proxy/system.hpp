#pragma once
// Running the host tools the proxy needs (nft, ip) and reading/writing sysctls: the plugin's only
// contact with the host's network configuration.

#include <string>
#include <vector>

namespace capstan::proxy {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs argv[0] (looked up in PATH) and waits for it.
RunResult run(const std::vector<std::string>& argv);
// Applies an nft script through a file (kept as `path` for inspection).
RunResult nft_apply(const std::string& script, const std::string& path, bool check_only = false);
bool have_program(const std::string& name);

std::string read_file(const std::string& path);
bool write_file(const std::string& path, const std::string& text);

}  // namespace capstan::proxy
