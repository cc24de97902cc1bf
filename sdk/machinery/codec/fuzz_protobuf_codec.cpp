// libFuzzer target for the protobuf codec: arbitrary bytes are decoded as a bare message into the
// root of every built-in kind and, when they carry the `k8s\0` envelope, as a whole object of
// the kind the envelope names. The codec must never crash, hang or throw on input, and what it
// decodes must be a fixed point: encoding it and decoding that again gives the same object, and
// its JSON form is valid UTF-8.
// Seed corpus: tests/fuzz/corpus/fuzz_protobuf_codec (kubectl 1.33 bodies, protoc-encoded objects).
// The kinds are the compiled-in schemas (testing_builtin_kinds.hpp).

#include <capnp/message.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "testing_builtin_kinds.hpp"

namespace {

using capstan::schema::DecodeReport;
using Kind = capstan::testing::BuiltinKind;
using capstan::schema::ProtobufCodec;

const ProtobufCodec& codec() {
  static ProtobufCodec* c = new ProtobufCodec(capstan::testing::builtin_kinds().model());
  return *c;
}

[[noreturn]] void fail(const Kind& kind, const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n%s\n", kind.kind.c_str(), what, detail.c_str());
  std::abort();
}

// Checks what one decode produced: it encodes, decodes again to the same bytes, and has a JSON form.
void check_fixed_point(const Kind& kind, capnp::DynamicStruct::Reader decoded) {
  std::string once;
  try {
    once = codec().encode(decoded);
  } catch (const capstan::schema::ProtobufEncodeError& e) {
    fail(kind, "a decoded object does not encode", e.what());
  }
  capnp::MallocMessageBuilder again;
  auto root = again.initRoot<capnp::DynamicStruct>(kind.schema);
  DecodeReport report;
  codec().decode(once, root, report);
  if (!report.type_errors.empty()) fail(kind, "the codec's own output does not decode", report.type_errors.front().message);
  if (!report.unknown_fields.empty()) fail(kind, "the codec's own output has unknown fields", report.unknown_fields.front());
  const std::string twice = codec().encode(root.asReader());
  if (twice != once) fail(kind, "encoding is not a fixed point", "");
  // Every string must be valid UTF-8: dump() throws otherwise.
  (void)capstan::testing::builtin_kinds().codec().encode(decoded).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto& registry = capstan::testing::builtin_kinds();
  for (const Kind* kind : registry.all()) {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<capnp::DynamicStruct>(kind->schema);
    DecodeReport report;
    codec().decode(input, root, report);
    if (report.type_errors.empty()) check_fixed_point(*kind, root.asReader());
  }
  capstan::schema::ProtobufEnvelope env;
  std::string error;
  if (capstan::schema::parse_envelope(input, env, error)) {
    for (const Kind* kind : registry.all()) {
      if (kind->kind != env.kind) continue;
      capnp::MallocMessageBuilder message;
      auto root = message.initRoot<capnp::DynamicStruct>(kind->schema);
      DecodeReport report;
      codec().decode_object(input, root, kind->api_version(), kind->kind, report);
      if (report.type_errors.empty()) check_fixed_point(*kind, root.asReader());
    }
  }
  return 0;
}
