// Certificates for the API server (OpenSSL 3 EVP APIs, ECDSA P-256).
#pragma once

#include <string>
#include <vector>

namespace capstan::pki {

struct Bundle {  // file paths
  std::string ca_cert, ca_key, server_cert, server_key, admin_cert, admin_key;
};

// Creates (only if missing) in dir: ca.crt/ca.key (10y), server.crt/key (SANs: dns_names + ips + localhost, 127.0.0.1,
// ::1; serverAuth), admin.crt/key (CN=capstan-admin, O=system:masters, clientAuth). Keys are 0600. Regenerates the
// server cert if its SANs do not cover the requested names (or it is not signed by the CA / near expiry).
// Throws std::runtime_error on failure.
Bundle ensure(const std::string& dir, const std::vector<std::string>& dns_names, const std::vector<std::string>& ips);

// Writes a kubeconfig (cluster "capstan", user "admin", context "capstan", current-context) with embedded base64
// certificate data to path, mode 0600.
void write_kubeconfig(const std::string& path, const std::string& server_url, const Bundle& b);

}  // namespace capstan::pki
