// capstan: one binary, like k3s. `server` runs the kernel with the control-plane plugins,
// `up` runs a single-node cluster on the embedded store, `plugins` lists what the plugin host
// finds. The registry of plugins is built here, explicitly.

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>

#include "api/api_server.hpp"
#include "api/object_service.hpp"
#include "host/plugin_registry.hpp"
#include "http/pki.hpp"
#include "http/server.hpp"
#include "schema/kind_registry.hpp"
#include "store/event_bus.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  std::string command;
  std::string data_dir;
  std::string plugin_dir;
  std::string bind_address = "127.0.0.1";
  int port = 6443;
  int http_port = -1;  // plain HTTP on loopback: only when asked
  int io_threads = 2;
  std::vector<std::string> required;
};

std::string default_plugin_dir() {
  // <prefix>/bin/capstan -> <prefix>/lib/capstan/plugins; in the build tree, plugins-out beside bin.
  fs::path exe = fs::read_symlink("/proc/self/exe");
  for (fs::path candidate : {exe.parent_path() / "../lib/capstan/plugins", exe.parent_path() / "../plugins-out",
                             exe.parent_path() / "plugins-out"}) {
    if (fs::is_directory(candidate)) return fs::weakly_canonical(candidate).string();
  }
  return (exe.parent_path() / "../lib/capstan/plugins").string();
}

void usage() {
  std::cout << "usage: capstan <command> [flags]\n\n"
               "commands:\n"
               "  up        run a single-node cluster on the embedded store\n"
               "  server    run the control plane (kernel + server plugins)\n"
               "  plugins   list the plugins found: type, id, ABI version, status, error\n"
               "  version   print the version\n\n"
               "flags:\n"
               "  --data-dir DIR        state, certificates and kubeconfig (default /var/lib/capstan)\n"
               "  --plugin-dir DIR      where plugins are found\n"
               "  --bind-address ADDR   HTTPS listen address (default 127.0.0.1)\n"
               "  --port N              HTTPS port (default 6443; 0 picks a free one)\n"
               "  --http-port N         also serve plain HTTP on 127.0.0.1:N (tests only)\n"
               "  --require PLUGIN      fail start-up unless this plugin comes up (repeatable)\n";
}

bool parse(int argc, char** argv, Options& o) {
  if (argc < 2) return false;
  o.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) throw std::runtime_error("flag " + a + " needs a value");
      out = argv[++i];
    };
    std::string v;
    if (a == "--data-dir") value(o.data_dir);
    else if (a == "--plugin-dir") value(o.plugin_dir);
    else if (a == "--bind-address") value(o.bind_address);
    else if (a == "--port") { value(v); o.port = std::stoi(v); }
    else if (a == "--http-port") { value(v); o.http_port = std::stoi(v); }
    else if (a == "--io-threads") { value(v); o.io_threads = std::stoi(v); }
    else if (a == "--require") { value(v); o.required.push_back(v); }
    else if (a == "-h" || a == "--help") return false;
    else throw std::runtime_error("unknown flag " + a);
  }
  if (o.data_dir.empty()) o.data_dir = "/var/lib/capstan";
  if (o.plugin_dir.empty()) o.plugin_dir = default_plugin_dir();
  return true;
}

int list_plugins(const Options& o) {
  capstan::host::PluginRegistry registry;
  registry.discover(o.plugin_dir);
  registry.resolve(CAPSTAN_ROLE_SERVER | CAPSTAN_ROLE_AGENT);
  std::printf("%-24s %-28s %-5s %-13s %-8s %s\n", "TYPE", "ID", "ABI", "ROLE", "STATUS", "ERROR");
  for (const auto& r : registry.records()) {
    std::string abi = std::to_string(r.abi_major) + "." + std::to_string(r.abi_minor);
    std::string status = r.state == capstan::host::PluginState::kFound ? "ok" : capstan::host::to_string(r.state);
    std::string role = (r.roles & CAPSTAN_ROLE_SERVER) && (r.roles & CAPSTAN_ROLE_AGENT) ? "server,agent"
                       : (r.roles & CAPSTAN_ROLE_SERVER)                               ? "server"
                       : (r.roles & CAPSTAN_ROLE_AGENT)                                ? "agent"
                                                                                       : "-";
    std::printf("%-24s %-28s %-5s %-13s %-8s %s\n", r.type.empty() ? "-" : r.type.c_str(), r.id.c_str(), abi.c_str(),
                role.c_str(), status.c_str(), r.error.empty() ? "" : (fs::path(r.path).filename().string() + ": " + r.error).c_str());
  }
  return 0;
}

