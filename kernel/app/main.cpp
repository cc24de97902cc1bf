// capstan: one binary, like k3s. `server` runs the kernel with the control-plane plugins,
// `up` runs a single-node cluster on the embedded store, `plugins` lists what the plugin host
// finds. The registry of plugins is built here, explicitly.

#include <spdlog/spdlog.h>

#include <csignal>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <nlohmann/json.hpp>

#include "api/api_server.hpp"
#include "app/image_command.hpp"
#include "app/kubeconfig.hpp"
#include "auth/authenticator.hpp"
#include "audit/audit_log.hpp"
#include "encryption/encryption_config.hpp"
#include "auth/authorizer.hpp"
#include "auth/gate.hpp"
#include "auth/token_file.hpp"
#include "host/plugin_authorizer.hpp"
#include "capstan/host.capnp.h"
#include "host/local_host.hpp"
#include "host/plugin_host.hpp"
#include "host/remote_host.hpp"
#include "http/client.hpp"
#include "api/object_service.hpp"
#include "host/plugin_registry.hpp"
#include "app/pki.hpp"
#include "http/server.hpp"
#include "schema/kind_registry.hpp"
#include "capstan/machinery/codec/json_writer.hpp"
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
  std::vector<std::pair<std::string, std::string>> plugin_config;  // plugin (id, type or type.id) -> JSON object
  std::vector<std::pair<std::string, std::string>> use;            // plugin type -> the id to run
  std::vector<std::string> disabled;                               // plugins not to run
  std::string node_name, node_ip;
  std::string server, kubeconfig;  // agent: where the API server is and how to reach it
  std::string token_auth_file;     // static bearer tokens (kube-apiserver's format); default: <data-dir>/auth/tokens.csv
  std::string audit_log_path, audit_policy_file;  // the audit log, off unless both are given
  std::string encryption_config;   // encryption at rest; default: <data-dir>/auth/encryption-config.yaml (generated)
  std::vector<std::string> args;   // positional arguments (image import FILE)
};

std::string default_node_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  std::string n(name);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

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
               "  agent     run a node (agent plugins) against a server: --kubeconfig FILE [--server URL]\n"
               "  image import FILE  import an OCI image archive into this node's container runtime\n"
               "  plugins   list the plugins found: type, id, ABI version, status, error\n"
               "  version   print the version\n\n"
               "flags:\n"
               "  --data-dir DIR        state, certificates and kubeconfig (default /var/lib/capstan)\n"
               "  --plugin-dir DIR      where plugins are found\n"
               "  --bind-address ADDR   HTTPS listen address (default 127.0.0.1)\n"
               "  --port N              HTTPS port (default 6443; 0 picks a free one)\n"
               "  --http-port N         also serve plain HTTP on 127.0.0.1:N (tests only)\n"
               "  --token-auth-file F   static bearer tokens, token,user,uid,\"groups\" per line\n"
               "                        (default <data-dir>/auth/tokens.csv, holding the admin token)\n"
               "  --encryption-provider-config F\n"
               "                        encryption at rest (apiserver.config.k8s.io/v1 EncryptionConfiguration);\n"
               "                        default <data-dir>/auth/encryption-config.yaml, written at first start:\n"
               "                        Secrets with a generated aescbc key\n"
               "  --audit-log-path F    write audit.k8s.io/v1 Events as JSON lines to F (\"-\": stdout)\n"
               "  --audit-policy-file F the audit policy (audit.k8s.io/v1 Policy); no policy, no audit\n"
               "  --require PLUGIN      fail start-up unless this plugin comes up (repeatable)\n"
               "  --use TYPE=ID         run only plugin ID among those of TYPE (e.g. capstan.runtime.v1=sim)\n"
               "  --runtime ID          same as --use capstan.runtime.v1=ID: containerd (default) or sim\n"
               "  --disable PLUGIN      do not run this plugin (id, type or type.id; repeatable)\n"
               "  --plugin-config P=JSON  a JSON object merged into plugin P's configuration (repeatable)\n"
               "  --node-name NAME      this node's name (default: the host name)\n"
               "  --node-ip ADDR        this node's InternalIP\n"
               "  --kubeconfig FILE     agent: server URL and credentials\n"
               "  --server URL          agent: the API server (overrides the kubeconfig's)\n";
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
    else if (a == "--token-auth-file") value(o.token_auth_file);
    else if (a == "--audit-log-path") value(o.audit_log_path);
    else if (a == "--encryption-provider-config") value(o.encryption_config);
    else if (a == "--audit-policy-file") value(o.audit_policy_file);
    else if (a == "--io-threads") { value(v); o.io_threads = std::stoi(v); }
    else if (a == "--require") { value(v); o.required.push_back(v); }
    else if (a == "--use" || a == "--plugin-config") {
      value(v);
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) throw std::runtime_error("flag " + a + " wants NAME=VALUE, got " + v);
      (a == "--use" ? o.use : o.plugin_config).emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    else if (a == "--runtime") { value(v); o.use.emplace_back("capstan.runtime.v1", v); }
    else if (a == "--disable") { value(v); o.disabled.push_back(v); }
    else if (a == "--node-name") value(o.node_name);
    else if (a == "--node-ip") value(o.node_ip);
    else if (a == "--kubeconfig") value(o.kubeconfig);
    else if (a == "--server") value(o.server);
    else if (a == "-h" || a == "--help") return false;
    else if (a.rfind("--", 0) == 0) throw std::runtime_error("unknown flag " + a);
    else o.args.push_back(a);
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

