#pragma once
// The ingress controller of one node: informers on the objects the configuration is made from,
// one sync at a time (machinery::SyncLoop: bursts of events coalesce, and a periodic run supervises nginx
// and repairs statuses), and after each sync:
//
//   model (ingress_builder, gateway_builder) → nginx.conf (nginx_config) → unchanged? done
//   → `nginx -t` on the candidate → rejected? leave out the object the failing line came from,
//     tell it with an event, try again (a bad object never blocks the others; when no object can
//     be blamed the last good configuration keeps serving) → install, start or reload nginx, wait
//     until the new workers serve the new configuration hash → statuses and events.

#include <atomic>
#include <condition_variable>
#include <thread>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "capstan/client.hpp"
#include "capstan/events.hpp"
#include "capstan/host.hpp"
#include "capstan/informer.hpp"
#include "capstan/machinery/sync_loop.hpp"
#include "cluster.hpp"
#include "gateway_builder.hpp"
#include "nginx_process.hpp"
#include "settings.hpp"

namespace capstan::ingress {

class Controller {
 public:
  Controller(const sdk::Host& host, Settings settings);
  ~Controller();

  void start();
  void stop();

 private:
  void sync();
  Snapshot snapshot() const;
  void ensure_ingress_class();
  CertFiles certificate(const std::string& ns, const std::string& name, const std::map<std::string, sdk::ObjectPtr>& secrets);
  void default_certificate(const std::map<std::string, sdk::ObjectPtr>& secrets, Model& model);
  std::string status_address() const;
  std::set<std::string> live_addresses() const;
  void update_ingress_status(const std::vector<sdk::ObjectPtr>& handled);
  void update_gateway_status(const GatewayBuild& build, bool programmed);
  void report(const std::vector<Issue>& issues, const Snapshot& snapshot);
  void supervise_loop();
  void note_changed(const sdk::ObjectPtr& obj, const char* kind);
  void write_state(const std::string& last_error);
  void remove_own_addresses();

  const sdk::Host& host_;
  const Settings settings_;
  sdk::Client client_;
  sdk::EventRecorder events_;
  std::unique_ptr<sdk::Informer> ingresses_, ingress_classes_, services_, slices_, secrets_, nodes_;
  std::unique_ptr<sdk::Informer> gateway_classes_, gateways_, http_routes_, namespaces_;
  bool gateway_api_ = false;  // the gateway kinds are served (kinds-gateway loaded)
  NginxProcess nginx_;
  std::unique_ptr<machinery::SyncLoop> runner_;
  int status_port_ = 0;

  std::mutex sync_mu_;
  std::string applied_hash_;         // of the configuration nginx serves
  std::set<int> applied_ports_;      // ports the running nginx has bound
  std::set<std::string> last_issues_;
  std::map<std::string, int64_t> seen_generation_;  // Ingress key → generation announced with "Sync"
  std::map<std::string, std::pair<uint64_t, std::string>> known_bad_;  // source → (revision, nginx's complaint)
  std::mutex dirty_mu_;
  std::set<std::string> dirty_;      // objects changed since the last good configuration
  bool class_checked_ = false;
  std::string state_error_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> configured_{false};  // nginx was started once
  // Checks every half second that the nginx master lives; a dead one triggers a sync, which
  // restarts it with the last good configuration.
  std::thread supervisor_;
  std::mutex supervisor_mu_;
  std::condition_variable supervisor_cv_;
};

}  // namespace capstan::ingress
