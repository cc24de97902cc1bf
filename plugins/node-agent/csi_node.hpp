#pragma once
// The agent's CSI side: the node's drivers by name (the default host-path driver, started and
// supervised here, and third-party drivers configured by socket path), and the CsiNode calls the
// volume manager makes, over the CSI client (no gRPC in this header).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "volumes.hpp"

namespace capstan::csi {
class Client;
struct NodeInfo;
}  // namespace capstan::csi

namespace capstan::agent {

struct CsiConfig {
  std::string node_name;
  std::string data_dir;              // the agent's data dir: sockets and the host-path volumes under it
  bool hostpath = true;              // start the default driver
  std::string hostpath_binary;       // empty: beside the capstan executable, else PATH
  std::map<std::string, std::string> drivers;  // third-party drivers: name -> socket path
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

// The default driver's name and where the agent serves it.
inline constexpr const char* kHostPathDriver = "hostpath.csi.capstan.io";

class AgentCsi final : public CsiNode {
 public:
  using Log = std::function<void(bool warning, const std::string&)>;
  AgentCsi(CsiConfig config, Log log);
  ~AgentCsi() override;

  // Starts the host-path driver (when configured) and its supervisor.
  void start();
  // Stops the supervisor and the host-path driver (volumes stay as they are on disk).
  void stop();

  // name -> endpoint of every driver of this node.
  std::map<std::string, std::string> drivers() const;
  // NodeGetInfo of one driver; the error as the driver (or gRPC) said it.
  bool node_info(const std::string& driver, csi::NodeInfo& out, std::string& error);
  // How many times the host-path driver was (re)started.
  int hostpath_starts() const { return starts_.load(); }

  std::string stage(const CsiMount& m) override;
  std::string publish(const CsiMount& m) override;
  std::string unpublish(const CsiMount& m) override;
  std::string unstage(const CsiMount& m) override;
  std::string expand(const CsiMount& m, int64_t bytes) override;

 private:
  csi::Client* client(const std::string& driver, std::string& error);
  // Whether the driver stages volumes (NodeGetCapabilities STAGE_UNSTAGE_VOLUME), asked once.
  std::optional<bool> stages(const std::string& driver, csi::Client& c, std::string& error);
  void supervise();
  bool spawn();

  CsiConfig config_;
  Log log_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> endpoints_;
  std::map<std::string, std::unique_ptr<csi::Client>> clients_;
  std::map<std::string, bool> stage_caps_;
  std::map<std::string, bool> expand_caps_;  // NodeGetCapabilities EXPAND_VOLUME
  struct Child;
  std::unique_ptr<Child> child_;
  std::thread supervisor_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::atomic<int> starts_{0};
};

}  // namespace capstan::agent
