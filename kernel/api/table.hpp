#pragma once
// Server-side printing: meta.k8s.io/v1 Table responses for `kubectl get`, from each kind's
// printer columns (NAME first, AGE last unless the kind places it).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "schema/kind_registry.hpp"
#include "store/object.hpp"

namespace capstan::api {

nlohmann::json table_column_definitions(const schema::Kind& kind);
// computed: the plugin printer's cells for this object (the kind's computed columns, in order).
nlohmann::json table_row(const schema::Kind& kind, const nlohmann::json& object, bool include_object,
                         const std::vector<std::string>* computed = nullptr);
// The computed cells of each object, from the kind's printer (empty rows when it has none).
std::vector<std::vector<std::string>> computed_cells(const schema::Kind& kind,
                                                     const std::vector<store::ObjectPtr>& objects);
// A whole Table (column definitions optional: watch events after the first omit them).
nlohmann::json make_table(const schema::Kind& kind, const std::vector<store::ObjectPtr>& objects,
                          const std::string& resource_version, const std::string& continue_token,
                          bool with_columns, bool include_object);
// "5m", "3h", "2d" as kubectl prints ages.
std::string human_age(const std::string& rfc3339);
bool accepts_table(const std::string* accept);

}  // namespace capstan::api
