#pragma once
// The computed printer columns of Service, Endpoints and EndpointSlice, as kubectl prints them:
// service EXTERNAL-IP ("<none>", "<pending>"), PORT(S) ("80:30036/TCP") and SELECTOR; endpoints
// "10.244.0.5:80,10.244.0.6:80 + 1 more..."; slice PORTS and ENDPOINTS.

#include <string>
#include <vector>

#include "capstan/object.hpp"

namespace capstan::network {

std::vector<std::string> print_service(const sdk::ObjectPtr& obj);
std::vector<std::string> print_endpoints(const sdk::ObjectPtr& obj);
std::vector<std::string> print_endpoint_slice(const sdk::ObjectPtr& obj);

}  // namespace capstan::network
