// Messages as apimachinery's util/validation writes them (validation_test.go's cases and the
// strings kubectl shows).
#include "capstan/machinery/validation.hpp"

#include <gtest/gtest.h>

namespace capstan::machinery {
namespace {

const std::string kLabelRegexMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

TEST(Validation, Dns1123Label) {
  for (const char* ok : {"a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
                         "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0"})
    EXPECT_TRUE(is_dns1123_label(ok).empty()) << ok;
  EXPECT_EQ(is_dns1123_label("Ab"), ValidationErrors{kLabelRegexMsg});
  EXPECT_EQ(is_dns1123_label(""), ValidationErrors{kLabelRegexMsg});
  EXPECT_EQ(is_dns1123_label("-a"), ValidationErrors{kLabelRegexMsg});
  EXPECT_EQ(is_dns1123_label("a_b"), ValidationErrors{kLabelRegexMsg});
  EXPECT_EQ(is_dns1123_label("a.b"), ValidationErrors{"must not contain dots"});
  EXPECT_EQ(is_dns1123_label(std::string(64, 'a')), ValidationErrors{"must be no more than 63 characters"});
  EXPECT_EQ(is_dns1123_label(std::string(64, 'A')),
            (ValidationErrors{"must be no more than 63 characters", kLabelRegexMsg}));
}

TEST(Validation, Dns1123Subdomain) {
  for (const char* ok : {"a", "a.b", "a-1.b-2", "0.1", "example.com", "a.b.c.d.e"})
    EXPECT_TRUE(is_dns1123_subdomain(ok).empty()) << ok;
  const std::string msg =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
      "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  for (const char* bad : {"", ".a", "a.", "a..b", "a.-b", "A.b", "a_b"}) EXPECT_EQ(is_dns1123_subdomain(bad), ValidationErrors{msg}) << bad;
  EXPECT_EQ(is_dns1123_subdomain(std::string(254, 'a')), ValidationErrors{"must be no more than 253 characters"});
  EXPECT_TRUE(is_dns1123_subdomain(std::string(100, 'a') + "." + std::string(100, 'b')).empty());  // no per-label limit
}

TEST(Validation, Dns1035Label) {
  EXPECT_TRUE(is_dns1035_label("my-name").empty());
  EXPECT_EQ(is_dns1035_label("1abc"),
            ValidationErrors{"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                             "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                             "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"});
  EXPECT_EQ(is_dns1035_label("").size(), 1u);
}

TEST(Validation, CIdentifierAndEnvVarNames) {
  for (const char* ok : {"a", "_a", "A_1", "_"}) EXPECT_TRUE(is_c_identifier(ok).empty()) << ok;
  EXPECT_EQ(is_c_identifier("1a"),
            ValidationErrors{"a valid C identifier must start with alphabetic character or '_', followed by a string of "
                             "alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used "
                             "for validation is '[A-Za-z_][A-Za-z0-9_]*')"});
  EXPECT_FALSE(is_c_identifier("a-b").empty());
  for (const char* ok : {"A", "my.env-name", "MY_ENV.NAME", "-x", ".x"}) EXPECT_TRUE(is_env_var_name(ok).empty()) << ok;
  EXPECT_EQ(is_env_var_name("1A").size(), 1u);
  EXPECT_EQ(is_env_var_name(".."), ValidationErrors{"must not be '..'"});
  EXPECT_EQ(is_env_var_name("..x"), ValidationErrors{"must not start with '..'"});
}

TEST(Validation, ConfigMapKeys) {
  for (const char* ok : {"a", "key.name", "KEY_NAME", "key-name", ".dotfile", "a..b"}) EXPECT_TRUE(is_config_map_key(ok).empty()) << ok;
  EXPECT_EQ(is_config_map_key("a b"),
            ValidationErrors{"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                             "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"});
  EXPECT_EQ(is_config_map_key("."), ValidationErrors{"must not be '.'"});
  EXPECT_EQ(is_config_map_key("..."), ValidationErrors{"must not start with '..'"});
  EXPECT_EQ(is_config_map_key(std::string(254, 'k')), ValidationErrors{"must be no more than 253 characters"});
  EXPECT_EQ(is_config_map_key("").size(), 1u);
}

TEST(Validation, QualifiedNamesAndLabelValues) {
  for (const char* ok : {"simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
                         "now-with-dashes/simple", "example.com/My_Name.1", "a.b.c/x"})
    EXPECT_TRUE(is_qualified_name(ok).empty()) << ok;
  const std::string name_regex =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  EXPECT_EQ(is_qualified_name("nospecialchars%^=@"), ValidationErrors{name_regex});
  EXPECT_EQ(is_qualified_name(""), (ValidationErrors{"name part must be non-empty", name_regex}));
  EXPECT_EQ(is_qualified_name("/simple"), ValidationErrors{"prefix part must be non-empty"});
  EXPECT_EQ(is_qualified_name("Example.com/x").front().substr(0, 41), "prefix part a lowercase RFC 1123 subdomai");
  EXPECT_EQ(is_qualified_name(std::string(64, 'a')), ValidationErrors{"name part must be no more than 63 characters"});
  EXPECT_EQ(is_qualified_name("a/b/c").size(), 1u);
  EXPECT_EQ(is_qualified_name("a/b/c").front().substr(0, 17), "a qualified name ");
  for (const char* ok : {"", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "my_value"})
    EXPECT_TRUE(is_valid_label_value(ok).empty()) << ok;
  EXPECT_EQ(is_valid_label_value("-x"),
            ValidationErrors{"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                             "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                             "'my_value',  or '12345', regex used for validation is "
                             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"});
  EXPECT_EQ(is_valid_label_value(std::string(64, 'a')), ValidationErrors{"must be no more than 63 characters"});
}

TEST(Validation, PortNames) {
  for (const char* ok : {"http", "http-80", "a", "abcdefghijklmno"}) EXPECT_TRUE(is_valid_port_name(ok).empty()) << ok;
  EXPECT_EQ(is_valid_port_name("abcdefghijklmnop"), ValidationErrors{"must be no more than 15 characters"});
  EXPECT_EQ(is_valid_port_name("80"), ValidationErrors{"must contain at least one letter (a-z)"});
  EXPECT_EQ(is_valid_port_name("Http"), ValidationErrors{"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"});
  EXPECT_EQ(is_valid_port_name("a--b"), ValidationErrors{"must not contain consecutive hyphens"});
  EXPECT_EQ(is_valid_port_name("-ab"), ValidationErrors{"must not begin or end with a hyphen"});
}

TEST(Validation, QuoteIsGosPercentQ) {
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(quote(std::string(300, 'x'), std::string_view::npos).size(), 302u);
}

}  // namespace
}  // namespace capstan::machinery
