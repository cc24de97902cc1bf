#include "auth/token_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace capstan::auth {
namespace {

TEST(TokenFile, ReadsKubeApiserverFormat) {
  auto f = TokenFile::parse("# comment\n\ntok1,alice,u1\ntok2,bob,u2,\"dev,ops\"\n tok3 , carol , u3 \n");
  EXPECT_EQ(f.size(), 3u);
  auto a = f.find("tok1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "alice");
  EXPECT_EQ(a->uid, "u1");
  EXPECT_TRUE(a->groups.empty());
  auto b = f.find("tok2");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->groups, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_FALSE(f.find("tok"));
  EXPECT_FALSE(f.find("tok22"));
  EXPECT_FALSE(f.find(""));
}

TEST(TokenFile, MalformedLinesNameTheLine) {
  try {
    TokenFile::parse("ok,a,1\nbad,line\n");
    FAIL();
  } catch (const TokenFileError& e) {
    EXPECT_STREQ(e.what(), "line 2: a token line needs at least 3 fields (token,user,uid), found 2");
  }
  EXPECT_THROW(TokenFile::parse("\"open,a,1\n"), TokenFileError);
  EXPECT_THROW(TokenFile::parse(",a,1\n"), TokenFileError);
}

TEST(TokenFile, AdminTokenIsCreatedOnceAndKept) {
  auto dir = std::filesystem::temp_directory_path() / ("capstan-token-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string t1 = ensure_admin_token(dir.string(), "capstan-admin");
  EXPECT_EQ(t1.size(), 48u);
  std::string t2 = ensure_admin_token(dir.string(), "capstan-admin");
  EXPECT_EQ(t1, t2);
  auto f = TokenFile::load((dir / "tokens.csv").string());
  auto u = f.find(t1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "capstan-admin");
  EXPECT_EQ(u->groups, (std::vector<std::string>{"system:masters"}));
  EXPECT_EQ(std::filesystem::status(dir / "admin.token").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace capstan::auth
