#include "capstan/printer_columns.hpp"

#include <gtest/gtest.h>

namespace capstan::sdk {
namespace {

TEST(PrinterColumns, Builders) {
  auto c = column("Node", "string", ".spec.nodeName", "Node the pod is bound to", 1);
  EXPECT_EQ(c.name, "Node");
  EXPECT_EQ(c.type, "string");
  EXPECT_EQ(c.json_path, ".spec.nodeName");
  EXPECT_EQ(c.description, "Node the pod is bound to");
  EXPECT_EQ(c.priority, 1);
  EXPECT_FALSE(c.computed);
  auto r = computed_column("Restarts", "integer", "Restarts of all containers");
  EXPECT_TRUE(r.computed);
  EXPECT_EQ(r.type, "integer");
  EXPECT_EQ(r.json_path, "");
  EXPECT_EQ(r.priority, 0);
  auto a = age_column();
  EXPECT_EQ(a.name, "Age");
  EXPECT_EQ(a.type, "date");
  EXPECT_FALSE(a.computed);
}

}  // namespace
}  // namespace capstan::sdk
