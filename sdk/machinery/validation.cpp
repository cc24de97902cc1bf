#include "capstan/machinery/validation.hpp"

namespace capstan::machinery {
namespace {

// The patterns, written as upstream writes them (they appear in the messages).
constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character";
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, "
    "and end with an alphanumeric character";
constexpr std::string_view kCIdentifierFmt = "[A-Za-z_][A-Za-z0-9_]*";
constexpr std::string_view kCIdentifierMsg =
    "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric "
    "characters or '_'";
constexpr std::string_view kEnvVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*";
constexpr std::string_view kEnvVarNameMsg =
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not "
    "start with a digit";
constexpr std::string_view kConfigMapKeyFmt = "[-._a-zA-Z0-9]+";
constexpr std::string_view kConfigMapKeyMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character";

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])? of any length.
bool label_shape(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '-') return false;
  return true;
}

bool subdomain_shape(std::string_view s) {
  for (size_t start = 0;;) {
    const size_t dot = s.find('.', start);
    if (!label_shape(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool name_shape(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

void has_chdir_prefix(std::string_view value, ValidationErrors& errs) {
  if (value == ".") errs.emplace_back("must not be '.'");
  else if (value == "..") errs.emplace_back("must not be '..'");
  else if (value.substr(0, 2) == "..") errs.emplace_back("must not start with '..'");
}

}  // namespace

std::string max_len_error(size_t length) { return "must be no more than " + std::to_string(length) + " characters"; }

std::string empty_error() { return "must be non-empty"; }

std::string regex_error(std::string_view message, std::string_view format, const std::vector<std::string_view>& examples) {
  std::string out(message);
  if (examples.empty()) return out + " (regex used for validation is '" + std::string(format) + "')";
  out += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + std::string(examples[i]) + "', ";
  }
  return out + "regex used for validation is '" + std::string(format) + "')";
}

ValidationErrors is_dns1123_label(std::string_view value) {
  ValidationErrors errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (!label_shape(value)) {
    // A valid subdomain that is not a valid label (the length was checked above) has dots.
    if (subdomain_shape(value)) errs.emplace_back("must not contain dots");
    else errs.push_back(regex_error(kDns1123LabelMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
  }
  return errs;
}

ValidationErrors is_dns1123_subdomain(std::string_view value) {
  ValidationErrors errs;
  if (value.size() > 253) errs.push_back(max_len_error(253));
  if (!subdomain_shape(value)) errs.push_back(regex_error(kDns1123SubdomainMsg, kDns1123SubdomainFmt, {"example.com"}));
  return errs;
}

ValidationErrors is_dns1035_label(std::string_view value) {
  ValidationErrors errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (!label_shape(value) || !(value.front() >= 'a' && value.front() <= 'z'))
    errs.push_back(regex_error(kDns1035LabelMsg, kDns1035LabelFmt, {"my-name", "abc-123"}));
  return errs;
}

ValidationErrors is_c_identifier(std::string_view value) {
  bool ok = !value.empty() && (alpha(value.front()) || value.front() == '_');
  for (char c : value)
    if (!alnum(c) && c != '_') ok = false;
  if (ok) return {};
  return {regex_error(kCIdentifierMsg, kCIdentifierFmt, {"my_name", "MY_NAME", "MyName"})};
}

ValidationErrors is_env_var_name(std::string_view value) {
  ValidationErrors errs;
  bool ok = !value.empty() && (alpha(value.front()) || value.front() == '-' || value.front() == '.' || value.front() == '_');
  for (char c : value)
    if (!alnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  if (!ok) errs.push_back(regex_error(kEnvVarNameMsg, kEnvVarNameFmt, {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  has_chdir_prefix(value, errs);
  return errs;
}

ValidationErrors is_config_map_key(std::string_view value) {
  ValidationErrors errs;
  if (value.size() > 253) errs.push_back(max_len_error(253));
  bool ok = !value.empty();
  for (char c : value)
    if (!alnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  if (!ok) errs.push_back(regex_error(kConfigMapKeyMsg, kConfigMapKeyFmt, {"key.name", "KEY_NAME", "key-name"}));
  has_chdir_prefix(value, errs);
  return errs;
}

ValidationErrors is_qualified_name(std::string_view value) {
  ValidationErrors errs;
  std::string_view name = value;
  const size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos)
      return {"a qualified name " + regex_error(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part " + empty_error());
    } else {
      for (const auto& m : is_dns1123_subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) errs.push_back("name part " + empty_error());
  else if (name.size() > 63) errs.push_back("name part " + max_len_error(63));
  if (!name_shape(name))
    errs.push_back("name part " + regex_error(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  return errs;
}

ValidationErrors is_valid_label_value(std::string_view value) {
  ValidationErrors errs;
  if (value.size() > 63) errs.push_back(max_len_error(63));
  if (!value.empty() && !name_shape(value))
    errs.push_back(regex_error(kLabelValueMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  return errs;
}

ValidationErrors is_valid_port_name(std::string_view port) {
  ValidationErrors errs;
  if (port.size() > 15) errs.push_back(max_len_error(15));
  bool charset = !port.empty(), letter = false;
  for (char c : port) {
    if (!lower_alnum(c) && c != '-') charset = false;
    if (c >= 'a' && c <= 'z') letter = true;
  }
  if (!charset) errs.emplace_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.emplace_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos) errs.emplace_back("must not contain consecutive hyphens");
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) errs.emplace_back("must not begin or end with a hyphen");
  return errs;
}

}  // namespace capstan::machinery
