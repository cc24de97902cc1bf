// Test tool: the protobuf codec from the command line, over the built-in kinds, so scripts can
// hand Capstan's bytes to real clients (protobuf_kubectl_test.sh) and read theirs.
//
//   protobuf_fixture_tool encode OBJECT.json                  enveloped object
//   protobuf_fixture_tool list API_VERSION LIST_KIND A.json... enveloped list
//   protobuf_fixture_tool watch TYPE OBJECT.json              one framed watch event
//   protobuf_fixture_tool status STATUS.json                  enveloped metav1.Status
//   protobuf_fixture_tool decode BODY                         the object as Capstan JSON
//   protobuf_fixture_tool json OBJECT.json                    the object as Capstan writes its JSON
//                                                             (Go's zero values included)
// Output goes to stdout; errors to stderr with exit status 1.

#include <capnp/message.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/codec/protobuf_responses.hpp"
#include "testing_builtin_kinds.hpp"

namespace {

using capstan::schema::DecodeReport;
using nlohmann::json;

std::string read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const capstan::schema::ProtobufCodec& codec() {
  static capstan::schema::ProtobufCodec c(capstan::testing::builtin_kinds().model());
  return c;
}

// Decodes a JSON object into `message` and returns its root.
capnp::DynamicStruct::Reader load(const char* path, capnp::MallocMessageBuilder& message) {
  const json object = json::parse(read(path));
  const auto& kind = capstan::testing::builtin_kind(object.at("kind").get<std::string>());
  auto root = message.initRoot<capnp::DynamicStruct>(kind.schema);
  DecodeReport report;
  capstan::testing::builtin_kinds().codec().decode(object, root, report);
  if (!report.type_errors.empty()) throw std::runtime_error(report.type_errors.front().message);
  return root.asReader();
}

int run(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "encode" && argc == 3) {
    capnp::MallocMessageBuilder m;
    std::cout << codec().encode_object(load(argv[2], m));
  } else if (cmd == "list" && argc >= 4) {
    capstan::schema::ListMeta meta;
    meta.resource_version = "1000";
    capstan::schema::ProtobufListEncoder list(codec(), meta);
    for (int i = 4; i < argc; ++i) {
      capnp::MallocMessageBuilder m;
      list.add(load(argv[i], m));
    }
    std::cout << list.finish(argv[2], argv[3]);
  } else if (cmd == "watch" && argc == 4) {
    capnp::MallocMessageBuilder m;
    std::cout << capstan::schema::encode_watch_event(argv[2], codec().encode_object(load(argv[3], m)));
  } else if (cmd == "status" && argc == 3) {
    std::cout << capstan::schema::encode_status(json::parse(read(argv[2])));
  } else if (cmd == "decode" && argc == 3) {
    const std::string body = read(argv[2]);
    capstan::schema::ProtobufEnvelope env;
    std::string error;
    if (!capstan::schema::parse_envelope(body, env, error)) throw std::runtime_error(error);
    const auto& kind = capstan::testing::builtin_kind(env.kind);
    capnp::MallocMessageBuilder m;
    auto root = m.initRoot<capnp::DynamicStruct>(kind.schema);
    DecodeReport report;
    codec().decode_object(body, root, kind.api_version(), kind.kind, report);
    if (!report.type_errors.empty())
      throw std::runtime_error(report.type_errors.front().field + ": " + report.type_errors.front().message);
    for (const auto& u : report.unknown_fields) std::cerr << "unknown field " << u << "\n";
    std::cout << capstan::testing::builtin_kinds().codec().encode(root.asReader()).dump(2) << "\n";
  } else if (cmd == "json" && argc == 3) {
    capnp::MallocMessageBuilder m;
    std::cout << capstan::testing::builtin_kinds().codec().encode(load(argv[2], m)).dump(2) << "\n";
  } else {
    std::cerr << "usage: protobuf_fixture_tool encode|list|watch|status|decode|json ...\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "protobuf_fixture_tool: " << e.what() << "\n";
    return 1;
  }
}
