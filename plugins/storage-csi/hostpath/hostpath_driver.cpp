#include "hostpath_driver.hpp"

#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <capstan/machinery/process.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "csi.grpc.pb.h"
#include "node_mounts.hpp"

namespace capstan::csi::hostpath {
namespace pb = ::csi::v1;
namespace fs = std::filesystem;
using grpc::ServerContext;
using grpc::StatusCode;

int64_t volume_size(int64_t required, int64_t limit) {
  if (required < 0 || limit < 0) return -1;
  if (limit > 0 && required > limit) return -1;
  int64_t want = required > 0 ? required : (limit > 0 ? limit : (1LL << 30));
  constexpr int64_t mib = 1LL << 20;
  want = (want + mib - 1) / mib * mib;
  if (want < kMinimumBytes) want = kMinimumBytes;
  if (limit > 0 && want > limit) {
    // Rounding up to whole MiB went past the limit: the largest whole MiB within it, if that
    // still covers what is required.
    int64_t down = limit / mib * mib;
    if (down >= kMinimumBytes && down >= required) return down;
    return -1;
  }
  return want;
}

namespace {

bool safe_name(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

std::string volume_id_for(const std::string& name) {
  if (safe_name(name) && name.rfind("h-", 0) != 0) return name;
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string id = "h-";
  for (int i = 0; i < 20; ++i) {
    id.push_back(hex[d[i] >> 4]);
    id.push_back(hex[d[i] & 15]);
  }
  return id;
}

namespace {

grpc::Status err(StatusCode code, const std::string& msg) { return grpc::Status(code, msg); }

// A helper program from e2fsprogs/util-linux: by absolute path when it is in an sbin directory
// that a non-login PATH may lack.
std::string tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string p = std::string(dir) + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return name;
}

machinery::RunResult run_tool(std::vector<std::string> argv) {
  argv[0] = tool(argv[0]);
  machinery::RunOptions o;
  o.timeout = std::chrono::seconds(60);
  o.merge_stderr = true;
  return machinery::run(argv, o);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Growing a mounted ext4 (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE; without it (as in some VMs
// and unprivileged containers) a volume only grows while it is not staged.
bool can_resize_online() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) {
      unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> 24) & 1;  // CAP_SYS_RESOURCE
    }
  return false;
}

// The size of the ext4 filesystem in an image, from its superblock (1024 bytes in): block count
// (low word at 4, high word at 0x150 with the 64bit feature) times 1024 << s_log_block_size.
int64_t ext4_bytes(const std::string& image) {
  std::ifstream in(image, std::ios::binary);
  unsigned char sb[1024];
  in.seekg(1024);
  if (!in.read(reinterpret_cast<char*>(sb), sizeof sb)) return -1;
  auto u32 = [&](int off) { return uint32_t(sb[off]) | uint32_t(sb[off + 1]) << 8 | uint32_t(sb[off + 2]) << 16 | uint32_t(sb[off + 3]) << 24; };
  if ((sb[0x38] | sb[0x39] << 8) != 0xEF53) return -1;
  uint64_t blocks = u32(4);
  if (u32(0x60) & 0x80) blocks |= uint64_t(u32(0x150)) << 32;  // INCOMPAT_64BIT
  return static_cast<int64_t>(blocks << (10 + u32(24)));
}

// The size of the XFS filesystem in an image, from its primary superblock at offset 0 (big-endian:
// magic "XFSB", sb_blocksize at 4, sb_dblocks at 8). Read before the mount: a mounted XFS keeps a
// grown size in its log until the next checkpoint.
int64_t xfs_bytes(const std::string& image) {
  std::ifstream in(image, std::ios::binary);
  unsigned char sb[16];
  if (!in.read(reinterpret_cast<char*>(sb), sizeof sb)) return -1;
  if (std::memcmp(sb, "XFSB", 4) != 0) return -1;
  uint64_t bs = 0, blocks = 0;
  for (int i = 4; i < 8; ++i) bs = bs << 8 | sb[i];
  for (int i = 8; i < 16; ++i) blocks = blocks << 8 | sb[i];
  return static_cast<int64_t>(bs * blocks);
}

// The filesystems a volume can have. XFS is the default: it grows while mounted with
// CAP_SYS_ADMIN alone, where ext4 needs CAP_SYS_RESOURCE too (docs/storage.md, "Expansion").
bool supported_fs(const std::string& t) { return t == "ext4" || t == "xfs"; }

bool have_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"})
    if (access((std::string(dir) + name).c_str(), X_OK) == 0) return true;
  return false;
}

std::string canonical_or_same(const std::string& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

struct VolumeRecord {
  std::string name;
  int64_t capacity = 0;
  std::string fs_type = "ext4";  // volumes made before XFS was the default have none recorded
  std::map<std::string, std::string> parameters;
};

class Driver {
 public:
  explicit Driver(Options o) : o_(std::move(o)) {
    fs::create_directories(o_.root + "/volumes");
    o_.root = fs::canonical(o_.root).string();
    online_ext4_ = can_resize_online();
    default_fs_ = have_tool("mkfs.xfs") && have_tool("xfs_growfs") ? "xfs" : "ext4";
  }

  // ONLINE when volumes of the default filesystem grow while mounted: always for XFS, for ext4
  // only with CAP_SYS_RESOURCE.
  bool online_expansion() const { return default_fs_ == "xfs" || online_ext4_; }

  const Options& options() const { return o_; }
  std::mutex& mu() { return mu_; }

  std::string dir(const std::string& id) const { return o_.root + "/volumes/" + id; }
  std::string image(const std::string& id) const { return dir(id) + "/disk.img"; }

  bool exists(const std::string& id) const {
    return safe_name(id) && fs::exists(image(id)) && fs::exists(dir(id) + "/volume.json");
  }

  std::optional<VolumeRecord> load(const std::string& id) const {
    if (!exists(id)) return std::nullopt;
    try {
      std::ifstream in(dir(id) + "/volume.json");
      auto j = nlohmann::json::parse(in);
      VolumeRecord r;
      r.name = j.value("name", "");
      r.capacity = j.value("capacity", int64_t{0});
      r.fs_type = j.value("fsType", std::string("ext4"));
      if (j.contains("parameters")) r.parameters = j["parameters"].get<std::map<std::string, std::string>>();
      // The image is the truth about the size (an expansion interrupted after growing it).
      std::error_code ec;
      auto sz = fs::file_size(image(id), ec);
      if (!ec && static_cast<int64_t>(sz) > r.capacity) r.capacity = static_cast<int64_t>(sz);
      return r;
    } catch (...) {
      return std::nullopt;
    }
  }

  static bool save(const std::string& dir, const VolumeRecord& r, std::string& error) {
    nlohmann::json j{{"name", r.name}, {"capacity", r.capacity}, {"fsType", r.fs_type}, {"parameters", r.parameters}};
    std::string tmp = dir + "/volume.json.tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << j.dump() << "\n";
      if (!out) {
        error = "cannot write " + tmp;
        return false;
      }
    }
    if (std::rename(tmp.c_str(), (dir + "/volume.json").c_str()) != 0) {
      error = "cannot rename " + tmp;
      return false;
    }
    return true;
  }

  pb::Topology* fill_topology(pb::Topology* t) const {
    (*t->mutable_segments())[kTopologyKey] = o_.node_id;
    return t;
  }

  bool topology_allows(const pb::TopologyRequirement& req) const {
    if (req.requisite_size() == 0) return true;
    for (const auto& t : req.requisite()) {
      bool ok = true;
      for (const auto& [k, v] : t.segments())
        if (k != kTopologyKey || v != o_.node_id) ok = false;
      if (ok) return true;
    }
    return false;
  }

  // Only mounted ext4 or xfs, single-node access: what a file system image on one node can offer.
  static grpc::Status check_capability(const pb::VolumeCapability& c, StatusCode code) {
    if (c.has_block()) return err(code, "block access is not supported by this driver, only mount");
    if (!c.has_mount()) return err(code, "volume capability has neither block nor mount access type");
    if (!c.mount().fs_type().empty() && !supported_fs(c.mount().fs_type()))
      return err(code, "fs_type \"" + c.mount().fs_type() + "\" is not supported, only xfs and ext4");
    switch (c.access_mode().mode()) {
      case pb::VolumeCapability::AccessMode::SINGLE_NODE_WRITER:
      case pb::VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY:
      case pb::VolumeCapability::AccessMode::SINGLE_NODE_SINGLE_WRITER:
      case pb::VolumeCapability::AccessMode::SINGLE_NODE_MULTI_WRITER:
        return grpc::Status::OK;
      case pb::VolumeCapability::AccessMode::UNKNOWN:
        return err(code, "access mode is not set");
      default:
        return err(code, "access mode " + pb::VolumeCapability::AccessMode::Mode_Name(c.access_mode().mode()) +
                             " is not supported: a host-path volume is on one node");
    }
  }

  // The staged mount of volume `id` at `staging`, if that is what is mounted there.
  std::optional<MountEntry> staged_at(const std::string& id, const std::string& staging) const {
    auto m = mount_at(staging);
    if (!m) return std::nullopt;
    auto dev = loop_device_for(image(id));
    if (!dev || m->source != *dev) return std::nullopt;
    return m;
  }

  grpc::Status create(const pb::CreateVolumeRequest* req, pb::CreateVolumeResponse* resp) {
    if (req->name().empty()) return err(StatusCode::INVALID_ARGUMENT, "name is required");
    if (req->volume_capabilities_size() == 0) return err(StatusCode::INVALID_ARGUMENT, "volume_capabilities are required");
    for (const auto& c : req->volume_capabilities()) {
      auto s = check_capability(c, StatusCode::INVALID_ARGUMENT);
      if (!s.ok()) return s;
    }
    if (req->has_volume_content_source())
      return err(StatusCode::INVALID_ARGUMENT, "volume_content_source is not supported (no snapshots or clones)");
    for (const auto& [k, v] : req->parameters())
      return err(StatusCode::INVALID_ARGUMENT, "parameter \"" + k + "\" is not supported by " + o_.driver_name);
    const int64_t required = req->capacity_range().required_bytes();
    const int64_t limit = req->capacity_range().limit_bytes();
    const int64_t size = volume_size(required, limit);
    if (size < 0)
      return err(StatusCode::OUT_OF_RANGE, "capacity range [" + std::to_string(required) + ", " + std::to_string(limit) +
                                               "] cannot be satisfied (volumes are whole MiB, at least " +
                                               std::to_string(kMinimumBytes) + " bytes)");
    if (req->has_accessibility_requirements() && !topology_allows(req->accessibility_requirements()))
      return err(StatusCode::RESOURCE_EXHAUSTED,
                 "the requisite topology does not include this driver's node \"" + o_.node_id + "\"");

    // One filesystem for the volume: the first capability that names one, else the default.
    std::string fs_type;
    for (const auto& c : req->volume_capabilities()) {
      const std::string& t = c.mount().fs_type();
      if (t.empty()) continue;
      if (!fs_type.empty() && t != fs_type)
        return err(StatusCode::INVALID_ARGUMENT, "volume capabilities ask for different fs types (" + fs_type + ", " + t + ")");
      fs_type = t;
    }
    const bool fs_named = !fs_type.empty();
    if (!fs_named) fs_type = default_fs_;

    const std::string id = volume_id_for(req->name());
    if (auto existing = load(id)) {
      if (existing->name != req->name())
        return err(StatusCode::ALREADY_EXISTS, "volume id " + id + " belongs to another name");
      if (fs_named && fs_type != existing->fs_type)
        return err(StatusCode::ALREADY_EXISTS, "volume \"" + req->name() + "\" already exists with fs type " + existing->fs_type);
      if (existing->capacity < required || (limit > 0 && existing->capacity > limit))
        return err(StatusCode::ALREADY_EXISTS, "volume \"" + req->name() + "\" already exists with capacity " +
                                                   std::to_string(existing->capacity) +
                                                   " bytes, incompatible with the requested range");
      return fill(id, *existing, resp);
    }
    // Not there (or a half-made one from an interrupted call): build it aside, then rename it in.
    const std::string tmp = dir(id) + ".creating";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::remove_all(dir(id), ec);
    fs::create_directories(tmp, ec);
    if (ec) return err(StatusCode::INTERNAL, "cannot create " + tmp + ": " + ec.message());
    auto fail = [&](const std::string& msg) {
      fs::remove_all(tmp, ec);
      return err(StatusCode::INTERNAL, msg);
    };
    {
      std::ofstream img(tmp + "/disk.img", std::ios::trunc | std::ios::binary);
      if (!img) return fail("cannot create the volume image");
    }
    // A sparse file: the filesystem on it cannot grow past `size`; host space is used as data is
    // written (docs/storage.md says why it is not preallocated).
    fs::resize_file(tmp + "/disk.img", static_cast<uintmax_t>(size), ec);
    if (ec) return fail("cannot size the volume image: " + ec.message());
    auto mk = make_fs(fs_type, tmp + "/disk.img", size);
    if (!mk.ok()) return fail("mkfs." + fs_type + " failed: " + mk.output());
    VolumeRecord rec{req->name(), size, fs_type, {req->parameters().begin(), req->parameters().end()}};
    std::string error;
    if (!save(tmp, rec, error)) return fail(error);
    fs::rename(tmp, dir(id), ec);
    if (ec) return fail("cannot move the volume in place: " + ec.message());
    return fill(id, rec, resp);
  }

  // mkfs for a new image. xfsprogs 6.1 refuses filesystems under 300 MiB (and logs under 64 MiB)
  // as configurations it no longer supports, yet the kernel mounts and grows them: below that size
  // --unsupported makes one of exactly the claim's size, so a small claim holds what it asked for
  // and no more (docs/storage.md, "The default driver").
  static machinery::RunResult make_fs(const std::string& fs_type, const std::string& image, int64_t size) {
    if (fs_type == "xfs") {
      std::vector<std::string> argv{"mkfs.xfs", "-q", "-f"};
      if (size < kXfsSupportedBytes) argv.push_back("--unsupported");
      argv.push_back(image);
      return run_tool(argv);
    }
    return run_tool({"mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", image});
  }
  static constexpr int64_t kXfsSupportedBytes = 300LL << 20;

  grpc::Status fill(const std::string& id, const VolumeRecord& rec, pb::CreateVolumeResponse* resp) const {
    auto* v = resp->mutable_volume();
    v->set_volume_id(id);
    v->set_capacity_bytes(rec.capacity);
    fill_topology(v->add_accessible_topology());
    return grpc::Status::OK;
  }

  grpc::Status remove(const pb::DeleteVolumeRequest* req) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    const std::string& id = req->volume_id();
    if (!safe_name(id)) return grpc::Status::OK;  // no such volume can exist: deleted already
    if (loop_device_for(image(id)))
      return err(StatusCode::FAILED_PRECONDITION, "volume " + id + " is in use (staged on node " + o_.node_id + ")");
    std::error_code ec;
    fs::remove_all(dir(id), ec);
    if (ec) return err(StatusCode::INTERNAL, "cannot remove volume " + id + ": " + ec.message());
    fs::remove_all(dir(id) + ".creating", ec);
    return grpc::Status::OK;
  }

