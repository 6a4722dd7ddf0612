// One stable sort for the arrays the engine sorts (GEOSEARCH's points, tracking's pending keys):
// elements move as bytes and compare through a function, so every element type shares one copy
// of the code, and the scratch space comes from the engine's Memory (std::stable_sort takes it
// from operator new, outside the engine's accounting, and is instantiated per comparator).
// Stability keeps ties in source order, as glibc's merge-sort qsort, which Redis uses, does.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "../memory.hpp"

namespace microredis {

// <0, 0, >0 as a is before, tied with, after b.
using SortCompare = int (*)(const void* a, const void* b, const void* ctx);

// Sorts n elements of size bytes at base; tmp holds n elements; one more element of scratch is
// taken at tmp + n * size.
inline void stable_sort_bytes(char* base, char* tmp, std::size_t n, std::size_t size, SortCompare cmp,
                              const void* ctx) {
  constexpr std::size_t kRun = 8;
  char* held = tmp + n * size;
  // Insertion-sorted runs of kRun elements.
  for (std::size_t lo = 0; lo < n; lo += kRun) {
    const std::size_t hi = lo + kRun < n ? lo + kRun : n;
    for (std::size_t i = lo + 1; i < hi; ++i) {
      std::size_t j = i;
      if (cmp(base + (j - 1) * size, base + i * size, ctx) <= 0) continue;
      std::memcpy(held, base + i * size, size);
      while (j > lo && cmp(base + (j - 1) * size, held, ctx) > 0) --j;
      std::memmove(base + (j + 1) * size, base + j * size, (i - j) * size);
      std::memcpy(base + j * size, held, size);
    }
  }
  // Bottom-up merges, alternating between base and tmp.
  char* src = base;
  char* dst = tmp;
  for (std::size_t width = kRun; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = lo + width < n ? lo + width : n;
      const std::size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const bool right = cmp(src + j * size, src + i * size, ctx) < 0;  // ties: the left one first
        std::memcpy(dst + k++ * size, src + (right ? j++ : i++) * size, size);
      }
      std::memcpy(dst + k * size, src + i * size, (mid - i) * size);
      k += mid - i;
      std::memcpy(dst + k * size, src + j * size, (hi - j) * size);
    }
    char* t = src;
    src = dst;
    dst = t;
  }
  if (src != base) std::memcpy(base, src, n * size);
}

// Sorts a[0..n) stably by cmp. false when the scratch memory could not be had (a unchanged).
template <class T>
[[nodiscard]] bool stable_sort(Memory& mem, T* a, std::size_t n, SortCompare cmp, const void* ctx = nullptr) {
  static_assert(std::is_trivially_copyable_v<T>, "elements move as bytes");
  if (n < 2) return true;
  const std::size_t bytes = (n + 1) * sizeof(T);
  void* tmp = mem.allocate(bytes, alignof(T));
  if (tmp == nullptr) return false;
  stable_sort_bytes(reinterpret_cast<char*>(a), static_cast<char*>(tmp), n, sizeof(T), cmp, ctx);
  mem.deallocate(tmp, bytes, alignof(T));
  return true;
}

}  // namespace microredis
