#include "host/plugin_registry.hpp"

#include <boost/dll/shared_library.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "api/object_service.hpp"
#include "capstan/host.capnp.h"
#include "capstan/plugin.capnp.h"
#include "capstan/host_table.hpp"
#include "host/plugin_admission.hpp"
#include "host/plugin_authorizer.hpp"
#include "host/plugin_host.hpp"
#include "schema/kind_registry.hpp"

namespace capstan::host {

const char* to_string(PluginState s) {
  switch (s) {
    case PluginState::kFound: return "found";
    case PluginState::kRefused: return "refused";
    case PluginState::kSkipped: return "skipped";
    case PluginState::kFailed: return "failed";
    case PluginState::kInitialised: return "initialised";
    case PluginState::kRunning: return "running";
    case PluginState::kStopped: return "stopped";
  }
  return "?";
}

struct PluginRegistry::Loaded {
  boost::dll::shared_library library;
  const capstan_plugin_descriptor* descriptor = nullptr;
  void* state = nullptr;
};

namespace {

// A requirement ending in '?' is optional: it only orders (see plugin_registry.hpp).
bool is_optional(const std::string& dep) { return !dep.empty() && dep.back() == '?'; }
std::string requirement_name(const std::string& dep) { return is_optional(dep) ? dep.substr(0, dep.size() - 1) : dep; }

// Calls a plugin's on_print for a batch of objects; a failing printer yields "<error>" cells.
std::function<std::vector<std::vector<std::string>>(const std::vector<const std::string*>&)> make_printer(
    const capstan_plugin_descriptor* d, void* state, std::string kind) {
  return [d, state, kind](const std::vector<const std::string*>& objects) {
    capnp::MallocMessageBuilder m;
    auto req = m.initRoot<capstan::host::PrintRequest>();
    req.setKind(kind);
    auto list = req.initObjects(static_cast<unsigned>(objects.size()));
    for (unsigned i = 0; i < objects.size(); ++i)
      list.set(i, capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(objects[i]->data()), objects[i]->size()));
    auto words = capnp::messageToFlatArray(m);
    auto bytes = words.asBytes();
    capstan_owned_bytes out{nullptr, 0, nullptr};
    auto status = d->on_print(state, capstan_borrowed_bytes{bytes.begin(), bytes.size()}, &out);
    std::string response;
    if (out.data) {
      response.assign(reinterpret_cast<const char*>(out.data), out.size);
      if (out.release) out.release(out.data, out.size);
    }
    std::vector<std::vector<std::string>> rows(objects.size());
    if (status != CAPSTAN_OK) return rows;
    auto aligned = kj::heapArray<capnp::word>((response.size() + 7) / 8);
    memset(aligned.begin(), 0, aligned.size() * 8);
    memcpy(aligned.begin(), response.data(), response.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1ull << 32;
    capnp::FlatArrayMessageReader reader(aligned, options);
    auto resp = reader.getRoot<capstan::host::PrintResponse>();
    for (unsigned i = 0; i < resp.getRows().size() && i < rows.size(); ++i)
      for (auto c : resp.getRows()[i].getCells()) rows[i].emplace_back(c.cStr());
    return rows;
  };
}

}  // namespace

PluginRegistry::PluginRegistry() : authorizers_(std::make_shared<PluginAuthorizers>()) {}

PluginRegistry::~PluginRegistry() { stop(); }

void PluginRegistry::discover(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    PluginRecord rec;
    rec.path = path.string();
    rec.id = path.stem().string();
    auto loaded = std::make_unique<Loaded>();
    try {
      loaded->library.load(path.string(), boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
      if (!loaded->library.has(CAPSTAN_PLUGIN_ENTRY_SYMBOL)) {
        rec.state = PluginState::kRefused;
        rec.error = "not a Capstan plugin: no " CAPSTAN_PLUGIN_ENTRY_SYMBOL " symbol";
      } else {
        auto& entry = loaded->library.get_alias<const capstan_plugin_descriptor*()>(CAPSTAN_PLUGIN_ENTRY_SYMBOL);
        const capstan_plugin_descriptor* d = entry();
        // The ABI version is read before anything else in the descriptor.
        rec.abi_major = d->abi_major;
        rec.abi_minor = d->abi_minor;
        if (d->abi_major != CAPSTAN_ABI_MAJOR || d->abi_minor > CAPSTAN_ABI_MINOR) {
          rec.state = PluginState::kRefused;
          rec.error = "is not binary compatible: built for plugin ABI " + std::to_string(d->abi_major) + "." +
                      std::to_string(d->abi_minor) + ", this kernel speaks " + std::to_string(CAPSTAN_ABI_MAJOR) + "." +
                      std::to_string(CAPSTAN_ABI_MINOR);
        } else if (d->struct_size < offsetof(capstan_plugin_descriptor, reserved)) {
          rec.state = PluginState::kRefused;
          rec.error = "descriptor is too small (" + std::to_string(d->struct_size) + " bytes)";
        } else {
          loaded->descriptor = d;
          rec.type = d->type ? d->type : "";
          rec.id = d->id ? d->id : rec.id;
          rec.roles = d->roles;
          for (auto r = d->dependencies; r && *r; ++r) rec.dependencies.emplace_back(*r);
        }
      }
    } catch (const std::exception& e) {
      rec.state = PluginState::kRefused;
      rec.error = std::string("cannot load: ") + e.what();
    }
    records_.push_back(std::move(rec));
    loaded_.push_back(std::move(loaded));
  }
}

void PluginRegistry::resolve(uint32_t role, bool kinds_from_other_roles) {
  // Duplicates: the first wins, later ones fail.
  std::map<std::string, size_t> by_uri;
  for (size_t i = 0; i < records_.size(); ++i) {
    auto& r = records_[i];
    if (r.state != PluginState::kFound) continue;
    if (std::find_if(disabled_.begin(), disabled_.end(), [&](const std::string& d) {
          return d == r.id || d == r.type || d == r.uri();
        }) != disabled_.end()) {
      r.state = PluginState::kSkipped;
      r.error = "disabled (--disable)";
      continue;
    }
    if (auto sel = selection_.find(r.type); sel != selection_.end() && sel->second != r.id) {
      r.state = PluginState::kSkipped;
      r.error = "not selected (--use " + r.type + "=" + sel->second + ")";
      continue;
    }
    if (!(r.roles & role)) {
      r.state = PluginState::kSkipped;
      r.error = "not for this role";
      if (kinds_from_other_roles && loaded_[i]->descriptor->manifest.size > 0 && !by_uri.count(r.uri())) {
        r.schema_only = true;
        r.error = "kinds only (the plugin runs in the server)";
        by_uri.emplace(r.uri(), i);
      }
      continue;
    }
    auto [it, inserted] = by_uri.emplace(r.uri(), i);
    if (!inserted) {
      r.state = PluginState::kFailed;
      r.error = "duplicate plugin " + r.uri() + " (also in " + records_[it->second].path + ")";
    }
  }
  auto providers = [&](const std::string& entry) {
    const std::string dep = requirement_name(entry);
    std::vector<size_t> out;
    if (dep.size() > 2 && dep.compare(dep.size() - 2, 2, ".*") == 0) {
      std::string type = dep.substr(0, dep.size() - 2);
      for (auto& [uri, i] : by_uri)
        if (records_[i].type == type) out.push_back(i);
    } else if (auto it = by_uri.find(dep); it != by_uri.end()) {
      out.push_back(it->second);
    }
    return out;
  };
  // Depth-first topological order; a cycle or missing requirement fails the plugins involved.
  std::vector<int> mark(records_.size(), 0);  // 0 new, 1 visiting, 2 done
  std::function<bool(size_t, std::vector<std::string>&)> visit = [&](size_t i, std::vector<std::string>& stack) {
    auto& r = records_[i];
    if (mark[i] == 2) return r.state == PluginState::kFound;
    if (mark[i] == 1) {
      std::string cycle;
      for (const auto& s : stack) cycle += s + " -> ";
      r.state = PluginState::kFailed;
      r.error = "dependency cycle: " + cycle + r.uri();
      return false;
    }
    if (r.schema_only) return true;
    mark[i] = 1;
    stack.push_back(r.uri());
    for (const auto& dep : r.dependencies) {
      if (is_optional(dep)) continue;  // ordering only: placed below, never a reason to fail
      auto ps = providers(dep);
      if (ps.empty()) {
        r.state = PluginState::kFailed;
        r.error = "requires " + dep + ", which is not available";
        break;
      }
      for (size_t p : ps) {
        if (!visit(p, stack) && r.state == PluginState::kFound) {
          r.state = PluginState::kFailed;
          r.error = records_[p].error.rfind("dependency cycle", 0) == 0 ? records_[p].error
                                                                         : "requires " + dep + ", which failed";
        }
      }
    }
    stack.pop_back();
    mark[i] = 2;
    if (r.state == PluginState::kFound) order_.push_back(i);
    return r.state == PluginState::kFound;
  };
  for (auto& [uri, i] : by_uri) {
    std::vector<std::string> stack;
    if (!records_[i].schema_only) visit(i, stack);
  }
  order_ = order_with_optional(order_, by_uri, providers);
}

std::vector<size_t> PluginRegistry::order_with_optional(
    const std::vector<size_t>& hard_order, const std::map<std::string, size_t>& by_uri,
    const std::function<std::vector<size_t>(const std::string&)>& providers) const {
  // The plugins that resolved, each with what must come before it: its requirements, then the
  // optional ones that are present. An optional edge that would close a cycle is dropped, so an
  // optional requirement never fails a plugin nor reorders a required one.
  std::map<size_t, std::vector<size_t>> before;
  for (size_t i : hard_order) before[i];
  auto reaches = [&](size_t from, size_t to) {  // `to` must come before `from` already
    std::vector<size_t> todo{from};
    std::vector<bool> seen(records_.size(), false);
    while (!todo.empty()) {
      size_t n = todo.back();
      todo.pop_back();
      if (n == to) return true;
      if (seen[n]) continue;
      seen[n] = true;
      for (size_t m : before[n]) todo.push_back(m);
    }
    return false;
  };
  for (size_t i : hard_order)
    for (const auto& dep : records_[i].dependencies)
      if (!is_optional(dep))
        for (size_t p : providers(dep))
          if (before.count(p)) before[i].push_back(p);
  for (size_t i : hard_order)
    for (const auto& dep : records_[i].dependencies)
      if (is_optional(dep))
        for (size_t p : providers(dep))
          if (p != i && before.count(p) && !reaches(p, i)) before[i].push_back(p);
  // Depth-first in the same visiting order as above, so that without optional requirements the
  // order is exactly the one of the required ones.
  std::vector<size_t> order;
  std::vector<bool> done(records_.size(), false);
  std::function<void(size_t)> visit = [&](size_t i) {
    if (done[i]) return;
    done[i] = true;
    for (size_t p : before[i]) visit(p);
    order.push_back(i);
  };
  for (const auto& [uri, i] : by_uri)
    if (before.count(i)) visit(i);
  return order;
}

std::vector<std::string> PluginRegistry::order() const {
  std::vector<std::string> out;
  for (size_t i : order_) out.push_back(records_[i].uri());
  return out;
}

void PluginRegistry::register_schema_only(schema::KindRegistry& kinds) {
  for (size_t i = 0; i < records_.size(); ++i) {
    if (!records_[i].schema_only) continue;
    const auto& m = loaded_[i]->descriptor->manifest;
    try {
      kinds.register_manifest(records_[i].uri(), m.data, m.size);
    } catch (const std::exception& e) {
      records_[i].schema_only = false;
      records_[i].state = PluginState::kFailed;
      records_[i].error = e.what();
    }
  }
}

bool PluginRegistry::initialise(schema::KindRegistry& kinds, PluginHost& host, const std::vector<std::string>& required,
                                std::string& error) {
  host_ = &host;
  admission_ = std::make_unique<PluginAdmission>();
  // Each plugin's table: log lines name the plugin; extension-point calls go to the others.
  auto table_for = [this](const std::string& uri) {
    auto& table = tables_[uri];
    if (!table) {
      sdk::HostTable::Hooks hooks;
      hooks.log = [uri](int level, std::string_view message) {
        spdlog::log(static_cast<spdlog::level::level_enum>(std::clamp(level, 0, 5)), "[{}] {}", uri, message);
      };
      hooks.invoke = [this](std::string_view target, std::string_view request, std::string& response) {
        return invoke(std::string(target), std::string(request), response);
      };
      table = std::make_unique<sdk::HostTable>(*host_, std::move(hooks));
    }
    return table->api();
  };
  std::vector<size_t> ok;
  auto dependency_ready = [&](const std::string& dep) {
    bool any_type = dep.size() > 2 && dep.compare(dep.size() - 2, 2, ".*") == 0;
    for (const auto& r : records_) {
      bool match = any_type ? r.type == dep.substr(0, dep.size() - 2) : r.uri() == dep;
      if (match && (r.state == PluginState::kInitialised || r.schema_only)) return true;
    }
    return false;
  };
  for (size_t i : order_) {
    auto& r = records_[i];
    auto& l = *loaded_[i];
    // A plugin whose requirement did not come up does not come up either.
    std::string missing;
    for (const auto& dep : r.dependencies)
      if (!is_optional(dep) && !dependency_ready(dep)) missing = dep;
    if (!missing.empty()) {
      r.state = PluginState::kFailed;
      r.error = "requires " + missing + ", which did not initialise";
      continue;
    }
    capstan_owned_bytes err{nullptr, 0, nullptr};
    const std::string config_text = config_ ? config_(r) : std::string();
    capstan_borrowed_bytes config{reinterpret_cast<const uint8_t*>(config_text.data()), config_text.size()};
    auto status = l.descriptor->on_init(table_for(r.uri()), config, &l.state, &err);
    std::string message;
    if (err.data) {
      message.assign(reinterpret_cast<const char*>(err.data), err.size);
      if (err.release) err.release(err.data, err.size);
    }
    if (status == CAPSTAN_SKIP) {
      r.state = PluginState::kSkipped;
      r.error = message;
      continue;
    }
    if (status != CAPSTAN_OK) {
      r.state = PluginState::kFailed;
      r.error = message.empty() ? "on_init failed" : message;
      continue;
    }
    // Kinds are served only once their plugin is up, so no kind is ever served without the
    // admission of the plugin that owns it.
    try {
      const auto& m = l.descriptor->manifest;
      std::vector<schema::Kind*> added;
      if (m.size) added = kinds.register_manifest(r.uri(), m.data, m.size);
      // Computed printer columns come from the plugin's on_print (ABI 1.2).
      if (r.abi_minor >= 2 && l.descriptor->on_print) {
        for (auto* kind : added) {
          bool computed = false;
          for (const auto& c : kind->columns) computed |= c.computed;
          if (computed) kind->printer = make_printer(l.descriptor, l.state, kind->kind);
        }
      }
    } catch (const std::exception& e) {
      l.descriptor->on_destroy(l.state);
      l.state = nullptr;
      r.state = PluginState::kFailed;
      r.error = e.what();
      continue;
    }
    r.state = PluginState::kInitialised;
    admission_->add(r.uri(), l.descriptor, l.state);
    register_admission_hooks(r.uri(), l.descriptor, l.state);
    ok.push_back(i);
  }
  order_ = ok;
  for (const auto& req : required) {
    auto it = std::find_if(records_.begin(), records_.end(), [&](auto& r) { return r.uri() == req || r.id == req; });
    if (it == records_.end() || it->state != PluginState::kInitialised) {
      error = "required plugin " + req + " is not available" + (it == records_.end() ? "" : ": " + it->error);
      return false;
    }
  }
  return true;
}

api::Admission* PluginRegistry::admission() { return admission_.get(); }

std::shared_ptr<const PluginAuthorizers> PluginRegistry::authorizers() const { return authorizers_; }

void PluginRegistry::register_admission_hooks(const std::string& uri, const capstan_plugin_descriptor* d, void* state) {
  const auto& m = d->manifest;
  if (m.size == 0) return;
  auto words = kj::heapArray<capnp::word>((m.size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  words.back() = capnp::word();
  memcpy(words.begin(), m.data, m.size);
  capnp::FlatArrayMessageReader reader(words);
  auto text = [](capnp::Text::Reader t) { return std::string(t.begin(), t.size()); };
  auto texts = [&](capnp::List<capnp::Text>::Reader l) {
    std::vector<std::string> out;
    for (auto t : l) out.push_back(text(t));
    return out;
  };
  auto manifest = reader.getRoot<capstan::plugin::PluginManifest>();
  // on_authorize exists in descriptors of ABI 1.4 and later only.
  if (manifest.getAuthorizer() && d->abi_minor >= 4 && d->on_authorize) {
    spdlog::info("plugin {}: authorizer (order {})", uri, manifest.getAuthorizerOrder());
    authorizers_->add(uri, manifest.getAuthorizerOrder(), d, state, d->abi_minor);
  }
  for (auto h : manifest.getAdmissionHooks()) {
    AdmissionHook hook{uri, text(h.getName()), h.getMutating(), h.getOrder(), {}};
    for (auto r : h.getRules()) hook.rules.push_back({texts(r.getGroups()), texts(r.getResources()), texts(r.getOperations())});
    spdlog::info("plugin {}: {} admission hook {} (order {})", uri, hook.mutating ? "mutating" : "validating", hook.name,
                 hook.order);
    admission_->add_hook(std::move(hook), d, state);
  }
}

capstan_status PluginRegistry::invoke(const std::string& target, const std::string& request, std::string& response) {
  for (size_t i : order_) {
    const auto& r = records_[i];
    const auto& l = *loaded_[i];
    if (r.type != target && r.uri() != target) continue;
    if (r.state != PluginState::kRunning && r.state != PluginState::kInitialised) continue;
    // on_invoke exists in descriptors of ABI 1.1 and later only.
    if (r.abi_minor < 1 || l.descriptor->on_invoke == nullptr) continue;
    capstan_owned_bytes out{nullptr, 0, nullptr};
    auto status = l.descriptor->on_invoke(l.state, capstan_borrowed_bytes{reinterpret_cast<const uint8_t*>(request.data()),
                                                                          request.size()}, &out);
    if (out.data) {
      response.assign(reinterpret_cast<const char*>(out.data), out.size);
      if (out.release) out.release(out.data, out.size);
    }
    return status;
  }
  response = "no running plugin serves " + target;
  return CAPSTAN_NOT_FOUND;
}

void PluginRegistry::start() {
  for (size_t i : order_) {
    auto& r = records_[i];
    auto& l = *loaded_[i];
    capstan_owned_bytes err{nullptr, 0, nullptr};
    auto status = l.descriptor->on_start(l.state, &err);
    std::string message;
    if (err.data) {
      message.assign(reinterpret_cast<const char*>(err.data), err.size);
      if (err.release) err.release(err.data, err.size);
    }
    if (status == CAPSTAN_OK) r.state = PluginState::kRunning;
    else {
      r.state = status == CAPSTAN_SKIP ? PluginState::kSkipped : PluginState::kFailed;
      r.error = message;
      spdlog::warn("plugin {} did not start: {}", r.uri(), message);
    }
  }
}

void PluginRegistry::stop() {
  if (authorizers_) authorizers_->clear();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    auto& r = records_[*it];
    auto& l = *loaded_[*it];
    if (r.state == PluginState::kRunning) l.descriptor->on_stop(l.state);
  }
  if (host_) host_->unwatch_all();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    auto& r = records_[*it];
    auto& l = *loaded_[*it];
    if (r.state == PluginState::kRunning || r.state == PluginState::kInitialised) {
      l.descriptor->on_destroy(l.state);
      r.state = PluginState::kStopped;
    }
  }
  order_.clear();
}

}  // namespace capstan::host
