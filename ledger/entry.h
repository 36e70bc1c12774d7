// The canonical entry encoding (spec/ledger-format.md, "Entries"):
//   {"kind":"<kind>","payload":<canonical JSON object>,"prev":"<64 hex>","seq":<n>,
//    "time":"<YYYY-MM-DDTHH:MM:SS.ffffffZ>","v":<format version>}
// Keys are in sorted order and the fields after the payload have a fixed shape, so the
// envelope parses from both ends without touching the payload.
#pragma once

#include <arbiter/ledger.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::ledger {

struct EntryView {
  std::string_view kind;
  std::string_view payload;
  Hash prev{};
  uint64_t seq = 0;
  std::string_view time;
  int version = 0;
};

constexpr size_t kTimeLength = 27;  // 2026-11-26T23:38:43.123456Z

void EncodeEntry(std::string_view kind, std::string_view payload, const Hash& prev, uint64_t seq,
                 std::string_view time, std::string* out);
// Checks the envelope's exact shape; the payload is returned unparsed.
Result<EntryView> ParseEntry(std::string_view raw);
bool ValidKind(std::string_view kind);
// Checks a key entry's payload (spec/ledger-format.md, "key"): for a rotation, that its note
// is signed by one of `trusted` and names the new key for `origin`; then `trusted` becomes
// the new key alone. Other key actions are informational and change nothing.
Status ApplyKeyRotation(std::string_view payload, std::string_view origin,
                        std::vector<VerifierKey>* trusted);
// RFC 3339 UTC with microseconds, from the system clock.
std::string NowTime();
// The same form for a time in microseconds since the Unix epoch.
std::string FormatTime(int64_t micros);
// Microseconds since the Unix epoch of a time in that form (a shorter fraction, or none,
// reads as zeros); nullopt for anything else.
std::optional<int64_t> ParseTime(std::string_view text);

}  // namespace arbiter::ledger
