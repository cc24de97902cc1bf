#include "capstan/machinery/patch/json_patch.hpp"

#include <algorithm>

namespace capstan::patch {
namespace {

// A parsed JSON pointer: unescaped reference tokens.  Parsed by hand (not via
// nlohmann::json_pointer) so every failure becomes a PatchError with our wording.
using Pointer = std::vector<std::string>;

Pointer parse_pointer(const std::string& op, const std::string& text) {
  Pointer tokens;
  if (text.empty()) return tokens;
  if (text[0] != '/') {
    detail::throw_bad_request("json patch " + op + " operation: invalid JSON pointer \"" + text +
                              "\": must be empty or start with '/'");
  }
  std::string cur;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    char c = text[i];
    if (c == '~') {
      char n = i + 1 < text.size() ? text[i + 1] : '\0';
      if (n == '0') cur.push_back('~');
      else if (n == '1') cur.push_back('/');
      else
        detail::throw_bad_request("json patch " + op + " operation: invalid escape in JSON pointer \"" +
                                  text + "\"");
      ++i;
      continue;
    }
    cur.push_back(c);
  }
  return tokens;
}

[[noreturn]] void throw_invalid(const std::string& message) {
  throw PatchError(422, "Invalid", message);
}

[[noreturn]] void missing(const std::string& op, const std::string& path) {
  throw_invalid("json patch " + op + " operation failed: the path \"" + path + "\" does not exist");
}

// RFC 6901 array index: "0" or digits without a leading zero.  Returns -1 when not an index.
long long parse_index(const std::string& tok) {
  if (tok.empty() || tok.size() > 18) return -1;
  if (tok.size() > 1 && tok[0] == '0') return -1;
  long long v = 0;
  for (char c : tok) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Resolves all tokens; null when the location does not exist.
json* resolve(json& doc, const Pointer& ptr, size_t count) {
  json* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& tok = ptr[i];
    if (cur->is_object()) {
      auto it = cur->find(tok);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      long long idx = parse_index(tok);
      if (idx < 0 || static_cast<size_t>(idx) >= cur->size()) return nullptr;
      cur = &(*cur)[static_cast<size_t>(idx)];
    } else {
      return nullptr;
    }
  }
  return cur;
}

void op_add(json& doc, const Pointer& ptr, json value, const std::string& op, const std::string& path) {
  if (ptr.empty()) {
    doc = std::move(value);
    return;
  }
  json* parent = resolve(doc, ptr, ptr.size() - 1);
  if (parent == nullptr) missing(op, path);
  const std::string& last = ptr.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
      return;
    }
    long long idx = parse_index(last);
    if (idx < 0 || static_cast<size_t>(idx) > parent->size()) {
      throw_invalid("json patch " + op + " operation failed: array index in path \"" + path +
                    "\" is out of range");
    }
    parent->insert(parent->begin() + idx, std::move(value));
  } else {
    missing(op, path);
  }
}

json op_remove(json& doc, const Pointer& ptr, const std::string& op, const std::string& path) {
  if (ptr.empty()) throw_invalid("json patch " + op + " operation failed: cannot remove the document root");
  json* parent = resolve(doc, ptr, ptr.size() - 1);
  if (parent == nullptr) missing(op, path);
  const std::string& last = ptr.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) missing(op, path);
    json out = std::move(*it);
    parent->erase(it);
    return out;
  }
  if (parent->is_array()) {
    long long idx = parse_index(last);
    if (idx < 0 || static_cast<size_t>(idx) >= parent->size()) missing(op, path);
    json out = std::move((*parent)[static_cast<size_t>(idx)]);
    parent->erase(static_cast<size_t>(idx));
    return out;
  }
  missing(op, path);
}

const json& require_value(const json& operation, const std::string& op) {
  auto it = operation.find("value");
  if (it == operation.end()) detail::throw_bad_request("json patch " + op + " operation is missing \"value\"");
  return *it;
}

std::string require_string(const json& operation, const char* member, const std::string& op) {
  auto it = operation.find(member);
  if (it == operation.end() || !it->is_string()) {
    detail::throw_bad_request("json patch " + op + " operation is missing string member \"" +
                              std::string(member) + "\"");
  }
  return it->get<std::string>();
}

}  // namespace

json apply_json_patch(const json& target, const json& operations) {
  if (!operations.is_array()) detail::throw_bad_request("json patch must be an array of operations");
  json doc = target;  // the only full copy; all operations mutate it in place
  for (const json& operation : operations) {
    if (!operation.is_object()) detail::throw_bad_request("json patch operation must be an object");
    std::string op = require_string(operation, "op", "");
    std::string path = require_string(operation, "path", op);
    Pointer ptr = parse_pointer(op, path);
    if (op == "add") {
      op_add(doc, ptr, require_value(operation, op), op, path);
    } else if (op == "remove") {
      op_remove(doc, ptr, op, path);
    } else if (op == "replace") {
      const json& value = require_value(operation, op);
      json* loc = resolve(doc, ptr, ptr.size());
      if (loc == nullptr) missing(op, path);
      *loc = value;
    } else if (op == "test") {
      const json& value = require_value(operation, op);
      json* loc = resolve(doc, ptr, ptr.size());
      if (loc == nullptr) missing(op, path);
      if (*loc != value) {
        throw_invalid("json patch test operation failed: the value at path \"" + path +
                      "\" does not match the expected value");
      }
    } else if (op == "move" || op == "copy") {
      std::string from = require_string(operation, "from", op);
      Pointer fromPtr = parse_pointer(op, from);
      if (op == "move") {
        // A location cannot be moved into one of its own children.
        if (ptr.size() > fromPtr.size() && std::equal(fromPtr.begin(), fromPtr.end(), ptr.begin())) {
          throw_invalid("json patch move operation failed: cannot move \"" + from + "\" into its child \"" +
                        path + "\"");
        }
        if (ptr == fromPtr) {
          if (resolve(doc, fromPtr, fromPtr.size()) == nullptr) missing(op, from);
          continue;
        }
        json value = op_remove(doc, fromPtr, op, from);
        op_add(doc, ptr, std::move(value), op, path);
      } else {
        json* src = resolve(doc, fromPtr, fromPtr.size());
        if (src == nullptr) missing(op, from);
        json value = *src;
        op_add(doc, ptr, std::move(value), op, path);
      }
    } else {
      detail::throw_bad_request("json patch: unsupported operation \"" + op + "\"");
    }
  }
  return doc;
}

}  // namespace capstan::patch
