// RFC 6962 Merkle tree pieces the ledger builds on: the right frontier of a growing tree
// (compact range) and proof generation over a reader of stored complete-subtree hashes.
#pragma once

#include <arbiter/ledger.h>

#include <functional>
#include <vector>

namespace arbiter::ledger {

// The roots of the complete subtrees on the right edge of a tree of size n: one per set bit
// of n. Appending a leaf returns the hashes of every complete subtree the leaf finishes, so
// the caller can store them.
class MerkleFrontier {
 public:
  struct Node {
    int level;       // 0 = leaf
    uint64_t index;  // position among nodes of that level
    Hash hash;
  };
  MerkleFrontier() = default;
  // `level_roots[l]` must be the hash of the complete subtree at level l covering the
  // leaves just below the corresponding set bit of size.
  MerkleFrontier(uint64_t size, std::vector<Hash> level_roots);

  uint64_t size() const { return size_; }
  // Appends a leaf; `out` receives the nodes completed (the leaf first).
  void Append(const Hash& leaf, std::vector<Node>* out);
  void Append(const Hash& leaf);
  Hash Root() const;
  const std::vector<Hash>& level_roots() const { return roots_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> roots_;  // indexed by level; valid where bit `level` of size_ is set
};

// Reads the stored hash of the complete subtree at (level, index).
using SubtreeReader = std::function<Result<Hash>(int level, uint64_t index)>;

// Hash of leaves [begin, end) from complete-subtree hashes: O(log n) reads.
Result<Hash> RangeHash(const SubtreeReader& read, uint64_t begin, uint64_t end);
Result<std::vector<Hash>> MakeInclusionPath(const SubtreeReader& read, uint64_t index,
                                            uint64_t size);
Result<std::vector<Hash>> MakeConsistencyPath(const SubtreeReader& read, uint64_t size1,
                                              uint64_t size2);

}  // namespace arbiter::ledger
