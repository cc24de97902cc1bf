// Table rows and column definitions: the kernel's Name and Age cells, and a kind that computes its
// own name cell (a first computed column called "Name", as StorageClass's "standard (default)").
#include "api/table.hpp"

#include <gtest/gtest.h>

namespace capstan::api {
namespace {

using nlohmann::json;

schema::Kind kind_with(std::vector<schema::PrinterColumn> columns) {
  schema::Kind k;
  k.kind = "Thing";
  k.columns = std::move(columns);
  return k;
}

TEST(Table, KernelWritesTheNameCell) {
  schema::Kind k = kind_with({{"Provisioner", "string", "", "", ".provisioner"}});
  json defs = table_column_definitions(k);
  ASSERT_EQ(defs.size(), 3u);
  EXPECT_EQ(defs[0]["name"], "Name");
  EXPECT_EQ(defs[0]["format"], "name");
  json row = table_row(k, {{"metadata", {{"name", "a"}}}, {"provisioner", "p"}}, false, nullptr);
  EXPECT_EQ(row["cells"][0], "a");
  EXPECT_EQ(row["cells"][1], "p");
}

TEST(Table, AComputedNameColumnReplacesTheKernels) {
  schema::PrinterColumn name{"Name", "string", "", "the name", ""};
  name.computed = true;
  schema::Kind k = kind_with({name, {"Provisioner", "string", "", "", ".provisioner"}});
  json defs = table_column_definitions(k);
  ASSERT_EQ(defs.size(), 3u);  // Name, Provisioner, Age
  EXPECT_EQ(defs[0]["name"], "Name");
  EXPECT_EQ(defs[0]["format"], "name");
  EXPECT_EQ(defs[1]["name"], "Provisioner");
  std::vector<std::string> computed = {"standard (default)"};
  json row = table_row(k, {{"metadata", {{"name", "standard"}}}, {"provisioner", "p"}}, false, &computed);
  ASSERT_EQ(row["cells"].size(), 3u);
  EXPECT_EQ(row["cells"][0], "standard (default)");
  EXPECT_EQ(row["cells"][1], "p");
}

}  // namespace
}  // namespace capstan::api
