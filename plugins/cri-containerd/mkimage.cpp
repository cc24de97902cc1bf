// capstan-mkimage: writes an OCI image archive from a root filesystem directory, offline.
//   capstan-mkimage --rootfs DIR --name REF [--name REF...] [--entrypoint JSON] [--cmd JSON]
//                   [--env K=V...] [--workdir DIR] [--expose 80/tcp...] OUT.tar
// Short names are resolved as Docker does (busybox -> docker.io/library/busybox:latest). The
// archive imports with `capstan image import OUT.tar`.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "image_ref.hpp"
#include "oci_archive.hpp"

namespace cri = capstan::cri;

int main(int argc, char** argv) {
  std::string rootfs, out;
  std::vector<std::string> names;
  cri::ImageConfig config;
  bool env_set = false;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        return argv[++i];
      };
      auto json_list = [&]() {
        auto j = nlohmann::json::parse(value());
        return j.get<std::vector<std::string>>();
      };
      if (a == "--rootfs") rootfs = value();
      else if (a == "--name") names.push_back(cri::normalize_image_ref(value()));
      else if (a == "--entrypoint") config.entrypoint = json_list();
      else if (a == "--cmd") config.cmd = json_list();
      else if (a == "--env") {
        if (!env_set) config.env.clear();
        env_set = true;
        config.env.push_back(value());
      } else if (a == "--workdir") config.working_dir = value();
      else if (a == "--expose") config.exposed_ports.push_back(value());
      else if (!a.empty() && a[0] != '-' && out.empty()) out = a;
      else throw std::runtime_error("unknown argument " + a);
    }
    if (rootfs.empty() || names.empty() || out.empty()) {
      std::cerr << "usage: capstan-mkimage --rootfs DIR --name REF [--name REF...] [--entrypoint JSON] [--cmd JSON]\n"
                   "                       [--env K=V...] [--workdir DIR] [--expose PORT/PROTO...] OUT.tar\n";
      return 2;
    }
    const std::string archive = cri::write_oci_archive(names, cri::write_tar(cri::entries_from_directory(rootfs)), config);
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << archive;
    if (!f) throw std::runtime_error("cannot write " + out);
    for (const auto& n : names) std::cout << n << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "capstan-mkimage: " << e.what() << "\n";
    return 1;
  }
}
