#include "sim_shell.hpp"

#include <cstdlib>

namespace capstan::runtime_sim {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

struct Step {
  std::string text;
  std::string op;  // the operator before it: "", ";", "&&", "||"
};

std::vector<Step> split_script(const std::string& script) {
  std::vector<Step> steps;
  std::string cur, op;
  char quote = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    if (quote) {
      if (c == quote) quote = 0;
      cur += c;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    std::string next;
    if (c == ';' || c == '\n') next = ";";
    else if (c == '&' && i + 1 < script.size() && script[i + 1] == '&') next = "&&";
    else if (c == '|' && i + 1 < script.size() && script[i + 1] == '|') next = "||";
    if (next.empty()) {
      cur += c;
      continue;
    }
    steps.push_back({cur, op});
    op = next;
    cur.clear();
    if (next.size() == 2) ++i;
  }
  steps.push_back({cur, op});
  return steps;
}

bool is_shell(const std::string& a) { return a == "sh" || a == "/bin/sh" || a == "bash" || a == "/bin/bash"; }

// Runs one simple command; returns false when it ends the script (exit).
bool run_one(const std::vector<std::string>& w, const std::vector<std::pair<std::string, std::string>>& env,
             const std::string& hostname, ShellResult& r) {
  if (w.empty()) return true;
  const std::string& cmd = w[0];
  r.exit_code = 0;
  if (cmd == "echo") {
    size_t i = 1;
    bool newline = true;
    if (w.size() > 1 && w[1] == "-n") {
      newline = false;
      i = 2;
    }
    for (size_t k = i; k < w.size(); ++k) r.out += (k > i ? " " : "") + w[k];
    if (newline) r.out += "\n";
  } else if (cmd == "exit") {
    r.exit_code = w.size() > 1 ? std::atoi(w[1].c_str()) & 0xff : 0;
    return false;
  } else if (cmd == "false") {
    r.exit_code = 1;
  } else if (cmd == "hostname") {
    r.out += hostname + "\n";
  } else if (cmd == "env" || (cmd == "printenv" && w.size() == 1)) {
    for (const auto& [k, v] : env) r.out += k + "=" + v + "\n";
  } else if (cmd == "printenv") {
    r.exit_code = 1;
    for (const auto& [k, v] : env)
      if (k == w[1]) {
        r.out += v + "\n";
        r.exit_code = 0;
      }
  } else if (cmd == "cat") {
    for (size_t k = 1; k < w.size(); ++k)
      if (w[k].find("missing") != std::string::npos) {
        r.err += "cat: " + w[k] + ": No such file or directory\n";
        r.exit_code = 1;
      }
  }
  return true;
}

}  // namespace

ShellResult run_shell(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                      const std::string& hostname) {
  ShellResult r;
  if (argv.empty()) return r;
  if (is_shell(argv[0])) {
    if (argv.size() < 3 || argv[1] != "-c") return r;
    for (const auto& step : split_script(argv[2])) {
      if (step.op == "&&" && r.exit_code != 0) continue;
      if (step.op == "||" && r.exit_code == 0) continue;
      if (!run_one(words(step.text), env, hostname, r)) break;
    }
    return r;
  }
  run_one(argv, env, hostname, r);
  return r;
}

std::vector<std::string> startup_output(const std::vector<std::string>& argv,
                                        const std::vector<std::pair<std::string, std::string>>& env,
                                        const std::string& hostname) {
  std::vector<std::string> lines;
  ShellResult r;
  if (!argv.empty() && is_shell(argv[0]) && argv.size() >= 3 && argv[1] == "-c") {
    for (const auto& step : split_script(argv[2])) {
      auto w = words(step.text);
      if (!w.empty() && (w[0] == "sleep" || w[0] == "while" || w[0] == "exec")) break;  // would block
      if (!run_one(w, env, hostname, r)) break;
    }
  } else if (!argv.empty() && argv[0] == "echo") {
    run_one(argv, env, hostname, r);
  }
  size_t start = 0;
  for (size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(r.out.substr(start, nl - start));
  if (start < r.out.size()) lines.push_back(r.out.substr(start));
  return lines;
}

}  // namespace capstan::runtime_sim
