// capstan_codec_cost: what one object costs to decode and encode in each wire format the API
// speaks, over the realistic objects of every built-in kind in the codec's golden test data
// (sdk/machinery/codec/testdata/protobuf/objects). A benchmark, not a test: it prints figures.
//
//   capstan_codec_cost [TESTDATA_OBJECTS_DIR] [--iterations N]
//
// Per object, the median over N rounds of:
//   JSON decode:     JSON text -> nlohmann parse -> Cap'n Proto (JsonCodec::decode), as a create
//                    body is read;
//   JSON encode:     Cap'n Proto -> JSON text (write_json), as each stored revision is written once;
//   protobuf decode: enveloped bytes -> Cap'n Proto (ProtobufCodec::decode_object);
//   protobuf encode: Cap'n Proto -> enveloped bytes (ProtobufCodec::encode_object).
#include <capnp/message.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capstan/machinery/codec/json_writer.hpp"
#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "testing_builtin_kinds.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Median nanoseconds per call of fn over `rounds` rounds of `batch` calls.
template <typename Fn>
double median_ns(int rounds, int batch, Fn&& fn) {
  std::vector<double> v;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < batch; ++i) fn();
    v.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / batch);
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

size_t g_sink = 0;  // keeps results alive (printed at the end)

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = CAPSTAN_PROTOBUF_TESTDATA "/objects";
  int iterations = 2000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc) iterations = std::stoi(argv[++i]);
    else dir = a;
  }
  const auto& kinds = capstan::testing::builtin_kinds();
  const capstan::schema::ProtobufCodec pb(kinds.model());
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const int rounds = 15, batch = std::max(1, iterations / rounds);

  std::printf("%-16s %7s %7s %10s %10s %10s %10s\n", "object", "json B", "pb B", "json dec", "json enc", "pb dec",
              "pb enc");
  double sums[4] = {0, 0, 0, 0};
  size_t bytes[2] = {0, 0};
  for (const auto& p : files) {
    const std::string text = read(p);
    const json object = json::parse(text);
    const auto& kind = capstan::testing::builtin_kind(object.at("kind").get<std::string>());
    capnp::MallocMessageBuilder m;
    auto root = m.initRoot<capnp::DynamicStruct>(kind.schema);
    capstan::schema::DecodeReport report;
    kinds.codec().decode(object, root, report);
    const std::string body = pb.encode_object(root.asReader());
    const std::string json_text = capstan::schema::write_json(kinds.model(), root.asReader()).text;

    double t[4];
    t[0] = median_ns(rounds, batch, [&] {
      capnp::MallocMessageBuilder mb;
      auto r = mb.initRoot<capnp::DynamicStruct>(kind.schema);
      capstan::schema::DecodeReport rep;
      kinds.codec().decode(json::parse(json_text), r, rep);
      g_sink += rep.type_errors.size();
    });
    t[1] = median_ns(rounds, batch, [&] { g_sink += capstan::schema::write_json(kinds.model(), root.asReader()).text.size(); });
    t[2] = median_ns(rounds, batch, [&] {
      capnp::MallocMessageBuilder mb;
      auto r = mb.initRoot<capnp::DynamicStruct>(kind.schema);
      capstan::schema::DecodeReport rep;
      pb.decode_object(body, r, kind.api_version(), kind.kind, rep);
      g_sink += rep.type_errors.size();
    });
    t[3] = median_ns(rounds, batch, [&] { g_sink += pb.encode_object(root.asReader()).size(); });
    std::printf("%-16s %7zu %7zu %8.1fus %8.1fus %8.1fus %8.1fus\n", p.stem().c_str(), json_text.size(), body.size(),
                t[0] / 1000, t[1] / 1000, t[2] / 1000, t[3] / 1000);
    for (int i = 0; i < 4; ++i) sums[i] += t[i];
    bytes[0] += json_text.size();
    bytes[1] += body.size();
  }
  const double n = static_cast<double>(files.size());
  std::printf("%-16s %7.0f %7.0f %8.1fus %8.1fus %8.1fus %8.1fus\n", "mean", bytes[0] / n, bytes[1] / n,
              sums[0] / n / 1000, sums[1] / n / 1000, sums[2] / n / 1000, sums[3] / n / 1000);
  std::printf("RESULT codec objects=%zu json_bytes=%.0f pb_bytes=%.0f json_decode_us=%.2f json_encode_us=%.2f "
              "pb_decode_us=%.2f pb_encode_us=%.2f\n",
              files.size(), bytes[0] / n, bytes[1] / n, sums[0] / n / 1000, sums[1] / n / 1000, sums[2] / n / 1000,
              sums[3] / n / 1000);
  std::fprintf(stderr, "(checksum %zu)\n", g_sink);
  return 0;
}
