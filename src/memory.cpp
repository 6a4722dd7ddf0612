#include "microredis/memory.hpp"

#include <cstdlib>

namespace microredis {

namespace detail {
MICROREDIS_INLINE void* malloc_allocate(void*, std::size_t size, std::size_t) { return std::malloc(size); }
MICROREDIS_INLINE void malloc_deallocate(void*, void* p, std::size_t, std::size_t) { std::free(p); }
MICROREDIS_INLINE void* malloc_reallocate(void*, void* p, std::size_t, std::size_t new_size) {
  return std::realloc(p, new_size);
}
}  // namespace detail

MICROREDIS_INLINE AllocatorHooks malloc_hooks() {
  AllocatorHooks h;
  h.allocate = &detail::malloc_allocate;
  h.deallocate = &detail::malloc_deallocate;
  h.reallocate = &detail::malloc_reallocate;
  h.pool_small_blocks = true;
  return h;
}

MICROREDIS_INLINE bool Memory::new_small_page(std::size_t cls) {
  void* page = hooks_.allocate(hooks_.ctx, kSmallPageBytes, alignof(std::max_align_t));
  if (page == nullptr) return false;
  std::memcpy(page, &small_pages_, sizeof(void*));
  small_pages_ = page;
  ++small_page_count_;
  small_next_[cls] = static_cast<char*>(page) + alignof(std::max_align_t);
  small_end_[cls] = static_cast<char*>(page) + kSmallPageBytes;
  return true;
}

MICROREDIS_INLINE void Memory::release_small_pages() {
  while (small_pages_ != nullptr) {
    void* next;
    std::memcpy(&next, small_pages_, sizeof(void*));
    hooks_.deallocate(hooks_.ctx, small_pages_, kSmallPageBytes, alignof(std::max_align_t));
    small_pages_ = next;
  }
  small_page_count_ = 0;
  for (std::size_t i = 0; i < kSmallClasses; ++i) {
    small_free_[i] = nullptr;
    small_next_[i] = small_end_[i] = nullptr;
  }
}

MICROREDIS_INLINE void* Memory::reallocate(void* p, std::size_t old_size, std::size_t new_size) {
  if (p == nullptr) return allocate(new_size);
  if (new_size == 0) new_size = 1;
  if (old_size == 0) old_size = 1;
  if (hooks_.reallocate != nullptr) {
    void* q = hooks_.reallocate(hooks_.ctx, p, old_size, new_size);
    if (q == nullptr) return nullptr;
    account(static_cast<std::ptrdiff_t>(new_size) - static_cast<std::ptrdiff_t>(old_size));
    return q;
  }
  void* q = allocate(new_size);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, old_size < new_size ? old_size : new_size);
  deallocate(p, old_size);
  return q;
}

}  // namespace microredis
