#pragma once
// The node agent's HTTP endpoint, kubelet-shaped, for the API server's pods/log, pods/exec and
// pods/attach proxy:
//   GET /containerLogs/{namespace}/{pod}/{container}?follow&tailLines&sinceSeconds&sinceTime
//       &timestamps&previous&limitBytes   -> the CRI log file rendered as kubectl expects; with
//       follow=true a chunked stream that ends when the container stops or the client goes away;
//   GET /exec/{namespace}/{pod}/{container}?command=..&stdin&stdout&stderr&tty  (WebSocket)
//   GET /attach/{namespace}/{pod}/{container}?stdin&stdout&stderr&tty            (WebSocket)
//       subprotocols v5.channel.k8s.io and v4.channel.k8s.io: channel 0 stdin, 1 stdout,
//       2 stderr, 3 error (a Status, with the exit code), 4 resize, 255 close (v5);
//   GET /healthz -> ok.
// Exec and attach ask the runtime for a CRI streaming URL and relay the frames to it over a
// WebSocket (v4.channel.k8s.io). A runtime answering a `sim://` URL has no stream server: the
// command then runs through ExecSync and its output is sent as frames (the simulated runtime).
// Plain HTTP; one thread per connection. Beast lives only in agent_server.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace capstan::agent {

struct ContainerLocation {
  std::string container_id;
  std::string log_file;  // absolute path of the CRI log file
};

struct ExecSyncResult {
  std::string out, err;
  int exit_code = 0;
  std::string error;  // the call failed
};

// What the server needs from the agent.
class NodeServices {
 public:
  virtual ~NodeServices() = default;
  // The container's current (or, with previous, last terminated) instance; nullopt with
  // `error` (HTTP status in `code`) when there is none.
  virtual std::optional<ContainerLocation> locate(const std::string& ns, const std::string& pod,
                                                  const std::string& container, bool previous, int& code,
                                                  std::string& error) = 0;
  virtual bool running(const std::string& container_id) = 0;
  // The runtime's exec/attach: a streaming URL, or "" with `error`.
  virtual std::string stream_url(bool attach, const std::string& container_id, const std::vector<std::string>& cmd,
                                 bool tty, bool in, bool out, bool err, std::string& error) = 0;
  virtual ExecSyncResult exec_sync(const std::string& container_id, const std::vector<std::string>& cmd,
                                   int timeout_seconds) = 0;
};

class AgentServer {
 public:
  // Binds address:port at once (port 0 = any); throws std::runtime_error when it cannot.
  AgentServer(NodeServices& services, const std::string& address, int port);
  ~AgentServer();
  int port() const;
  void start();
  // Stops accepting, ends every session and waits for their threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Status JSON sent on the error channel when a command ends (exit code 0 -> Success).
std::string exec_status_json(int exit_code, const std::vector<std::string>& cmd);

}  // namespace capstan::agent
