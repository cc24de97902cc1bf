#include "cri_runtime.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cri_api.grpc.pb.h"
#include "cri_translate.hpp"
#include "image_ref.hpp"

namespace capstan::cri {
namespace pb = ::runtime::v1;
using std::chrono::seconds;

namespace {

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

// A failed CRI call, carried to the one place that writes the error into the response.
struct CriError : std::runtime_error {
  CriError(const std::string& m, bool nf) : std::runtime_error(m), not_found(nf) {}
  bool not_found;
};

void check(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return;
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) throw CriError("not found: " + what + ": " + s.error_message(), true);
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE)
    throw CriError(what + ": container runtime unavailable: " + s.error_message(), false);
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    throw CriError(what + ": container runtime did not answer in time: " + s.error_message(), false);
  throw CriError(what + ": " + s.error_message(), false);
}

std::string serialize(capnp::MallocMessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace

struct CriRuntime::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::RuntimeService::Stub> runtime;
  std::unique_ptr<pb::ImageService::Stub> images;
  Importer importer;
  // Sandbox configs by id, as given to RunPodSandbox: CreateContainer must repeat them (containerd
  // names containers after the sandbox's metadata), and callers sometimes send an empty one.
  std::mutex sandbox_mu;
  std::map<std::string, pb::PodSandboxConfig> sandbox_configs;

  void complete_sandbox_config(const std::string& sandbox_id, pb::PodSandboxConfig* cfg) {
    if (!cfg->metadata().name().empty()) return;
    {
      std::lock_guard lock(sandbox_mu);
      if (auto it = sandbox_configs.find(sandbox_id); it != sandbox_configs.end()) {
        *cfg = it->second;
        return;
      }
    }
    grpc::ClientContext ctx;
    deadline(ctx, seconds(30));
    pb::PodSandboxStatusRequest in;
    in.set_pod_sandbox_id(sandbox_id);
    pb::PodSandboxStatusResponse out;
    check(runtime->PodSandboxStatus(&ctx, in, &out), "pod sandbox status " + sandbox_id);
    *cfg->mutable_metadata() = out.status().metadata();
  }

  // Each call gets a deadline: a wedged containerd must not hang the node agent's workers.
  static void deadline(grpc::ClientContext& ctx, seconds s) { ctx.set_deadline(std::chrono::system_clock::now() + s); }

  pb::Image image_status(const std::string& ref, bool& found) {
    grpc::ClientContext ctx;
    deadline(ctx, seconds(30));
    pb::ImageStatusRequest req;
    req.mutable_image()->set_image(normalize_image_ref(ref));
    pb::ImageStatusResponse resp;
    check(images->ImageStatus(&ctx, req, &resp), "image status " + ref);
    found = resp.has_image() && !resp.image().id().empty();
    return resp.image();
  }

  void serve(rt::RuntimeRequest::Reader req, rt::RuntimeResponse::Builder resp) {
    auto result = resp.getResult();
    result.setNone();
    switch (req.which()) {
      case rt::RuntimeRequest::VERSION: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(10));
        pb::VersionRequest in;
        in.set_version("v1");
        pb::VersionResponse out;
        check(runtime->Version(&ctx, in, &out), "version");
        auto v = result.initVersion();
        v.setVersion(out.version());
        v.setRuntimeName(out.runtime_name());
        v.setRuntimeVersion(out.runtime_version());
        v.setRuntimeApiVersion(out.runtime_api_version());
        return;
      }
      case rt::RuntimeRequest::RUN_POD_SANDBOX: {
        auto r = req.getRunPodSandbox();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::RunPodSandboxRequest in;
        to_cri(r.getConfig(), in.mutable_config());
        in.set_runtime_handler(str(r.getRuntimeHandler()));
        pb::RunPodSandboxResponse out;
        check(runtime->RunPodSandbox(&ctx, in, &out), "run pod sandbox");
        {
          std::lock_guard lock(sandbox_mu);
          sandbox_configs[out.pod_sandbox_id()] = in.config();
        }
        result.setPodSandboxId(out.pod_sandbox_id());
        return;
      }
      case rt::RuntimeRequest::STOP_POD_SANDBOX: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::StopPodSandboxRequest in;
        in.set_pod_sandbox_id(str(req.getStopPodSandbox().getPodSandboxId()));
        pb::StopPodSandboxResponse out;
        check(runtime->StopPodSandbox(&ctx, in, &out), "stop pod sandbox " + in.pod_sandbox_id());
        return;
      }
      case rt::RuntimeRequest::REMOVE_POD_SANDBOX: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::RemovePodSandboxRequest in;
        in.set_pod_sandbox_id(str(req.getRemovePodSandbox().getPodSandboxId()));
        pb::RemovePodSandboxResponse out;
        check(runtime->RemovePodSandbox(&ctx, in, &out), "remove pod sandbox " + in.pod_sandbox_id());
        std::lock_guard lock(sandbox_mu);
        sandbox_configs.erase(in.pod_sandbox_id());
        return;
      }
      case rt::RuntimeRequest::POD_SANDBOX_STATUS: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::PodSandboxStatusRequest in;
        in.set_pod_sandbox_id(str(req.getPodSandboxStatus().getPodSandboxId()));
        pb::PodSandboxStatusResponse out;
        check(runtime->PodSandboxStatus(&ctx, in, &out), "pod sandbox status " + in.pod_sandbox_id());
        from_cri(out.status(), result.initPodSandboxStatus());
        return;
      }
      case rt::RuntimeRequest::LIST_POD_SANDBOX: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::ListPodSandboxRequest in;
        auto f = req.getListPodSandbox().getFilter();
        if (f.getId().size()) in.mutable_filter()->set_id(str(f.getId()));
        pb::ListPodSandboxResponse out;
        check(runtime->ListPodSandbox(&ctx, in, &out), "list pod sandboxes");
        auto items = result.initItems(static_cast<unsigned>(out.items_size()));
        for (int i = 0; i < out.items_size(); ++i) from_cri(out.items(i), items[static_cast<unsigned>(i)]);
        return;
      }
      case rt::RuntimeRequest::CREATE_CONTAINER: {
        auto r = req.getCreateContainer();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::CreateContainerRequest in;
        in.set_pod_sandbox_id(str(r.getPodSandboxId()));
        to_cri(r.getConfig(), in.mutable_config());
        to_cri(r.getSandboxConfig(), in.mutable_sandbox_config());
        complete_sandbox_config(in.pod_sandbox_id(), in.mutable_sandbox_config());
        pb::CreateContainerResponse out;
        check(runtime->CreateContainer(&ctx, in, &out), "create container " + in.config().metadata().name());
        result.setContainerId(out.container_id());
        return;
      }
      case rt::RuntimeRequest::START_CONTAINER: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::StartContainerRequest in;
        in.set_container_id(str(req.getStartContainer().getContainerId()));
        pb::StartContainerResponse out;
        check(runtime->StartContainer(&ctx, in, &out), "start container " + in.container_id());
        return;
      }
      case rt::RuntimeRequest::STOP_CONTAINER: {
        auto r = req.getStopContainer();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(std::max<int64_t>(0, r.getTimeout()) + 60));
        pb::StopContainerRequest in;
        in.set_container_id(str(r.getContainerId()));
        in.set_timeout(r.getTimeout());
        pb::StopContainerResponse out;
        check(runtime->StopContainer(&ctx, in, &out), "stop container " + in.container_id());
        return;
      }
      case rt::RuntimeRequest::REMOVE_CONTAINER: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(240));
        pb::RemoveContainerRequest in;
        in.set_container_id(str(req.getRemoveContainer().getContainerId()));
        pb::RemoveContainerResponse out;
        check(runtime->RemoveContainer(&ctx, in, &out), "remove container " + in.container_id());
        return;
      }
      case rt::RuntimeRequest::LIST_CONTAINERS: {
        auto f = req.getListContainers().getFilter();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::ListContainersRequest in;
        if (f.getId().size()) in.mutable_filter()->set_id(str(f.getId()));
        if (f.getPodSandboxId().size()) in.mutable_filter()->set_pod_sandbox_id(str(f.getPodSandboxId()));
        pb::ListContainersResponse out;
        check(runtime->ListContainers(&ctx, in, &out), "list containers");
        auto items = result.initContainers(static_cast<unsigned>(out.containers_size()));
        for (int i = 0; i < out.containers_size(); ++i) from_cri(out.containers(i), items[static_cast<unsigned>(i)]);
        return;
      }
      case rt::RuntimeRequest::CONTAINER_STATUS: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::ContainerStatusRequest in;
        in.set_container_id(str(req.getContainerStatus().getContainerId()));
        pb::ContainerStatusResponse out;
        check(runtime->ContainerStatus(&ctx, in, &out), "container status " + in.container_id());
        from_cri(out.status(), result.initContainerStatus());
        return;
      }
      case rt::RuntimeRequest::EXEC_SYNC: {
        auto r = req.getExecSync();
        grpc::ClientContext ctx;
        // timeout 0 means "no limit" in CRI; still bound the call so a stuck exec frees its caller.
        deadline(ctx, seconds(r.getTimeout() > 0 ? r.getTimeout() + 30 : 3600));
        pb::ExecSyncRequest in;
        in.set_container_id(str(r.getContainerId()));
        for (auto c : r.getCmd()) in.add_cmd(str(c));
        in.set_timeout(r.getTimeout());
        pb::ExecSyncResponse out;
        check(runtime->ExecSync(&ctx, in, &out), "exec in container " + in.container_id());
        auto e = result.initExecSync();
        e.setStdout(kj::arrayPtr(reinterpret_cast<const kj::byte*>(out.stdout().data()), out.stdout().size()));
        e.setStderr(kj::arrayPtr(reinterpret_cast<const kj::byte*>(out.stderr().data()), out.stderr().size()));
        e.setExitCode(out.exit_code());
        return;
      }
      case rt::RuntimeRequest::PULL_IMAGE: {
        auto r = req.getPullImage();
        const std::string ref = normalize_image_ref(str(r.getImage().getImage()));
        grpc::ClientContext ctx;
        deadline(ctx, seconds(900));
        pb::PullImageRequest in;
        in.mutable_image()->set_image(ref);
        if (r.hasSandboxConfig()) to_cri(r.getSandboxConfig(), in.mutable_sandbox_config());
        pb::PullImageResponse out;
        auto s = images->PullImage(&ctx, in, &out);
        if (!s.ok()) {
          // containerd's message usually names the image already ("failed to pull and unpack image ...").
          const std::string& why = s.error_message();
          throw CriError(why.find(ref) != std::string::npos ? why : "failed to pull image \"" + ref + "\": " + why, false);
        }
        result.setImageRef(out.image_ref());
        return;
      }
      case rt::RuntimeRequest::IMAGE_STATUS: {
        const std::string ref = str(req.getImageStatus().getImage().getImage());
        bool found = false;
        auto img = image_status(ref, found);
        if (!found) throw CriError("not found: image \"" + normalize_image_ref(ref) + "\" is not present on this node", true);
        from_cri(img, result.initImage());
        return;
      }
      case rt::RuntimeRequest::LIST_IMAGES: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::ListImagesRequest in;
        pb::ListImagesResponse out;
        check(images->ListImages(&ctx, in, &out), "list images");
        auto list = result.initImages(static_cast<unsigned>(out.images_size()));
        for (int i = 0; i < out.images_size(); ++i) from_cri(out.images(i), list[static_cast<unsigned>(i)]);
        return;
      }
      case rt::RuntimeRequest::REMOVE_IMAGE: {
        grpc::ClientContext ctx;
        deadline(ctx, seconds(120));
        pb::RemoveImageRequest in;
        in.mutable_image()->set_image(normalize_image_ref(str(req.getRemoveImage().getImage().getImage())));
        pb::RemoveImageResponse out;
        check(images->RemoveImage(&ctx, in, &out), "remove image " + in.image().image());
        return;
      }
      case rt::RuntimeRequest::IMPORT_IMAGE: {
        const std::string path = str(req.getImportImage().getPath());
        if (!importer) throw CriError("importing images is not available", false);
        auto names = importer(path);
        std::vector<std::pair<std::string, pb::Image>> found;
        for (const auto& n : names) {
          bool present = false;
          auto img = image_status(n, present);
          if (present) found.emplace_back(normalize_image_ref(n), img);
        }
        auto list = result.initImages(static_cast<unsigned>(found.size()));
        for (size_t i = 0; i < found.size(); ++i) {
          from_cri(found[i].second, list[static_cast<unsigned>(i)]);
          // Report the name this archive gave, even when the image is also known by others.
          list[static_cast<unsigned>(i)].initRepoTags(1).set(0, found[i].first);
        }
        if (found.size() != names.size() || names.empty())
          throw CriError("imported " + std::to_string(found.size()) + " of " + std::to_string(names.size()) +
                             " images from " + path,
                         false);
        return;
      }
      case rt::RuntimeRequest::LIST_CONTAINER_STATS: {
        auto f = req.getListContainerStats().getFilter();
        pb::ListContainerStatsRequest in;
        if (f.getId().size()) in.mutable_filter()->set_id(str(f.getId()));
        if (f.getPodSandboxId().size()) in.mutable_filter()->set_pod_sandbox_id(str(f.getPodSandboxId()));
        pb::ListContainerStatsResponse out;
        {
          grpc::ClientContext ctx;
          deadline(ctx, seconds(30));
          check(runtime->ListContainerStats(&ctx, in, &out), "list container stats");
        }
        // CRI stats do not name the sandbox; containers do.
        std::map<std::string, std::string> sandbox_of;
        {
          grpc::ClientContext ctx;
          deadline(ctx, seconds(30));
          pb::ListContainersRequest lin;
          pb::ListContainersResponse lout;
          if (runtime->ListContainers(&ctx, lin, &lout).ok())
            for (const auto& c : lout.containers()) sandbox_of[c.id()] = c.pod_sandbox_id();
        }
        auto list = result.initStats(static_cast<unsigned>(out.stats_size()));
        for (int i = 0; i < out.stats_size(); ++i) {
          const auto& s = out.stats(i);
          auto b = list[static_cast<unsigned>(i)];
          b.setContainerId(s.attributes().id());
          b.setName(s.attributes().metadata().name());
          b.setPodSandboxId(sandbox_of[s.attributes().id()]);
          b.setTimestamp(s.cpu().timestamp() ? s.cpu().timestamp() : s.memory().timestamp());
          b.setCpuUsageCoreNanoSeconds(s.cpu().usage_core_nano_seconds().value());
          b.setMemoryWorkingSetBytes(s.memory().working_set_bytes().value());
        }
        return;
      }
      case rt::RuntimeRequest::EXEC: {
        auto r = req.getExec();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::ExecRequest in;
        in.set_container_id(str(r.getContainerId()));
        for (auto c : r.getCmd()) in.add_cmd(str(c));
        in.set_tty(r.getTty());
        in.set_stdin(r.getStdin());
        in.set_stdout(r.getStdout());
        in.set_stderr(r.getStderr());
        pb::ExecResponse out;
        check(runtime->Exec(&ctx, in, &out), "exec in container " + in.container_id());
        result.setUrl(out.url());
        return;
      }
      case rt::RuntimeRequest::ATTACH: {
        auto r = req.getAttach();
        grpc::ClientContext ctx;
        deadline(ctx, seconds(30));
        pb::AttachRequest in;
        in.set_container_id(str(r.getContainerId()));
        in.set_tty(r.getTty());
        in.set_stdin(r.getStdin());
        in.set_stdout(r.getStdout());
        in.set_stderr(r.getStderr());
        pb::AttachResponse out;
        check(runtime->Attach(&ctx, in, &out), "attach to container " + in.container_id());
        result.setUrl(out.url());
        return;
      }
    }
    throw CriError("unsupported runtime request", false);
  }
};

