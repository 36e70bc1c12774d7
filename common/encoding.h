// Hex and standard base64 (RFC 4648, with padding), as used by bundle digests, checkpoints
// and proofs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

std::string HexEncode(std::span<const uint8_t> bytes);
// nullopt when the text has odd length or a non-hex character.
std::optional<std::vector<uint8_t>> HexDecode(std::string_view text);

std::string Base64Encode(std::span<const uint8_t> bytes);
// Strict: padding required, no whitespace; nullopt on any deviation.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace arbiter
