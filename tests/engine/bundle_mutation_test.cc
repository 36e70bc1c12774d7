// Mutation testing of the loader and verifier: a few thousand damaged copies of the stdlib
// packs' bundles (bytes flipped, words overwritten with hostile values, the digest fixed up
// so the damage reaches the parser and the verifier) are loaded, decided and disassembled.
// Each must be rejected with Corruption or Unsupported, or run without crashing, hanging or
// reading outside the program (run under the sanitizer build too). The seed is fixed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "engine/bundle.h"
#include "tests/engine/hand_bundle.h"

using namespace arbiter;
using namespace arbiter::testing;

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Pack {
  std::string name;
  std::string bundle;
  std::string request;
  EntityStore entities;
};

std::vector<Pack> StdlibPacks() {
  std::vector<Pack> packs;
  std::filesystem::path root = std::filesystem::path(ARBITER_SOURCE_DIR) / "stdlib-policies";
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    CompileOptions options;
    if (std::filesystem::exists(dir / "schema.arbiterschema")) {
      options.schema_path = (dir / "schema.arbiterschema").string();
    }
    CompileResult compiled = Engine::Compile({dir.string()}, options);
    INFO(dir.string() << ": " << compiled.FormattedDiagnostics());
    REQUIRE(compiled.ok());
    auto entities = EntityStore::FromFile((dir / "entities.json").string());
    REQUIRE(entities.ok());
    packs.push_back(Pack{dir.filename().string(), compiled.engine->bundle_bytes(),
                         ReadFile(dir / "playground-request.json"), std::move(entities).value()});
  }
  return packs;
}

// Values that make indices negative, huge, or point at other tables.
constexpr uint32_t kHostile[] = {0,          1,          2,          3,          4,
                                 5,          0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFB, 0x80000000,
                                 0x7FFFFFFF, 0x10000,    4096,       4097,       256};

uint32_t HostileWord(std::mt19937_64& rng) {
  return rng() % 2 ? kHostile[rng() % std::size(kHostile)] : static_cast<uint32_t>(rng() % 48);
}

// Damage inside the program, serialised again: the payload always parses, so every such
// mutant reaches the verifier (code words, code ranges, entries, locals, index keys).
std::string MutateProgram(const std::string& bundle, std::mt19937_64& rng) {
  auto parsed = engine::DeserializeProgram(bundle);
  REQUIRE(parsed.ok());
  engine::Program& p = **parsed;
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    engine::RuleMeta& r = p.rules[rng() % p.rules.size()];
    switch (rng() % 8) {
      case 0: r.code.begin = HostileWord(rng); break;
      case 1: r.code.end = r.code.begin + HostileWord(rng) % 64; break;
      case 2: r.fast_entry = r.code.begin + HostileWord(rng) % 64; break;
      case 3: r.num_locals = HostileWord(rng); break;
      case 4: r.index_key.attr_const = static_cast<int32_t>(HostileWord(rng)); break;
      case 5: r.index_key.attr_var = static_cast<int32_t>(HostileWord(rng)); break;
      default: {
        uint32_t at = r.code.begin + static_cast<uint32_t>(rng() % 64);
        if (at < p.code.size()) p.code[at] = HostileWord(rng);
      }
    }
  }
  return engine::SerializeProgram(p);
}

}  // namespace

TEST_CASE("damaged stdlib bundles are rejected or run safely") {
  std::vector<Pack> packs = StdlibPacks();
  REQUIRE(packs.size() >= 6);
  std::mt19937_64 rng(20261203);
  constexpr int kMutationsPerPack = 600;
  int loaded = 0;
  int total = 0;
  for (const Pack& pack : packs) {
    const std::string& original = pack.bundle;
    size_t payload_begin = engine::kBundleHeaderSize;
    size_t payload_size = original.size() - payload_begin - engine::kBundleDigestSize;
    for (int m = 0; m < kMutationsPerPack; ++m) {
      std::string bytes = m % 2 ? MutateProgram(original, rng) : original;
      int edits = m % 2 ? 0 : 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        size_t at = payload_begin + rng() % payload_size;
        switch (rng() % 3) {
          case 0: bytes[at] = static_cast<char>(bytes[at] ^ (1u << (rng() % 8))); break;
          case 1: bytes[at] = static_cast<char>(rng()); break;
          default: {  // a little-endian word, where the payload has room for it
            uint32_t v = HostileWord(rng);
            for (int i = 0; i < 4 && at + i < payload_begin + payload_size; ++i) {
              bytes[at + i] = static_cast<char>(v >> (8 * i));
            }
          }
        }
      }
      FixDigest(&bytes);
      INFO(pack.name << " mutation " << m);
      Status st = LoadDecideDisassemble(bytes, pack.request, pack.entities);
      ++total;
      if (st.ok()) {
        ++loaded;
      } else {
        CHECK((st.code() == StatusCode::kCorruption || st.code() == StatusCode::kUnsupported));
      }
    }
  }
  // Some damage leaves a valid program (a changed string, line number or constant): those
  // went through decide and disasm too.
  CHECK(loaded > 0);
  CHECK(loaded < total);
}
