#include "oci_archive.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace capstan::cri {
namespace fs = std::filesystem;

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

namespace {

constexpr size_t kBlock = 512;

void put_octal(char* field, size_t width, uint64_t value) {
  // width-1 octal digits, then NUL, as every tar reader accepts.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

void put_text(char* field, size_t width, const std::string& s) { std::memcpy(field, s.data(), std::min(width, s.size())); }

void append_header(std::string& out, const std::string& name, char typeflag, uint32_t mode, uint64_t size,
                   const std::string& link) {
  char h[kBlock];
  std::memset(h, 0, sizeof h);
  put_text(h, 100, name);
  put_octal(h + 100, 8, mode & 07777);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, size);
  put_octal(h + 136, 12, 0);
  h[156] = typeflag;
  put_text(h + 157, 100, link);
  std::memcpy(h + 257, "ustar", 6);  // magic "ustar\0"
  std::memcpy(h + 263, "00", 2);
  put_text(h + 265, 32, "root");
  put_text(h + 297, 32, "root");
  // Checksum: the header's bytes summed with the checksum field read as spaces.
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : std::string_view(h, kBlock)) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  h[154] = '\0';
  h[155] = ' ';
  out.append(h, kBlock);
}

void pad(std::string& out) {
  if (out.size() % kBlock) out.append(kBlock - out.size() % kBlock, '\0');
}

std::string pax_record(const std::string& key, const std::string& value) {
  // "<len> key=value\n" where <len> counts the whole record, its own digits included.
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

}  // namespace

std::string write_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    std::string name = e.path;
    if (e.type == TarEntry::Type::kDirectory && (name.empty() || name.back() != '/')) name += '/';
    std::string pax;
    if (name.size() > 100) pax += pax_record("path", name);
    if (e.target.size() > 100) pax += pax_record("linkpath", e.target);
    if (!pax.empty()) {
      append_header(out, "PaxHeaders/" + name.substr(0, 80), 'x', 0644, pax.size(), "");
      out += pax;
      pad(out);
    }
    const std::string short_name = name.substr(0, 100);
    switch (e.type) {
      case TarEntry::Type::kFile:
        append_header(out, short_name, '0', e.mode, e.data.size(), "");
        out += e.data;
        pad(out);
        break;
      case TarEntry::Type::kDirectory:
        append_header(out, short_name, '5', e.mode, 0, "");
        break;
      case TarEntry::Type::kSymlink:
        append_header(out, short_name, '2', 0777, 0, e.target.substr(0, 100));
        break;
    }
  }
  out.append(2 * kBlock, '\0');
  return out;
}

std::vector<TarEntry> entries_from_directory(const fs::path& root) {
  std::vector<TarEntry> out;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) continue;
    TarEntry e;
    e.path = p.lexically_relative(root).generic_string();  // fs::relative would follow symlinks
    e.mode = st.st_mode & 07777;
    if (S_ISLNK(st.st_mode)) {
      e.type = TarEntry::Type::kSymlink;
      e.target = fs::read_symlink(p).string();
      it.disable_recursion_pending();
    } else if (S_ISDIR(st.st_mode)) {
      e.type = TarEntry::Type::kDirectory;
    } else if (S_ISREG(st.st_mode)) {
      std::ifstream in(p, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      e.data = ss.str();
    } else {
      continue;
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const TarEntry& a, const TarEntry& b) { return a.path < b.path; });
  return out;
}

std::string write_oci_archive(const std::vector<std::string>& names, const std::string& layer_tar,
                              const ImageConfig& config) {
  using nlohmann::json;
  std::vector<TarEntry> files;
  auto blob = [&](const std::string& data) {
    std::string digest = sha256_hex(data);
    files.push_back({"blobs/sha256/" + digest, TarEntry::Type::kFile, 0644, data, ""});
    return "sha256:" + digest;
  };

  const std::string layer_digest = blob(layer_tar);
  json cfg_inner = json::object();
  cfg_inner["Env"] = config.env;
  if (!config.entrypoint.empty()) cfg_inner["Entrypoint"] = config.entrypoint;
  if (!config.cmd.empty()) cfg_inner["Cmd"] = config.cmd;
  cfg_inner["WorkingDir"] = config.working_dir;
  if (!config.exposed_ports.empty()) {
    json ports = json::object();
    for (const auto& p : config.exposed_ports) ports[p] = json::object();
    cfg_inner["ExposedPorts"] = ports;
  }
  json cfg = {{"architecture", "amd64"},
              {"os", "linux"},
              {"config", cfg_inner},
              // An uncompressed layer's diff id is its own digest.
              {"rootfs", {{"type", "layers"}, {"diff_ids", json::array({layer_digest})}}}};
  const std::string cfg_text = cfg.dump();
  const std::string cfg_digest = blob(cfg_text);
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", cfg_digest}, {"size", cfg_text.size()}}},
      {"layers", json::array({{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                               {"digest", layer_digest},
                               {"size", layer_tar.size()}}})}};
  const std::string manifest_text = manifest.dump();
  const std::string manifest_digest = blob(manifest_text);

  json index = {{"schemaVersion", 2}, {"manifests", json::array()}};
  for (const auto& name : names) {
    // The tag alone for OCI tools; the full reference for containerd.
    std::string tag = name;
    if (auto slash = name.rfind('/'), colon = name.rfind(':'); colon != std::string::npos && (slash == std::string::npos || colon > slash))
      tag = name.substr(colon + 1);
    index["manifests"].push_back({{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                  {"digest", manifest_digest},
                                  {"size", manifest_text.size()},
                                  {"platform", {{"architecture", "amd64"}, {"os", "linux"}}},
                                  {"annotations", {{"io.containerd.image.name", name}, {"org.opencontainers.image.ref.name", tag}}}});
  }

  std::vector<TarEntry> layout;
  layout.push_back({"blobs", TarEntry::Type::kDirectory, 0755, "", ""});
  layout.push_back({"blobs/sha256", TarEntry::Type::kDirectory, 0755, "", ""});
  for (auto& f : files) layout.push_back(std::move(f));
  layout.push_back({"index.json", TarEntry::Type::kFile, 0644, index.dump(), ""});
  layout.push_back({"oci-layout", TarEntry::Type::kFile, 0644, R"({"imageLayoutVersion":"1.0.0"})", ""});
  return write_tar(layout);
}

}  // namespace capstan::cri
