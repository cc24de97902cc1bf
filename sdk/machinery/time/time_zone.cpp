// TZif reading and the calendar arithmetic of Go's time package (zoneinfo_read.go, zoneinfo.go,
// time.go), reimplemented so that cron schedules computed here land on the same instants as
// kube-controller-manager's, DST transitions included.

#include "capstan/machinery/time/time_zone.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace capstan::machinery {

namespace {

constexpr int64_t kAlpha = std::numeric_limits<int64_t>::min();
constexpr int64_t kOmega = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecondsPerDay = 86400;
constexpr const char* kBadData = "malformed time zone information";

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int month, int64_t year) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}

int days_before_month(int month) {  // days in the months before `month` (1-based), non-leap
  static const int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
  return kBefore[month - 1];
}

// ---- POSIX TZ strings (the TZif footer), as Go's tzset.

struct Rule {
  enum Kind { kJulian, kDayOfYear, kMonthWeekDay } kind = kJulian;
  int day = 0, week = 0, mon = 0;
  int time = 7200;  // seconds after local midnight, default 02:00:00
};

bool tzset_name(std::string_view& s, std::string& name) {
  if (s.empty()) return false;
  if (s[0] != '<') {
    size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '0' || c == '1' || c == '2' || c == '3' || c == '4' || c == '5' || c == '6' || c == '7' || c == '8' ||
          c == '9' || c == ',' || c == '-' || c == '+') {
        if (i < 3) return false;
        name = std::string(s.substr(0, i));
        s = s.substr(i);
        return true;
      }
    }
    if (s.size() < 3) return false;
    name = std::string(s);
    s = {};
    return true;
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '>') {
      name = std::string(s.substr(1, i - 1));
      s = s.substr(i + 1);
      return true;
    }
  }
  return false;
}

bool tzset_num(std::string_view& s, int min, int max, int& out) {
  if (s.empty()) return false;
  int num = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    num = num * 10 + (c - '0');
    if (num > max) return false;
  }
  if (i == 0) return false;
  if (num < min) return false;
  out = num;
  s = s.substr(i);
  return true;
}

bool tzset_offset(std::string_view& s, int& offset) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+') {
    s = s.substr(1);
  } else if (s[0] == '-') {
    s = s.substr(1);
    neg = true;
  }
  int hours = 0;
  if (!tzset_num(s, 0, 24 * 7, hours)) return false;
  int off = hours * 3600;
  if (s.empty() || s[0] != ':') {
    offset = neg ? -off : off;
    return true;
  }
  s = s.substr(1);
  int mins = 0;
  if (!tzset_num(s, 0, 59, mins)) return false;
  off += mins * 60;
  if (s.empty() || s[0] != ':') {
    offset = neg ? -off : off;
    return true;
  }
  s = s.substr(1);
  int secs = 0;
  if (!tzset_num(s, 0, 59, secs)) return false;
  off += secs;
  offset = neg ? -off : off;
  return true;
}

bool tzset_rule(std::string_view& s, Rule& r) {
  if (s.empty()) return false;
  if (s[0] == 'J') {
    s = s.substr(1);
    int jday = 0;
    if (!tzset_num(s, 1, 365, jday)) return false;
    r.kind = Rule::kJulian;
    r.day = jday;
  } else if (s[0] == 'M') {
    s = s.substr(1);
    int mon = 0, week = 0, day = 0;
    if (!tzset_num(s, 1, 12, mon) || s.empty() || s[0] != '.') return false;
    s = s.substr(1);
    if (!tzset_num(s, 1, 5, week) || s.empty() || s[0] != '.') return false;
    s = s.substr(1);
    if (!tzset_num(s, 0, 6, day)) return false;
    r.kind = Rule::kMonthWeekDay;
    r.day = day;
    r.week = week;
    r.mon = mon;
  } else {
    int day = 0;
    if (!tzset_num(s, 0, 365, day)) return false;
    r.kind = Rule::kDayOfYear;
    r.day = day;
  }
  if (s.empty() || s[0] != '/') {
    r.time = 2 * 3600;
    return true;
  }
  s = s.substr(1);
  int offset = 0;
  if (!tzset_offset(s, offset)) return false;
  r.time = offset;
  return true;
}

