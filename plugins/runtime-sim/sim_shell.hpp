#pragma once
// The simulated runtime's tiny shell: enough of sh for exec, probes, hooks and logs to be
// testable without containers. It runs `cmd` (argv) — directly, or the script of `sh -c SCRIPT`
// split on `;`, `&&` and `||`, words split on blanks with '...' and "..." quoting — and knows:
//   echo [-n] ARGS   prints its arguments
//   exit N           stops with status N
//   true / false     0 / 1
//   hostname         the pod's name
//   env, printenv [VAR]  the container's environment
//   cat FILE         fails ("No such file or directory") when FILE contains "missing", else prints nothing
//   anything else    succeeds silently (sleep, test, ls, touch...)
// Nothing is executed on the machine.

#include <map>
#include <string>
#include <vector>

namespace capstan::runtime_sim {

struct ShellResult {
  std::string out, err;
  int exit_code = 0;
};

ShellResult run_shell(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                      const std::string& hostname);

// The lines a container's command prints before it would block (its `echo` output), for the
// simulated log file.
std::vector<std::string> startup_output(const std::vector<std::string>& argv,
                                        const std::vector<std::pair<std::string, std::string>>& env,
                                        const std::string& hostname);

}  // namespace capstan::runtime_sim
