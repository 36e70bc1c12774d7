#include "ledger/entry.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/encoding.h"
#include "common/utf8.h"

namespace arbiter::ledger {
namespace {

constexpr std::string_view kKindPrefix = "{\"kind\":\"";
constexpr std::string_view kPayloadKey = "\",\"payload\":";
constexpr std::string_view kPrevKey = ",\"prev\":\"";
constexpr std::string_view kSeqKey = "\",\"seq\":";
constexpr std::string_view kTimeKey = ",\"time\":\"";
constexpr std::string_view kVersionKey = "\",\"v\":";

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is not canonical
}

bool ValidTime(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (t.size() != kShape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != kShape[i]) return false;
  }
  return true;
}

// Reads decimal digits backwards ending at raw[end-1]; returns the start index.
bool ReadDigitsBackward(std::string_view raw, size_t end, size_t* start, uint64_t* value) {
  size_t i = end;
  while (i > 0 && raw[i - 1] >= '0' && raw[i - 1] <= '9') --i;
  size_t n = end - i;
  if (n == 0 || n > 19 || (n > 1 && raw[i] == '0')) return false;
  uint64_t v = 0;
  for (size_t j = i; j < end; ++j) v = v * 10 + (raw[j] - '0');
  *start = i;
  *value = v;
  return true;
}

bool ConsumeBackward(std::string_view raw, size_t* end, std::string_view token) {
  if (*end < token.size() || raw.substr(*end - token.size(), token.size()) != token) return false;
  *end -= token.size();
  return true;
}

}  // namespace

bool ValidKind(std::string_view kind) {
  if (kind.empty() || kind.size() > 32 || kind[0] < 'a' || kind[0] > 'z') return false;
  for (char c : kind) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

void EncodeEntry(std::string_view kind, std::string_view payload, const Hash& prev, uint64_t seq,
                 std::string_view time, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out->clear();
  out->reserve(payload.size() + kind.size() + 160);
  out->append(kKindPrefix).append(kind).append(kPayloadKey).append(payload).append(kPrevKey);
  for (uint8_t b : prev) {
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 0xf]);
  }
  char num[24];
  size_t n = std::to_chars(num, num + sizeof num, seq).ptr - num;
  out->append(kSeqKey).append(num, n).append(kTimeKey).append(time).append(kVersionKey);
  n = std::to_chars(num, num + sizeof num, kEntryVersion).ptr - num;
  out->append(num, n).push_back('}');
}

Result<EntryView> ParseEntry(std::string_view raw) {
  EntryView e;
  // Entries are canonical JSON: UTF-8, with every control character escaped. Bytes that are
  // not have no canonical encoding, so they are damage.
  if (size_t bad = 0; !IsValidUtf8(raw, &bad)) {
    return Status::Corruption("entry is not UTF-8 at byte " + std::to_string(bad));
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    if (static_cast<unsigned char>(raw[i]) < 0x20) {
      return Status::Corruption("entry has a raw control character at byte " +
                                std::to_string(i));
    }
  }
  if (raw.substr(0, kKindPrefix.size()) != kKindPrefix) {
    return Status::Corruption("entry does not start with {\"kind\":");
  }
  size_t kind_end = raw.find('"', kKindPrefix.size());
  if (kind_end == std::string_view::npos) return Status::Corruption("entry kind is unterminated");
  e.kind = raw.substr(kKindPrefix.size(), kind_end - kKindPrefix.size());
  if (!ValidKind(e.kind)) return Status::Corruption("entry kind is not a valid kind");
  if (raw.substr(kind_end, kPayloadKey.size()) != kPayloadKey) {
    return Status::Corruption("entry lacks \"payload\" after \"kind\"");
  }
  size_t payload_begin = kind_end + kPayloadKey.size();

  size_t end = raw.size();
  uint64_t value = 0;
  size_t start = 0;
  if (!ConsumeBackward(raw, &end, "}")) return Status::Corruption("entry does not end with }");
  if (!ReadDigitsBackward(raw, end, &start, &value)) return Status::Corruption("entry \"v\" is malformed");
  e.version = value > 1000000 ? 1000000 : static_cast<int>(value);
  end = start;
  if (!ConsumeBackward(raw, &end, kVersionKey)) return Status::Corruption("entry lacks \"v\"");
  if (end < kTimeLength) return Status::Corruption("entry is truncated");
  e.time = raw.substr(end - kTimeLength, kTimeLength);
  if (!ValidTime(e.time)) return Status::Corruption("entry \"time\" is malformed");
  end -= kTimeLength;
  if (!ConsumeBackward(raw, &end, kTimeKey)) return Status::Corruption("entry lacks \"time\"");
  if (!ReadDigitsBackward(raw, end, &start, &e.seq)) return Status::Corruption("entry \"seq\" is malformed");
  end = start;
  if (!ConsumeBackward(raw, &end, kSeqKey)) return Status::Corruption("entry lacks \"seq\"");
  if (end < 64) return Status::Corruption("entry is truncated");
  std::string_view prev = raw.substr(end - 64, 64);
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexNibble(prev[2 * i]), lo = HexNibble(prev[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::Corruption("entry \"prev\" is not lowercase hex");
    e.prev[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  end -= 64;
  if (!ConsumeBackward(raw, &end, kPrevKey)) return Status::Corruption("entry lacks \"prev\"");
  if (end <= payload_begin + 1 || raw[payload_begin] != '{' || raw[end - 1] != '}') {
    return Status::Corruption("entry payload is not a JSON object");
  }
  e.payload = raw.substr(payload_begin, end - payload_begin);
  return e;
}

std::string NowTime() {
  auto now = std::chrono::system_clock::now();
  return FormatTime(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
}

std::string FormatTime(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

std::optional<int64_t> ParseTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || text.back() != 'Z') return std::nullopt;
  int fields[6] = {};
  int field = 0;
  for (size_t i = 0; i < kShape.size(); ++i) {
    char c = text[i];
    if (kShape[i] == 'd') {
      if (c < '0' || c > '9') return std::nullopt;
      fields[field] = fields[field] * 10 + (c - '0');
    } else {
      if (c != kShape[i]) return std::nullopt;
      ++field;
    }
  }
  std::string_view rest = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  int64_t frac = 0;
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 7) return std::nullopt;
    for (size_t i = 1; i < 7; ++i) {
      char c = i < rest.size() ? rest[i] : '0';
      if (c < '0' || c > '9') return std::nullopt;
      frac = frac * 10 + (c - '0');
    }
  }
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 ||
      fields[4] > 59 || fields[5] > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = fields[0] - 1900;
  tm.tm_mon = fields[1] - 1;
  tm.tm_mday = fields[2];
  tm.tm_hour = fields[3];
  tm.tm_min = fields[4];
  tm.tm_sec = fields[5];
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + frac;
}

}  // namespace arbiter::ledger
