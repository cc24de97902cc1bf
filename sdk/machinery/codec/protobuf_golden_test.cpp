// The protobuf codec against bytes other encoders wrote (testdata/protobuf, see its README):
//  - kubectl-1.33/: request bodies the real kubectl 1.33 sent; they decode to what kubectl was
//    asked to create, and re-encode to the same bytes (Capstan writes what Go writes);
//  - objects/: one realistic object of every built-in kind, as JSON and as protoc encoded it from
//    upstream's generated.proto; the bytes decode to the JSON, and the JSON survives
//    JSON -> capnp -> protobuf -> capnp -> JSON.

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_wire.hpp"
#include "testing_builtin_kinds.hpp"

namespace capstan::schema {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::builtin_kind;
using testing::builtin_kinds;

const fs::path kData = CAPSTAN_PROTOBUF_TESTDATA;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

const ProtobufCodec& codec() {
  static ProtobufCodec c(builtin_kinds().model());
  return c;
}

const testing::BuiltinKind& kind_of(const json& object) { return builtin_kind(object.at("kind").get<std::string>()); }

// `object` as the JSON codec writes it back (Go's encoding/json presence rules: value structs
// always, unset metav1.Time as null; go_json_presence.hpp). The fixtures hold the fields that were
// set; the protobuf path must give exactly what the JSON path gives for them.
json as_go(const json& object) {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(kind_of(object).schema);
  DecodeReport report;
  builtin_kinds().codec().decode(object, root, report);
  return builtin_kinds().codec().encode(root.asReader());
}

struct Decoded {
  DecodeReport report;
  json object;
  std::string reencoded;
};

Decoded decode_body(const testing::BuiltinKind& kind, const std::string& body) {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(kind.schema);
  Decoded d;
  codec().decode_object(body, root, kind.api_version(), kind.kind, d.report);
  if (!d.report.type_errors.empty()) return d;
  d.object = builtin_kinds().codec().encode(root.asReader());
  d.reencoded = codec().encode_object(root.asReader());
  return d;
}

// `body` (an enveloped Pod) with the given fields of its status left out.
std::string without_pod_status_fields(const std::string& body, std::set<uint32_t> drop) {
  ProtobufEnvelope env;
  std::string error;
  if (!parse_envelope(body, env, error)) return error;
  std::string pod;
  pb::Reader r(env.raw);
  pb::Field f;
  while (r.next(f)) {
    if (f.number != 3) {
      pb::put_bytes_field(pod, f.number, f.bytes);
      continue;
    }
    std::string status;
    pb::Reader s(f.bytes);
    pb::Field g;
    while (s.next(g)) {
      if (drop.count(g.number)) continue;
      if (g.type == pb::WireType::kLen) pb::put_bytes_field(status, g.number, g.bytes);
      else pb::put_varint_field(status, g.number, g.value);
    }
    pb::put_bytes_field(pod, 3, status);
  }
  return wrap_envelope(env.api_version, env.kind, pod);
}

TEST(ProtobufGolden, EveryKindHasAnObject) {
  std::set<std::string> kinds;
  for (const auto& p : files(kData / "objects", ".json")) kinds.insert(json::parse(read(p)).at("kind").get<std::string>());
  for (const auto* k : builtin_kinds().all()) EXPECT_TRUE(kinds.count(k->kind)) << "no objects/*.json of kind " << k->kind;
}

TEST(ProtobufGolden, ObjectsRoundTripThroughProtobuf) {
  for (const auto& p : files(kData / "objects", ".json")) {
    SCOPED_TRACE(p.filename().string());
    const json object = json::parse(read(p));
    const testing::BuiltinKind& kind = kind_of(object);
    capnp::MallocMessageBuilder m;
    auto root = m.initRoot<capnp::DynamicStruct>(kind.schema);
    DecodeReport report;
    builtin_kinds().codec().decode(object, root, report);
    ASSERT_TRUE(report.type_errors.empty() && report.unknown_fields.empty()) << "the fixture is not Capstan JSON";
    const std::string body = codec().encode_object(root.asReader());
    Decoded d = decode_body(kind, body);
    ASSERT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().field << ": " << d.report.type_errors.front().message;
    EXPECT_TRUE(d.report.unknown_fields.empty());
    const json want = as_go(object);
    EXPECT_EQ(d.object, want) << "got:  " << d.object.dump() << "\nwant: " << want.dump();
    // Encoding is a fixed point: the decoded object encodes to the same bytes.
    EXPECT_EQ(d.reencoded, body);
  }
}

TEST(ProtobufGolden, ProtocEncodedObjectsDecode) {
  for (const auto& p : files(kData / "objects", ".pb")) {
    SCOPED_TRACE(p.filename().string());
    auto json_path = p;
    json_path.replace_extension(".json");
    const json want = as_go(json::parse(read(json_path)));
    Decoded d = decode_body(kind_of(want), read(p));
    ASSERT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().field << ": " << d.report.type_errors.front().message;
    EXPECT_TRUE(d.report.unknown_fields.empty());
    EXPECT_EQ(d.object, want) << "got:  " << d.object.dump() << "\nwant: " << want.dump();
  }
}

TEST(ProtobufGolden, KubectlBodiesDecodeAndReencodeByteForByte) {
  const auto bodies = files(kData / "kubectl-1.33", ".pb");
  ASSERT_GE(bodies.size(), 10u);
  for (const auto& p : bodies) {
    SCOPED_TRACE(p.filename().string());
    auto json_path = p;
    json_path.replace_extension(".json");
    const json want = as_go(json::parse(read(json_path)));
    const std::string body = read(p);
    Decoded d = decode_body(kind_of(want), body);
    ASSERT_TRUE(d.report.type_errors.empty()) << d.report.type_errors.front().field << ": " << d.report.type_errors.front().message;
    EXPECT_TRUE(d.report.unknown_fields.empty()) << d.report.unknown_fields.front();
    EXPECT_EQ(d.object, want) << "got:  " << d.object.dump() << "\nwant: " << want.dump();
    // Go writes every value field, zero or not; so does Capstan. A Pod's status is the exception:
    // Go also writes PodStatus.resize and observedGeneration, which Capstan's schema lacks.
    if (p.filename() == "pod-debug-copy.pb") {
      EXPECT_EQ(d.reencoded, without_pod_status_fields(body, {14, 17}));
    } else {
      EXPECT_EQ(d.reencoded, body);
    }
  }
}

}  // namespace
}  // namespace capstan::schema
