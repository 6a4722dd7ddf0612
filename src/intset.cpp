#include "microredis/store/intset.hpp"

namespace microredis {

MICROREDIS_INLINE std::int64_t Intset::read(const std::uint8_t* d, std::size_t width, std::size_t i) {
  switch (width) {
    case 2: {
      std::int16_t v;
      std::memcpy(&v, d + i * 2, 2);
      return v;
    }
    case 4: {
      std::int32_t v;
      std::memcpy(&v, d + i * 4, 4);
      return v;
    }
    default: {
      std::int64_t v;
      std::memcpy(&v, d + i * 8, 8);
      return v;
    }
  }
}

MICROREDIS_INLINE void Intset::write(std::uint8_t* d, std::size_t width, std::size_t i, std::int64_t v) {
  switch (width) {
    case 2: {
      const auto x = static_cast<std::int16_t>(v);
      std::memcpy(d + i * 2, &x, 2);
      break;
    }
    case 4: {
      const auto x = static_cast<std::int32_t>(v);
      std::memcpy(d + i * 4, &x, 4);
      break;
    }
    default: std::memcpy(d + i * 8, &v, 8); break;
  }
}

MICROREDIS_INLINE std::size_t Intset::width_code_for(std::int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 1;
  if (v >= INT32_MIN && v <= INT32_MAX) return 2;
  return 3;
}

MICROREDIS_INLINE Intset* Intset::create(Memory& mem) {
  auto* is = static_cast<Intset*>(mem.allocate(kHeaderSize));
  if (is != nullptr) is->set_header(0, 1);
  return is;
}

MICROREDIS_INLINE void Intset::destroy(Memory& mem, Intset* is) {
  if (is != nullptr) mem.deallocate(is, is->bytes());
}

MICROREDIS_INLINE Intset* Intset::clone(Memory& mem, const Intset* is) {
  auto* copy = static_cast<Intset*>(mem.allocate(is->bytes()));
  if (copy != nullptr) std::memcpy(static_cast<void*>(copy), is, is->bytes());
  return copy;
}

MICROREDIS_INLINE bool Intset::search(std::int64_t v, std::size_t& pos) const {
  const std::size_t n = length();
  if (n == 0) {
    pos = 0;
    return false;
  }
  // Values past either end are settled without a search (appends of ascending values are common).
  if (v > max()) {
    pos = n;
    return false;
  }
  if (v < min()) {
    pos = 0;
    return false;
  }
  std::size_t lo = 0;
  std::size_t hi = n;
  const std::size_t w = width();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::int64_t cur = read(data(), w, mid);
    if (cur == v) {
      pos = mid;
      return true;
    }
    if (cur < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  pos = lo;
  return false;
}

MICROREDIS_INLINE bool Intset::contains(std::int64_t v) const {
  // A value wider than the elements cannot be among them.
  if (width_code_for(v) > (header() & 3u)) return false;
  std::size_t pos = 0;
  return search(v, pos);
}

MICROREDIS_INLINE Intset* Intset::add(Memory& mem, Intset* is, std::int64_t v, bool& changed) {
  changed = false;
  const std::size_t n = is->length();
  const std::size_t code = is->header() & 3u;
  const std::size_t need = width_code_for(v);
  if (need > code) {
    // Upgrade: v lies outside the current range, so it goes first (negative) or last (positive).
    if (n >= kMaxEntries) return nullptr;
    const std::size_t old_w = is->width();
    const std::size_t new_w = std::size_t{1} << need;
    auto* grown = static_cast<Intset*>(mem.reallocate(is, is->bytes(), kHeaderSize + (n + 1) * new_w));
    if (grown == nullptr) return nullptr;
    const std::size_t shift = v < 0 ? 1 : 0;
    // Back to front, so that no element is overwritten before it has been read.
    for (std::size_t i = n; i-- > 0;) write(grown->data(), new_w, i + shift, read(grown->data(), old_w, i));
    write(grown->data(), new_w, v < 0 ? 0 : n, v);
    grown->set_header(n + 1, need);
    changed = true;
    return grown;
  }
  std::size_t pos = 0;
  if (is->search(v, pos)) return is;
  if (n >= kMaxEntries) return nullptr;
  const std::size_t w = is->width();
  auto* grown = static_cast<Intset*>(mem.reallocate(is, is->bytes(), kHeaderSize + (n + 1) * w));
  if (grown == nullptr) return nullptr;
  std::memmove(grown->data() + (pos + 1) * w, grown->data() + pos * w, (n - pos) * w);
  write(grown->data(), w, pos, v);
  grown->set_header(n + 1, code);
  changed = true;
  return grown;
}

MICROREDIS_INLINE Intset* Intset::remove(Memory& mem, Intset* is, std::int64_t v, bool& changed) {
  changed = false;
  std::size_t pos = 0;
  if (width_code_for(v) > (is->header() & 3u) || !is->search(v, pos)) return is;
  const std::size_t n = is->length();
  const std::size_t w = is->width();
  const std::size_t old_bytes = is->bytes();
  const std::size_t new_bytes = old_bytes - w;
  // Close the gap, then shrink; should the shrink fail, the removed value (v) is put back.
  std::memmove(is->data() + pos * w, is->data() + (pos + 1) * w, (n - pos - 1) * w);
  auto* shrunk = static_cast<Intset*>(mem.reallocate(is, old_bytes, new_bytes));
  if (shrunk == nullptr) {
    std::memmove(is->data() + (pos + 1) * w, is->data() + pos * w, (n - pos - 1) * w);
    write(is->data(), w, pos, v);
    return nullptr;
  }
  shrunk->set_header(n - 1, shrunk->header() & 3u);
  changed = true;
  return shrunk;
}

}  // namespace microredis
