// The bundle: a compiled Program as bytes (spec/bytecode.md).
//   header  : magic "ARBITER\x1a", u32 format version, u32 flags, u64 payload length
//   payload : strings, constants, patterns, shapes, code, rules, sources
//   trailer : SHA-256 of header and payload (the bundle digest)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <arbiter/status.h>

#include "engine/program.h"

namespace arbiter::engine {

inline constexpr std::string_view kBundleMagic{"ARBITER\x1a", 8};
inline constexpr uint32_t kBundleVersion = 1;
inline constexpr size_t kBundleHeaderSize = 24;
inline constexpr size_t kBundleDigestSize = 32;

std::string SerializeProgram(const Program& program);
// Checks the digest, parses, verifies the bytecode; never returns a program it could not
// fully check. Corruption for damaged or truncated bytes, Unsupported for a newer version.
Result<std::shared_ptr<Program>> DeserializeProgram(std::string_view bytes);

}  // namespace arbiter::engine
