// Certificates for the API server: a self-signed CA, a server certificate and an admin client certificate
// (ECDSA P-256, SHA-256, OpenSSL 3 EVP APIs only).
#include "app/pki.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

namespace capstan::pki {
namespace {

namespace fs = std::filesystem;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

constexpr long kDay = 24L * 3600L;
constexpr long kCaDays = 3650;
constexpr long kLeafDays = 365;
constexpr long kRenewBeforeDays = 30;

[[noreturn]] void fail(const std::string& what) {
  std::string msg = "pki: " + what;
  unsigned long e = ERR_get_error();
  if (e) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  throw std::runtime_error(msg);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("pki: cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Atomically writes a file with the given mode (temp file + rename).
void write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("pki: cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("pki: cannot write " + tmp + ": " + std::strerror(err));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("pki: cannot flush " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("pki: cannot rename " + tmp + ": " + std::strerror(err));
  }
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Key new_key() {
  Key k(EVP_EC_gen("P-256"));
  if (!k) fail("EC key generation failed");
  return k;
}

std::string key_pem(EVP_PKEY* k) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot encode private key");
  return bio_string(bio.get());
}

std::string cert_pem(X509* c) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), c) != 1) fail("cannot encode certificate");
  return bio_string(bio.get());
}

Key load_key(const std::string& path) {
  std::string pem = read_file(path);
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) fail("cannot parse private key " + path);
  return k;
}

Cert load_cert(const std::string& path) {
  std::string pem = read_file(path);
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!c) fail("cannot parse certificate " + path);
  return c;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
}

struct Subject {
  std::string cn;
  std::vector<std::string> orgs;
};

enum class Kind { kCa, kServer, kClient };

// Creates a certificate for `key` signed by issuer_key (issuer == nullptr: self-signed).
Cert make_cert(const Subject& subj, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long days, Kind kind,
               const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  Cert c(X509_new());
  if (!c) fail("X509_new");
  X509_set_version(c.get(), 2);
  // 127-bit random serial
  std::unique_ptr<BIGNUM, Free> bn(BN_new());
  if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) fail("serial");
  if (!BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(c.get()))) fail("serial");
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), days * kDay);
  X509_NAME* name = X509_get_subject_name(c.get());
  for (const auto& o : subj.orgs)
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1,
                               0);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(subj.cn.c_str()),
                                 -1, -1, 0) != 1)
    fail("subject");
  X509* iss = issuer ? issuer : c.get();
  if (X509_set_issuer_name(c.get(), X509_get_subject_name(iss)) != 1) fail("issuer");
  if (X509_set_pubkey(c.get(), key) != 1) fail("pubkey");

  add_ext(c.get(), iss, NID_subject_key_identifier, "hash");
  if (kind == Kind::kCa) {
    add_ext(c.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(c.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    add_ext(c.get(), iss, NID_authority_key_identifier, "keyid:always");
    add_ext(c.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(c.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(c.get(), iss, NID_ext_key_usage, kind == Kind::kServer ? "serverAuth" : "clientAuth");
  }
  if (!dns.empty() || !ips.empty()) {
    std::unique_ptr<GENERAL_NAMES, Free> names(sk_GENERAL_NAME_new_null());
    for (const auto& d : dns) {
      GENERAL_NAME* gn = GENERAL_NAME_new();
      ASN1_IA5STRING* s = ASN1_IA5STRING_new();
      ASN1_STRING_set(s, d.data(), static_cast<int>(d.size()));
      GENERAL_NAME_set0_value(gn, GEN_DNS, s);
      sk_GENERAL_NAME_push(names.get(), gn);
    }
    for (const auto& ip : ips) {
      ASN1_OCTET_STRING* os = a2i_IPADDRESS(ip.c_str());
      if (!os) throw std::invalid_argument("pki: invalid IP address '" + ip + "'");
      GENERAL_NAME* gn = GENERAL_NAME_new();
      GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
      sk_GENERAL_NAME_push(names.get(), gn);
    }
    if (X509_add1_ext_i2d(c.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) fail("SAN");
  }
  if (X509_sign(c.get(), issuer_key, EVP_sha256()) <= 0) fail("signing");
  return c;
}

bool exists(const std::string& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

bool expiring(X509* c, long within_days) {
  time_t t = std::time(nullptr) + within_days * kDay;
  return X509_cmp_time(X509_get0_notAfter(c), &t) <= 0;
}

bool key_matches(X509* c, EVP_PKEY* k) { return X509_check_private_key(c, k) == 1; }

bool signed_by(X509* c, EVP_PKEY* ca_key) { return X509_verify(c, ca_key) == 1; }

bool covers(X509* c, const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  for (const auto& d : dns)
    if (X509_check_host(c, d.c_str(), d.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) != 1) return false;
  for (const auto& ip : ips)
    if (X509_check_ip_asc(c, ip.c_str(), 0) != 1) return false;
  return true;
}

bool has_org(X509* c, const std::string& org) {
  X509_NAME* n = X509_get_subject_name(c);
  for (int idx = -1; (idx = X509_NAME_get_index_by_NID(n, NID_organizationName, idx)) >= 0;) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx));
    if (s && std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s))) == org)
      return true;
  }
  return false;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (s.empty()) return;
  for (const auto& x : v)
    if (x == s) return;
  v.push_back(s);
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') continue;
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