// Seconds after the start of `year` (UTC) at which the rule fires, for a zone whose offset before
// it is `off`.
int64_t tzrule_time(int64_t year, const Rule& r, int off) {
  int64_t s = 0;
  switch (r.kind) {
    case Rule::kJulian:
      s = static_cast<int64_t>(r.day - 1) * kSecondsPerDay;
      if (is_leap(year) && r.day >= 60) s += kSecondsPerDay;
      break;
    case Rule::kDayOfYear:
      s = static_cast<int64_t>(r.day) * kSecondsPerDay;
      break;
    case Rule::kMonthWeekDay: {
      // Zeller's congruence: the weekday of the first day of r.mon.
      int64_t m1 = (r.mon + 9) % 12 + 1;
      int64_t yy0 = year;
      if (r.mon <= 2) yy0--;
      int64_t yy1 = yy0 / 100;
      int64_t yy2 = yy0 % 100;
      int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
      if (dow < 0) dow += 7;
      int64_t d = r.day - dow;
      if (d < 0) d += 7;
      for (int i = 1; i < r.week; ++i) {
        if (d + 7 >= days_in_month(r.mon, year)) break;
        d += 7;
      }
      d += days_before_month(r.mon);
      if (is_leap(year) && r.mon > 2) d++;
      s = d * kSecondsPerDay;
      break;
    }
  }
  return s + r.time - off;
}

bool tzset(std::string_view s, int64_t last_tx, int64_t sec, TimeZone::Period& out) {
  std::string std_name, dst_name;
  int std_offset = 0, dst_offset = 0;
  if (!tzset_name(s, std_name) || !tzset_offset(s, std_offset)) return false;
  // The numbers in the string are added to local time to get UTC; ours are the opposite.
  std_offset = -std_offset;
  if (s.empty() || s[0] == ',') {
    out = {std_offset, last_tx, kOmega, false, std_name};
    return true;
  }
  if (!tzset_name(s, dst_name)) return false;
  if (s.empty() || s[0] == ',') {
    dst_offset = std_offset + 3600;
  } else {
    if (!tzset_offset(s, dst_offset)) return false;
    dst_offset = -dst_offset;
  }
  std::string_view rules = s;
  if (rules.empty()) rules = ",M3.2.0,M11.1.0";  // tzcode's default DST rules
  if (rules[0] != ',' && rules[0] != ';') return false;
  rules = rules.substr(1);
  Rule start_rule, end_rule;
  if (!tzset_rule(rules, start_rule) || rules.empty() || rules[0] != ',') return false;
  rules = rules.substr(1);
  if (!tzset_rule(rules, end_rule) || !rules.empty()) return false;

  const int64_t days = floor_div(sec, kSecondsPerDay);
  int64_t year;
  int month, day;
  civil_from_days(days, year, month, day);
  const int64_t year_start = days_from_civil(year, 1, 1) * kSecondsPerDay;
  const int64_t ysec = sec - year_start;
  int64_t start_sec = tzrule_time(year, start_rule, std_offset);
  int64_t end_sec = tzrule_time(year, end_rule, dst_offset);
  bool dst_is_dst = true, std_is_dst = false;
  // Southern hemisphere: the "DST" period wraps the year end; swap the labels as Go does.
  if (end_sec < start_sec) {
    std::swap(start_sec, end_sec);
    std::swap(std_name, dst_name);
    std::swap(std_offset, dst_offset);
    std::swap(std_is_dst, dst_is_dst);
  }
  if (ysec < start_sec) {
    out = {std_offset, year_start, start_sec + year_start, std_is_dst, std_name};
  } else if (ysec >= end_sec) {
    out = {std_offset, end_sec + year_start, year_start + 365 * kSecondsPerDay, std_is_dst, std_name};
  } else {
    out = {dst_offset, start_sec + year_start, end_sec + year_start, dst_is_dst, dst_name};
  }
  return true;
}

// ---- TZif reading

struct Reader {
  std::string_view data;
  bool error = false;
  std::string_view read(size_t n) {
    if (n > data.size()) {
      error = true;
      data = {};
      return {};
    }
    auto out = data.substr(0, n);
    data = data.substr(n);
    return out;
  }
  uint32_t big4() {
    auto p = read(4);
    if (p.size() != 4) return 0;
    return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) | (uint32_t(uint8_t(p[2])) << 8) |
           uint32_t(uint8_t(p[3]));
  }
  uint64_t big8() {
    uint64_t hi = big4();
    uint64_t lo = big4();
    return (hi << 32) | lo;
  }
};

}  // namespace

