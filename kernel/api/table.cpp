#include "api/table.hpp"

#include "capstan/machinery/time.hpp"

namespace capstan::api {

using nlohmann::json;

namespace {

bool has_age_column(const schema::Kind& kind) {
  for (const auto& c : kind.columns)
    if (c.name == "Age") return true;
  return false;
}

// Evaluates the simple JSON paths printer columns use: ".a.b", ".a[0].b", ".a[*].b" (joined by ",").
std::vector<const json*> eval_path(const json& root, const std::string& path) {
  std::vector<const json*> cur{&root};
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t j = i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      std::string name = path.substr(i, j - i);
      std::vector<const json*> next;
      for (auto* v : cur)
        if (v->is_object()) {
          auto it = v->find(name);
          if (it != v->end()) next.push_back(&*it);
        }
      cur.swap(next);
      i = j;
    } else if (path[i] == '[') {
      size_t j = path.find(']', i);
      if (j == std::string::npos) return {};
      std::string idx = path.substr(i + 1, j - i - 1);
      std::vector<const json*> next;
      for (auto* v : cur) {
        if (!v->is_array()) continue;
        if (idx == "*") {
          for (const auto& e : *v) next.push_back(&e);
        } else {
          size_t n = std::strtoul(idx.c_str(), nullptr, 10);
          if (n < v->size()) next.push_back(&(*v)[n]);
        }
      }
      cur.swap(next);
      i = j + 1;
    } else {
      ++i;
    }
  }
  return cur;
}

json cell(const schema::PrinterColumn& c, const json& object) {
  auto values = eval_path(object, c.json_path);
  if (values.empty()) return c.type == "integer" || c.type == "number" ? json(0) : json("<none>");
  if (c.type == "date" && values.front()->is_string()) return human_age(values.front()->get<std::string>());
  if (values.size() == 1) {
    const json& v = *values.front();
    // A map or list column prints its size (ConfigMap DATA, Secret DATA).
    if (v.is_object() || v.is_array()) return static_cast<int64_t>(v.size());
    if (c.type == "integer" && v.is_number()) return v;
    if (v.is_string()) return v;
    return v.dump();
  }
  std::string joined;
  for (auto* v : values) {
    if (!joined.empty()) joined += ",";
    joined += v->is_string() ? v->get<std::string>() : v->dump();
  }
  return joined;
}

}  // namespace

namespace {

// A kind whose first column is a computed "Name" prints its own name cell (kube-apiserver's
// StorageClass printer appends " (default)" to the default class's name).
bool computes_name(const schema::Kind& kind) {
  return !kind.columns.empty() && kind.columns.front().computed && kind.columns.front().name == "Name";
}

}  // namespace

std::string human_age(const std::string& ts) {
  auto then = machinery::parse_rfc3339_seconds(ts);
  if (!then) return "<unknown>";
  // As metatable.ConvertToHumanReadableDateType: a time more than a second ahead reads "<invalid>".
  return machinery::human_duration(machinery::now_seconds() - *then);
}

bool accepts_table(const std::string* accept) {
  return accept && accept->find("as=Table") != std::string::npos;
}

json table_column_definitions(const schema::Kind& kind) {
  json cols = json::array();
  if (!computes_name(kind))
    cols.push_back({{"name", "Name"}, {"type", "string"}, {"format", "name"},
                    {"description", "Name must be unique within a namespace."}, {"priority", 0}});
  for (const auto& c : kind.columns) {
    const std::string format = &c == &kind.columns.front() && computes_name(kind) ? "name" : c.format;
    cols.push_back({{"name", c.name}, {"type", c.type}, {"format", format}, {"description", c.description}, {"priority", c.priority}});
  }
  if (!has_age_column(kind))
    cols.push_back({{"name", "Age"}, {"type", "string"}, {"format", ""},
                    {"description", "CreationTimestamp is the time the object was created."}, {"priority", 0}});
  return cols;
}

std::vector<std::vector<std::string>> computed_cells(const schema::Kind& kind, const std::vector<store::ObjectPtr>& objects) {
  if (!kind.printer || objects.empty()) return std::vector<std::vector<std::string>>(objects.size());
  std::vector<const std::string*> bytes;
  bytes.reserve(objects.size());
  for (const auto& o : objects) bytes.push_back(&o->bytes);
  auto rows = kind.printer(bytes);
  rows.resize(objects.size());
  return rows;
}

json table_row(const schema::Kind& kind, const json& object, bool include_object, const std::vector<std::string>* computed) {
  json cells = json::array();
  const json& meta = object.contains("metadata") ? object["metadata"] : json::object();
  if (!computes_name(kind)) cells.push_back(meta.value("name", ""));
  size_t next_computed = 0;
  for (const auto& c : kind.columns) {
    if (c.computed) {
      std::string v = computed && next_computed < computed->size() ? (*computed)[next_computed] : "<unknown>";
      ++next_computed;
      if (c.type == "integer" && !v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
        cells.push_back(std::stoll(v));
      else
        cells.push_back(v);
    } else if (c.name == "Age" && c.json_path.empty()) {
      cells.push_back(human_age(meta.value("creationTimestamp", "")));
    } else {
      cells.push_back(cell(c, object));
    }
  }
  if (!has_age_column(kind)) cells.push_back(human_age(meta.value("creationTimestamp", "")));
  json row = {{"cells", std::move(cells)}};
  if (include_object) row["object"] = object;
  else row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
  return row;
}

json make_table(const schema::Kind& kind, const std::vector<store::ObjectPtr>& objects,
                const std::string& resource_version, const std::string& continue_token, bool with_columns,
                bool include_object) {
  json t = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", {{"resourceVersion", resource_version}}}};
  if (!continue_token.empty()) t["metadata"]["continue"] = continue_token;
  if (with_columns) t["columnDefinitions"] = table_column_definitions(kind);
  json rows = json::array();
  auto computed = computed_cells(kind, objects);
  for (size_t i = 0; i < objects.size(); ++i)
    rows.push_back(table_row(kind, json::parse(objects[i]->json), include_object, &computed[i]));
  t["rows"] = std::move(rows);
  return t;
}

}  // namespace capstan::api
