// robfig/cron v3's ParseStandard and SpecSchedule.Next (parser.go, spec.go, constantdelay.go)
// and Go's time.ParseDuration, reimplemented with their messages and their arithmetic.

#include "capstan/machinery/time/cron_schedule.hpp"

#include <array>
#include <cstdio>
#include <limits>
#include <vector>

namespace capstan::machinery {

namespace {

constexpr uint64_t kStarBit = uint64_t{1} << 63;

struct Bounds {
  unsigned min, max;
  const std::array<const char*, 12>* names;  // index = value - offset
  unsigned names_offset;
  size_t names_count;
};

const std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
const std::array<const char*, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "", "", "", "", ""};

const Bounds kSeconds{0, 59, nullptr, 0, 0};
const Bounds kMinutes{0, 59, nullptr, 0, 0};
const Bounds kHours{0, 23, nullptr, 0, 0};
const Bounds kDom{1, 31, nullptr, 0, 0};
const Bounds kMonths{1, 12, &kMonthNames, 1, 12};
const Bounds kDow{0, 6, &kDayNames, 0, 7};

// ---- Go string helpers

// Decodes one UTF-8 rune at s[i]; invalid input is U+FFFD of width 1, as Go's range loop does.
char32_t decode_rune(std::string_view s, size_t i, size_t& width) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    width = 1;
    return b0;
  }
  auto cont = [&](size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  auto byte = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    width = 2;
    return (static_cast<char32_t>(b0 & 0x1F) << 6) | byte(1);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    char32_t r = (static_cast<char32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) {
      width = 3;
      return r;
    }
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    char32_t r = (static_cast<char32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
    if (r >= 0x10000 && r <= 0x10FFFF) {
      width = 4;
      return r;
    }
  }
  width = 1;
  return 0xFFFD;
}

// unicode.IsSpace
bool is_space(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// strings.Fields
std::vector<std::string> fields(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0, start = 0;
  bool in_field = false;
  while (i < s.size()) {
    size_t w;
    char32_t r = decode_rune(s, i, w);
    if (is_space(r)) {
      if (in_field) out.emplace_back(s.substr(start, i - start));
      in_field = false;
    } else if (!in_field) {
      in_field = true;
      start = i;
    }
    i += w;
  }
  if (in_field) out.emplace_back(s.substr(start));
  return out;
}

// strings.TrimSpace
std::string_view trim_space(std::string_view s) {
  size_t start = 0;
  while (start < s.size()) {
    size_t w;
    if (!is_space(decode_rune(s, start, w))) break;
    start += w;
  }
  size_t end = s.size();
  while (end > start) {
    // Find the start of the last rune.
    size_t k = end - 1;
    while (k > start && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80 && end - k < 4) --k;
    size_t w;
    char32_t r = decode_rune(s, k, w);
    if (k + w != end) {  // not a whole rune: an invalid byte, which is not space
      break;
    }
    if (!is_space(r)) break;
    end = k;
  }
  return s.substr(start, end - start);
}

// strings.Split (keeps empty parts)
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// fmt's %s of a []string: "[a b c]"
std::string go_string_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

// strconv.Quote (printable runes kept; see docs/batch.md for the approximation of unicode.IsPrint).
std::string go_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    size_t w;
    char32_t r = decode_rune(s, i, w);
    if (r == 0xFFFD && w == 1 && static_cast<unsigned char>(s[i]) >= 0x80) {
      out += "\\x";
      out += kHex[static_cast<unsigned char>(s[i]) >> 4];
      out += kHex[static_cast<unsigned char>(s[i]) & 0xF];
    } else if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (r >= 0x20 && r < 0x7F) {
      out += static_cast<char>(r);
    } else if (r < 0x80) {
      switch (r) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          out += "\\x";
          out += kHex[r >> 4];
          out += kHex[r & 0xF];
      }
    } else if (r < 0xA0 || r == 0xAD || (r >= 0x2028 && r <= 0x202E) || (r >= 0x2060 && r <= 0x206F) ||
               r == 0xFEFF || (r >= 0xD800 && r <= 0xDFFF)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, r > 0xFFFF ? "\\U%08x" : "\\u%04x", static_cast<unsigned>(r));
      out += buf;
    } else {
      out.append(s.substr(i, w));
    }
    i += w;
  }
  return out + "\"";
}

