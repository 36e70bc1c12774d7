// The daemon's log: one line per event on stderr, "2026-11-26T23:59:01.123Z level message".
// Thread-safe; lines from different threads never interleave. Never pass secrets to it.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace arbiter::daemon {

enum class LogLevel { kInfo, kWarning, kError };

void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) {
  LogLine(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void LogWarning(fmt::format_string<Args...> format, Args&&... args) {
  LogLine(LogLevel::kWarning, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) {
  LogLine(LogLevel::kError, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace arbiter::daemon
