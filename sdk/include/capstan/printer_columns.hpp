#pragma once
// Builders for KindSpec::printer_columns (capstan/manifest.hpp), the columns `kubectl get` prints:
//   k.printer_columns = {sdk::column("Type", "string", ".spec.type", "The type of the service"),
//                        sdk::computed_column("Ready", "string", "Ready containers out of all"),
//                        sdk::age_column(),
//                        sdk::column("Node", "string", ".spec.nodeName", "Node the pod is bound to", 1)};

#include <string>

#include "capstan/manifest.hpp"

namespace capstan::sdk {

// A cell read from the object at `json_path`; `priority` > 0 shows it only with -o wide.
inline PrinterColumn column(std::string name, std::string type, std::string json_path, std::string description,
                            int priority = 0) {
  PrinterColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.json_path = std::move(json_path);
  c.description = std::move(description);
  c.priority = priority;
  return c;
}

// A cell the plugin computes in Plugin::print (READY "1/1", STATUS, RESTARTS).
inline PrinterColumn computed_column(std::string name, std::string type, std::string description, int priority = 0) {
  PrinterColumn c = column(std::move(name), std::move(type), "", std::move(description), priority);
  c.computed = true;
  return c;
}

// AGE at the place it goes (kubectl appends it last unless a kind places it).
inline PrinterColumn age_column() { return column("Age", "date", "", "Time since creation"); }

}  // namespace capstan::sdk