int run_server(const Options& o, uint32_t role) {
  const auto started = std::chrono::steady_clock::now();
  fs::create_directories(o.data_dir);
  fs::create_directories(fs::path(o.data_dir) / "tls");

  capstan::store::EventBus bus;
  capstan::store::Store store((fs::path(o.data_dir) / "store.db").string(), bus);
  capstan::schema::KindRegistry kinds;
  capstan::api::ObjectService* objects_ptr = nullptr;

  capstan::host::PluginRegistry plugins;
  plugins.discover(o.plugin_dir);
  plugins.resolve(role);
  // The object service needs the admission hook of the host API, which the registry creates.
  capstan::api::ObjectService objects(kinds, store, nullptr);
  objects_ptr = &objects;
  std::string error;
  if (!plugins.initialise(kinds, objects, bus, o.required, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  for (const auto& r : plugins.records()) {
    if (r.state == capstan::host::PluginState::kFailed || r.state == capstan::host::PluginState::kRefused)
      spdlog::error("plugin {} ({}): {}", r.uri(), r.path, r.error);
  }
  objects.set_admission(plugins.admission());
  store.open([objects_ptr](const std::string& key, uint64_t rev, std::string&& bytes) {
    auto obj = objects_ptr->rehydrate(key, rev, std::move(bytes));
    if (!obj) spdlog::warn("store: {} belongs to no registered kind; kept on disk, not served", key);
    return obj;
  });

  auto bundle = capstan::http::pki::ensure((fs::path(o.data_dir) / "tls").string(), {"localhost", "capstan"},
                                           {o.bind_address == "0.0.0.0" ? "127.0.0.1" : o.bind_address});
  capstan::api::ApiServer api(objects, bus, {});
  capstan::http::Server http([&api](capstan::http::Request&& req, std::shared_ptr<capstan::http::Responder> res) {
    api.handle(std::move(req), std::move(res));
  }, o.io_threads);
  api.set_executor([&http](std::function<void()> fn) { http.post(std::move(fn)); });
  uint16_t port = http.listen_https(o.bind_address, static_cast<uint16_t>(o.port),
                                    {bundle.server_cert, bundle.server_key, bundle.ca_cert});
  std::string host = o.bind_address == "0.0.0.0" ? "127.0.0.1" : o.bind_address;
  std::string url = "https://" + host + ":" + std::to_string(port);
  api.set_server_address(host + ":" + std::to_string(port));
  uint16_t http_port = 0;
  if (o.http_port >= 0) http_port = http.listen_http("127.0.0.1", static_cast<uint16_t>(o.http_port));
  http.start();
  plugins.start();
  api.set_ready(true);
  const std::string kubeconfig = (fs::path(o.data_dir) / "kubeconfig").string();
  capstan::http::pki::write_kubeconfig(kubeconfig, url, bundle);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "capstan " << o.command << " ready in " << ms << " ms\n"
            << "  API:        " << url << "\n";
  if (o.http_port >= 0) std::cout << "  plain HTTP: http://127.0.0.1:" << http_port << " (loopback only)\n";
  std::cout << "  kubeconfig: " << kubeconfig << "\n"
            << "  try:        export KUBECONFIG=" << kubeconfig << "; kubectl get namespaces\n"
            << std::flush;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  spdlog::info("shutting down");
  api.set_ready(false);
  plugins.stop();
  api.stop();
  http.stop();
  store.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    if (!parse(argc, argv, o)) {
      usage();
      return argc < 2 ? 2 : 0;
    }
    if (o.command == "version") {
      std::cout << "capstan 0.1.0 (plugin ABI " << CAPSTAN_ABI_MAJOR << "." << CAPSTAN_ABI_MINOR << ")\n";
      return 0;
    }
    if (o.command == "plugins") return list_plugins(o);
    if (o.command == "server") return run_server(o, CAPSTAN_ROLE_SERVER);
    if (o.command == "up") return run_server(o, CAPSTAN_ROLE_SERVER | CAPSTAN_ROLE_AGENT);
    std::cerr << "unknown command " << o.command << "\n";
    usage();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "capstan: " << e.what() << "\n";
    return 1;
  }
}