// The quoting of Go's time package (time.quote): bytes of non-ASCII or control characters as \xNN.
std::string go_time_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c < ' ') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// strconv.Atoi's result for a decimal string on a 64-bit platform.
bool go_atoi(std::string_view s, int64_t& out, std::string& error) {
  auto syntax = [&] {
    error = "strconv.Atoi: parsing " + go_quote(s) + ": invalid syntax";
    return false;
  };
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    neg = digits[0] == '-';
    digits = digits.substr(1);
  }
  if (digits.empty()) return syntax();
  uint64_t n = 0;
  bool overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') return syntax();
    if (!overflow) {
      if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
      else n = n * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || n > limit) {
    error = "strconv.Atoi: parsing " + go_quote(s) + ": value out of range";
    return false;
  }
  out = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return true;
}

// ---- the parser

bool must_parse_int(std::string_view expr, uint64_t& out, std::string& error) {
  int64_t num;
  std::string err;
  if (!go_atoi(expr, num, err)) {
    error = "failed to parse int from " + std::string(expr) + ": " + err;
    return false;
  }
  if (num < 0) {
    error = "negative number (" + std::to_string(num) + ") not allowed: " + std::string(expr);
    return false;
  }
  out = static_cast<uint64_t>(num);
  return true;
}

bool parse_int_or_name(std::string_view expr, const Bounds& r, uint64_t& out, std::string& error) {
  if (r.names) {
    std::string lower(expr);
    for (auto& c : lower)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    for (size_t i = 0; i < r.names_count; ++i) {
      if (lower == (*r.names)[i]) {
        out = i + r.names_offset;
        return true;
      }
    }
  }
  return must_parse_int(expr, out, error);
}

uint64_t get_bits(uint64_t min, uint64_t max, uint64_t step) {
  if (step == 1) {
    const uint64_t high = max >= 63 ? ~uint64_t{0} : ~(~uint64_t{0} << (max + 1));
    return high & (~uint64_t{0} << min);
  }
  uint64_t bits = 0;
  for (uint64_t i = min; i <= max; i += step) {
    bits |= uint64_t{1} << i;
    if (i + step < i) break;  // wrapped
  }
  return bits;
}

uint64_t all_bits(const Bounds& r) { return get_bits(r.min, r.max, 1) | kStarBit; }

bool get_range(std::string_view expr, const Bounds& r, uint64_t& bits, std::string& error) {
  auto range_and_step = split(expr, '/');
  auto low_and_high = split(range_and_step[0], '-');
  const bool single_digit = low_and_high.size() == 1;
  uint64_t start = 0, end = 0, step = 0, extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = r.min;
    end = r.max;
    extra = kStarBit;
  } else {
    if (!parse_int_or_name(low_and_high[0], r, start, error)) return false;
    switch (low_and_high.size()) {
      case 1: end = start; break;
      case 2:
        if (!parse_int_or_name(low_and_high[1], r, end, error)) return false;
        break;
      default:
        error = "too many hyphens: " + std::string(expr);
        return false;
    }
  }
  switch (range_and_step.size()) {
    case 1: step = 1; break;
    case 2:
      if (!must_parse_int(range_and_step[1], step, error)) return false;
      // "N/step" means "N-max/step".
      if (single_digit) end = r.max;
      if (step > 1) extra = 0;
      break;
    default:
      error = "too many slashes: " + std::string(expr);
      return false;
  }
  if (start < r.min) {
    error = "beginning of range (" + std::to_string(start) + ") below minimum (" + std::to_string(r.min) + "): " +
            std::string(expr);
    return false;
  }
  if (end > r.max) {
    error = "end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(r.max) + "): " +
            std::string(expr);
    return false;
  }
  if (start > end) {
    error = "beginning of range (" + std::to_string(start) + ") beyond end of range (" + std::to_string(end) +
            "): " + std::string(expr);
    return false;
  }
  if (step == 0) {
    error = "step of range should be a positive number: " + std::string(expr);
    return false;
  }
  bits = get_bits(start, end, step) | extra;
  return true;
}

bool get_field(std::string_view field, const Bounds& r, uint64_t& bits, std::string& error) {
  bits = 0;
  // strings.FieldsFunc on ',': empty ranges are dropped.
  for (auto part : split(field, ',')) {
    if (part.empty()) continue;
    uint64_t b;
    if (!get_range(part, r, b, error)) return false;
    bits |= b;
  }
  return true;
}

// ---- Go's time.ParseDuration

bool leading_int(std::string_view& s, uint64_t& x) {
  size_t i = 0;
  x = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    if (x > (uint64_t{1} << 63) / 10) return false;
    x = x * 10 + static_cast<uint64_t>(c - '0');
    if (x > (uint64_t{1} << 63)) return false;
  }
  s = s.substr(i);
  return true;
}

