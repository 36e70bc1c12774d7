#include "engine/extensions.h"

#include <charconv>
#include <cstring>

namespace arbiter::engine {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<IpObj> ParseIpv4(std::string_view s) {
  IpObj ip{};
  ip.v6 = false;
  int part = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    size_t len = i - start;
    if (len == 0 || len > 3) return std::nullopt;
    if (len > 1 && s[start] == '0') return std::nullopt;  // no leading zeros (ambiguous octal)
    int v = 0;
    for (size_t k = start; k < i; ++k) v = v * 10 + (s[k] - '0');
    if (v > 255) return std::nullopt;
    ip.addr[part++] = static_cast<uint8_t>(v);
    if (part == 4) break;
    if (i >= s.size() || s[i] != '.') return std::nullopt;
    ++i;
  }
  if (i != s.size()) return std::nullopt;
  ip.prefix = 32;
  return ip;
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<IpObj> ParseIpv6(std::string_view s) {
  IpObj ip{};
  ip.v6 = true;
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      ip.prefix = 128;
      return ip;
    }
  } else if (!s.empty() && s[0] == ':') {
    return std::nullopt;
  }
  while (i < s.size()) {
    if (n >= 8) return std::nullopt;
    size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && HexVal(s[i]) >= 0 && i - start < 5) v = v * 16 + HexVal(s[i++]);
    size_t len = i - start;
    if (len == 0 || len > 4) return std::nullopt;
    groups[n++] = static_cast<uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = n;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return std::nullopt;
    }
  }
  if (gap < 0 && n != 8) return std::nullopt;
  if (gap >= 0 && n >= 8) return std::nullopt;
  uint16_t full[8] = {};
  if (gap < 0) {
    std::memcpy(full, groups, sizeof(full));
  } else {
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    int tail = n - gap;
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  }
  for (int k = 0; k < 8; ++k) {
    ip.addr[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    ip.addr[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xff);
  }
  ip.prefix = 128;
  return ip;
}

bool ParseUint(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  return ParseUint(s.substr(pos, n), out);
}

}  // namespace

std::optional<IpObj> ParseIp(std::string_view text) {
  std::string_view addr = text;
  std::optional<int64_t> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    int64_t p;
    std::string_view ps = text.substr(slash + 1);
    if (ps.empty() || ps.size() > 3 || !ParseUint(ps, &p)) return std::nullopt;
    if (ps.size() > 1 && ps[0] == '0') return std::nullopt;
    prefix = p;
  }
  std::optional<IpObj> ip =
      addr.find(':') != std::string_view::npos ? ParseIpv6(addr) : ParseIpv4(addr);
  if (!ip) return std::nullopt;
  if (prefix) {
    if (*prefix > (ip->v6 ? 128 : 32)) return std::nullopt;
    ip->prefix = static_cast<uint8_t>(*prefix);
  }
  return ip;
}

std::string FormatIp(const IpObj& ip) {
  std::string out;
  if (!ip.v6) {
    for (int k = 0; k < 4; ++k) {
      if (k) out += '.';
      out += std::to_string(ip.addr[k]);
    }
    if (ip.prefix != 32) out += "/" + std::to_string(ip.prefix);
    return out;
  }
  static const char* kHex = "0123456789abcdef";
  for (int k = 0; k < 8; ++k) {
    if (k) out += ':';
    unsigned g = (ip.addr[2 * k] << 8) | ip.addr[2 * k + 1];
    std::string h;
    do {
      h.insert(h.begin(), kHex[g & 15]);
      g >>= 4;
    } while (g);
    out += h;
  }
  if (ip.prefix != 128) out += "/" + std::to_string(ip.prefix);
  return out;
}

bool IpInRange(const IpObj& inner, const IpObj& outer) {
  if (inner.v6 != outer.v6) return false;
  if (inner.prefix < outer.prefix) return false;
  int bits = outer.prefix;
  for (int k = 0; bits > 0; ++k, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((inner.addr[k] & mask) != (outer.addr[k] & mask)) return false;
  }
  return true;
}

