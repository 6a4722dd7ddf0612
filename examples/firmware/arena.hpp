// A fixed-size arena behind the engine's AllocatorHooks: the firmware's whole memory budget for the
// engine (keyspace, sessions, buffers) is one static array, and the arena can say at any moment how
// much of it is in use and what the peak was.
//
// Headerless: the engine passes every block's size back on free (AllocatorHooks contract), so a
// block costs its size rounded up to kGrain and nothing more.
//  - small blocks (up to kSmallMax) are recycled through exact-size free lists (keys, entries,
//    small objects come and go in a few sizes);
//  - larger blocks go to an address-ordered free list that coalesces neighbours (buffers, tables);
//  - fresh memory comes from a bump pointer; a block freed at the top lowers it again;
//  - when neither finds room, the small lists are given back to the coalescing list and the
//    search runs once more, so memory freed as small blocks is not lost to large requests.
// Not thread-safe (one engine, one thread, as the engine itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "microredis/memory.hpp"

namespace firmware {

class Arena {
 public:
  struct FreeNode {
    FreeNode* next;
    std::size_t size;
  };
  static constexpr std::size_t kGrain = sizeof(FreeNode) > 8 ? sizeof(FreeNode) : 8;
  static constexpr std::size_t kSmallMax = 256;
  static constexpr std::size_t kSmallClasses = kSmallMax / kGrain;

  Arena(void* memory, std::size_t size) { reset(memory, size); }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void reset(void* memory, std::size_t size) {
    auto addr = reinterpret_cast<std::uintptr_t>(memory);
    std::uintptr_t aligned = (addr + kGrain - 1) & ~static_cast<std::uintptr_t>(kGrain - 1);
    base_ = reinterpret_cast<char*>(aligned);
    end_ = base_ + ((size - (aligned - addr)) & ~(kGrain - 1));
    top_ = base_;
    large_ = nullptr;
    for (auto& s : small_) s = nullptr;
    used_ = peak_ = 0;
    failures_ = 0;
  }

  static constexpr std::size_t round(std::size_t n) { return n == 0 ? kGrain : (n + kGrain - 1) & ~(kGrain - 1); }

  void* allocate(std::size_t size) {
    const std::size_t r = round(size);
    if (r < size) return fail();  // wrapped
    void* p = take(r);
    if (p == nullptr) {
      reclaim_small();
      p = take(r);
    }
    if (p == nullptr) return fail();
    used_ += r;
    if (used_ > peak_) peak_ = used_;
    return p;
  }

  void deallocate(void* p, std::size_t size) {
    if (p == nullptr) return;
    const std::size_t r = round(size);
    used_ -= r;
    give(static_cast<char*>(p), r);
  }

  // Resizes in place where the block borders free memory; otherwise moves it. nullptr on failure
  // with the block untouched.
  void* reallocate(void* p, std::size_t old_size, std::size_t new_size) {
    if (p == nullptr) return allocate(new_size);
    char* block = static_cast<char*>(p);
    const std::size_t ro = round(old_size), rn = round(new_size);
    if (rn < new_size) return fail();
    if (rn == ro) return p;
    if (rn < ro) {  // shrink: the tail goes back
      give(block + rn, ro - rn);
      used_ -= ro - rn;
      return p;
    }
    const std::size_t extra = rn - ro;
    if (block + ro == top_ && static_cast<std::size_t>(end_ - top_) >= extra) {
      top_ += extra;
      return grown(p, extra);
    }
    // A free large block right after this one.
    FreeNode** link = &large_;
    while (*link != nullptr && reinterpret_cast<char*>(*link) < block + ro) link = &(*link)->next;
    if (*link != nullptr && reinterpret_cast<char*>(*link) == block + ro && (*link)->size >= extra) {
      FreeNode* n = *link;
      if (n->size == extra) {
        *link = n->next;
      } else {
        auto* rest = reinterpret_cast<FreeNode*>(reinterpret_cast<char*>(n) + extra);
        rest->next = n->next;
        rest->size = n->size - extra;
        *link = rest;
      }
      return grown(p, extra);
    }
    void* q = allocate(new_size);
    if (q == nullptr) return nullptr;
    std::memcpy(q, p, old_size);
    deallocate(p, old_size);
    return q;
  }

  // Bytes handed out (rounded sizes) and their high-water mark.
  std::size_t used() const { return used_; }
  std::size_t peak() const { return peak_; }
  void reset_peak() { peak_ = used_; }
  std::size_t capacity() const { return static_cast<std::size_t>(end_ - base_); }
  // How far the bump pointer has gone: memory ever touched.
  std::size_t touched() const { return static_cast<std::size_t>(top_ - base_); }
  std::size_t failures() const { return failures_; }

