// Copies of command arguments that must outlive the query buffer they arrived in: commands queued
// by MULTI, and the command a blocked session runs again when a key it waits on gets data.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "memory.hpp"

namespace microredis {

class ArgvStore {
 public:
  explicit ArgvStore(Memory& mem) : bytes_(mem), views_(mem) {}

  // Appends one command's arguments; returns where they start, or npos when out of memory (nothing
  // appended then).
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t append(const std::string_view* argv, std::size_t argc) {
    const std::size_t offset = bytes_.size();
    for (std::size_t i = 0; i < argc; ++i) {
      const std::size_t len = argv[i].size();
      if (!bytes_.append(&len, sizeof len) || !bytes_.append(argv[i])) {
        (void)bytes_.resize(offset);
        return npos;
      }
    }
    return offset;
  }
  // Views of the argc arguments stored at offset, valid until the next call; nullptr when out of
  // memory.
  const std::string_view* get(std::size_t offset, std::size_t argc) {
    if (!views_.resize(argc)) return nullptr;
    const char* p = bytes_.data() + offset;
    for (std::size_t a = 0; a < argc; ++a) {
      std::size_t len;
      std::memcpy(&len, p, sizeof len);
      p += sizeof len;
      views_[a] = {p, len};
      p += len;
    }
    return views_.data();
  }
  void release() {
    bytes_.release();
    views_.release();
  }
  std::size_t memory() const { return bytes_.capacity() + views_.capacity() * sizeof(std::string_view); }

 private:
  Buffer bytes_;
  Vec<std::string_view> views_;
};

}  // namespace microredis