bool IpIsLoopback(const IpObj& ip) {
  if (!ip.v6) return ip.addr[0] == 127;
  for (int k = 0; k < 15; ++k)
    if (ip.addr[k]) return false;
  return ip.addr[15] == 1;
}

bool IpIsMulticast(const IpObj& ip) {
  if (!ip.v6) return (ip.addr[0] & 0xf0) == 224;
  return ip.addr[0] == 0xff;
}

std::optional<int64_t> ParseDecimal(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view ip = s.substr(0, dot), fp = s.substr(dot + 1);
  if (fp.empty() || fp.size() > 4) return std::nullopt;
  int64_t whole, frac;
  if (!ParseUint(ip, &whole) || !ParseUint(fp, &frac)) return std::nullopt;
  for (size_t k = fp.size(); k < 4; ++k) frac *= 10;
  int64_t scaled;
  if (__builtin_mul_overflow(whole, 10000, &scaled)) return std::nullopt;
  if (neg) {
    if (__builtin_sub_overflow(-scaled, frac, &scaled)) return std::nullopt;
  } else if (__builtin_add_overflow(scaled, frac, &scaled)) {
    return std::nullopt;
  }
  return scaled;
}

std::string FormatDecimal(int64_t v) {
  bool neg = v < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string frac = std::to_string(u % 10000);
  frac.insert(0, 4 - frac.size(), '0');
  while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
  return (neg ? "-" : "") + std::to_string(u / 10000) + "." + frac;
}

std::optional<int64_t> ParseDatetime(std::string_view s) {
  int64_t y, mo, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) {
    return std::nullopt;
  }
  int64_t ms = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000;
  if (s.size() == 10) return ms;
  int64_t h, mi, se, frac = 0;
  if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  if (!Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &se)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 59) return std::nullopt;
  size_t i = 19;
  if (s[i] == '.') {
    if (!Digits(s, i + 1, 3, &frac)) return std::nullopt;
    i += 4;
  }
  ms += h * 3600000 + mi * 60000 + se * 1000 + frac;
  if (i == s.size() - 1 && s[i] == 'Z') return ms;
  if (i + 5 == s.size() && (s[i] == '+' || s[i] == '-')) {
    int64_t oh, om;
    if (!Digits(s, i + 1, 2, &oh) || !Digits(s, i + 3, 2, &om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    int64_t off = oh * 3600000 + om * 60000;
    return s[i] == '+' ? ms - off : ms + off;
  }
  return std::nullopt;
}

std::string FormatDatetime(int64_t ms) {
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600000),
                static_cast<long long>(rem / 60000 % 60), static_cast<long long>(rem / 1000 % 60),
                static_cast<long long>(rem % 1000));
  return buf;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  static const struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  int64_t total = 0;
  size_t next_unit = 0, i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return std::nullopt;
    int64_t n;
    if (!ParseUint(s.substr(start, i - start), &n)) return std::nullopt;
    size_t ustart = i;
    while (i < s.size() && !IsDigit(s[i])) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    size_t k = next_unit;
    while (k < 5 && kUnits[k].unit != unit) ++k;
    if (k == 5) return std::nullopt;
    next_unit = k + 1;
    int64_t part;
    if (__builtin_mul_overflow(n, kUnits[k].ms, &part)) return std::nullopt;
    if (__builtin_add_overflow(total, part, &total)) return std::nullopt;
  }
  return neg ? -total : total;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0ms";
  std::string out;
  uint64_t u = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) out = "-";
  static const struct {
    const char* unit;
    uint64_t ms;
  } kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  for (auto& unit : kUnits) {
    if (u >= unit.ms) {
      out += std::to_string(u / unit.ms) + unit.unit;
      u %= unit.ms;
    }
  }
  return out;
}

}  // namespace arbiter::engine
