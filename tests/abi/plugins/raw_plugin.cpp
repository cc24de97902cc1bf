// A test plugin whose descriptor is written by hand, field by field, the way a plugin in any
// language would lay it out — so a test can make it lie about its ABI version, its identity or
// its requirements. Configured by compile definitions:
//   RAW_ABI_MAJOR / RAW_ABI_MINOR  the version it claims (default: this SDK's)
//   RAW_TYPE / RAW_ID              its identity
//   RAW_DEP                        one requirement ("type.id"), optional
//   RAW_INIT_STATUS                what on_init returns (default CAPSTAN_OK)
#include <boost/dll/alias.hpp>

#include <cstdlib>
#include <cstring>

#include "capstan/abi.h"

#ifndef RAW_ABI_MAJOR
#define RAW_ABI_MAJOR CAPSTAN_ABI_MAJOR
#endif
#ifndef RAW_ABI_MINOR
#define RAW_ABI_MINOR CAPSTAN_ABI_MINOR
#endif
#ifndef RAW_INIT_STATUS
#define RAW_INIT_STATUS CAPSTAN_OK
#endif

namespace {

int g_state = 0;

void release(uint8_t* data, size_t) { free(data); }

capstan_status on_init(const capstan_host_api*, capstan_borrowed_bytes, void** state, capstan_owned_bytes* error) {
  *state = &g_state;
  if (RAW_INIT_STATUS != CAPSTAN_OK && error) {
    static const char kMessage[] = "test plugin: not for this host";
    error->data = static_cast<uint8_t*>(malloc(sizeof kMessage - 1));
    memcpy(error->data, kMessage, sizeof kMessage - 1);
    error->size = sizeof kMessage - 1;
    error->release = &release;
  }
  return static_cast<capstan_status>(RAW_INIT_STATUS);
}
capstan_status on_start(void*, capstan_owned_bytes*) { return CAPSTAN_OK; }
void on_stop(void*) {}
void on_destroy(void*) {}

const char* const kDependencies[] = {
#ifdef RAW_DEP
    RAW_DEP,
#endif
    nullptr};

const capstan_plugin_descriptor kDescriptor = {
    RAW_ABI_MAJOR,
    RAW_ABI_MINOR,
    sizeof(capstan_plugin_descriptor),
    RAW_TYPE,
    RAW_ID,
    CAPSTAN_ROLE_SERVER,
    kDependencies,
    {nullptr, 0},  // no manifest: registers no kinds
    &on_init,
    &on_start,
    &on_stop,
    nullptr,  // no admission
    &on_destroy,
    {},
};

const capstan_plugin_descriptor* entry() { return &kDescriptor; }

}  // namespace

BOOST_DLL_ALIAS(entry, capstan_plugin_entry)