Bundle ensure(const std::string& dir, const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("pki: cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);

  Bundle b;
  b.ca_cert = (fs::path(dir) / "ca.crt").string();
  b.ca_key = (fs::path(dir) / "ca.key").string();
  b.server_cert = (fs::path(dir) / "server.crt").string();
  b.server_key = (fs::path(dir) / "server.key").string();
  b.admin_cert = (fs::path(dir) / "admin.crt").string();
  b.admin_key = (fs::path(dir) / "admin.key").string();

  std::vector<std::string> dns{"localhost"};
  std::vector<std::string> addrs{"127.0.0.1", "::1"};
  for (const auto& d : dns_names) add_unique(dns, d);
  for (const auto& i : ips) {
    ASN1_OCTET_STRING* os = a2i_IPADDRESS(i.c_str());
    if (!os) throw std::invalid_argument("pki: invalid IP address '" + i + "'");
    ASN1_OCTET_STRING_free(os);
    add_unique(addrs, i);
  }

  // --- CA ---
  Key ca_key;
  Cert ca_cert;
  bool new_ca = false;
  if (exists(b.ca_cert) && exists(b.ca_key)) {
    ca_key = load_key(b.ca_key);
    ca_cert = load_cert(b.ca_cert);
    if (!key_matches(ca_cert.get(), ca_key.get())) throw std::runtime_error("pki: " + b.ca_key + " does not match " +
                                                                            b.ca_cert);
  } else {
    spdlog::info("pki: creating CA in {}", dir);
    ca_key = new_key();
    ca_cert = make_cert({"capstan-ca", {}}, ca_key.get(), nullptr, ca_key.get(), kCaDays, Kind::kCa, {}, {});
    write_file(b.ca_key, key_pem(ca_key.get()), 0600);
    write_file(b.ca_cert, cert_pem(ca_cert.get()), 0644);
    new_ca = true;
  }

  // --- server ---
  bool need_server = new_ca || !exists(b.server_cert) || !exists(b.server_key);
  if (!need_server) {
    try {
      Cert c = load_cert(b.server_cert);
      Key k = load_key(b.server_key);
      need_server = !key_matches(c.get(), k.get()) || !signed_by(c.get(), ca_key.get()) ||
                    expiring(c.get(), kRenewBeforeDays) || !covers(c.get(), dns, addrs);
    } catch (const std::exception& e) {
      spdlog::warn("pki: unusable server certificate ({}); regenerating", e.what());
      need_server = true;
    }
  }
  if (need_server) {
    spdlog::info("pki: issuing server certificate");
    Key k = new_key();
    Cert c = make_cert({"capstan-apiserver", {}}, k.get(), ca_cert.get(), ca_key.get(), kLeafDays, Kind::kServer,
                       dns, addrs);
    write_file(b.server_key, key_pem(k.get()), 0600);
    write_file(b.server_cert, cert_pem(c.get()), 0644);
  }

  // --- admin client ---
  bool need_admin = new_ca || !exists(b.admin_cert) || !exists(b.admin_key);
  if (!need_admin) {
    try {
      Cert c = load_cert(b.admin_cert);
      Key k = load_key(b.admin_key);
      need_admin = !key_matches(c.get(), k.get()) || !signed_by(c.get(), ca_key.get()) ||
                   expiring(c.get(), kRenewBeforeDays) || !has_org(c.get(), "system:masters");
    } catch (const std::exception& e) {
      spdlog::warn("pki: unusable admin certificate ({}); regenerating", e.what());
      need_admin = true;
    }
  }
  if (need_admin) {
    spdlog::info("pki: issuing admin client certificate");
    Key k = new_key();
    Cert c = make_cert({"capstan-admin", {"system:masters"}}, k.get(), ca_cert.get(), ca_key.get(), kLeafDays,
                       Kind::kClient, {}, {});
    write_file(b.admin_key, key_pem(k.get()), 0600);
    write_file(b.admin_cert, cert_pem(c.get()), 0644);
  }
  return b;
}

void write_kubeconfig(const std::string& path, const std::string& server_url, const Bundle& b) {
  std::string ca = base64(read_file(b.ca_cert));
  std::string cert = base64(read_file(b.admin_cert));
  std::string key = base64(read_file(b.admin_key));
  std::string y;
  y += "apiVersion: v1\n";
  y += "kind: Config\n";
  y += "clusters:\n";
  y += "- name: capstan\n";
  y += "  cluster:\n";
  y += "    server: " + yaml_quote(server_url) + "\n";
  y += "    certificate-authority-data: " + ca + "\n";
  y += "users:\n";
  y += "- name: admin\n";
  y += "  user:\n";
  y += "    client-certificate-data: " + cert + "\n";
  y += "    client-key-data: " + key + "\n";
  y += "contexts:\n";
  y += "- name: capstan\n";
  y += "  context:\n";
  y += "    cluster: capstan\n";
  y += "    user: admin\n";
  y += "current-context: capstan\n";
  y += "preferences: {}\n";
  auto parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
  }
  write_file(path, y, 0600);
}

}  // namespace capstan::pki
