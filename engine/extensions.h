// The four extension types: parsing from their literal text and formatting back. Shared by
// the compiler (constant folding), the VM, the reference evaluator and the JSON reader, so all
// of them accept exactly the same texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/value.h"

namespace arbiter::engine {

// "10.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32".
std::optional<IpObj> ParseIp(std::string_view text);
std::string FormatIp(const IpObj& ip);
// Whether `inner`'s range lies within `outer`'s range.
bool IpInRange(const IpObj& inner, const IpObj& outer);
bool IpIsLoopback(const IpObj& ip);
bool IpIsMulticast(const IpObj& ip);

// "-12.3456": optional sign, 1+ integer digits, '.', 1..4 fraction digits; scaled by 10^4.
std::optional<int64_t> ParseDecimal(std::string_view text);
std::string FormatDecimal(int64_t scaled);

// "2026-01-01", "2026-01-01T10:00:00Z", "...T10:00:00.123Z", "...T10:00:00+0100".
std::optional<int64_t> ParseDatetime(std::string_view text);
std::string FormatDatetime(int64_t ms);

// "1d2h3m4s5ms", "-1h"; units in this order, each at most once, at least one.
std::optional<int64_t> ParseDuration(std::string_view text);
std::string FormatDuration(int64_t ms);

}  // namespace arbiter::engine