  // Walks the free lists and checks that they lie inside the arena, are ordered and disjoint, and
  // that free plus used memory accounts for everything below the bump pointer.
  bool check() const {
    std::size_t free_bytes = 0;
    const char* prev_end = base_;
    for (const FreeNode* n = large_; n != nullptr; n = n->next) {
      const char* b = reinterpret_cast<const char*>(n);
      if (b < prev_end || b + n->size > top_ || n->size == 0 || n->size % kGrain != 0) return false;
      prev_end = b + n->size;
      free_bytes += n->size;
    }
    for (std::size_t c = 0; c < kSmallClasses; ++c) {
      for (const FreeNode* n = small_[c]; n != nullptr; n = n->next) {
        const char* b = reinterpret_cast<const char*>(n);
        if (b < base_ || b + (c + 1) * kGrain > top_) return false;
        free_bytes += (c + 1) * kGrain;
      }
    }
    return free_bytes + used_ == touched();
  }

  microredis::AllocatorHooks hooks() {
    microredis::AllocatorHooks h;
    h.ctx = this;
    h.allocate = [](void* ctx, std::size_t size, std::size_t) { return static_cast<Arena*>(ctx)->allocate(size); };
    h.deallocate = [](void* ctx, void* p, std::size_t size, std::size_t) {
      static_cast<Arena*>(ctx)->deallocate(p, size);
    };
    h.reallocate = [](void* ctx, void* p, std::size_t old_size, std::size_t new_size) {
      return static_cast<Arena*>(ctx)->reallocate(p, old_size, new_size);
    };
    return h;
  }

 private:
  void* fail() {
    ++failures_;
    return nullptr;
  }

  void* grown(void* p, std::size_t extra) {
    used_ += extra;
    if (used_ > peak_) peak_ = used_;
    return p;
  }

  // A block of exactly r bytes from the free lists or the top; nullptr when there is none.
  void* take(std::size_t r) {
    if (r <= kSmallMax) {
      FreeNode*& head = small_[r / kGrain - 1];
      if (head != nullptr) {
        FreeNode* n = head;
        head = n->next;
        return n;
      }
    }
    for (FreeNode** link = &large_; *link != nullptr; link = &(*link)->next) {
      FreeNode* n = *link;
      if (n->size < r) continue;
      if (n->size == r) {
        *link = n->next;
      } else {  // hand out the front, keep the rest in place (the order is unchanged)
        auto* rest = reinterpret_cast<FreeNode*>(reinterpret_cast<char*>(n) + r);
        rest->next = n->next;
        rest->size = n->size - r;
        *link = rest;
      }
      return n;
    }
    if (static_cast<std::size_t>(end_ - top_) < r) return nullptr;
    void* p = top_;
    top_ += r;
    return p;
  }

  // Returns a block: to the top, to its size list, or into the coalescing list.
  void give(char* b, std::size_t r) {
    if (b + r == top_) {
      top_ = b;
      lower_top();
      return;
    }
    if (r <= kSmallMax) {
      auto* n = reinterpret_cast<FreeNode*>(b);
      n->next = small_[r / kGrain - 1];
      small_[r / kGrain - 1] = n;
      return;
    }
    insert_large(b, r);
  }

  void insert_large(char* b, std::size_t r) {
    FreeNode* prev = nullptr;
    FreeNode* next = large_;
    while (next != nullptr && reinterpret_cast<char*>(next) < b) {
      prev = next;
      next = next->next;
    }
    auto* n = reinterpret_cast<FreeNode*>(b);
    n->size = r;
    n->next = next;
    if (next != nullptr && b + r == reinterpret_cast<char*>(next)) {  // merge with the following block
      n->size += next->size;
      n->next = next->next;
    }
    if (prev != nullptr && reinterpret_cast<char*>(prev) + prev->size == b) {  // and with the preceding one
      prev->size += n->size;
      prev->next = n->next;
      n = prev;
    } else if (prev != nullptr) {
      prev->next = n;
    } else {
      large_ = n;
    }
    if (reinterpret_cast<char*>(n) + n->size == top_) lower_top();
  }

  // The last free block of the coalescing list ends at the top: give it back to the bump pointer.
  void lower_top() {
    FreeNode** link = &large_;
    while (*link != nullptr && (*link)->next != nullptr) link = &(*link)->next;
    if (*link != nullptr && reinterpret_cast<char*>(*link) + (*link)->size == top_) {
      top_ = reinterpret_cast<char*>(*link);
      *link = nullptr;
    }
  }

  void reclaim_small() {
    for (std::size_t c = 0; c < kSmallClasses; ++c) {
      FreeNode* n = small_[c];
      small_[c] = nullptr;
      while (n != nullptr) {
        FreeNode* next = n->next;
        insert_large(reinterpret_cast<char*>(n), (c + 1) * kGrain);
        n = next;
      }
    }
  }

  char* base_ = nullptr;
  char* end_ = nullptr;
  char* top_ = nullptr;
  FreeNode* large_ = nullptr;
  FreeNode* small_[kSmallClasses] = {};
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  std::size_t failures_ = 0;
};

}  // namespace firmware
