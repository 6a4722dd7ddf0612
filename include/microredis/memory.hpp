// Allocation hooks and memory accounting. Every byte the engine holds comes through a Memory, which
// forwards to hooks the application provides (malloc by default, an arena on firmware) and keeps a
// running count: INFO's used_memory, maxmemory and the firmware budget all rest on it.
//
// Allocation failure is not fatal: allocate() returns nullptr and callers turn that into an -OOM
// reply or a closed connection, leaving the dataset consistent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace microredis {

struct AllocatorHooks {
  // Returns nullptr on failure. align is at most alignof(std::max_align_t).
  void* (*allocate)(void* ctx, std::size_t size, std::size_t align) = nullptr;
  // size and align are those passed to allocate for this block.
  void (*deallocate)(void* ctx, void* p, std::size_t size, std::size_t align) = nullptr;
  // Optional: grow or shrink a block in place where the allocator can (glibc's realloc uses mremap
  // for big blocks). Returns nullptr on failure, leaving p untouched. nullptr = allocate+copy+free.
  void* (*reallocate)(void* ctx, void* p, std::size_t old_size, std::size_t new_size) = nullptr;
  void* ctx = nullptr;
  // Serve keyspace entries from pages in 8-byte size classes (Memory::allocate_small) instead of
  // one allocation each: worth it over a general-purpose malloc (malloc_hooks() sets it); an
  // application's own allocator (a firmware arena) gets one allocation per entry unless it asks.
  bool pool_small_blocks = false;
};

// malloc/free/realloc from the C library.
AllocatorHooks malloc_hooks();

class Memory {
 public:
  explicit Memory(AllocatorHooks hooks = malloc_hooks()) : hooks_(hooks) {}
  ~Memory() { release_small_pages(); }
  const AllocatorHooks& hooks() const { return hooks_; }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (size == 0) size = 1;
    void* p = hooks_.allocate(hooks_.ctx, size, align);
    if (MICROREDIS_LIKELY(p != nullptr)) account(static_cast<std::ptrdiff_t>(size));
    return p;
  }
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (p == nullptr) return;
    if (size == 0) size = 1;
    hooks_.deallocate(hooks_.ctx, p, size, align);
    account(-static_cast<std::ptrdiff_t>(size));
  }
  // Resizes a block with the default alignment; on failure returns nullptr and p stays valid.
  void* reallocate(void* p, std::size_t old_size, std::size_t new_size);

  template <class T, class... Args>
  T* create(Args&&... args) {
    void* p = allocate(sizeof(T), alignof(T));
    return p ? new (p) T(std::forward<Args>(args)...) : nullptr;
  }
  template <class T>
  void destroy(T* p) {
    if (p == nullptr) return;
    p->~T();
    deallocate(p, sizeof(T), alignof(T));
  }

  // Small blocks without alignment (keyspace entries): with hooks that ask for it
  // (pool_small_blocks), carved from pages of MICROREDIS_SMALL_PAGE_BYTES in 8-byte size classes, without the per-block header and 16-byte
  // rounding of a general-purpose malloc (a 34-byte entry takes 40 bytes, not glibc's 48). used()
  // counts the bytes asked for, as allocate() does. Pages are kept until no small block is left
  // (then all go back to the hooks), so a freed block is reused by blocks of its size class;
  // small_pages_bytes() tells what the pages hold. Blocks above kSmallMax go to allocate().
  static constexpr std::size_t kSmallMax = 128;
  void* allocate_small(std::size_t size) {
    if (size == 0) size = 1;
    if (kSmallPageBytes == 0 || !hooks_.pool_small_blocks || size > kSmallMax) return allocate(size, 1);
    const std::size_t cls = (size + 7) / 8;
    void* p = small_free_[cls];
    if (p != nullptr) {
      std::memcpy(&small_free_[cls], p, sizeof(void*));
    } else {
      if (small_end_[cls] - small_next_[cls] < static_cast<std::ptrdiff_t>(cls * 8) && !new_small_page(cls)) {
        return nullptr;
      }
      p = small_next_[cls];
      small_next_[cls] += cls * 8;
    }
    ++small_live_;
    small_used_ += size;
    account(static_cast<std::ptrdiff_t>(size));
    return p;
  }
  void deallocate_small(void* p, std::size_t size) {
    if (p == nullptr) return;
    if (size == 0) size = 1;
    if (kSmallPageBytes == 0 || !hooks_.pool_small_blocks || size > kSmallMax) return deallocate(p, size, 1);
    const std::size_t cls = (size + 7) / 8;
    std::memcpy(p, &small_free_[cls], sizeof(void*));
    small_free_[cls] = p;
    small_used_ -= size;
    account(-static_cast<std::ptrdiff_t>(size));
    if (--small_live_ == 0) release_small_pages();
  }
  std::size_t small_pages_bytes() const { return small_page_count_ * kSmallPageBytes; }
  // Bytes of live pooled blocks (part of used()).
  std::size_t small_used() const { return small_used_; }

  std::size_t used() const { return used_; }
  std::size_t peak() const { return peak_; }
  std::uint64_t allocations() const { return allocations_; }
  void reset_peak() { peak_ = used_; }

 private:
  void account(std::ptrdiff_t delta) {
    used_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(used_) + delta);
    if (delta > 0) {
      ++allocations_;
      if (used_ > peak_) peak_ = used_;
    }
  }

  static constexpr std::size_t kSmallPageBytes = MICROREDIS_SMALL_PAGE_BYTES;
  static constexpr std::size_t kSmallClasses = kSmallMax / 8 + 1;
  static_assert(kSmallPageBytes == 0 || kSmallPageBytes >= 2 * kSmallMax + 16, "small pages too small");
  // Starts a new page for size class cls (the rest of its previous page, if any, is left unused).
  bool new_small_page(std::size_t cls);
  void release_small_pages();

  AllocatorHooks hooks_;
  // Small-block pools: per size class a free list (linked through the blocks' first bytes) and the
  // unused tail of its newest page; every page starts with a link to the previously allocated one.
  void* small_free_[kSmallClasses] = {};
  char* small_next_[kSmallClasses] = {};
  char* small_end_[kSmallClasses] = {};
  void* small_pages_ = nullptr;
  std::size_t small_page_count_ = 0;
  std::size_t small_live_ = 0;
  std::size_t small_used_ = 0;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  std::uint64_t allocations_ = 0;
};

