// What the fuzz targets that drive a whole engine share: the failure report, a malloc with a
// budget and a tally of live blocks, and the engine options built on them. Each target defines
// kFuzzTarget, the name its failure reports start with.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "microredis/microredis.hpp"

extern const char* const kFuzzTarget;

namespace fuzz_support {

[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "%s: %s\n", kFuzzTarget, what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail (%zu bytes): ", detail.size());
    for (char c : detail.substr(0, 400)) {
      auto u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7f) {
        std::fputc(c, stderr);
      } else {
        std::fprintf(stderr, "\\x%02x", u);
      }
    }
    std::fputc('\n', stderr);
  }
  std::abort();
}

// malloc with a budget (so that commands which allocate a lot exercise the out-of-memory paths
// instead of exhausting the fuzzer) and a tally of live blocks.
struct BudgetAlloc {
  static constexpr std::size_t kBudget = 64u * 1024 * 1024;
  std::size_t live_bytes = 0;
  std::size_t live_blocks = 0;
  std::uint64_t refusals = 0;

  microredis::AllocatorHooks hooks() {
    microredis::AllocatorHooks h;
    h.ctx = this;
    h.allocate = [](void* ctx, std::size_t size, std::size_t) -> void* {
      auto* self = static_cast<BudgetAlloc*>(ctx);
      if (size > kBudget - self->live_bytes) {
        ++self->refusals;
        return nullptr;
      }
      void* p = std::malloc(size);
      if (p != nullptr) {
        self->live_bytes += size;
        ++self->live_blocks;
      }
      return p;
    };
    h.deallocate = [](void* ctx, void* p, std::size_t size, std::size_t) {
      auto* self = static_cast<BudgetAlloc*>(ctx);
      std::free(p);
      self->live_bytes -= size;
      --self->live_blocks;
    };
    h.reallocate = [](void* ctx, void* p, std::size_t old_size, std::size_t new_size) -> void* {
      auto* self = static_cast<BudgetAlloc*>(ctx);
      if (new_size > old_size && new_size - old_size > kBudget - self->live_bytes) {
        ++self->refusals;
        return nullptr;
      }
      void* q = std::realloc(p, new_size);
      if (q != nullptr) self->live_bytes = self->live_bytes - old_size + new_size;
      return q;
    };
    return h;
  }
};

inline microredis::EngineOptions options(const microredis::Clock& clock, BudgetAlloc& alloc) {
  microredis::EngineOptions o;
  o.clock = &clock;
  o.seed = 1;
  o.allocator = alloc.hooks();
  return o;
}

}  // namespace fuzz_support
