#pragma once
// Writing OCI image archives (a tar of an OCI image layout: oci-layout, index.json,
// blobs/sha256/...) without any tool: Capstan builds its sandbox (pause) image this way at start,
// and `capstan-mkimage` builds test images from a directory. `ctr images import` reads them and
// names each image from the `io.containerd.image.name` annotation of its index entry.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace capstan::cri {

// sha256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

struct TarEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  std::string path;     // relative, '/'-separated, no leading '/'
  Type type = Type::kFile;
  uint32_t mode = 0644;
  std::string data;     // kFile
  std::string target;   // kSymlink
};

// A POSIX (ustar + pax) tar stream of `entries`, in order, owned by root, mtime 0, so the same
// entries always give the same bytes (and the same digest). Paths longer than ustar allows get a
// pax header.
std::string write_tar(const std::vector<TarEntry>& entries);

// The entries of a directory tree (files, directories, symlinks; sorted by path; other kinds are
// skipped), as a layer's contents.
std::vector<TarEntry> entries_from_directory(const std::filesystem::path& root);

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::string working_dir = "/";
  std::vector<std::string> exposed_ports;  // "80/tcp"
};

// An OCI image archive holding one image: one uncompressed layer (`layer_tar`, a tar stream), its
// config and manifest, listed in index.json once per name in `names` (full references such as
// `capstan.local/pause:1`), for linux/amd64.
std::string write_oci_archive(const std::vector<std::string>& names, const std::string& layer_tar,
                              const ImageConfig& config);

}  // namespace capstan::cri
