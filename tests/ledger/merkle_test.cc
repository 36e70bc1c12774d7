// RFC 6962 Merkle hashing: known answers for the classic eight leaves and every smaller
// tree, and inclusion/consistency proofs for every (index, size) up to 64.
#include <catch2/catch.hpp>

#include <arbiter/ledger.h>

#include "common/encoding.h"
#include "ledger/merkle.h"

using namespace arbiter;
using namespace arbiter::ledger;

namespace {

std::string Unhex(std::string_view hex) {
  auto b = HexDecode(hex);
  REQUIRE(b);
  return std::string(b->begin(), b->end());
}

const std::vector<std::string>& ClassicLeaves() {
  static const std::vector<std::string> leaves = {
      "", Unhex("00"), Unhex("10"), Unhex("2021"), Unhex("3031"), Unhex("40414243"),
      Unhex("5051525354555657"), Unhex("606162636465666768696a6b6c6d6e6f")};
  return leaves;
}

// Roots of the trees of the first 1..8 classic leaves (RFC 6962 test data as used by the
// certificate-transparency and transparency-dev test suites).
const char* kClassicRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// A tree held in memory with every complete-subtree hash, like the ledger stores them.
struct MemTree {
  std::map<std::pair<int, uint64_t>, Hash> nodes;
  MerkleFrontier frontier;
  std::vector<Hash> leaves;
  void Add(const Hash& leaf) {
    std::vector<MerkleFrontier::Node> out;
    frontier.Append(leaf, &out);
    for (const auto& n : out) nodes[{n.level, n.index}] = n.hash;
    leaves.push_back(leaf);
  }
  SubtreeReader Reader() const {
    return [this](int level, uint64_t index) -> Result<Hash> {
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return Status::NotFound("node");
      return it->second;
    };
  }
};

MemTree TreeOf(size_t n) {
  MemTree t;
  for (size_t i = 0; i < n; ++i) t.Add(LeafHash("leaf " + std::to_string(i)));
  return t;
}

}  // namespace

TEST_CASE("empty tree root is SHA-256 of nothing") {
  CHECK(HexEncode(EmptyRoot()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(MerkleFrontier().Root() == EmptyRoot());
}

TEST_CASE("classic eight leaves: roots of every tree size 1..8") {
  std::vector<Hash> leaves;
  MerkleFrontier frontier;
  for (size_t n = 1; n <= 8; ++n) {
    leaves.push_back(LeafHash(ClassicLeaves()[n - 1]));
    frontier.Append(leaves.back());
    INFO("size " << n);
    CHECK(HexEncode(RootFromLeafHashes(leaves)) == kClassicRoots[n - 1]);
    CHECK(HexEncode(frontier.Root()) == kClassicRoots[n - 1]);
  }
  CHECK(HexEncode(frontier.Root()) ==
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

TEST_CASE("leaf and node hashes use the RFC 6962 prefixes") {
  // SHA-256(0x00) is the hash of the empty leaf.
  CHECK(HexEncode(LeafHash("")) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  Hash a = LeafHash(""), b = LeafHash(Unhex("00"));
  CHECK(HexEncode(NodeHash(a, b)) == kClassicRoots[1]);
}

TEST_CASE("classic tree: a known inclusion path") {
  MemTree t;
  for (const auto& l : ClassicLeaves()) t.Add(LeafHash(l));
  auto path = MakeInclusionPath(t.Reader(), 0, 8);
  REQUIRE(path.ok());
  REQUIRE(path->size() == 3);
  // From the transparency-dev test vectors: leaf 0 of 8.
  CHECK(HexEncode((*path)[0]) == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  CHECK(HexEncode((*path)[1]) == "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  CHECK(HexEncode((*path)[2]) == "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
}

TEST_CASE("stored-subtree range hashes equal the reference root for every size up to 64") {
  MemTree t = TreeOf(64);
  for (uint64_t n = 1; n <= 64; ++n) {
    auto root = RangeHash(t.Reader(), 0, n);
    REQUIRE(root.ok());
    CHECK(*root == RootFromLeafHashes(std::span(t.leaves).subspan(0, n)));
  }
}

TEST_CASE("inclusion proofs for every (index, size) up to 64") {
  MemTree t = TreeOf(64);
  for (uint64_t size = 1; size <= 64; ++size) {
    Hash root = RootFromLeafHashes(std::span(t.leaves).subspan(0, size));
    for (uint64_t index = 0; index < size; ++index) {
      INFO("index " << index << " size " << size);
      auto path = MakeInclusionPath(t.Reader(), index, size);
      REQUIRE(path.ok());
      CHECK(VerifyInclusion(index, size, t.leaves[index], *path, root).ok());
      // The same proof must not pass for a different leaf, index or size.
      CHECK_FALSE(VerifyInclusion(index, size, t.leaves[(index + 1) % 64], *path, root).ok());
      if (size > 1) {
        CHECK_FALSE(VerifyInclusion((index + 1) % size, size, t.leaves[index], *path, root).ok());
      }
      if (size > 1) {
        CHECK_FALSE(VerifyInclusion(index, size, t.leaves[index], *path, t.leaves[index]).ok());
      }
      if (!path->empty()) {
        auto bad = *path;
        bad[0][0] ^= 1;
        CHECK_FALSE(VerifyInclusion(index, size, t.leaves[index], bad, root).ok());
        bad = *path;
        bad.pop_back();
        CHECK_FALSE(VerifyInclusion(index, size, t.leaves[index], bad, root).ok());
      }
    }
  }
  CHECK_FALSE(MakeInclusionPath(t.Reader(), 5, 5).ok());
}

TEST_CASE("consistency proofs for every (size1, size2) up to 64") {
  MemTree t = TreeOf(64);
  std::vector<Hash> roots(65);
  for (uint64_t n = 1; n <= 64; ++n) roots[n] = RootFromLeafHashes(std::span(t.leaves).subspan(0, n));
  for (uint64_t size2 = 1; size2 <= 64; ++size2) {
    for (uint64_t size1 = 1; size1 <= size2; ++size1) {
      INFO("size1 " << size1 << " size2 " << size2);
      auto path = MakeConsistencyPath(t.Reader(), size1, size2);
      REQUIRE(path.ok());
      CHECK(VerifyConsistency(size1, size2, *path, roots[size1], roots[size2]).ok());
      if (size1 < size2) {
        CHECK_FALSE(VerifyConsistency(size1, size2, *path, roots[size2], roots[size2]).ok());
        if (size1 > 1) {
          CHECK_FALSE(VerifyConsistency(size1, size2, *path, roots[size1 - 1], roots[size2]).ok());
        }
        auto bad = *path;
        bad.back()[31] ^= 0x80;
        CHECK_FALSE(VerifyConsistency(size1, size2, bad, roots[size1], roots[size2]).ok());
      }
    }
  }
  CHECK_FALSE(MakeConsistencyPath(t.Reader(), 0, 5).ok());
  CHECK_FALSE(MakeConsistencyPath(t.Reader(), 6, 5).ok());
}
