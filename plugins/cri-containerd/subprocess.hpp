#pragma once
// Running helper programs (ctr, containerd) by argv, never through a shell.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace capstan::cri {

struct CommandResult {
  int exit_code = -1;  // -1: could not run or killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (looked up in PATH) to completion, collecting its output; kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(600));

// Starts argv[0] in the background with stdout and stderr appended to `log_path`, in a new
// session (so a terminal's Ctrl-C reaches the parent only, which then stops it in order).
// Returns its pid; throws on failure. `env` (NAME=value entries) replaces the environment when
// given; otherwise it inherits ours.
pid_t spawn_background(const std::vector<std::string>& argv, const std::string& log_path,
                       const std::vector<std::string>* env = nullptr);

// This process's environment as NAME=value entries.
std::vector<std::string> current_environment();

// Sends SIGTERM, waits up to `grace`, then SIGKILL; reaps it when it is our child.
void terminate_process(pid_t pid, std::chrono::milliseconds grace);

bool process_alive(pid_t pid);

// The NUL-separated command line of a process, as a list; empty when it is gone.
std::vector<std::string> process_cmdline(pid_t pid);

}  // namespace capstan::cri
