// Reading members of JSON the ledger did not write itself (bundle lines, entry payloads of a
// ledger that may have been tampered with) without nlohmann's throwing accessors: a member of
// the wrong type reads as absent, and the caller's check then names what is wrong.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace arbiter::ledger {

// j[key] when j is an object and that member is a string, else "".
inline std::string StringMember(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return std::string();
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace arbiter::ledger