// The JSON object each plugin's on_init receives: the node's settings, then the --plugin-config
// objects whose name matches the plugin (its id, type, type.id or type/id), merged in order.
std::function<std::string(const capstan::host::PluginRecord&)> plugin_config(const Options& o, const std::string& role,
                                                                               const std::string& api_server) {
  nlohmann::json base = {{"dataDir", fs::absolute(o.data_dir).string()},
                         {"nodeName", o.node_name.empty() ? default_node_name() : o.node_name},
                         {"role", role}};
  if (!o.node_ip.empty()) base["nodeIP"] = o.node_ip;
  if (!api_server.empty()) base["apiServer"] = api_server;
  // The cluster CA's certificate, on the server (the root CA publisher puts it in every namespace).
  if (role != "agent") base["clusterCAFile"] = (fs::absolute(o.data_dir) / "tls" / "ca.crt").string();
  std::vector<std::pair<std::string, nlohmann::json>> overrides;
  for (const auto& [name, text] : o.plugin_config) {
    nlohmann::json v;
    try {
      v = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
      throw std::runtime_error("--plugin-config " + name + ": not JSON: " + e.what());
    }
    if (!v.is_object()) throw std::runtime_error("--plugin-config " + name + ": must be a JSON object");
    overrides.emplace_back(name, std::move(v));
  }
  return [base, overrides](const capstan::host::PluginRecord& r) {
    nlohmann::json c = base;
    for (const auto& [name, v] : overrides)
      if (name == r.id || name == r.type || name == r.uri() || name == r.type + "/" + r.id) c.merge_patch(v);
    return c.dump();
  };
}

// One process per data directory: two would share the store file, containerd and the node's
// network objects and undo each other's work. The lock lives as long as the process.
void lock_data_dir(const std::string& dir) {
  const std::string path = (fs::path(dir) / "capstan.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    throw std::runtime_error("another capstan process (pid " + std::string(n > 0 ? pid : "?") + ") is using the data directory " + dir);
  }
  std::string me = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, me.data(), me.size(), 0) < 0) {
    // the pid is only informational
  }
}

