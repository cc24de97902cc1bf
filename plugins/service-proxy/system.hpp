#pragma once
// Applying nft scripts, finding the host tools the proxy needs (nft, ip) and reading/writing
// sysctls: with machinery::run (capstan/machinery/process.hpp), the plugin's only contact with
// the host's network configuration.

#include <string>
#include <vector>

#include "capstan/machinery/process.hpp"

namespace capstan::proxy {

// Applies an nft script through a file (kept as `path` for inspection).
machinery::RunResult nft_apply(const std::string& script, const std::string& path, bool check_only = false);
bool have_program(const std::string& name);

std::string read_file(const std::string& path);
bool write_file(const std::string& path, const std::string& text);

}  // namespace capstan::proxy