CriRuntime::CriRuntime(const std::string& socket, Importer importer) : impl_(std::make_unique<Impl>()) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);  // ExecSync answers up to 16 MiB per stream
  impl_->channel = grpc::CreateCustomChannel("unix://" + socket, grpc::InsecureChannelCredentials(), args);
  impl_->runtime = pb::RuntimeService::NewStub(impl_->channel);
  impl_->images = pb::ImageService::NewStub(impl_->channel);
  impl_->importer = std::move(importer);
}

CriRuntime::~CriRuntime() = default;

std::string CriRuntime::handle(const std::string& request) {
  capnp::MallocMessageBuilder m;
  auto resp = m.initRoot<rt::RuntimeResponse>();
  try {
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>((request.size() + 7) / 8);
    if (!request.empty()) std::memcpy(words.begin(), request.data(), request.size());
    capnp::FlatArrayMessageReader reader(words);
    impl_->serve(reader.getRoot<rt::RuntimeRequest>(), resp);
  } catch (const CriError& e) {
    resp.getResult().setNone();
    resp.setError(e.what());
    resp.setNotFound(e.not_found);
  } catch (const kj::Exception& e) {
    resp.getResult().setNone();
    resp.setError(std::string("malformed runtime request: ") + e.getDescription().cStr());
  } catch (const std::exception& e) {
    resp.getResult().setNone();
    resp.setError(e.what());
  }
  return serialize(m);
}

