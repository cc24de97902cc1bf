// The Status a remotecommand stream ends with, in the shape kubelet's streaming server writes it.
#include <nlohmann/json.hpp>

#include "agent_server.hpp"

namespace capstan::agent {

std::string exec_status_json(int exit_code, const std::vector<std::string>& cmd) {
  if (exit_code == 0) return R"({"metadata":{},"status":"Success"})";
  std::string joined;
  for (size_t i = 0; i < cmd.size(); ++i) joined += (i ? " " : "") + cmd[i];
  // Field order as the API server writes a Status (clients decode it either way).
  nlohmann::ordered_json j = {
      {"metadata", nlohmann::ordered_json::object()},
      {"status", "Failure"},
      {"message", "command terminated with non-zero exit code: error executing command [" + joined +
                      "], exit code " + std::to_string(exit_code)},
      {"reason", "NonZeroExitCode"},
      {"details", {{"causes", nlohmann::ordered_json::array({{{"reason", "ExitCode"}, {"message", std::to_string(exit_code)}}})}}}};
  return j.dump();
}

}  // namespace capstan::agent