// A growable array of trivially copyable elements whose storage comes from a Memory.
// Growth reports failure instead of throwing.
template <class T>
class Vec {
  static_assert(std::is_trivially_copyable_v<T>, "Vec holds trivially copyable elements only");

 public:
  explicit Vec(Memory& mem) : mem_(&mem) {}
  Vec(const Vec&) = delete;
  Vec& operator=(const Vec&) = delete;
  Vec(Vec&& o) noexcept : mem_(o.mem_), data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  Vec& operator=(Vec&& o) noexcept {
    if (this != &o) {
      release();
      mem_ = o.mem_;
      data_ = o.data_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.data_ = nullptr;
      o.size_ = o.cap_ = 0;
    }
    return *this;
  }
  ~Vec() { release(); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& back() { return data_[size_ - 1]; }

  [[nodiscard]] bool reserve(std::size_t n) {
    if (n <= cap_) return true;
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) return false;  // the byte count would wrap
    void* p = mem_->reallocate(data_, cap_ * sizeof(T), n * sizeof(T));
    if (p == nullptr) return false;
    data_ = static_cast<T*>(p);
    cap_ = n;
    return true;
  }
  // Makes room for n more elements, growing geometrically.
  [[nodiscard]] bool grow_for(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) - size_) return false;
    if (size_ + n <= cap_) return true;
    std::size_t want = cap_ < 8 ? 8 : cap_ + cap_ / 2;
    if (want < size_ + n) want = size_ + n;
    return reserve(want);
  }
  [[nodiscard]] bool push_back(const T& v) {
    if (MICROREDIS_UNLIKELY(size_ == cap_) && !grow_for(1)) return false;
    data_[size_++] = v;
    return true;
  }
  [[nodiscard]] bool resize(std::size_t n) {
    if (!reserve(n)) return false;
    size_ = n;
    return true;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  // Frees the storage.
  void release() {
    if (data_) mem_->deallocate(data_, cap_ * sizeof(T));
    data_ = nullptr;
    size_ = cap_ = 0;
  }
  // Frees the storage if it has grown past max_keep elements, so that one huge request does not
  // pin its buffer for the life of a connection.
  void shrink_if_over(std::size_t max_keep) {
    if (cap_ > max_keep && size_ == 0) release();
  }
  void erase_front(std::size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(data_, data_ + n, (size_ - n) * sizeof(T));
    size_ -= n;
  }

 private:
  Memory* mem_;
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

// A byte buffer: a Vec<char> with append helpers.
class Buffer : public Vec<char> {
 public:
  using Vec<char>::Vec;
  [[nodiscard]] bool append(const void* p, std::size_t n) {
    if (!grow_for(n)) {
      incomplete_ = true;
      return false;
    }
    if (n) std::memcpy(data() + size(), p, n);
    (void)resize(size() + n);  // cannot fail: capacity is there
    return true;
  }
  [[nodiscard]] bool append(std::string_view s) { return append(s.data(), s.size()); }
  std::string_view view() const { return {data(), size()}; }
  // True once an append failed for lack of memory: code that builds text piece by piece checks
  // this once at the end instead of after every piece.
  bool incomplete() const { return incomplete_; }
  void reset() {
    clear();
    incomplete_ = false;
  }

 private:
  bool incomplete_ = false;
};

}  // namespace microredis
