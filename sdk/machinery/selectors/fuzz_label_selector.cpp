// libFuzzer target: label and field selector parsing.
// Invariants: parse never crashes; errors are SelectorError; to_string() re-parses to the same canonical string;
// messages are valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"
#include "capstan/machinery/utf8.hpp"

using namespace capstan::selectors;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    LabelSelector sel = LabelSelector::parse(text);
    std::string canon = sel.to_string();
    LabelSelector again = LabelSelector::parse(canon);
    if (again.to_string() != canon) abort();
    if (sel.empty() != again.empty()) abort();
    // Match against a label set derived from the input.
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& r : sel.requirements())
      if (!r.values.empty()) labels[r.key] = r.values.front();
    if (sel.matches(labels) != again.matches(labels)) abort();
    (void)sel.matches(nlohmann::json());
  } catch (const SelectorError& e) {
    if (!capstan::machinery::is_valid_utf8(e.what())) abort();
  }
  try {
    FieldSelector fs = FieldSelector::parse(text);
    std::string canon = fs.to_string();
    FieldSelector again = FieldSelector::parse(canon);
    if (again.to_string() != canon) abort();
    (void)fs.matches([](std::string_view f) -> std::optional<std::string> { return std::string(f); });
  } catch (const SelectorError& e) {
    if (!capstan::machinery::is_valid_utf8(e.what())) abort();
  }
  return 0;
}
