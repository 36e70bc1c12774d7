// Key layout of the ledger's key-value store (spec/ledger-format.md, "Storage layout").
// Numbers are 8-byte big-endian so keys sort numerically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace arbiter::ledger::layout {

inline constexpr std::string_view kEntryPrefix = "e/";       // + seq       → entry bytes
// + level(1) + span → the 32-byte hashes of the complete subtrees (level, span·kRunSpan + k),
// k = 0, 1, …, as far as they are complete (levels >= 1; level 0 is the entries' hashes).
inline constexpr std::string_view kSubtreePrefix = "t/";
inline constexpr std::string_view kCheckpointPrefix = "c/";  // + size      → signed note
inline constexpr std::string_view kDecisionPrefix = "d/";    // + id        → seq (8 bytes)
inline constexpr std::string_view kPolicyPrefix = "p/";      // + bundle digest → first seq
inline constexpr std::string_view kDataPrefix = "a/";        // + data digest → seq
inline constexpr std::string_view kMetaFormat = "m/format";       // decimal version
inline constexpr std::string_view kMetaOrigin = "m/origin";
inline constexpr std::string_view kMetaSigner = "m/signer";       // current verifier key
inline constexpr std::string_view kMetaSize = "m/size";           // 8 bytes: committed entries
inline constexpr std::string_view kMetaCheckpoint = "m/checkpoint";  // 8 bytes: latest size

inline void PutBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline uint64_t GetBE64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = v << 8 | static_cast<uint8_t>(s[i]);
  return v;
}
inline std::string BE64(uint64_t v) {
  std::string s;
  PutBE64(&s, v);
  return s;
}
inline std::string EntryKey(uint64_t seq) { return std::string(kEntryPrefix) + BE64(seq); }
// Subtree hashes per stored value (2 KiB; a proof reads one value per level). A group commit
// puts the hashes it completes in a span, or appends them when an earlier group began it.
inline constexpr uint64_t kRunSpan = 64;
// The key of the span holding subtree (level, index).
inline std::string SubtreeKey(int level, uint64_t index) {
  std::string k(kSubtreePrefix);
  k.push_back(static_cast<char>(level));
  PutBE64(&k, index / kRunSpan);
  return k;
}
inline constexpr size_t kSubtreeKeySize = 2 + 1 + 8;
inline std::string CheckpointKey(uint64_t size) {
  return std::string(kCheckpointPrefix) + BE64(size);
}
inline std::string DecisionKey(std::string_view id) {
  return std::string(kDecisionPrefix) + std::string(id);
}

inline std::string PolicyKey(std::string_view digest) {
  return std::string(kPolicyPrefix) + std::string(digest);
}
inline std::string DataKey(std::string_view digest) {
  return std::string(kDataPrefix) + std::string(digest);
}

}  // namespace arbiter::ledger::layout