  grpc::Status controller_expand(const pb::ControllerExpandVolumeRequest* req, pb::ControllerExpandVolumeResponse* resp) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (!req->has_capacity_range()) return err(StatusCode::INVALID_ARGUMENT, "capacity_range is required");
    if (req->has_volume_capability()) {
      auto s = check_capability(req->volume_capability(), StatusCode::INVALID_ARGUMENT);
      if (!s.ok()) return s;
    }
    auto rec = load(req->volume_id());
    if (!rec) return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " does not exist");
    const int64_t required = req->capacity_range().required_bytes(), limit = req->capacity_range().limit_bytes();
    if (limit > 0 && rec->capacity > limit)
      return err(StatusCode::OUT_OF_RANGE, "volume " + req->volume_id() + " is already " + std::to_string(rec->capacity) +
                                               " bytes, above the limit " + std::to_string(limit) + " (shrinking is not supported)");
    int64_t size = rec->capacity;
    if (required > rec->capacity) {
      size = volume_size(required, limit);
      if (size < 0) return err(StatusCode::OUT_OF_RANGE, "capacity range cannot be satisfied");
      std::error_code ec;
      fs::resize_file(image(req->volume_id()), static_cast<uintmax_t>(size), ec);
      if (ec) return err(StatusCode::INTERNAL, "cannot grow the volume image: " + ec.message());
      rec->capacity = size;
      std::string error;
      if (!save(dir(req->volume_id()), *rec, error)) return err(StatusCode::INTERNAL, error);
    }
    resp->set_capacity_bytes(size);
    // The filesystem inside grows on the node (NodeExpandVolume, or at the next NodeStageVolume).
    resp->set_node_expansion_required(true);
    return grpc::Status::OK;
  }

  // Grows a mounted filesystem to its (grown) image: tells the loop device the file's new size,
  // then xfs_growfs (XFS_IOC_FSGROWFSDATA, CAP_SYS_ADMIN) or resize2fs (EXT4_IOC_RESIZE_FS, also
  // CAP_SYS_RESOURCE). Both do nothing when the filesystem fills the device already.
  grpc::Status grow_fs(const std::string& fs_type, const std::string& dev, const std::string& mount_point) {
    auto c = run_tool({"losetup", "-c", dev});
    if (!c.ok()) return err(StatusCode::INTERNAL, "losetup -c " + dev + ": " + c.output());
    auto r = fs_type == "xfs" ? run_tool({"xfs_growfs", "-d", mount_point}) : run_tool({"resize2fs", dev});
    if (!r.ok())
      return err(StatusCode::INTERNAL, (fs_type == "xfs" ? "xfs_growfs " + mount_point : "resize2fs " + dev) + ": " + r.output());
    return grpc::Status::OK;
  }

  grpc::Status stage(const pb::NodeStageVolumeRequest* req) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->staging_target_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "staging_target_path is required");
    if (!req->has_volume_capability()) return err(StatusCode::INVALID_ARGUMENT, "volume_capability is required");
    auto s = check_capability(req->volume_capability(), StatusCode::FAILED_PRECONDITION);
    if (!s.ok()) return s;
    const std::string& id = req->volume_id();
    auto rec = load(id);
    if (!rec) return err(StatusCode::NOT_FOUND, "volume " + id + " does not exist");
    const std::string& want_fs = req->volume_capability().mount().fs_type();
    if (!want_fs.empty() && want_fs != rec->fs_type)
      return err(StatusCode::FAILED_PRECONDITION, "volume " + id + " holds " + rec->fs_type + ", not " + want_fs);
    std::error_code ec;
    fs::create_directories(req->staging_target_path(), ec);
    if (ec) return err(StatusCode::INTERNAL, "cannot create " + req->staging_target_path() + ": " + ec.message());
    const std::string staging = canonical_or_same(req->staging_target_path());
    const std::string img = image(id);
    if (auto m = mount_at(staging)) {
      auto dev = loop_device_for(img);
      if (dev && m->source == *dev) return grpc::Status::OK;  // staged already
      return err(StatusCode::ALREADY_EXISTS, "staging path " + staging + " holds another mount (" + m->source + ")");
    }
    bool attached_here = false;
    auto dev = loop_device_for(img);
    if (!dev) {
      // Another process on the node (another driver, a test, snapd) may take the free device
      // losetup found before it is configured ("Device or resource busy"): try again.
      auto r = run_tool({"losetup", "--find", "--show", img});
      for (int attempt = 1; !r.ok() && attempt < 5; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
        r = run_tool({"losetup", "--find", "--show", img});
      }
      if (!r.ok()) return err(StatusCode::INTERNAL, "losetup: " + r.output());
      dev = trim(r.out);
      attached_here = true;
    }
    auto detach = [&] {
      if (attached_here) run_tool({"losetup", "-d", *dev});
    };
    // An expansion done while the volume was not staged (ControllerExpandVolume alone, or a node
    // that cannot grow a mounted filesystem): grown here, before the mount, where it needs no
    // privilege beyond the device.
    std::error_code sz_ec;
    const auto image_bytes = static_cast<int64_t>(fs::file_size(img, sz_ec));
    const bool xfs = rec->fs_type == "xfs";
    const int64_t fs_bytes = xfs ? xfs_bytes(img) : ext4_bytes(img);
    const bool grow = attached_here && !sz_ec && fs_bytes > 0 && fs_bytes < image_bytes;
    if (grow && !xfs) {
      auto ck = run_tool({"e2fsck", "-f", "-p", *dev});
      if (ck.exit_code > 1) {  // 1: errors corrected
        detach();
        return err(StatusCode::INTERNAL, "e2fsck before growing: " + ck.output());
      }
      auto r = run_tool({"resize2fs", *dev});
      if (!r.ok()) {
        detach();
        return err(StatusCode::INTERNAL, "resize2fs " + *dev + ": " + r.output());
      }
    }
    std::string data;
    for (const auto& f : req->volume_capability().mount().mount_flags()) data += (data.empty() ? "" : ",") + f;
    if (::mount(dev->c_str(), staging.c_str(), rec->fs_type.c_str(), MS_NOATIME, data.empty() ? nullptr : data.c_str()) != 0) {
      int e = errno;
      detach();
      return err(StatusCode::INTERNAL, "mount " + *dev + " on " + staging + ": " + std::strerror(e));
    }
    // XFS grows only while mounted.
    if (grow && xfs) {
      auto g = grow_fs("xfs", *dev, staging);
      if (!g.ok()) {
        ::umount2(staging.c_str(), 0);
        detach();
        return g;
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status unstage(const pb::NodeUnstageVolumeRequest* req) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->staging_target_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "staging_target_path is required");
    const std::string& id = req->volume_id();
    const std::string staging = canonical_or_same(req->staging_target_path());
    auto m = mount_at(staging);
    if (!m) {
      if (!exists(id)) return err(StatusCode::NOT_FOUND, "volume " + id + " does not exist");
      return grpc::Status::OK;  // unstaged already
    }
    auto dev = loop_device_for(image(id));
    if (!dev || m->source != *dev)
      return err(StatusCode::NOT_FOUND, "volume " + id + " is not what is staged at " + staging);
    if (::umount2(staging.c_str(), 0) != 0)
      return err(StatusCode::INTERNAL, "unmount " + staging + ": " + std::strerror(errno));
    // Detach unless some other mount still uses the device (another staging path of the same
    // volume, which the spec does not forbid).
    bool still_used = false;
    std::ifstream mi("/proc/self/mountinfo");
    std::stringstream ss;
    ss << mi.rdbuf();
    for (const auto& e : parse_mountinfo(ss.str()))
      if (e.source == *dev) still_used = true;
    if (!still_used) {
      auto r = run_tool({"losetup", "-d", *dev});
      if (!r.ok()) return err(StatusCode::INTERNAL, "losetup -d " + *dev + ": " + r.output());
    }
    return grpc::Status::OK;
  }

  grpc::Status publish(const pb::NodePublishVolumeRequest* req) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->target_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "target_path is required");
    if (!req->has_volume_capability()) return err(StatusCode::INVALID_ARGUMENT, "volume_capability is required");
    auto s = check_capability(req->volume_capability(), StatusCode::FAILED_PRECONDITION);
    if (!s.ok()) return s;
    const std::string& id = req->volume_id();
    if (!exists(id)) return err(StatusCode::NOT_FOUND, "volume " + id + " does not exist");
    if (req->staging_target_path().empty())
      return err(StatusCode::FAILED_PRECONDITION, "staging_target_path is required: this driver stages volumes");
    const std::string staging = canonical_or_same(req->staging_target_path());
    auto staged = staged_at(id, staging);
    if (!staged) return err(StatusCode::FAILED_PRECONDITION, "volume " + id + " is not staged at " + staging);
    const bool readonly = req->readonly() || req->volume_capability().access_mode().mode() ==
                                                 pb::VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY;
    std::error_code ec;
    fs::create_directories(req->target_path(), ec);
    if (ec) return err(StatusCode::INTERNAL, "cannot create " + req->target_path() + ": " + ec.message());
    const std::string target = canonical_or_same(req->target_path());
    if (auto m = mount_at(target)) {
      if (m->major_minor == staged->major_minor && m->readonly == readonly) return grpc::Status::OK;
      return err(StatusCode::ALREADY_EXISTS, "target path " + target + " holds an incompatible mount" +
                                                 (m->major_minor == staged->major_minor ? " (readonly differs)" : ""));
    }
    if (::mount(staging.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return err(StatusCode::INTERNAL, "bind " + staging + " on " + target + ": " + std::strerror(errno));
    if (readonly && ::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      int e = errno;
      ::umount2(target.c_str(), 0);
      return err(StatusCode::INTERNAL, "read-only remount of " + target + ": " + std::strerror(e));
    }
    return grpc::Status::OK;
  }

  grpc::Status unpublish(const pb::NodeUnpublishVolumeRequest* req) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->target_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "target_path is required");
    const std::string target = canonical_or_same(req->target_path());
    if (mount_at(target)) {
      if (::umount2(target.c_str(), 0) != 0)
        return err(StatusCode::INTERNAL, "unmount " + target + ": " + std::strerror(errno));
    } else if (!exists(req->volume_id())) {
      return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " does not exist");
    }
    // The spec: the plugin deletes the directory it created at the target path.
    std::error_code ec;
    fs::remove(target, ec);
    return grpc::Status::OK;
  }

  grpc::Status node_expand(const pb::NodeExpandVolumeRequest* req, pb::NodeExpandVolumeResponse* resp) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->volume_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_path is required");
    auto rec = load(req->volume_id());
    if (!rec) return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " does not exist");
    auto dev = loop_device_for(image(req->volume_id()));
    auto m = mount_at(canonical_or_same(req->volume_path()));
    if (!dev || !m) return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " is not mounted at " + req->volume_path());
    const int64_t limit = req->capacity_range().limit_bytes();
    if (limit > 0 && rec->capacity > limit)
      return err(StatusCode::OUT_OF_RANGE, "volume is " + std::to_string(rec->capacity) + " bytes, above the limit");
    if (m->source != *dev)
      return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " is not mounted at " + req->volume_path());
    if (rec->fs_type == "xfs") {
      // A mounted XFS's superblock on disk may lag its log: xfs_growfs asks the kernel, and is a
      // no-op when there is nothing to grow.
      auto g = grow_fs("xfs", *dev, canonical_or_same(req->volume_path()));
      if (!g.ok()) return g;
    } else if (ext4_bytes(image(req->volume_id())) < rec->capacity) {
      if (!online_ext4_)
        return err(StatusCode::FAILED_PRECONDITION,
                   "volume " + req->volume_id() + " is staged and this node cannot grow a mounted ext4 filesystem "
                   "(no CAP_SYS_RESOURCE): it grows when next staged");
      auto g = grow_fs("ext4", *dev, "");
      if (!g.ok()) return g;
    }
    resp->set_capacity_bytes(rec->capacity);
    return grpc::Status::OK;
  }

  grpc::Status stats(const pb::NodeGetVolumeStatsRequest* req, pb::NodeGetVolumeStatsResponse* resp) {
    if (req->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (req->volume_path().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_path is required");
    if (!exists(req->volume_id())) return err(StatusCode::NOT_FOUND, "volume " + req->volume_id() + " does not exist");
    struct statvfs st {};
    if (::statvfs(req->volume_path().c_str(), &st) != 0)
      return err(StatusCode::NOT_FOUND, "volume path " + req->volume_path() + ": " + std::strerror(errno));
    auto* b = resp->add_usage();
    b->set_unit(pb::VolumeUsage::BYTES);
    b->set_total(static_cast<int64_t>(st.f_blocks * st.f_frsize));
    b->set_available(static_cast<int64_t>(st.f_bavail * st.f_frsize));
    b->set_used(static_cast<int64_t>((st.f_blocks - st.f_bfree) * st.f_frsize));
    auto* i = resp->add_usage();
    i->set_unit(pb::VolumeUsage::INODES);
    i->set_total(static_cast<int64_t>(st.f_files));
    i->set_available(static_cast<int64_t>(st.f_favail));
    i->set_used(static_cast<int64_t>(st.f_files - st.f_ffree));
    return grpc::Status::OK;
  }

 private:
  Options o_;
  bool online_ext4_ = false;
  std::string default_fs_ = "xfs";
  std::mutex mu_;  // one call at a time: every call inspects, then changes, the node's mounts
};

class IdentityService final : public pb::Identity::Service {
 public:
  explicit IdentityService(Driver& d) : d_(d) {}
  grpc::Status GetPluginInfo(ServerContext*, const pb::GetPluginInfoRequest*, pb::GetPluginInfoResponse* r) override {
    r->set_name(d_.options().driver_name);
    r->set_vendor_version(CAPSTAN_VERSION_STRING);
    return grpc::Status::OK;
  }
  grpc::Status GetPluginCapabilities(ServerContext*, const pb::GetPluginCapabilitiesRequest*,
                                     pb::GetPluginCapabilitiesResponse* r) override {
    r->add_capabilities()->mutable_service()->set_type(pb::PluginCapability::Service::CONTROLLER_SERVICE);
    r->add_capabilities()->mutable_service()->set_type(pb::PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS);
    r->add_capabilities()->mutable_volume_expansion()->set_type(
        d_.online_expansion() ? pb::PluginCapability::VolumeExpansion::ONLINE : pb::PluginCapability::VolumeExpansion::OFFLINE);
    return grpc::Status::OK;
  }
  grpc::Status Probe(ServerContext*, const pb::ProbeRequest*, pb::ProbeResponse* r) override {
    r->mutable_ready()->set_value(true);
    return grpc::Status::OK;
  }

 private:
  Driver& d_;
};

class ControllerService final : public pb::Controller::Service {
 public:
  explicit ControllerService(Driver& d) : d_(d) {}
  grpc::Status CreateVolume(ServerContext*, const pb::CreateVolumeRequest* q, pb::CreateVolumeResponse* r) override {
    std::lock_guard l(d_.mu());
    return d_.create(q, r);
  }
  grpc::Status DeleteVolume(ServerContext*, const pb::DeleteVolumeRequest* q, pb::DeleteVolumeResponse*) override {
    std::lock_guard l(d_.mu());
    return d_.remove(q);
  }
  grpc::Status ValidateVolumeCapabilities(ServerContext*, const pb::ValidateVolumeCapabilitiesRequest* q,
                                          pb::ValidateVolumeCapabilitiesResponse* r) override {
    std::lock_guard l(d_.mu());
    if (q->volume_id().empty()) return err(StatusCode::INVALID_ARGUMENT, "volume_id is required");
    if (q->volume_capabilities_size() == 0) return err(StatusCode::INVALID_ARGUMENT, "volume_capabilities are required");
    if (!d_.exists(q->volume_id())) return err(StatusCode::NOT_FOUND, "volume " + q->volume_id() + " does not exist");
    for (const auto& c : q->volume_capabilities()) {
      auto s = Driver::check_capability(c, StatusCode::INVALID_ARGUMENT);
      if (!s.ok()) {
        r->set_message(s.error_message());
        return grpc::Status::OK;  // not confirmed: the spec's way of saying unsupported
      }
    }
    *r->mutable_confirmed()->mutable_volume_capabilities() = q->volume_capabilities();
    *r->mutable_confirmed()->mutable_volume_context() = q->volume_context();
    *r->mutable_confirmed()->mutable_parameters() = q->parameters();
    return grpc::Status::OK;
  }
  grpc::Status ControllerGetCapabilities(ServerContext*, const pb::ControllerGetCapabilitiesRequest*,
                                         pb::ControllerGetCapabilitiesResponse* r) override {
    for (auto t : {pb::ControllerServiceCapability::RPC::CREATE_DELETE_VOLUME, pb::ControllerServiceCapability::RPC::EXPAND_VOLUME})
      r->add_capabilities()->mutable_rpc()->set_type(t);
    return grpc::Status::OK;
  }
  grpc::Status ControllerExpandVolume(ServerContext*, const pb::ControllerExpandVolumeRequest* q,
                                      pb::ControllerExpandVolumeResponse* r) override {
    std::lock_guard l(d_.mu());
    return d_.controller_expand(q, r);
  }

 private:
  Driver& d_;
};

class NodeService final : public pb::Node::Service {
 public:
  explicit NodeService(Driver& d) : d_(d) {}
  grpc::Status NodeStageVolume(ServerContext*, const pb::NodeStageVolumeRequest* q, pb::NodeStageVolumeResponse*) override {
    std::lock_guard l(d_.mu());
    return d_.stage(q);
  }
  grpc::Status NodeUnstageVolume(ServerContext*, const pb::NodeUnstageVolumeRequest* q, pb::NodeUnstageVolumeResponse*) override {
    std::lock_guard l(d_.mu());
    return d_.unstage(q);
  }
  grpc::Status NodePublishVolume(ServerContext*, const pb::NodePublishVolumeRequest* q, pb::NodePublishVolumeResponse*) override {
    std::lock_guard l(d_.mu());
    return d_.publish(q);
  }
  grpc::Status NodeUnpublishVolume(ServerContext*, const pb::NodeUnpublishVolumeRequest* q,
                                   pb::NodeUnpublishVolumeResponse*) override {
    std::lock_guard l(d_.mu());
    return d_.unpublish(q);
  }
  grpc::Status NodeGetVolumeStats(ServerContext*, const pb::NodeGetVolumeStatsRequest* q,
                                  pb::NodeGetVolumeStatsResponse* r) override {
    std::lock_guard l(d_.mu());
    return d_.stats(q, r);
  }
  grpc::Status NodeExpandVolume(ServerContext*, const pb::NodeExpandVolumeRequest* q, pb::NodeExpandVolumeResponse* r) override {
    std::lock_guard l(d_.mu());
    return d_.node_expand(q, r);
  }
  grpc::Status NodeGetCapabilities(ServerContext*, const pb::NodeGetCapabilitiesRequest*,
                                   pb::NodeGetCapabilitiesResponse* r) override {
    for (auto t : {pb::NodeServiceCapability::RPC::STAGE_UNSTAGE_VOLUME, pb::NodeServiceCapability::RPC::GET_VOLUME_STATS,
                   pb::NodeServiceCapability::RPC::EXPAND_VOLUME})
      r->add_capabilities()->mutable_rpc()->set_type(t);
    return grpc::Status::OK;
  }
  grpc::Status NodeGetInfo(ServerContext*, const pb::NodeGetInfoRequest*, pb::NodeGetInfoResponse* r) override {
    r->set_node_id(d_.options().node_id);
    r->set_max_volumes_per_node(d_.options().max_volumes_per_node);
    d_.fill_topology(r->mutable_accessible_topology());
    return grpc::Status::OK;
  }

 private:
  Driver& d_;
};

}  // namespace

