// A small PatchSchema for tests, shaped like the Deployment/Pod metadata the
// kernel derives from OpenAPI.
#pragma once

#include <map>

#include "capstan/machinery/patch/patch_schema.hpp"

namespace capstan::patch::testing {

class TestSchema final : public PatchSchema {
 public:
  TestSchema() {
    FieldSemantics containers;
    containers.isList = true;
    containers.patchMergeKey = "name";
    containers.patchStrategy = "merge";
    containers.listType = "map";
    containers.listMapKeys = {"name"};
    fields_[{"spec", "containers"}] = containers;
    fields_[{"spec", "template", "spec", "containers"}] = containers;
    fields_[{"spec", "template", "spec", "initContainers"}] = containers;
    fields_[{"spec", "template", "spec", "containers", "env"}] = containers;
    fields_[{"spec", "containers", "env"}] = containers;

    FieldSemantics volumes = containers;
    volumes.patchStrategy = "merge,retainKeys";
    fields_[{"spec", "template", "spec", "volumes"}] = volumes;
    fields_[{"spec", "volumes"}] = volumes;

    FieldSemantics finalizers;
    finalizers.isList = true;
    finalizers.patchStrategy = "merge";
    finalizers.listType = "set";
    fields_[{"metadata", "finalizers"}] = finalizers;

    FieldSemantics ports;
    ports.isList = true;
    ports.patchMergeKey = "port";
    ports.patchStrategy = "merge";
    ports.listType = "map";
    ports.listMapKeys = {"port", "protocol"};
    fields_[{"spec", "ports"}] = ports;

    FieldSemantics atomicList;
    atomicList.isList = true;
    atomicList.listType = "atomic";
    fields_[{"spec", "containers", "args"}] = atomicList;
    fields_[{"spec", "template", "spec", "containers", "args"}] = atomicList;

    FieldSemantics map;
    map.isMap = true;
    fields_[{"metadata", "labels"}] = map;
    fields_[{"metadata", "annotations"}] = map;
    fields_[{"data"}] = map;

    FieldSemantics retain;
    retain.patchStrategy = "retainKeys";
    fields_[{"spec", "strategy"}] = retain;
  }

  std::optional<FieldSemantics> field(const std::vector<std::string>& path) const override {
    auto it = fields_.find(path);
    if (it == fields_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::vector<std::string>, FieldSemantics> fields_;
};

}  // namespace capstan::patch::testing