void leading_fraction(std::string_view& s, uint64_t& x, double& scale) {
  size_t i = 0;
  x = 0;
  scale = 1;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    if (overflow) continue;
    if (x > ((uint64_t{1} << 63) - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t y = x * 10 + static_cast<uint64_t>(c - '0');
    if (y > (uint64_t{1} << 63)) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s = s.substr(i);
}

uint64_t unit_of(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") return 1000;
  if (u == "ms") return 1000 * 1000;
  if (u == "s") return 1000 * 1000 * 1000;
  if (u == "m") return uint64_t{60} * 1000 * 1000 * 1000;
  if (u == "h") return uint64_t{3600} * 1000 * 1000 * 1000;
  return 0;
}

}  // namespace

std::optional<int64_t> parse_go_duration(std::string_view s, std::string* error) {
  const std::string_view orig = s;
  auto invalid = [&]() -> std::optional<int64_t> {
    if (error) *error = "time: invalid duration " + go_time_quote(orig);
    return std::nullopt;
  };
  uint64_t d = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  while (!s.empty()) {
    uint64_t v = 0, f = 0;
    double scale = 1;
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid();
    const size_t pl = s.size();
    if (!leading_int(s, v)) return invalid();
    const bool pre = pl != s.size();
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s = s.substr(1);
      const size_t pl2 = s.size();
      leading_fraction(s, f, scale);
      post = pl2 != s.size();
    }
    if (!pre && !post) return invalid();
    size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '.' || (c >= '0' && c <= '9')) break;
    }
    if (i == 0) {
      if (error) *error = "time: missing unit in duration " + go_time_quote(orig);
      return std::nullopt;
    }
    const std::string_view u = s.substr(0, i);
    s = s.substr(i);
    const uint64_t unit = unit_of(u);
    if (unit == 0) {
      if (error) *error = "time: unknown unit " + go_time_quote(u) + " in duration " + go_time_quote(orig);
      return std::nullopt;
    }
    if (v > (uint64_t{1} << 63) / unit) return invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > (uint64_t{1} << 63)) return invalid();
    }
    d += v;
    if (d > (uint64_t{1} << 63)) return invalid();
  }
  if (neg) return static_cast<int64_t>(0 - d);
  if (d > (uint64_t{1} << 63) - 1) return invalid();
  return static_cast<int64_t>(d);
}

std::optional<CronSchedule> CronSchedule::parse(std::string_view spec, const TimeZoneDatabase& zones, std::string* error,
                                               TimeZonePtr default_zone) {
  std::string err;
  auto fail = [&]() -> std::optional<CronSchedule> {
    if (error) *error = err;
    return std::nullopt;
  };
  if (spec.empty()) {
    err = "empty spec string";
    return fail();
  }
  CronSchedule out;
  out.zone_ = default_zone ? default_zone : TimeZone::utc();
  // A leading TZ=<zone> or CRON_TZ=<zone> names the schedule's zone.
  if (spec.substr(0, 3) == "TZ=" || spec.substr(0, 8) == "CRON_TZ=") {
    const size_t space = spec.find(' ');
    const size_t eq = spec.find('=');
    if (space == std::string_view::npos) {
      // robfig/cron slices past the end here (a Go panic); refuse it as a schedule without fields.
      err = "expected exactly 5 fields, found 0: []";
      return fail();
    }
    const std::string_view name = spec.substr(eq + 1, space - eq - 1);
    std::string zone_error;
    auto zone = zones.load(name, &zone_error);
    if (!zone) {
      err = "provided bad location " + std::string(name) + ": " + zone_error;
      return fail();
    }
    out.zone_ = zone;
    spec = trim_space(spec.substr(space));
  }
  if (!spec.empty() && spec[0] == '@') {
    const std::string descriptor(spec);
    const uint64_t first_second = uint64_t{1} << kSeconds.min, first_minute = uint64_t{1} << kMinutes.min,
                   first_hour = uint64_t{1} << kHours.min;
    out.second_ = first_second;
    out.minute_ = first_minute;
    if (descriptor == "@yearly" || descriptor == "@annually") {
      out.hour_ = first_hour;
      out.dom_ = uint64_t{1} << kDom.min;
      out.month_ = uint64_t{1} << kMonths.min;
      out.dow_ = all_bits(kDow);
    } else if (descriptor == "@monthly") {
      out.hour_ = first_hour;
      out.dom_ = uint64_t{1} << kDom.min;
      out.month_ = all_bits(kMonths);
      out.dow_ = all_bits(kDow);
    } else if (descriptor == "@weekly") {
      out.hour_ = first_hour;
      out.dom_ = all_bits(kDom);
      out.month_ = all_bits(kMonths);
      out.dow_ = uint64_t{1} << kDow.min;
    } else if (descriptor == "@daily" || descriptor == "@midnight") {
      out.hour_ = first_hour;
      out.dom_ = all_bits(kDom);
      out.month_ = all_bits(kMonths);
      out.dow_ = all_bits(kDow);
    } else if (descriptor == "@hourly") {
      out.hour_ = all_bits(kHours);
      out.dom_ = all_bits(kDom);
      out.month_ = all_bits(kMonths);
      out.dow_ = all_bits(kDow);
    } else if (descriptor.rfind("@every ", 0) == 0) {
      std::string duration_error;
      auto d = parse_go_duration(std::string_view(descriptor).substr(7), &duration_error);
      if (!d) {
        err = "failed to parse duration " + descriptor + ": " + duration_error;
        return fail();
      }
      // cron.Every: at least one second, whole seconds.
      int64_t ns = *d < 1000000000 ? 1000000000 : *d;
      out.every_seconds_ = ns / 1000000000;
    } else {
      err = "unrecognized descriptor: " + descriptor;
      return fail();
    }
    return out;
  }
  auto f = fields(spec);
  if (f.size() != 5) {
    err = "expected exactly 5 fields, found " + std::to_string(f.size()) + ": " + go_string_list(f);
    return fail();
  }
  // The seconds field is not part of the standard syntax: it is always "0".
  if (!get_field("0", kSeconds, out.second_, err) || !get_field(f[0], kMinutes, out.minute_, err) ||
      !get_field(f[1], kHours, out.hour_, err) || !get_field(f[2], kDom, out.dom_, err) ||
      !get_field(f[3], kMonths, out.month_, err) || !get_field(f[4], kDow, out.dow_, err))
    return fail();
  return out;
}

