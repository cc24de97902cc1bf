/* Capstan plugin ABI — the only contract between the kernel and a plugin shared library.
 *
 * Pure C on purpose: nothing but C types and serialized Cap'n Proto messages crosses the boundary.
 * Names say the direction: `on_*` are hooks the plugin implements and the kernel calls;
 * the functions in capstan_host_api are what the kernel implements and the plugin calls.
 * Every buffer spells out its owner; no C++ object, exception or allocator crosses.
 *
 * Evolution: the major version changes only when a layout below changes incompatibly. New
 * capabilities take a reserved slot and bump the minor version. The kernel reads abi_major and
 * abi_minor before anything else and refuses a plugin it cannot serve.
 */
#ifndef CAPSTAN_ABI_H
#define CAPSTAN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAPSTAN_ABI_MAJOR 1
#define CAPSTAN_ABI_MINOR 5  /* 1.1: invoke / on_invoke; 1.2: on_print; 1.3: action subresources, admission hooks (host.capnp, plugin.capnp); 1.4: on_authorize, the requesting user in admission; 1.5: transient kinds, the authorize host call, rules reviews */

/* The symbol every plugin exports (through Boost.DLL's alias, see capstan/plugin.hpp). */
#define CAPSTAN_PLUGIN_ENTRY_SYMBOL "capstan_plugin_entry"

typedef enum capstan_status {
  CAPSTAN_OK = 0,
  CAPSTAN_SKIP = 1,          /* not for this host: not an error */
  CAPSTAN_ERROR = 2,         /* failure; details in the accompanying message */
  CAPSTAN_NOT_FOUND = 3,
  CAPSTAN_ALREADY_EXISTS = 4,
  CAPSTAN_CONFLICT = 5,
  CAPSTAN_INVALID = 6,
  CAPSTAN_GONE = 7
} capstan_status;

/* Plugin roles: which process kinds load it. */
#define CAPSTAN_ROLE_SERVER 1u
#define CAPSTAN_ROLE_AGENT 2u

/* Bytes the receiver only borrows for the duration of the call. */
typedef struct capstan_borrowed_bytes {
  const uint8_t* data;
  size_t size;
} capstan_borrowed_bytes;

/* Bytes handed over to the receiver, which must call release(data, size) exactly once. */
typedef struct capstan_owned_bytes {
  uint8_t* data;
  size_t size;
  void (*release)(uint8_t* data, size_t size);
} capstan_owned_bytes;

/* Called by the kernel for each watch event (a serialized capstan.host.WatchEvent); the bytes are
 * borrowed. Called from a kernel delivery thread, one event at a time per watch, in revision order. */
typedef void (*capstan_watch_callback)(void* user_data, capstan_borrowed_bytes event);

/* What the kernel offers a plugin. Valid from on_init until on_destroy returns. */
typedef struct capstan_host_api {
  uint32_t struct_size; /* sizeof as the kernel compiled it; check before using later fields */
  void* host_context;   /* pass back on every call */

  /* One request/response call: request is a serialized capstan.host.HostRequest, the response a
   * serialized capstan.host.HostResponse the plugin releases. Returns CAPSTAN_OK when a response
   * was produced (whose own status tells the API outcome), CAPSTAN_ERROR when the call was malformed. */
  capstan_status (*call)(void* host_context, capstan_borrowed_bytes request,
                         capstan_owned_bytes* response);

  /* Start a watch (request: serialized capstan.host.WatchRequest). Events arrive on callback until
   * unwatch returns. A watch that falls behind receives one event of type `resync` and ends;
   * the plugin must list again and re-watch. */
  capstan_status (*watch)(void* host_context, capstan_borrowed_bytes request,
                          capstan_watch_callback callback, void* user_data, uint64_t* watch_id);
  /* Stops a watch; after it returns the callback is not running and will not run again. */
  void (*unwatch)(void* host_context, uint64_t watch_id);

  /* Logging through the kernel's logger. level: 0 trace .. 5 critical. */
  void (*log)(void* host_context, int level, const char* message);

  /* ABI 1.1: calls another plugin's on_invoke — how plugins use an extension point such as
   * capstan.runtime.v1. target: a plugin type (the first running plugin of that type answers) or
   * "type.id". request/response are the extension point's own Cap'n Proto messages; the response
   * is released by the caller. CAPSTAN_NOT_FOUND when no running plugin serves the target. */
  capstan_status (*invoke)(void* host_context, const char* target, capstan_borrowed_bytes request,
                           capstan_owned_bytes* response);

  void* reserved[11];
} capstan_host_api;

