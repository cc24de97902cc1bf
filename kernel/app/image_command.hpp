#pragma once
// `capstan image import`: a client of the capstan.runtime.v1 extension point (the runtime plugin
// does the work). Kept apart from main.cpp because it is the only part of the binary that reads
// the runtime schema; the kernel libraries know nothing of it.

#include <string>

namespace capstan::host { class PluginRegistry; }

namespace capstan::app {

// Asks the node's runtime plugin to import the OCI archive at path. `out` gets what to print
// (the imported image names, or the error). Returns false on failure.
bool import_image(host::PluginRegistry& plugins, const std::string& path, std::string& out);

}  // namespace capstan::app