int64_t CronSchedule::next(int64_t unix) const {
  if (every_seconds_ > 0) return unix + every_seconds_;
  const TimeZone& loc = *zone_;
  auto bit = [](uint64_t set, int64_t v) { return v >= 0 && v < 64 && (set & (uint64_t{1} << v)) != 0; };
  auto day_matches = [&](const CivilTime& c) {
    const bool dom_match = bit(dom_, c.day);
    const bool dow_match = bit(dow_, c.weekday);
    if ((dom_ & kStarBit) || (dow_ & kStarBit)) return dom_match && dow_match;
    return dom_match || dow_match;
  };
  auto truncate = [](int64_t t, int64_t unit) { return t - (((t % unit) + unit) % unit); };
  // Start at the earliest possible time: the upcoming second.
  int64_t t = unix + 1;
  bool added = false;
  const int64_t year_limit = civil_time(t, loc).year + 5;

wrap:
  CivilTime c = civil_time(t, loc);
  if (c.year > year_limit) return kZeroTime;

  while (!bit(month_, c.month)) {
    if (!added) {
      added = true;
      t = unix_time(c.year, c.month, 1, 0, 0, 0, loc);
      c = civil_time(t, loc);
    }
    t = unix_time(c.year, c.month + 1, c.day, c.hour, c.minute, c.second, loc);  // AddDate(0, 1, 0)
    c = civil_time(t, loc);
    if (c.month == 1) goto wrap;
  }

  while (!day_matches(c)) {
    if (!added) {
      added = true;
      t = unix_time(c.year, c.month, c.day, 0, 0, 0, loc);
      c = civil_time(t, loc);
    }
    t = unix_time(c.year, c.month, c.day + 1, c.hour, c.minute, c.second, loc);  // AddDate(0, 0, 1)
    c = civil_time(t, loc);
    // Where midnight does not exist (DST starting at 00:00), the day starts at 01:00 or is
    // reached at 23:00 the day before: bring it back to the day's start.
    if (c.hour != 0) {
      if (c.hour > 12) t += static_cast<int64_t>(24 - c.hour) * 3600;
      else t -= static_cast<int64_t>(c.hour) * 3600;
      c = civil_time(t, loc);
    }
    if (c.day == 1) goto wrap;
  }

  while (!bit(hour_, c.hour)) {
    if (!added) {
      added = true;
      t = unix_time(c.year, c.month, c.day, c.hour, 0, 0, loc);
      c = civil_time(t, loc);
    }
    t += 3600;
    c = civil_time(t, loc);
    if (c.hour == 0) goto wrap;
  }

  while (!bit(minute_, c.minute)) {
    if (!added) {
      added = true;
      t = truncate(t, 60);
      c = civil_time(t, loc);
    }
    t += 60;
    c = civil_time(t, loc);
    if (c.minute == 0) goto wrap;
  }

  while (!bit(second_, c.second)) {
    if (!added) {
      added = true;
      t = truncate(t, 1);
      c = civil_time(t, loc);
    }
    t += 1;
    c = civil_time(t, loc);
    if (c.second == 0) goto wrap;
  }
  return t;
}

}  // namespace capstan::machinery