int serve(const Options& options, const std::atomic<bool>& stop) {
  if (options.node_id.empty() || options.root.empty() || options.endpoint.empty()) {
    std::cerr << "capstan-csi-hostpath: --endpoint, --root and --node-id are required\n";
    return 2;
  }
  std::string path = options.endpoint;
  if (path.rfind("unix://", 0) == 0) path = path.substr(7);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  fs::remove(path, ec);  // a socket left by a previous run
  std::unique_ptr<Driver> driver;
  try {
    driver = std::make_unique<Driver>(options);
  } catch (const std::exception& e) {
    std::cerr << "capstan-csi-hostpath: " << e.what() << "\n";
    return 1;
  }
  IdentityService identity(*driver);
  ControllerService controller(*driver);
  NodeService node(*driver);
  grpc::ServerBuilder b;
  b.AddListeningPort("unix://" + path, grpc::InsecureServerCredentials());
  b.RegisterService(&identity);
  b.RegisterService(&controller);
  b.RegisterService(&node);
  auto server = b.BuildAndStart();
  if (!server) {
    std::cerr << "capstan-csi-hostpath: cannot listen on " << path << "\n";
    return 1;
  }
  std::cerr << "capstan-csi-hostpath: " << options.driver_name << " for node " << options.node_id << " serving on "
            << path << ", volumes in " << options.root << "\n";
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  fs::remove(path, ec);
  return 0;
}

}  // namespace capstan::csi::hostpath