void CriRuntime::wait_ready(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    pb::VersionRequest in;
    pb::VersionResponse out;
    auto s = impl_->runtime->Version(&ctx, in, &out);
    if (s.ok()) return;
    last = s.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the CRI service did not become ready: " + last);
}

bool CriRuntime::image_present(const std::string& ref) {
  bool found = false;
  impl_->image_status(ref, found);
  return found;
}

size_t CriRuntime::remove_all_sandboxes() {
  pb::ListPodSandboxResponse list;
  {
    grpc::ClientContext ctx;
    Impl::deadline(ctx, seconds(30));
    pb::ListPodSandboxRequest in;
    check(impl_->runtime->ListPodSandbox(&ctx, in, &list), "list pod sandboxes");
  }
  // In parallel: each stop waits for its containers' grace period.
  std::vector<std::thread> workers;
  for (const auto& sb : list.items()) {
    workers.emplace_back([this, id = sb.id()] {
      grpc::ClientContext stop_ctx;
      Impl::deadline(stop_ctx, seconds(60));
      pb::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(id);
      pb::StopPodSandboxResponse stop_out;
      (void)impl_->runtime->StopPodSandbox(&stop_ctx, stop, &stop_out);
      grpc::ClientContext rm_ctx;
      Impl::deadline(rm_ctx, seconds(60));
      pb::RemovePodSandboxRequest rm;
      rm.set_pod_sandbox_id(id);
      pb::RemovePodSandboxResponse rm_out;
      (void)impl_->runtime->RemovePodSandbox(&rm_ctx, rm, &rm_out);
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<size_t>(list.items_size());
}

}  // namespace capstan::cri
