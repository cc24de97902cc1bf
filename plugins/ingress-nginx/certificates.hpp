#pragma once
// TLS material for nginx: kubernetes.io/tls Secrets checked before they are used (a certificate and
// a private key that parse and belong together), and the generated fallback certificate served
// for hosts without a usable one — ingress-nginx's "Kubernetes Ingress Controller Fake
// Certificate" (self-signed, CN of that name, SAN ingress.local).

#include <string>
#include <vector>

namespace capstan::ingress {

struct CheckedPair {
  std::string error;               // non-empty: unusable, and why
  std::vector<std::string> names;  // the certificate's DNS names (SANs, else the CN)
  std::string not_after;           // for messages
};

// Checks PEM `cert` (a certificate, possibly followed by its chain) against PEM `key`.
CheckedPair check_pair(const std::string& cert, const std::string& key);

// A fresh self-signed certificate and its key, PEM; throws std::runtime_error on failure.
struct Pem {
  std::string certificate, key;
};
Pem make_fallback_certificate();

// Writes `content` to `path` (mode 0600) through a temporary file and a rename, unless the file
// already holds exactly that content.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace capstan::ingress