/* The constant descriptor a plugin returns from its entry point. The first three fields are fixed
 * forever so that any kernel can read them from any plugin. */
typedef struct capstan_plugin_descriptor {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size;

  const char* type;               /* versioned plugin type, e.g. "capstan.kind.v1" */
  const char* id;                 /* unique within its type, e.g. "core" */
  uint32_t roles;                 /* CAPSTAN_ROLE_* bitmask */
  const char* const* dependencies; /* NULL-terminated "type.id" list ("type.*": any of that type; a trailing '?': optional, only orders) */

  /* serialized capstan.plugin.PluginManifest (kinds, schema nodes, ...): static, borrowed */
  capstan_borrowed_bytes manifest;

  /* Create the plugin's state. config is a serialized JSON object (may be empty). On failure
   * return CAPSTAN_ERROR and put a UTF-8 message in *error; CAPSTAN_SKIP means "not for this host". */
  capstan_status (*on_init)(const capstan_host_api* host, capstan_borrowed_bytes config,
                            void** plugin_state, capstan_owned_bytes* error);
  /* Start background work (controllers). Called after every plugin was initialised, in order. */
  capstan_status (*on_start)(void* plugin_state, capstan_owned_bytes* error);
  /* Stop background work; called in reverse order. Must not call back into the host after returning. */
  void (*on_stop)(void* plugin_state);
  /* Admission for the kinds this plugin registers with `admission` set: request is a serialized
   * capstan.host.AdmissionRequest, response a serialized capstan.host.AdmissionResponse. NULL = none. */
  capstan_status (*on_admit)(void* plugin_state, capstan_borrowed_bytes request,
                             capstan_owned_bytes* response);
  /* Free the state. */
  void (*on_destroy)(void* plugin_state);

  /* ABI 1.1: serves a call another plugin made through capstan_host_api.invoke (the plugin is an
   * extension point implementation, e.g. a container runtime). NULL = none. Read by the kernel
   * only from plugins built for ABI 1.1 or later. */
  capstan_status (*on_invoke)(void* plugin_state, capstan_borrowed_bytes request, capstan_owned_bytes* response);

  /* ABI 1.2: computes the printer columns a kind marks `computed` (kubectl get's READY "1/1",
   * STATUS "CrashLoopBackOff", ...). request: capstan.host.PrintRequest, response:
   * capstan.host.PrintResponse. Read only from 1.2+ descriptors. NULL = none. */
  capstan_status (*on_print)(void* plugin_state, capstan_borrowed_bytes request, capstan_owned_bytes* response);

  /* ABI 1.4: an authorizer (the manifest's `authorizer` set) decides whether a request's user may
   * do what it asks. request: capstan.host.AuthorizationRequest, response:
   * capstan.host.AuthorizationResponse (allow, deny or no opinion). Called on API request threads
   * for every request the kernel has not decided itself: answer from memory, never block. Read
   * only from 1.4+ descriptors. NULL = none. */
  capstan_status (*on_authorize)(void* plugin_state, capstan_borrowed_bytes request, capstan_owned_bytes* response);

  void* reserved[9];
} capstan_plugin_descriptor;

typedef const capstan_plugin_descriptor* (*capstan_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CAPSTAN_ABI_H */
