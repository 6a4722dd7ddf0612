#include "microredis/store/hll.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "microredis/config.hpp"

namespace microredis::hll {

// ---------------------------------------------------------------------------------------------
// Sparse opcodes

inline constexpr std::uint32_t kZeroMaxLen = 64;
inline constexpr std::uint32_t kXZeroMaxLen = 16384;
inline constexpr std::uint8_t kValMaxValue = 32;
inline constexpr std::uint32_t kValMaxLen = 4;

inline bool is_zero_op(std::uint8_t b) { return (b & 0xc0) == 0; }
inline bool is_xzero_op(std::uint8_t b) { return (b & 0xc0) == 0x40; }
inline bool is_val_op(std::uint8_t b) { return (b & 0x80) != 0; }
inline std::uint8_t val_value(std::uint8_t b) { return static_cast<std::uint8_t>(((b >> 2) & 0x1f) + 1); }
inline std::uint32_t val_len(std::uint8_t b) { return (b & 3u) + 1; }
inline std::uint8_t val_op(std::uint32_t value, std::uint32_t len) {
  return static_cast<std::uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}

// One decoded opcode. The second byte of an XZERO cut off by the end of the value reads as 0: Redis
// reads the terminator byte every sds string has there, and a corrupted value must count alike.
struct Opcode {
  std::uint32_t run;     // registers covered
  std::uint8_t value;    // 0 for ZERO and XZERO
  std::uint8_t size;     // bytes
  bool xzero;
};

inline Opcode read_opcode(const std::uint8_t* p, const std::uint8_t* end) {
  const std::uint8_t b = *p;
  if (is_zero_op(b)) return {(b & 0x3fu) + 1, 0, 1, false};
  if (is_val_op(b)) return {val_len(b), val_value(b), 1, false};
  const std::uint32_t low = p + 1 < end ? p[1] : 0u;
  return {(((b & 0x3fu) << 8) | low) + 1, 0, 2, true};
}

// Appends the shortest opcode for a run of `len` zero registers (len <= kXZeroMaxLen).
inline std::uint8_t* put_zeros(std::uint8_t* out, std::uint32_t len) {
  if (len > kZeroMaxLen) {
    *out++ = static_cast<std::uint8_t>(0x40 | ((len - 1) >> 8));
    *out++ = static_cast<std::uint8_t>((len - 1) & 0xff);
  } else {
    *out++ = static_cast<std::uint8_t>(len - 1);
  }
  return out;
}

inline std::uint8_t* bytes_of(RawString* r) { return reinterpret_cast<std::uint8_t*>(r->data()); }
inline const std::uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// ---------------------------------------------------------------------------------------------
// Hashing

MICROREDIS_INLINE std::uint64_t murmur64a(const void* key, std::size_t len, std::uint64_t seed) {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ull;
  constexpr int r = 47;
  const auto* data = static_cast<const std::uint8_t*>(key);
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(len) * m);
  const std::size_t blocks = len / 8;
  for (std::size_t i = 0; i < blocks; ++i, data += 8) {
    std::uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | data[b];  // little endian on every target
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const std::size_t rest = len & 7;
  if (rest != 0) {
    for (std::size_t b = rest; b-- > 0;) h ^= static_cast<std::uint64_t>(data[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

MICROREDIS_INLINE std::uint8_t element_rank(std::string_view element, std::uint32_t& index) {
  constexpr unsigned kIndexBits = 14;
  std::uint64_t hash = murmur64a(element.data(), element.size(), 0xadc83b19ull);
  index = static_cast<std::uint32_t>(hash & (kRegisters - 1));
  hash >>= kIndexBits;
  hash |= std::uint64_t{1} << (64 - kIndexBits);  // the run ends by bit 50 at the latest
  return static_cast<std::uint8_t>(std::countr_zero(hash) + 1);
}

// ---------------------------------------------------------------------------------------------
// Dense registers

MICROREDIS_INLINE std::uint8_t dense_get(const std::uint8_t* registers, std::uint32_t index) {
  const std::size_t byte = static_cast<std::size_t>(index) * kRegisterBits / 8;
  const unsigned shift = (index * kRegisterBits) & 7;
  unsigned v = registers[byte] >> shift;
  if (shift > 2) v |= static_cast<unsigned>(registers[byte + 1]) << (8 - shift);  // spans two bytes
  return static_cast<std::uint8_t>(v & 63);
}

MICROREDIS_INLINE void dense_set(std::uint8_t* registers, std::uint32_t index, std::uint8_t value) {
  const std::size_t byte = static_cast<std::size_t>(index) * kRegisterBits / 8;
  const unsigned shift = (index * kRegisterBits) & 7;
  registers[byte] = static_cast<std::uint8_t>((registers[byte] & ~(63u << shift)) | (unsigned{value} << shift));
  if (shift > 2) {
    registers[byte + 1] = static_cast<std::uint8_t>((registers[byte + 1] & ~(63u >> (8 - shift))) |
                                                    (unsigned{value} >> (8 - shift)));
  }
}

// Calls fn(index, value) for every register of a dense area, 16 registers per 12 bytes.
template <class Fn>
inline void for_each_dense(const std::uint8_t* r, Fn&& fn) {
  for (std::uint32_t i = 0; i < kRegisters; i += 16, r += 12) {
    for (unsigned g = 0; g < 4; ++g) {
      const std::uint8_t* q = r + 3 * g;
      const std::uint32_t word = q[0] | (static_cast<std::uint32_t>(q[1]) << 8) | (static_cast<std::uint32_t>(q[2]) << 16);
      fn(i + 4 * g, static_cast<std::uint8_t>(word & 63));
      fn(i + 4 * g + 1, static_cast<std::uint8_t>((word >> 6) & 63));
      fn(i + 4 * g + 2, static_cast<std::uint8_t>((word >> 12) & 63));
      fn(i + 4 * g + 3, static_cast<std::uint8_t>((word >> 18) & 63));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Values

MICROREDIS_INLINE bool is_hll(std::string_view value) {
  if (value.size() < kHeaderSize) return false;
  if (value.substr(0, 4) != "HYLL") return false;
  const std::uint8_t enc = encoding_of(value);
  if (enc > kSparse) return false;
  return enc != kDense || value.size() == kDenseSize;
}

MICROREDIS_INLINE RawString* create(Memory& mem) {
  // One XZERO covers all 16384 registers.
  constexpr std::size_t kLen = kHeaderSize + 2;
  RawString* r = RawString::create(mem, {}, kLen);
  if (r == nullptr) return nullptr;
  std::uint8_t* p = bytes_of(r);
  std::memset(p, 0, kLen);
  std::memcpy(p, "HYLL", 4);
  p[4] = kSparse;
  put_zeros(p + kHeaderSize, kXZeroMaxLen);
  r->len = kLen;
  return r;
}

MICROREDIS_INLINE bool cached_count(std::string_view value, std::uint64_t& card) {
  const std::uint8_t* p = bytes_of(value) + 8;
  if ((p[7] & 0x80) != 0) return false;
  card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | p[i];
  return true;
}

MICROREDIS_INLINE void store_count(RawString* r, std::uint64_t card) {
  std::uint8_t* p = bytes_of(r) + 8;
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(card >> (8 * i));
}

MICROREDIS_INLINE void invalidate_count(RawString* r) { bytes_of(r)[15] |= 0x80; }

MICROREDIS_INLINE Result to_dense(Memory& mem, RawString*& r) {
  const std::uint8_t* src = bytes_of(r);
  if (src[4] == kDense) return Result::unchanged;
  RawString* dense = RawString::create(mem, {}, kDenseSize);
  if (dense == nullptr) return Result::oom;
  std::uint8_t* out = bytes_of(dense);
  std::memset(out, 0, kDenseSize);
  std::memcpy(out, src, kHeaderSize);  // magic, reserved bytes and cached cardinality carry over
  out[4] = kDense;
  dense->len = kDenseSize;
  std::uint8_t* registers = out + kHeaderSize;
  std::uint32_t idx = 0;
  const std::uint8_t* end = src + r->len;
  for (const std::uint8_t* p = src + kHeaderSize; p < end;) {
    const Opcode op = read_opcode(p, end);
    p += op.size;
    if (op.value != 0) {
      if (idx + op.run > kRegisters) {
        idx = kRegisters + 1;  // runs past the last register: corrupt, and nothing is written out of range
        break;
      }
      for (std::uint32_t k = 0; k < op.run; ++k) dense_set(registers, idx + k, op.value);
    }
    idx += op.run;
  }
  if (idx != kRegisters) {
    RawString::destroy(mem, dense);
    return Result::corrupt;
  }
  RawString::destroy(mem, r);
  r = dense;
  return Result::updated;
}

// Raises a register of a sparse value in place when the opcodes can express it within
// sparse_max_bytes, promoting the value to dense otherwise. The edits are the ones Redis makes
// (same splits, same merging of neighbours), so both produce the same bytes for the same adds.
inline Result sparse_raise(Memory& mem, RawString*& r, std::uint32_t index, std::uint8_t value,
                           std::size_t sparse_max_bytes) {
  bool promote = value > kValMaxValue;
  if (!promote) {
    // A split grows the value by 3 bytes at most: make room first so that pointers stay valid.
    // One byte more for a corrupt value ending in half an XZERO: Redis reads and rewrites the sds
    // terminator there, and so do we, so that even such values change alike.
    if (r->cap < r->len + 4) {
      const std::size_t len = r->len;
      RawString* grown = RawString::grow(mem, r, len + 4);
      if (grown == nullptr) return Result::oom;
      grown->len = len;
      r = grown;
    }
    std::uint8_t* base = bytes_of(r) + kHeaderSize;
    std::uint8_t* end = bytes_of(r) + r->len;
    std::uint8_t* p = base;
    std::uint8_t* prev = nullptr;
    std::uint32_t first = 0;
    Opcode op{0, 0, 0, false};
    while (p < end) {
      op = read_opcode(p, end);
      if (index < first + op.run) break;
      prev = p;
      p += op.size;
      first += op.run;
    }
    if (op.run == 0 || p >= end) return Result::corrupt;

    bool done = false;
    if (op.value != 0) {
      if (op.value >= value) return Result::unchanged;
      if (op.run == 1) {
        *p = val_op(value, 1);
        done = true;
      }
    } else if (!op.xzero && op.run == 1) {
      *p = val_op(value, 1);
      done = true;
    }
    if (!done) {
      // Split the run into [before] VAL(value, 1) [after].
      std::uint8_t seq[5];
      std::uint8_t* n = seq;
      const std::uint32_t last = first + op.run - 1;
      if (op.value == 0) {
        if (index != first) n = put_zeros(n, index - first);
        *n++ = val_op(value, 1);
        if (index != last) n = put_zeros(n, last - index);
      } else {
        if (index != first) *n++ = val_op(op.value, index - first);
        *n++ = val_op(value, 1);
        if (index != last) *n++ = val_op(op.value, last - index);
      }
      const auto seq_len = static_cast<std::size_t>(n - seq);
      const std::ptrdiff_t delta = static_cast<std::ptrdiff_t>(seq_len) - op.size;
      if (delta > 0 && r->len + static_cast<std::size_t>(delta) > sparse_max_bytes) {
        promote = true;
      } else {
        std::uint8_t* next = p + op.size;
        if (delta != 0 && next < end) std::memmove(next + delta, next, static_cast<std::size_t>(end - next));
        r->len = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(r->len) + delta);
        end += delta;
        std::memcpy(p, seq, seq_len);
      }
    }
    if (!promote) {
      // Merge equal neighbouring VALs, looking at up to five opcodes from the one before the edit.
      std::uint8_t* q = prev != nullptr ? prev : base;
      for (int steps = 5; q < end && steps > 0; --steps) {
        if (is_xzero_op(*q)) {
          q += 2;
          continue;
        }
        if (is_zero_op(*q)) {
          ++q;
          continue;
        }
        if (q + 1 < end && is_val_op(q[1]) && val_value(q[0]) == val_value(q[1])) {
          const std::uint32_t len = val_len(q[0]) + val_len(q[1]);
          if (len <= kValMaxLen) {
            q[1] = val_op(val_value(q[0]), len);
            std::memmove(q, q + 1, static_cast<std::size_t>(end - q - 1));
            --r->len;
            --end;
            continue;  // the merged opcode may merge with the next one too
          }
        }
        ++q;
      }
      invalidate_count(r);
      return Result::updated;
    }
  }
  const Result converted = to_dense(mem, r);
  if (converted == Result::corrupt || converted == Result::oom) return converted;
  dense_set(bytes_of(r) + kHeaderSize, index, value);
  return Result::updated;
}

MICROREDIS_INLINE Result raise_register(Memory& mem, RawString*& r, std::uint32_t index, std::uint8_t value,
                                        std::size_t sparse_max_bytes) {
  const std::uint8_t enc = bytes_of(r)[4];
  if (enc == kSparse) return sparse_raise(mem, r, index, value, sparse_max_bytes);
  if (enc != kDense) return Result::corrupt;
  std::uint8_t* registers = bytes_of(r) + kHeaderSize;
  if (dense_get(registers, index) >= value) return Result::unchanged;
  dense_set(registers, index, value);
  return Result::updated;
}

MICROREDIS_INLINE Result add(Memory& mem, RawString*& r, std::string_view element, std::size_t sparse_max_bytes) {
  std::uint32_t index = 0;
  const std::uint8_t rank = element_rank(element, index);
  return raise_register(mem, r, index, rank, sparse_max_bytes);
}

MICROREDIS_INLINE bool merge_into(std::uint8_t* registers, std::string_view value) {
  const std::uint8_t* src = bytes_of(value);
  if (src[4] == kDense) {
    for_each_dense(src + kHeaderSize, [&](std::uint32_t i, std::uint8_t v) {
      if (v > registers[i]) registers[i] = v;
    });
    return true;
  }
  std::uint32_t idx = 0;
  const std::uint8_t* end = src + value.size();
  for (const std::uint8_t* p = src + kHeaderSize; p < end;) {
    const Opcode op = read_opcode(p, end);
    p += op.size;
    if (op.value != 0) {
      if (idx + op.run > kRegisters) return false;
      for (std::uint32_t k = 0; k < op.run; ++k) {
        if (op.value > registers[idx + k]) registers[idx + k] = op.value;
      }
    }
    idx += op.run;
  }
  return idx == kRegisters;
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches",
// arXiv:1702.01284), the series Redis 7.0 evaluates until they stop changing.
inline double sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0;
  double z = x;
  double before;
  do {
    x *= x;
    before = z;
    z += x * y;
    y += y;
  } while (before != z);
  return z;
}

inline double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double before;
  do {
    x = std::sqrt(x);
    before = z;
    y *= 0.5;
    z -= std::pow(1.0 - x, 2) * y;
  } while (before != z);
  return z / 3.0;
}

// The estimate from the histogram of register values (hist[v] = registers holding v).
inline std::uint64_t estimate(const std::uint32_t* hist) {
  constexpr unsigned kQ = 64 - 14;  // hash bits left after the register index
  constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)
  const double m = static_cast<double>(kRegisters);
  double z = m * tau((m - hist[kQ + 1]) / m);
  for (unsigned j = kQ; j >= 1; --j) {
    z += hist[j];
    z *= 0.5;
  }
  z += m * sigma(hist[0] / m);
  return static_cast<std::uint64_t>(std::llround(kAlphaInf * m * m / z));
}

MICROREDIS_INLINE std::uint64_t count(std::string_view value, bool* corrupt) {
  std::uint32_t hist[64] = {};
  const std::uint8_t* src = bytes_of(value);
  if (src[4] == kDense) {
    for_each_dense(src + kHeaderSize, [&](std::uint32_t, std::uint8_t v) { ++hist[v]; });
  } else {
    std::uint64_t idx = 0;
    const std::uint8_t* end = src + value.size();
    for (const std::uint8_t* p = src + kHeaderSize; p < end;) {
      const Opcode op = read_opcode(p, end);
      p += op.size;
      hist[op.value] += op.run;
      idx += op.run;
    }
    if (idx != kRegisters) {
      if (corrupt != nullptr) *corrupt = true;
      return 0;
    }
  }
  return estimate(hist);
}

MICROREDIS_INLINE std::uint64_t count_registers(const std::uint8_t* registers) {
  std::uint32_t hist[64] = {};
  for (std::size_t i = 0; i < kRegisters; ++i) ++hist[registers[i] & 63];
  return estimate(hist);
}

MICROREDIS_INLINE bool decode(std::string_view value, Buffer& out) {
  const std::uint8_t* src = bytes_of(value);
  const std::uint8_t* end = src + value.size();
  bool ok = true;
  for (const std::uint8_t* p = src + kHeaderSize; p < end && ok;) {
    const Opcode op = read_opcode(p, end);
    p += op.size;
    char buf[32];
    int n = 0;
    if (op.value != 0) {
      n = std::snprintf(buf, sizeof buf, "v:%u,%u", unsigned{op.value}, static_cast<unsigned>(op.run));
    } else {
      n = std::snprintf(buf, sizeof buf, "%c:%u", op.xzero ? 'Z' : 'z', static_cast<unsigned>(op.run));
    }
    if (!out.empty()) ok = out.append(" ");
    ok = ok && out.append(buf, static_cast<std::size_t>(n));
  }
  return ok;
}

}  // namespace microredis::hll
