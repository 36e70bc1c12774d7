#include "ledger/merkle.h"


#include <bit>

#include "common/sha256.h"

namespace arbiter::ledger {

namespace {

std::string_view View(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

}  // namespace

// Tree hashing is the ledger's hot path: common/sha256's per-thread context, no allocation.
Hash LeafHash(std::string_view entry) { return Sha256Of(0x00, entry, {}); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256Of(0x01, View(left), View(right));
}

Hash EmptyRoot() { return Sha256Of(""); }

Hash RootFromLeafHashes(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  size_t k = std::bit_floor(leaves.size() - 1);
  return NodeHash(RootFromLeafHashes(leaves.subspan(0, k)), RootFromLeafHashes(leaves.subspan(k)));
}

MerkleFrontier::MerkleFrontier(uint64_t size, std::vector<Hash> level_roots)
    : size_(size), roots_(std::move(level_roots)) {}

void MerkleFrontier::Append(const Hash& leaf) { Append(leaf, nullptr); }

void MerkleFrontier::Append(const Hash& leaf, std::vector<Node>* out) {
  Hash node = leaf;
  uint64_t index = size_;
  int level = 0;
  if (out) out->push_back({0, index, node});
  // Each trailing one bit of the old size is a left sibling waiting for this subtree.
  while (index & 1) {
    node = NodeHash(roots_[level], node);
    index >>= 1;
    ++level;
    if (out) out->push_back({level, index, node});
  }
  if (roots_.size() <= static_cast<size_t>(level)) roots_.resize(level + 1);
  roots_[level] = node;
  ++size_;
}

Hash MerkleFrontier::Root() const {
  if (size_ == 0) return EmptyRoot();
  int low = std::countr_zero(size_);
  Hash root = roots_[low];
  for (int level = low + 1; level < 64; ++level) {
    if (size_ >> level == 0) break;
    if ((size_ >> level) & 1) root = NodeHash(roots_[level], root);
  }
  return root;
}

Result<Hash> RangeHash(const SubtreeReader& read, uint64_t begin, uint64_t end) {
  if (begin >= end) return Status::Internal("empty Merkle range");
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return read(std::countr_zero(n), begin / n);
  }
  uint64_t k = std::bit_floor(n - 1);
  ARBITER_ASSIGN_OR_RETURN(Hash left, RangeHash(read, begin, begin + k));
  ARBITER_ASSIGN_OR_RETURN(Hash right, RangeHash(read, begin + k, end));
  return NodeHash(left, right);
}

namespace {

// RFC 6962 section 2.1.1 PATH(m, D[begin:end]), appended deepest first.
Status Path(const SubtreeReader& read, uint64_t m, uint64_t begin, uint64_t end,
            std::vector<Hash>* out) {
  uint64_t n = end - begin;
  if (n <= 1) return Status::Ok();
  uint64_t k = std::bit_floor(n - 1);
  if (m < k) {
    ARBITER_RETURN_IF_ERROR(Path(read, m, begin, begin + k, out));
    ARBITER_ASSIGN_OR_RETURN(Hash h, RangeHash(read, begin + k, end));
    out->push_back(h);
  } else {
    ARBITER_RETURN_IF_ERROR(Path(read, m - k, begin + k, end, out));
    ARBITER_ASSIGN_OR_RETURN(Hash h, RangeHash(read, begin, begin + k));
    out->push_back(h);
  }
  return Status::Ok();
}

// RFC 6962 section 2.1.2 SUBPROOF(m, D[begin:end], b).
Status SubProof(const SubtreeReader& read, uint64_t m, uint64_t begin, uint64_t end,
                bool complete, std::vector<Hash>* out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!complete) {
      ARBITER_ASSIGN_OR_RETURN(Hash h, RangeHash(read, begin, end));
      out->push_back(h);
    }
    return Status::Ok();
  }
  uint64_t k = std::bit_floor(n - 1);
  if (m <= k) {
    ARBITER_RETURN_IF_ERROR(SubProof(read, m, begin, begin + k, complete, out));
    ARBITER_ASSIGN_OR_RETURN(Hash h, RangeHash(read, begin + k, end));
    out->push_back(h);
  } else {
    ARBITER_RETURN_IF_ERROR(SubProof(read, m - k, begin + k, end, false, out));
    ARBITER_ASSIGN_OR_RETURN(Hash h, RangeHash(read, begin, begin + k));
    out->push_back(h);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Hash>> MakeInclusionPath(const SubtreeReader& read, uint64_t index,
                                            uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("entry " + std::to_string(index) + " is not in a tree of size " +
                                   std::to_string(size));
  }
  std::vector<Hash> out;
  ARBITER_RETURN_IF_ERROR(Path(read, index, 0, size, &out));
  return out;
}

Result<std::vector<Hash>> MakeConsistencyPath(const SubtreeReader& read, uint64_t size1,
                                              uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return Status::InvalidArgument("no consistency proof from size " + std::to_string(size1) +
                                   " to size " + std::to_string(size2));
  }
  std::vector<Hash> out;
  if (size1 == size2) return out;
  ARBITER_RETURN_IF_ERROR(SubProof(read, size1, 0, size2, true, &out));
  return out;
}

namespace {

bool Equal(const Hash& a, std::span<const uint8_t> b) {
  return b.size() == a.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Status VerifyInclusion(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                       std::span<const Hash> path, std::span<const uint8_t> root) {
  if (index >= size) {
    return Status::InvalidArgument("index " + std::to_string(index) + " is beyond tree size " +
                                   std::to_string(size));
  }
  if (leaf_hash.size() != 32) return Status::InvalidArgument("leaf hash is not 32 bytes");
  if (root.size() != 32) return Status::InvalidArgument("root hash is not 32 bytes");
  uint64_t fn = index, sn = size - 1;
  Hash r;
  std::copy(leaf_hash.begin(), leaf_hash.end(), r.begin());
  for (const Hash& p : path) {
    if (sn == 0) return Status::Corruption("inclusion proof is too long");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("inclusion proof is too short");
  if (!Equal(r, root)) return Status::Corruption("inclusion proof does not lead to the root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> path,
                         std::span<const uint8_t> root1, std::span<const uint8_t> root2) {
  if (size1 > size2) return Status::InvalidArgument("size1 is greater than size2");
  if (size1 == 0) {
    return Status::InvalidArgument("a consistency proof from the empty tree proves nothing");
  }
  if (size1 == size2) {
    if (!path.empty()) return Status::Corruption("equal sizes need an empty consistency proof");
    if (root1.size() != root2.size() || !std::equal(root1.begin(), root1.end(), root2.begin())) {
      return Status::Corruption("equal sizes but different roots");
    }
    return Status::Ok();
  }
  if (root1.size() != 32 || root2.size() != 32) {
    return Status::InvalidArgument("root hash is not 32 bytes");
  }
  if (path.empty()) return Status::Corruption("consistency proof is empty");
  std::vector<Hash> p(path.begin(), path.end());
  if (std::has_single_bit(size1)) {
    Hash first;
    std::copy(root1.begin(), root1.end(), first.begin());
    p.insert(p.begin(), first);
  }
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (size_t i = 1; i < p.size(); ++i) {
    if (sn == 0) return Status::Corruption("consistency proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(p[i], fr);
      sr = NodeHash(p[i], sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, p[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("consistency proof is too short");
  if (!Equal(fr, root1)) return Status::Corruption("consistency proof does not match the old root");
  if (!Equal(sr, root2)) return Status::Corruption("consistency proof does not match the new root");
  return Status::Ok();
}

}  // namespace arbiter::ledger
