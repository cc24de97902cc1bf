// libFuzzer target: the audit policy file, read from outside (--audit-policy-file). A document
// either becomes a Policy or is refused with std::runtime_error (or the YAML reader's BodyError);
// a Policy evaluates any request without failing.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "api/yaml_json.hpp"
#include "audit/audit_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto policy = capstan::audit::Policy::parse(capstan::api::decode_yaml(text));
    capstan::auth::RequestAttributes a;
    a.resource_request = true;
    a.verb = "get";
    a.resource = "pods";
    a.subresource = "log";
    a.ns = "default";
    (void)policy.evaluate(capstan::auth::User{"alice", "", {"dev"}, {}}, a);
    a.resource_request = false;
    a.path = "/healthz";
    (void)policy.evaluate(capstan::auth::User{}, a);
  } catch (const std::runtime_error&) {
  } catch (const nlohmann::json::exception&) {
  }
  return 0;
}
