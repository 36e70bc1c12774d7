// The RFC 6962 proof vectors in tests/ledger/testdata/rfc6962 (from another implementation,
// see the README there): every happy path verifies and every tampered variant is rejected.
#include <catch2/catch.hpp>

#include <arbiter/ledger.h>

#include <filesystem>
#include <fstream>

#include "common/encoding.h"

using namespace arbiter;
using namespace arbiter::ledger;
namespace fs = std::filesystem;

namespace {

fs::path VectorDir() { return fs::path(ARBITER_SOURCE_DIR) / "tests/ledger/testdata/rfc6962"; }

nlohmann::json Load(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

std::vector<uint8_t> B64(const nlohmann::json& v) {
  auto b = Base64Decode(v.get<std::string>());
  return b ? *b : std::vector<uint8_t>{0xde, 0xad};  // undecodable: a value that cannot match
}

// nullopt when some proof element is not a 32-byte hash (a malformed proof).
std::optional<std::vector<Hash>> Path(const nlohmann::json& proof) {
  std::vector<Hash> out;
  for (const auto& p : proof) {
    auto b = Base64Decode(p.get<std::string>());
    if (!b || b->size() != 32) return std::nullopt;
    Hash h;
    std::copy(b->begin(), b->end(), h.begin());
    out.push_back(h);
  }
  return out;
}

std::vector<fs::path> Files(const std::string& sub) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(VectorDir() / sub)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("rfc6962 inclusion vectors") {
  auto files = Files("inclusion");
  REQUIRE(files.size() > 40);
  int happy = 0, rejected = 0;
  for (const auto& f : files) {
    INFO(f.string());
    auto j = Load(f);
    auto path = Path(j["proof"]);
    bool ok = path && VerifyInclusion(j["leafIdx"].get<uint64_t>(), j["treeSize"].get<uint64_t>(),
                                      B64(j["leafHash"]), *path, B64(j["root"]))
                          .ok();
    CHECK(ok == !j["wantErr"].get<bool>());
    (ok ? happy : rejected)++;
  }
  CHECK(happy >= 5);
  CHECK(rejected >= 40);
}

TEST_CASE("rfc6962 consistency vectors") {
  auto files = Files("consistency");
  REQUIRE(files.size() > 40);
  int happy = 0, rejected = 0;
  for (const auto& f : files) {
    INFO(f.string());
    auto j = Load(f);
    auto path = Path(j["proof"]);
    bool ok = path && VerifyConsistency(j["size1"].get<uint64_t>(), j["size2"].get<uint64_t>(),
                                        *path, B64(j["root1"]), B64(j["root2"]))
                          .ok();
    CHECK(ok == !j["wantErr"].get<bool>());
    (ok ? happy : rejected)++;
  }
  CHECK(happy >= 5);
  CHECK(rejected >= 40);
}
