// A bump allocator for trivially destructible objects. Used three ways: a Program owns one for
// its constants, an EntityStore and a Request own one for their values, and each deciding
// thread keeps one that is Reset() per decision, so that after warm-up a decision allocates
// nothing from the heap. Not thread-safe; each owner uses its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>
#include <vector>

namespace arbiter::engine {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (auto& c : chunks_) std::free(c.data);
  }

  void* Allocate(size_t size, size_t align = alignof(std::max_align_t)) {
    size_t offset = (used_ + align - 1) & ~(align - 1);
    if (current_ >= chunks_.size() || offset + size > chunks_[current_].size) {
      NextChunk(size + align);
      offset = (used_ + align - 1) & ~(align - 1);
    }
    used_ = offset + size;
    return chunks_[current_].data + offset;
  }

  template <typename T>
  T* AllocateArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    if (n == 0) return nullptr;
    return static_cast<T*>(Allocate(sizeof(T) * n, alignof(T)));
  }

  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>);
    return new (Allocate(sizeof(T), alignof(T))) T{std::forward<Args>(args)...};
  }

  std::string_view CopyString(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Forgets every allocation but keeps the memory for reuse.
  void Reset() {
    current_ = 0;
    used_ = 0;
  }

 private:
  struct Chunk {
    char* data;
    size_t size;
  };
  void NextChunk(size_t min_size) {
    // Reuse a later chunk kept from before a Reset when it is big enough.
    while (current_ + 1 < chunks_.size()) {
      ++current_;
      used_ = 0;
      if (chunks_[current_].size >= min_size) return;
    }
    size_t size = chunks_.empty() ? 4096 : chunks_.back().size * 2;
    while (size < min_size) size *= 2;
    char* data = static_cast<char*>(std::malloc(size));
    if (data == nullptr) throw std::bad_alloc();
    chunks_.push_back({data, size});
    current_ = chunks_.size() - 1;
    used_ = 0;
  }

  std::vector<Chunk> chunks_;
  size_t current_ = 0;
  size_t used_ = 0;
};

}  // namespace arbiter::engine