// The static token file as one of the authenticator's token sources.
struct StaticTokens final : capstan::auth::TokenAuthenticator {
  explicit StaticTokens(capstan::auth::TokenFile f) : file(std::move(f)) {}
  std::optional<capstan::auth::User> authenticate_token(const std::string& token) const override { return file.find(token); }
  capstan::auth::TokenFile file;
};

void select_plugins(const Options& o, capstan::host::PluginRegistry& plugins) {
  // Two runtimes ship with Capstan: real containers unless told otherwise (--runtime sim).
  bool runtime_chosen = false;
  for (const auto& [type, id] : o.use) runtime_chosen |= type == "capstan.runtime.v1";
  if (!runtime_chosen) plugins.select("capstan.runtime.v1", "containerd");
  for (const auto& [type, id] : o.use) plugins.select(type, id);
  for (const auto& name : o.disabled) plugins.disable(name);
}

void report_failures(const capstan::host::PluginRegistry& plugins) {
  for (const auto& r : plugins.records()) {
    if (r.state == capstan::host::PluginState::kFailed || r.state == capstan::host::PluginState::kRefused)
      spdlog::error("plugin {} ({}): {}", r.uri(), r.path, r.error);
  }
}

int run_server(const Options& o, uint32_t role) {
  const auto started = std::chrono::steady_clock::now();
  fs::create_directories(o.data_dir);
  lock_data_dir(o.data_dir);
  fs::create_directories(fs::path(o.data_dir) / "tls");

  capstan::store::EventBus bus;
  capstan::store::Store store((fs::path(o.data_dir) / "store.db").string(), bus);
  // Secrets are encrypted at rest by default (Kubernetes' default is plaintext); see docs/security.md.
  try {
    const std::string config = o.encryption_config.empty()
                                   ? capstan::encryption::ensure_default_config(
                                         (fs::path(o.data_dir) / "auth" / "encryption-config.yaml").string())
                                   : o.encryption_config;
    store.set_transformer(capstan::encryption::transformer_for(capstan::encryption::load_config(config)));
  } catch (const std::exception& e) {
    std::cerr << "capstan: " << e.what() << "\n";
    return 1;
  }
  capstan::schema::KindRegistry kinds;
  capstan::api::ObjectService* objects_ptr = nullptr;
  // The object service needs the admission hook of the host API, which the registry creates.
  capstan::api::ObjectService objects(kinds, store, nullptr);
  objects_ptr = &objects;
  capstan::host::LocalHost local_host(objects);  // outlives the plugins that watch through it

  // Listen first (nothing is served until http.start()), so plugins learn the API address.
  auto bundle = capstan::pki::ensure((fs::path(o.data_dir) / "tls").string(), {"localhost", "capstan"},
                                           {o.bind_address == "0.0.0.0" ? "127.0.0.1" : o.bind_address});
  capstan::api::ApiServer api(objects, bus, {});
  capstan::host::PluginRegistry plugins;
  // Every request passes the auth gate: a client certificate of the cluster CA or a bearer token,
  // then system:masters or the authorizer plugins (RBAC); see docs/security.md.
  const std::string auth_dir = (fs::path(o.data_dir) / "auth").string();
  const std::string admin_token = capstan::auth::ensure_admin_token(auth_dir, "capstan-admin");
  auto static_tokens = std::make_shared<StaticTokens>(capstan::auth::TokenFile::load(
      o.token_auth_file.empty() ? (fs::path(auth_dir) / "tokens.csv").string() : o.token_auth_file));
  capstan::auth::Authenticator authenticator;
  authenticator.add(static_tokens);
  capstan::auth::AuthorizerChain authorizer;
  authorizer.add(plugins.authorizers());
  local_host.set_authorizer(&authorizer);  // plugins' access reviews ask the same chain as the gate
  // The audit log, as kube-apiserver: on with a log path and a policy; a policy that cannot be
  // read stops the start (an audit the operator asked for is never silently off).
  std::unique_ptr<capstan::audit::AuditLog> audit;
  if (!o.audit_log_path.empty() && !o.audit_policy_file.empty()) {
    try {
      audit = std::make_unique<capstan::audit::AuditLog>(o.audit_log_path, o.audit_policy_file);
    } catch (const std::exception& e) {
      std::cerr << "capstan: " << e.what() << "\n";
      return 1;
    }
    // Protobuf bodies (kubectl 1.32+) are recorded as JSON, as kube-apiserver records them.
    audit->set_body_decoder([&objects](const capstan::auth::RequestAttributes& a, const std::string& body) -> std::string {
      const auto* kind = objects.kinds().by_resource(a.group, a.version, a.resource);
      if (!kind || !objects.kinds().protobuf().supports(kind->schema)) return {};
      try {
        auto decoded = objects.decode_protobuf(*kind, body, capstan::schema::UnknownFieldPolicy::kIgnore);
        return capstan::schema::write_json(objects.kinds().model(), decoded.draft.reader()).text;
      } catch (...) {
        return {};  // not an object of the resource (a list, a Status): left out
      }
    });
    spdlog::info("audit log: {} (policy {})", o.audit_log_path, o.audit_policy_file);
  } else if (!o.audit_log_path.empty()) {
    spdlog::warn("--audit-log-path without --audit-policy-file: nothing is audited");
  }
  capstan::auth::Gate gate(authenticator, authorizer,
                           [&api](capstan::http::Request&& req, std::shared_ptr<capstan::http::Responder> res) {
                             api.handle(std::move(req), std::move(res));
                           },
                           audit.get());
  capstan::http::Server http([&gate](capstan::http::Request&& req, std::shared_ptr<capstan::http::Responder> res) {
    gate.handle(std::move(req), std::move(res));
  }, o.io_threads);
  api.set_executor([&http](std::function<void()> fn) { http.post(std::move(fn)); });
  uint16_t port = http.listen_https(o.bind_address, static_cast<uint16_t>(o.port),
                                    {bundle.server_cert, bundle.server_key, bundle.ca_cert});
  std::string host = o.bind_address == "0.0.0.0" ? "127.0.0.1" : o.bind_address;
  std::string url = "https://" + host + ":" + std::to_string(port);
  api.set_server_address(host + ":" + std::to_string(port));

  plugins.discover(o.plugin_dir);
  select_plugins(o, plugins);
  plugins.set_config(plugin_config(o, o.command, url));
  plugins.resolve(role);
  std::string error;
  if (!plugins.initialise(kinds, local_host, o.required, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  report_failures(plugins);
  objects.set_admission(plugins.admission());
  api.set_connect_resolver([&plugins](const std::string& plugin, const std::string& request, std::string& response) {
    return plugins.invoke(plugin, request, response) == CAPSTAN_OK;
  });
  try {
    store.open([objects_ptr](const std::string& key, uint64_t rev, std::string&& bytes) {
      auto obj = objects_ptr->rehydrate(key, rev, std::move(bytes));
      if (!obj) spdlog::warn("store: {} belongs to no registered kind; kept on disk, not served", key);
      return obj;
    });
  } catch (const std::runtime_error& e) {
    // An object that cannot be read (a value encrypted with a key the configuration no longer
    // has): stop rather than serve a store with holes that a later write would paper over.
    std::cerr << "capstan: " << e.what() << "\n";
    plugins.stop();
    return 1;
  }

  uint16_t http_port = 0;
  if (o.http_port >= 0) http_port = http.listen_http("127.0.0.1", static_cast<uint16_t>(o.http_port));
  http.start();
  plugins.start();
  api.set_ready(true);
  const std::string kubeconfig = (fs::path(o.data_dir) / "kubeconfig").string();
  capstan::pki::write_kubeconfig(kubeconfig, url, bundle);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "capstan " << o.command << " ready in " << ms << " ms\n"
            << "  API:        " << url << "\n";
  if (o.http_port >= 0) std::cout << "  plain HTTP: http://127.0.0.1:" << http_port << " (loopback only)\n";
  std::cout << "  kubeconfig: " << kubeconfig << "\n"
            << "  admin token: " << (fs::path(auth_dir) / "admin.token").string() << "\n"
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

capstan::http::ClientConfig agent_client_config(const Options& o) {
  if (o.kubeconfig.empty() && o.server.empty())
    throw std::runtime_error("agent needs --kubeconfig FILE (the server's kubeconfig) and/or --server URL");
  if (o.kubeconfig.empty()) return capstan::http::ClientConfig::from_url(o.server);
  auto config = capstan::app::read_kubeconfig(o.kubeconfig);
  if (!o.server.empty()) {
    auto url = capstan::http::ClientConfig::from_url(o.server);
    config.host = url.host;
    config.port = url.port;
    config.tls = url.tls;
  }
  return config;
}

// A node without a store: agent-role plugins whose host calls go to the API server.
int run_agent(const Options& o) {
  const auto started = std::chrono::steady_clock::now();
  fs::create_directories(o.data_dir);
  lock_data_dir(o.data_dir);
  auto client_config = agent_client_config(o);
  const std::string url = (client_config.tls ? "https://" : "http://") + client_config.host + ":" + client_config.port;
  capstan::http::HttpClient client(client_config);
  // The server may still be starting: wait for it (as a kubelet does) rather than fail.
  for (int attempt = 0;; ++attempt) {
    try {
      auto r = client.request("GET", "/readyz");
      if (r.status == 200) break;
    } catch (const std::exception& e) {
      if (attempt % 10 == 0) spdlog::warn("agent: waiting for the API server at {}: {}", url, e.what());
    }
    if (attempt >= 600) throw std::runtime_error("the API server at " + url + " did not become ready");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  capstan::schema::KindRegistry kinds;
  capstan::host::RemoteHost remote(kinds, client);  // outlives the plugins that watch through it
  capstan::host::PluginRegistry plugins;
  plugins.discover(o.plugin_dir);
  select_plugins(o, plugins);
  plugins.set_config(plugin_config(o, "agent", url));
  plugins.resolve(CAPSTAN_ROLE_AGENT, /*kinds_from_other_roles=*/true);
  plugins.register_schema_only(kinds);
  std::string error;
  if (!plugins.initialise(kinds, remote, o.required, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  report_failures(plugins);
  plugins.start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "capstan agent ready in " << ms << " ms\n"
            << "  node:   " << (o.node_name.empty() ? default_node_name() : o.node_name) << "\n"
            << "  server: " << url << "\n"
            << std::flush;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  spdlog::info("shutting down");
  plugins.stop();
  return 0;
}

// `capstan image import FILE`: the node's runtime plugin, initialised (not started) without a
// server, imports the archive.
int run_image(const Options& o) {
  if (o.args.size() != 2 || o.args[0] != "import") throw std::runtime_error("usage: capstan image import FILE");
  capstan::schema::KindRegistry kinds;
  capstan::host::OfflineHost none;
  capstan::host::PluginRegistry plugins;
  plugins.discover(o.plugin_dir);
  select_plugins(o, plugins);
  plugins.set_config(plugin_config(o, "agent", ""));
  plugins.resolve(CAPSTAN_ROLE_AGENT, /*kinds_from_other_roles=*/true);
  plugins.register_schema_only(kinds);
  std::string error;
  if (!plugins.initialise(kinds, none, {}, error)) throw std::runtime_error(error);
  std::string out;
  bool ok = capstan::app::import_image(plugins, fs::absolute(o.args[1]).string(), out);
  std::cout << out << std::flush;
  plugins.stop();
  return ok ? 0 : 1;
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
    if (o.command == "agent") return run_agent(o);
    if (o.command == "image") return run_image(o);
    std::cerr << "unknown command " << o.command << "\n";
    usage();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "capstan: " << e.what() << "\n";
    return 1;
  }
}
