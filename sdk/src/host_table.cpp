#include "capstan/host_table.hpp"

#include <cstdlib>
#include <cstring>
#include <exception>

#include <capnp/serialize.h>

#include "capstan/host.capnp.h"

namespace capstan::sdk {

namespace {

void release(uint8_t* data, size_t) { std::free(data); }

HostTable* self(void* context) { return static_cast<HostTable*>(context); }

}  // namespace

void give_bytes(capstan_owned_bytes* out, std::string_view bytes) {
  out->data = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (!bytes.empty()) std::memcpy(out->data, bytes.data(), bytes.size());
  out->size = bytes.size();
  out->release = &release;
}

HostTable::HostTable(HostService& service, Hooks hooks) : service_(service), hooks_(std::move(hooks)) {
  std::memset(&table_, 0, sizeof table_);
  table_.struct_size = sizeof(capstan_host_api);
  table_.host_context = this;
  table_.call = [](void* c, capstan_borrowed_bytes req, capstan_owned_bytes* resp) -> capstan_status {
    try {
      give_bytes(resp, serve_host_request(self(c)->service_, req.data, req.size));
      return CAPSTAN_OK;
    } catch (const std::exception& e) {
      give_bytes(resp, e.what());
    } catch (...) {
      give_bytes(resp, "unknown error");
    }
    return CAPSTAN_ERROR;
  };
  table_.watch = [](void* c, capstan_borrowed_bytes req, capstan_watch_callback cb, void* user,
                    uint64_t* id) -> capstan_status {
    auto* t = self(c);
    try {
      auto words = kj::heapArray<capnp::word>((req.size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
      if (req.size) {
        words.back() = capnp::word();
        std::memcpy(words.begin(), req.data, req.size);
      }
      capnp::FlatArrayMessageReader reader(words);
      *id = t->service_.watch(reader.getRoot<capstan::host::WatchRequest>(), cb, user);
      return CAPSTAN_OK;
    } catch (const std::exception& e) {
      if (t->hooks_.log) t->hooks_.log(3, std::string("watch refused: ") + e.what());
    } catch (const kj::Exception& e) {
      if (t->hooks_.log) t->hooks_.log(3, std::string("watch refused: ") + e.getDescription().cStr());
    } catch (...) {
    }
    return CAPSTAN_ERROR;
  };
  table_.unwatch = [](void* c, uint64_t id) {
    try {
      self(c)->service_.unwatch(id);
    } catch (...) {
    }
  };
  table_.log = [](void* c, int level, const char* message) {
    auto* t = self(c);
    try {
      if (t->hooks_.log) t->hooks_.log(level, message ? message : "");
    } catch (...) {
    }
  };
  table_.invoke = [](void* c, const char* target, capstan_borrowed_bytes req,
                     capstan_owned_bytes* resp) -> capstan_status {
    auto* t = self(c);
    std::string response;
    capstan_status status = CAPSTAN_NOT_FOUND;
    try {
      if (t->hooks_.invoke)
        status = t->hooks_.invoke(target ? target : "",
                                  std::string_view(reinterpret_cast<const char*>(req.data), req.size), response);
    } catch (const std::exception& e) {
      response = e.what();
      status = CAPSTAN_ERROR;
    } catch (...) {
      response = "unknown error";
      status = CAPSTAN_ERROR;
    }
    give_bytes(resp, response);
    return status;
  };
}

}  // namespace capstan::sdk
