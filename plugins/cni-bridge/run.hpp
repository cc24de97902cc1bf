#pragma once
// Runs `ip` and `nft` by argv (never through a shell) and collects their output.

#include <string>
#include <vector>

namespace capstan::cni {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

RunResult run(const std::vector<std::string>& argv, const std::string& stdin_text = "");

}  // namespace capstan::cni
