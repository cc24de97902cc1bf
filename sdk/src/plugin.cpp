// The C shims behind CAPSTAN_PLUGIN: they turn the ABI's function pointers into calls on the
// author's Plugin object, and make sure no exception ever unwinds into the kernel.
#include "capstan/plugin.hpp"

#include <capnp/serialize.h>

#include <cstdlib>
#include <cstring>

#include "capstan/access_wire.hpp"
#include "capstan/host.capnp.h"
#include "capstan/machinery/message.hpp"

namespace capstan::sdk::detail {

namespace {

struct Holder {
  PluginInfo info;
  std::string manifest;  // word-aligned storage below
  kj::Array<capnp::word> manifest_words;
  std::vector<const char*> dependencies;
  capstan_plugin_descriptor descriptor{};
};

// One per plugin .so (the SDK is linked statically, with hidden visibility, into each plugin).
Holder* g_holder = nullptr;

struct Instance {
  Host host;
  std::unique_ptr<Plugin> plugin;
};

void release_bytes(uint8_t* data, size_t) { free(data); }

void give(capstan_owned_bytes* out, const std::string& bytes) {
  if (!out) return;
  out->data = static_cast<uint8_t*>(malloc(bytes.size() ? bytes.size() : 1));
  memcpy(out->data, bytes.data(), bytes.size());
  out->size = bytes.size();
  out->release = &release_bytes;
}

// Runs one hook body; whatever it throws becomes a status and a message for the kernel, so no
// exception crosses the boundary. The body returns the bytes to hand back (may be empty).
template <typename Body>
capstan_status guarded(capstan_owned_bytes* out, Body&& body) {
  try {
    std::string bytes = body();
    if (out && !bytes.empty()) give(out, bytes);
    return CAPSTAN_OK;
  } catch (const SkipPlugin& e) {
    give(out, e.what());
    return CAPSTAN_SKIP;
  } catch (const std::exception& e) {
    give(out, e.what());
    return CAPSTAN_ERROR;
  } catch (...) {
    give(out, "unknown exception");
    return CAPSTAN_ERROR;
  }
}

Plugin& plugin_of(void* state) { return *static_cast<Instance*>(state)->plugin; }

capstan_status on_init(const capstan_host_api* host, capstan_borrowed_bytes config, void** state,
                       capstan_owned_bytes* error) {
  return guarded(error, [&] {
    auto instance = std::make_unique<Instance>(Instance{Host(host), nullptr});
    std::string cfg(reinterpret_cast<const char*>(config.data), config.size);
    instance->plugin = g_holder->info.create(instance->host, cfg);
    *state = instance.release();
    return std::string();
  });
}

capstan_status on_start(void* state, capstan_owned_bytes* error) {
  return guarded(error, [&] {
    plugin_of(state).start();
    return std::string();
  });
}

void on_stop(void* state) {
  guarded(nullptr, [&] {
    plugin_of(state).stop();
    return std::string();
  });
}

void on_destroy(void* state) {
  guarded(nullptr, [&] {
    delete static_cast<Instance*>(state);
    return std::string();
  });
}

AdmissionRequest to_admission_request(capstan::host::AdmissionRequest::Reader req) {
  AdmissionRequest ar;
  switch (req.getOperation()) {
    case capstan::host::AdmissionRequest::Operation::CREATE: ar.operation = AdmissionRequest::Operation::kCreate; break;
    case capstan::host::AdmissionRequest::Operation::UPDATE: ar.operation = AdmissionRequest::Operation::kUpdate; break;
    case capstan::host::AdmissionRequest::Operation::DELETE: ar.operation = AdmissionRequest::Operation::kDelete; break;
  }
  ar.resource = Resource{req.getResource().getGroup(), req.getResource().getVersion(), req.getResource().getResource()};
  ar.kind = req.getKind();
  ar.subresource = req.getSubresource();
  ar.dry_run = req.getDryRun();
  ar.hook = req.getHook();
  if (req.getGracePeriodSeconds() >= 0) ar.grace_period_seconds = req.getGracePeriodSeconds();
  if (req.hasUserInfo()) ar.user = read_user(req.getUserInfo());
  if (req.hasObject() && req.getObject().size() > 0)
    ar.object = Object::from_bytes(req.getObject().begin(), req.getObject().size());
  if (req.hasOldObject() && req.getOldObject().size() > 0)
    ar.old_object = Object::from_bytes(req.getOldObject().begin(), req.getOldObject().size());
  return ar;
}

std::string to_admission_response(const AdmissionResult& result) {
  capnp::MallocMessageBuilder m;
  auto resp = m.initRoot<capstan::host::AdmissionResponse>();
  resp.setAllowed(result.allowed);
  resp.setRetain(result.retain);
  resp.setGracePeriodSeconds(result.grace_period_seconds);
  if (!result.allowed) {
    auto st = resp.initStatus();
    st.setCode(result.code);
    st.setReason(result.reason);
    st.setMessage(result.message);
    auto causes = st.initCauses(static_cast<unsigned>(result.causes.size()));
    for (unsigned i = 0; i < result.causes.size(); ++i) {
      causes[i].setField(result.causes[i].field);
      causes[i].setReason(result.causes[i].reason);
      causes[i].setMessage(result.causes[i].message);
    }
  }
  if (!result.mutated.empty())
    resp.setObject(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(result.mutated.data()), result.mutated.size()));
  auto warnings = resp.initWarnings(static_cast<unsigned>(result.warnings.size()));
  for (unsigned i = 0; i < result.warnings.size(); ++i) warnings.set(i, result.warnings[i]);
  return serialize(m);
}

capstan_status on_admit(void* state, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  return guarded(response, [&] {
    machinery::MessageReader reader(request.data, request.size);  // the kernel's bytes carry no alignment promise
    auto req = to_admission_request(reader.root<capstan::host::AdmissionRequest>());
    return to_admission_response(plugin_of(state).admit(req));
  });
}

capstan_status on_authorize(void* state, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  return guarded(response, [&] {
    machinery::MessageReader reader(request.data, request.size);
    auto req = reader.root<capstan::host::AuthorizationRequest>();
    capnp::MallocMessageBuilder m;
    auto resp = m.initRoot<capstan::host::AuthorizationResponse>();
    if (req.getRulesReview()) {
      AccessRules rules;
      try {
        rules = plugin_of(state).rules_for(read_user(req.getUser()), req.getNamespace());
      } catch (const std::exception& e) {
        rules.incomplete = true;
        rules.evaluation_error = e.what();
      }
      write_rules(rules, resp);
      return serialize(m);
    }
    AuthorizationDecision d;
    try {
      d = plugin_of(state).authorize(read_attributes(req));
    } catch (const std::exception& e) {
      d = AuthorizationDecision{AuthorizationDecision::Kind::kNoOpinion, {}, e.what()};
    }
    write_decision(d, resp);
    return serialize(m);
  });
}

capstan_status on_invoke(void* state, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  return guarded(response, [&] {
    return plugin_of(state).invoke(std::string(reinterpret_cast<const char*>(request.data), request.size));
  });
}

capstan_status on_print(void* state, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  return guarded(response, [&] {
    machinery::MessageReader reader(request.data, request.size);
    auto req = reader.root<capstan::host::PrintRequest>();
    std::string kind = req.getKind();
    capnp::MallocMessageBuilder m;
    auto rows = m.initRoot<capstan::host::PrintResponse>().initRows(req.getObjects().size());
    unsigned i = 0;
    for (auto bytes : req.getObjects()) {
      auto cells = plugin_of(state).print(kind, Object::from_bytes(bytes.begin(), bytes.size()));
      auto out = rows[i++].initCells(static_cast<unsigned>(cells.size()));
      for (unsigned c = 0; c < cells.size(); ++c) out.set(c, cells[c]);
    }
    return serialize(m);
  });
}

}  // namespace

