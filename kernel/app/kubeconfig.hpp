#pragma once
// Reads what `capstan agent` needs from a kubeconfig: the server URL of the current context's
// cluster, its CA and the user's client certificate (embedded *-data or file paths).

#include <string>

#include "http/client.hpp"

namespace capstan::app {

// Throws std::runtime_error with the reason when the file cannot be used.
http::ClientConfig read_kubeconfig(const std::string& path);

std::string base64_decode(const std::string& in);

}  // namespace capstan::app