int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  // Normalize the month into [1, 12], carrying into the year (Go's norm()).
  int64_t m0 = month - 1;
  year += floor_div(m0, 12);
  m0 -= floor_div(m0, 12) * 12;
  const int64_t m = m0 + 1;
  // Howard Hinnant's days_from_civil for the first of the month, then add the days.
  const int64_t y = m <= 2 ? year - 1 : year;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

void civil_from_days(int64_t days, int64_t& year, int& month, int& day) {
  days += 719468;
  const int64_t era = floor_div(days, 146097);
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto z = std::make_shared<TimeZone>();
    z->name_ = "UTC";
    return z;
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string name, std::string_view data, std::string* error) {
  auto fail = [&]() -> std::shared_ptr<const TimeZone> {
    if (error) *error = kBadData;
    return nullptr;
  };
  Reader d{data};
  auto magic = d.read(4);
  if (magic != "TZif") return fail();
  auto header = d.read(16);
  if (header.size() != 16 || (header[0] != 0 && header[0] != '2' && header[0] != '3' && header[0] != '4')) return fail();
  const char version = header[0];
  enum { kUTCLocal, kStdWall, kLeap, kTime, kZone, kChar };
  uint32_t n[6];
  for (auto& v : n) {
    v = d.big4();
    if (d.error) return fail();
    if (v > (1u << 24)) return fail();  // no real file comes close; keeps the reads bounded
  }
  bool is64 = false;
  if (version > 1) {
    // Skip the version 1 data block and the second header, then read the counts again.
    uint64_t skip = uint64_t(n[kTime]) * 4 + n[kTime] + uint64_t(n[kZone]) * 6 + n[kChar] + uint64_t(n[kLeap]) * 8 +
                    n[kStdWall] + n[kUTCLocal];
    skip += 4 + 16;
    d.read(skip);
    is64 = true;
    for (auto& v : n) {
      v = d.big4();
      if (d.error) return fail();
      if (v > (1u << 24)) return fail();
    }
  }
  const size_t size = is64 ? 8 : 4;
  Reader txtimes{d.read(size_t(n[kTime]) * size)};
  auto txzones = d.read(n[kTime]);
  Reader zonedata{d.read(size_t(n[kZone]) * 6)};
  auto abbrev = d.read(n[kChar]);
  d.read(size_t(n[kLeap]) * (size + 4));
  d.read(n[kStdWall]);
  d.read(n[kUTCLocal]);
  if (d.error) return fail();
  std::string footer;
  auto rest = d.data;
  if (rest.size() > 2 && rest.front() == '\n' && rest.back() == '\n') footer = std::string(rest.substr(1, rest.size() - 2));
  if (n[kZone] == 0) return fail();

  auto zone = std::make_shared<TimeZone>();
  zone->name_ = std::move(name);
  zone->footer_ = std::move(footer);
  zone->types_.resize(n[kZone]);
  for (auto& t : zone->types_) {
    uint32_t off = zonedata.big4();
    if (zonedata.error) return fail();
    t.offset = static_cast<int32_t>(off);
    auto b = zonedata.read(1);
    if (zonedata.error) return fail();
    t.dst = b[0] != 0;
    auto idx = zonedata.read(1);
    if (zonedata.error || uint8_t(idx[0]) >= abbrev.size()) return fail();
    auto name_part = abbrev.substr(uint8_t(idx[0]));
    auto nul = name_part.find('\0');
    t.abbreviation = std::string(nul == std::string_view::npos ? name_part : name_part.substr(0, nul));
  }
  zone->transitions_.resize(n[kTime]);
  for (uint32_t i = 0; i < n[kTime]; ++i) {
    int64_t when = is64 ? static_cast<int64_t>(txtimes.big8()) : static_cast<int64_t>(static_cast<int32_t>(txtimes.big4()));
    if (txtimes.error) return fail();
    const uint8_t type = uint8_t(txzones[i]);
    if (type >= zone->types_.size()) return fail();
    zone->transitions_[i] = {when, type};
  }
  // A zone without transitions (Etc/GMT+5) gets one covering all time, as Go builds.
  if (zone->transitions_.empty()) zone->transitions_.push_back({kAlpha, 0});
  return zone;
}