const capstan_plugin_descriptor* describe(PluginInfo (*make_info)()) {
  static Holder* holder = [&] {
    auto* h = new Holder{make_info(), {}, {}, {}, {}};
    h->manifest = h->info.manifest.build();
    for (const auto& r : h->info.dependencies) h->dependencies.push_back(r.c_str());
    h->dependencies.push_back(nullptr);
    auto& d = h->descriptor;
    d.abi_major = CAPSTAN_ABI_MAJOR;
    d.abi_minor = CAPSTAN_ABI_MINOR;
    d.struct_size = sizeof(capstan_plugin_descriptor);
    d.type = h->info.type.c_str();
    d.id = h->info.id.c_str();
    d.roles = h->info.roles;
    d.dependencies = h->dependencies.data();
    d.manifest = capstan_borrowed_bytes{reinterpret_cast<const uint8_t*>(h->manifest.data()), h->manifest.size()};
    d.on_init = &on_init;
    d.on_start = &on_start;
    d.on_stop = &on_stop;
    d.on_admit = &on_admit;
    d.on_destroy = &on_destroy;
    d.on_invoke = &on_invoke;
    d.on_print = &on_print;
    d.on_authorize = &on_authorize;
    g_holder = h;
    return h;
  }();
  return &holder->descriptor;
}

}  // namespace capstan::sdk::detail
