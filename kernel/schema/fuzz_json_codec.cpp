// libFuzzer target for the JSON <-> Cap'n Proto codec: arbitrary bytes are parsed as JSON and,
// when they form an object, decoded into the roots of several core kinds (loaded at run time
// from a plugin manifest, as the kernel does) and encoded back. The codec must never crash or
// throw, and its output must be a fixed point: decoding what it encoded reports no type errors
// and encodes to the same JSON.

#include <capnp/message.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/manifest.hpp"
#include "schema/kind_registry.hpp"

namespace {

using capstan::schema::KindRegistry;
using nlohmann::json;

struct Fixture {
  KindRegistry registry;
  std::vector<capnp::StructSchema> roots;

  Fixture() {
    capstan::sdk::ManifestBuilder b;
    auto add = [&](const char* kind, const char* plural, capnp::StructSchema schema) {
      capstan::sdk::KindSpec k;
      k.kind = kind;
      k.plural = plural;
      k.schema = schema;
      b.kind(k);
    };
    add("ConfigMap", "configmaps", capnp::Schema::from<capstan::core::v1::ConfigMap>());
    add("Secret", "secrets", capnp::Schema::from<capstan::core::v1::Secret>());
    add("Event", "events", capnp::Schema::from<capstan::core::v1::Event>());
    add("Namespace", "namespaces", capnp::Schema::from<capstan::core::v1::Namespace>());
    auto manifest = b.build();
    for (const auto* k : registry.register_manifest("fuzz.core", manifest.data(), manifest.size()))
      roots.push_back(k->schema);
  }
};

json decode_encode(const Fixture& f, capnp::StructSchema schema, const json& in,
                   capstan::schema::DecodeReport& report) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(schema);
  f.registry.codec().decode(in, root, report);
  return f.registry.codec().encode(root.asReader());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  json in = json::parse(data, data + size, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return 0;
  for (auto schema : fixture->roots) {
    capstan::schema::DecodeReport report;
    json out = decode_encode(*fixture, schema, in, report);
    // Every string the codec produced must be valid UTF-8: dump() throws otherwise.
    std::string text = out.dump();
    capstan::schema::DecodeReport again_report;
    json again = decode_encode(*fixture, schema, out, again_report);
    if (!again_report.type_errors.empty() || !again_report.unknown_fields.empty() || again != out) {
      std::fprintf(stderr, "codec output is not a fixed point for %s\nfirst:  %s\nsecond: %s\n",
                   schema.getShortDisplayName().cStr(), text.c_str(), again.dump().c_str());
      for (const auto& e : again_report.type_errors) std::fprintf(stderr, "type error: %s\n", e.message.c_str());
      for (const auto& u : again_report.unknown_fields) std::fprintf(stderr, "unknown: %s\n", u.c_str());
      std::abort();
    }
  }
  return 0;
}
