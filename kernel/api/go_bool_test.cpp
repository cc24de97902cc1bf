#include <gtest/gtest.h>

#include "api/go_bool.hpp"

using capstan::api::parse_go_bool;

TEST(GoBool, AcceptsGoTrueSpellings) {
  for (const char* s : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(parse_go_bool(s), true) << s;
}

TEST(GoBool, AcceptsGoFalseSpellings) {
  for (const char* s : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(parse_go_bool(s), false) << s;
}

TEST(GoBool, RejectsEverythingElse) {
  for (const char* s : {"", "yes", "no", "tRUE", "fAlSe", "2", "-1", " true", "true ", "on", "off", "y", "n", "01"})
    EXPECT_EQ(parse_go_bool(s), std::nullopt) << '"' << s << '"';
}
