// Loads every released version of the SDK schemas, oldest first, and then the current ones into
// one capnp::SchemaLoader. The loader refuses a node whose new version is not compatible with the
// old one (a field retyped, renumbered or removed), so an incompatible schema change fails here.
#include <capnp/schema-loader.h>
#include <capnp/schema.capnp.h>
#include <capnp/serialize.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

void load_file(capnp::SchemaLoader& loader, const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1u << 28;
  capnp::StreamFdMessageReader reader(fd, options);
  for (auto node : reader.getRoot<capnp::schema::CodeGeneratorRequest>().getNodes()) loader.load(node);
  close(fd);
}

std::vector<std::string> released_bins() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(CAPSTAN_SCHEMA_BIN_DIR)) {
    auto name = e.path().filename().string();
    if (name.rfind("schemas-", 0) == 0 && name != "schemas-current.bin") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(SchemaEvolution, ReleasedVersionsExist) { EXPECT_FALSE(released_bins().empty()); }

TEST(SchemaEvolution, CurrentSchemasAreCompatibleWithEveryRelease) {
  capnp::SchemaLoader loader;
  for (const auto& bin : released_bins()) load_file(loader, bin);
  try {
    load_file(loader, std::string(CAPSTAN_SCHEMA_BIN_DIR) + "/schemas-current.bin");
  } catch (const kj::Exception& e) {
    FAIL() << "an SDK schema changed incompatibly: " << e.getDescription().cStr();
  }
}

// The check itself works: a retyped field is refused.
TEST(SchemaEvolution, RetypedFieldIsRefused) {
  capnp::SchemaLoader loader;
  capnp::MallocMessageBuilder a, b;
  for (auto* m : {&a, &b}) {
    auto node = m->initRoot<capnp::schema::Node>();
    node.setId(0xb72943f5cb7c3f0aull);
    node.setDisplayName("test.capnp:S");
    node.setDisplayNamePrefixLength(11);
    auto s = node.initStruct();
    s.setDataWordCount(1);
    auto fields = s.initFields(1);
    fields[0].setName("b");
    fields[0].setCodeOrder(0);
    fields[0].setDiscriminantValue(0xffff);
    fields[0].initOrdinal().setExplicit(0);
    auto slot = fields[0].initSlot();
    if (m == &a) {
      slot.initType().setInt32();
      slot.initDefaultValue().setInt32(0);
    } else {
      slot.initType().setInt64();
      slot.initDefaultValue().setInt64(0);
    }
  }
  loader.load(a.getRoot<capnp::schema::Node>().asReader());
  EXPECT_ANY_THROW(loader.load(b.getRoot<capnp::schema::Node>().asReader()));
}