size_t TimeZone::first_type() const {
  bool first_used = false;
  for (const auto& t : transitions_)
    if (t.type == 0) first_used = true;
  if (!first_used) return 0;
  if (!transitions_.empty() && types_[transitions_[0].type].dst) {
    for (int zi = int(transitions_[0].type) - 1; zi >= 0; --zi)
      if (!types_[zi].dst) return zi;
  }
  for (size_t zi = 0; zi < types_.size(); ++zi)
    if (!types_[zi].dst) return zi;
  return 0;
}

TimeZone::Period TimeZone::lookup(int64_t sec) const {
  if (types_.empty()) return {0, kAlpha, kOmega, false, "UTC"};
  if (transitions_.empty() || sec < transitions_[0].when) {
    const auto& t = types_[first_type()];
    return {t.offset, kAlpha, transitions_.empty() ? kOmega : transitions_[0].when, t.dst, t.abbreviation};
  }
  // The transition with the largest time <= sec; `end` is the next one.
  int64_t end = kOmega;
  size_t lo = 0, hi = transitions_.size();
  while (hi - lo > 1) {
    size_t m = (lo + hi) / 2;
    int64_t lim = transitions_[m].when;
    if (sec < lim) {
      end = lim;
      hi = m;
    } else {
      lo = m;
    }
  }
  const auto& t = types_[transitions_[lo].type];
  Period p{t.offset, transitions_[lo].when, end, t.dst, t.abbreviation};
  // Past the last transition the footer's rules apply.
  if (lo == transitions_.size() - 1 && !footer_.empty()) {
    Period ext;
    if (tzset(footer_, p.start, sec, ext)) return ext;
  }
  return p;
}

TimeZoneDatabase::TimeZoneDatabase(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) {
    const char* env = std::getenv("ZONEINFO");
    dir_ = env && *env ? env : "/usr/share/zoneinfo";
  }
}

TimeZonePtr TimeZoneDatabase::load(std::string_view name, std::string* error) const {
  if (name.empty() || name == "UTC" || name == "Local") return TimeZone::utc();
  // No IANA name contains "..", or starts with a slash.
  if (name.find("..") != std::string_view::npos || name[0] == '/' || name[0] == '\\') {
    if (error) *error = "time: invalid location name";
    return nullptr;
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  }
  const std::string path = dir_ + "/" + std::string(name);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (error) *error = errno == ENOENT || errno == ENOTDIR ? "unknown time zone " + std::string(name) : std::strerror(errno);
    return nullptr;
  }
  std::string data;
  char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, got);
    if (data.size() > (10 << 20)) break;  // Go's maxFileSize
  }
  const bool read_error = std::ferror(f);
  const int read_errno = errno;
  std::fclose(f);
  if (read_error) {
    if (error) *error = read_errno == EISDIR ? "is a directory" : std::strerror(read_errno);
    return nullptr;
  }
  auto zone = TimeZone::from_tzif(std::string(name), data, error);
  if (!zone) return nullptr;
  std::lock_guard lock(mu_);
  cache_.emplace(std::string(name), zone);
  return zone;
}

CivilTime civil_time(int64_t unix, const TimeZone& zone) {
  CivilTime c;
  c.offset = zone.lookup(unix).offset;
  const int64_t local = unix + c.offset;
  const int64_t days = floor_div(local, kSecondsPerDay);
  const int64_t secs = local - days * kSecondsPerDay;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  return c;
}

int64_t unix_time(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute, int64_t second,
                  const TimeZone& zone) {
  int64_t unix = days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  // As Go's Date: look up the offset at the civil time taken as UTC, and if the resulting instant
  // is outside the span that offset holds for, use the offset in force at that instant instead.
  auto p = zone.lookup(unix);
  int32_t offset = p.offset;
  if (offset != 0) {
    const int64_t utc = unix - offset;
    if (utc < p.start || utc >= p.end) offset = zone.lookup(utc).offset;
    unix -= offset;
  }
  return unix;
}

std::string format_rfc3339_in(int64_t unix, const TimeZone& zone) {
  CivilTime c = civil_time(unix, zone);
  char buf[64];
  if (c.offset == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(c.year), c.month, c.day,
                  c.hour, c.minute, c.second);
  } else {
    int32_t off = c.offset < 0 ? -c.offset : c.offset;
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", static_cast<long long>(c.year), c.month,
                  c.day, c.hour, c.minute, c.second, c.offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
  }
  return buf;
}

}  // namespace capstan::machinery
