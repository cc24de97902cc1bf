#include "app/image_command.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>

#include "capstan/machinery/message.hpp"
#include "capstan/runtime.capnp.h"
#include "host/plugin_registry.hpp"

namespace capstan::app {

bool import_image(host::PluginRegistry& plugins, const std::string& path, std::string& out) {
  capnp::MallocMessageBuilder m;
  m.initRoot<capstan::runtime::v1::RuntimeRequest>().initImportImage().setPath(path);
  std::string response;
  auto status = plugins.invoke("capstan.runtime.v1", machinery::serialize(m), response);
  if (status != CAPSTAN_OK) {
    out = "image import failed: " + (response.empty() ? std::string("the runtime plugin refused the request") : response) + "\n";
    return false;
  }
  machinery::MessageReader reader{std::string_view(response)};
  auto r = reader.root<capstan::runtime::v1::RuntimeResponse>();
  if (r.getError().size()) {
    out = "image import failed: " + std::string(r.getError().cStr()) + "\n";
    return false;
  }
  if (!r.getResult().isImages()) {
    out = "image import: the runtime answered without images\n";
    return false;
  }
  for (auto image : r.getResult().getImages())
    for (auto tag : image.getRepoTags()) out += "imported " + std::string(tag.cStr()) + "\n";
  if (out.empty()) out = "imported (no names in the archive)\n";
  return true;
}

}  // namespace capstan::app
