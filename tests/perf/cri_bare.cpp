// The floor for pod start-up: the bare CRI call sequence a kubelet makes for a one-container pod
// (RunPodSandbox, CreateContainer, StartContainer), straight to containerd, for N pods at once.
//   cri_bare SOCKET IMAGE N [ROUNDS]
// Prints one line per pod, "pod <i> <ms>" (from the first call to StartContainer's answer), then
// removes every sandbox it made. Uses the CRI client Capstan generates (cri_api.proto).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cri_api.grpc.pb.h"

namespace pb = ::runtime::v1;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: cri_bare SOCKET IMAGE N [ROUND]\n");
    return 2;
  }
  const std::string socket = argv[1], image = argv[2];
  const int n = std::atoi(argv[3]);
  const std::string round = argc > 4 ? argv[4] : "0";
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  auto rt = pb::RuntimeService::NewStub(channel);
  std::vector<std::string> sandboxes(static_cast<size_t>(n));
  std::vector<double> ms(static_cast<size_t>(n), -1);
  std::vector<std::string> errors(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      pb::PodSandboxConfig cfg;
      const std::string name = "bare-" + round + "-" + std::to_string(i);
      cfg.mutable_metadata()->set_name(name);
      cfg.mutable_metadata()->set_namespace_("bench");
      cfg.mutable_metadata()->set_uid(name + "-uid");
      cfg.set_hostname(name);
      cfg.set_log_directory("/tmp/cri-bare-logs/" + name);
      cfg.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(pb::CONTAINER);
      const auto t0 = Clock::now();
      grpc::ClientContext c1;
      pb::RunPodSandboxRequest run;
      *run.mutable_config() = cfg;
      pb::RunPodSandboxResponse run_out;
      auto s = rt->RunPodSandbox(&c1, run, &run_out);
      if (!s.ok()) { errors[static_cast<size_t>(i)] = "run: " + s.error_message(); return; }
      sandboxes[static_cast<size_t>(i)] = run_out.pod_sandbox_id();
      grpc::ClientContext c2;
      pb::CreateContainerRequest create;
      create.set_pod_sandbox_id(run_out.pod_sandbox_id());
      create.mutable_config()->mutable_metadata()->set_name("c");
      create.mutable_config()->mutable_image()->set_image(image);
      create.mutable_config()->add_command("sleep");
      create.mutable_config()->add_command("3600");
      create.mutable_config()->set_log_path("c.log");
      create.mutable_config()->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(pb::CONTAINER);
      *create.mutable_sandbox_config() = cfg;
      pb::CreateContainerResponse create_out;
      s = rt->CreateContainer(&c2, create, &create_out);
      if (!s.ok()) { errors[static_cast<size_t>(i)] = "create: " + s.error_message(); return; }
      grpc::ClientContext c3;
      pb::StartContainerRequest start;
      start.set_container_id(create_out.container_id());
      pb::StartContainerResponse start_out;
      s = rt->StartContainer(&c3, start, &start_out);
      if (!s.ok()) { errors[static_cast<size_t>(i)] = "start: " + s.error_message(); return; }
      ms[static_cast<size_t>(i)] = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    });
  }
  for (auto& t : threads) t.join();
  int failed = 0;
  for (int i = 0; i < n; ++i) {
    if (ms[static_cast<size_t>(i)] >= 0) std::printf("pod %d %.1f\n", i, ms[static_cast<size_t>(i)]);
    else { std::printf("error %d %s\n", i, errors[static_cast<size_t>(i)].c_str()); ++failed; }
  }
  std::fflush(stdout);
  for (const auto& id : sandboxes) {
    if (id.empty()) continue;
    grpc::ClientContext c1, c2;
    pb::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(id);
    pb::StopPodSandboxResponse so;
    rt->StopPodSandbox(&c1, stop, &so);
    pb::RemovePodSandboxRequest rm;
    rm.set_pod_sandbox_id(id);
    pb::RemovePodSandboxResponse ro;
    rt->RemovePodSandbox(&c2, rm, &ro);
  }
  return failed ? 1 : 0;
}
