#pragma once
// capstan.runtime.v1 over CRI: serves serialized RuntimeRequest messages by calling containerd's
// CRI RuntimeService/ImageService (gRPC on a unix socket) and answering RuntimeResponse bytes.
// gRPC stays behind this header (pimpl), so including it costs nothing.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace capstan::cri {

class CriRuntime {
 public:
  // Imports an OCI/Docker image archive into the runtime's store; returns the image names it
  // created (e.g. docker.io/library/busybox:latest) or throws with the reason.
  using Importer = std::function<std::vector<std::string>(const std::string& path)>;

  // `socket`: containerd's gRPC unix socket path.
  CriRuntime(const std::string& socket, Importer importer);
  ~CriRuntime();
  CriRuntime(const CriRuntime&) = delete;
  CriRuntime& operator=(const CriRuntime&) = delete;

  // One request; malformed requests and runtime failures come back as RuntimeResponse.error
  // (notFound set when CRI said NOT_FOUND). Never throws.
  std::string handle(const std::string& request);

  // Waits until the CRI service answers Version (containerd opens its socket before the CRI
  // plugin is ready). Throws after `timeout_ms`.
  void wait_ready(int timeout_ms);

  bool image_present(const std::string& ref);

  // Stops and removes every pod sandbox (and so every container and shim); used when Capstan
  // stops the containerd it started. Returns how many sandboxes there were.
  size_t remove_all_sandboxes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace capstan::cri
