// capstan-csi-hostpath --endpoint <socket> --root <dir> --node-id <node> [--driver-name <name>]
// The default CSI driver of a Capstan node; the node agent starts and supervises it (see
// plugins/storage-csi/README.md). SIGTERM/SIGINT stop it; volumes and mounts stay as they are.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "hostpath_driver.hpp"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  capstan::csi::hostpath::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "capstan-csi-hostpath: " << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--endpoint") o.endpoint = value("--endpoint");
    else if (a == "--root") o.root = value("--root");
    else if (a == "--node-id") o.node_id = value("--node-id");
    else if (a == "--driver-name") o.driver_name = value("--driver-name");
    else if (a == "--max-volumes") o.max_volumes_per_node = std::stoll(value("--max-volumes"));
    else {
      std::cerr << "usage: capstan-csi-hostpath --endpoint <socket> --root <dir> --node-id <node> "
                   "[--driver-name <name>] [--max-volumes N]\n";
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return capstan::csi::hostpath::serve(o, g_stop);
}
