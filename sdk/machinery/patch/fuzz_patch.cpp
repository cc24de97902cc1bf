// libFuzzer target: input is "<target JSON>\n<patch JSON>".  Every patch
// engine must either succeed or throw PatchError; anything else (other
// exceptions, crashes, sanitizer reports, stack overflow) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "capstan/machinery/patch/json_patch.hpp"
#include "capstan/machinery/patch/merge_patch.hpp"
#include "capstan/machinery/patch/server_side_apply.hpp"
#include "capstan/machinery/patch/strategic_merge_patch.hpp"

namespace {

using capstan::patch::FieldSemantics;
using capstan::patch::json;
using capstan::patch::PatchError;

// A schema with a bit of everything so the keyed/set/atomic paths get exercised.
class FuzzSchema final : public capstan::patch::PatchSchema {
 public:
  std::optional<FieldSemantics> field(const std::vector<std::string>& path) const override {
    if (path.empty()) return std::nullopt;
    const std::string& last = path.back();
    FieldSemantics s;
    if (last == "containers" || last == "env" || last == "a") {
      s.isList = true;
      s.patchMergeKey = "name";
      s.patchStrategy = "merge";
      s.listType = "map";
      s.listMapKeys = {"name"};
      return s;
    }
    if (last == "finalizers" || last == "b") {
      s.isList = true;
      s.patchStrategy = "merge";
      s.listType = "set";
      return s;
    }
    if (last == "labels" || last == "c") {
      s.isMap = true;
      return s;
    }
    return std::nullopt;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  json target = json::parse(input.substr(0, nl), nullptr, /*allow_exceptions=*/false);
  json patch = json::parse(input.substr(nl + 1), nullptr, /*allow_exceptions=*/false);
  if (target.is_discarded() || patch.is_discarded()) return 0;

  static const FuzzSchema schema;
  try {
    (void)capstan::patch::apply_merge_patch(target, patch);
  } catch (const PatchError&) {
  }
  try {
    (void)capstan::patch::apply_json_patch(target, patch);
  } catch (const PatchError&) {
  }
  try {
    (void)capstan::patch::apply_strategic_merge_patch(target, patch, schema);
  } catch (const PatchError&) {
  }
  capstan::patch::ApplyOptions opts;
  opts.manager = "fuzz";
  opts.now = "2024-01-01T00:00:00Z";
  try {
    json applied = capstan::patch::server_side_apply(target, patch, schema, opts);
    // Re-applying must be idempotent in content, and a second manager must not crash.
    (void)capstan::patch::server_side_apply(applied, patch, schema, opts);
    opts.manager = "other";
    (void)capstan::patch::record_update_manager(target, applied, schema, opts);
  } catch (const PatchError&) {
  }
  return 0;
}
