#include "microredis/store/bitops.hpp"

#include <bit>
#include <cstring>

#include "microredis/config.hpp"

namespace microredis::bitops {

inline std::uint64_t load_word(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline void store_word(std::uint8_t* p, std::uint64_t w) { std::memcpy(p, &w, 8); }

// The bits of a byte selected by an inclusive range of bit positions, MSB first: the masks
// that keep bits [from, 7] and [0, to] of one byte.
inline unsigned mask_from(unsigned from) { return 0xffu >> from; }
inline unsigned mask_to(unsigned to) { return (0xffu << (7 - to)) & 0xffu; }

// Leading zeros of a non-zero byte: its first set bit, MSB first.
inline unsigned first_set_in_byte(unsigned v) { return static_cast<unsigned>(std::countl_zero(static_cast<std::uint8_t>(v))); }

// Set bits per byte of a word (each byte 0..8), the first steps of the classic SWAR popcount.
inline std::uint64_t byte_counts(std::uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
}

// The sum of the bytes of a word whose bytes are counts (each at most 255).
inline std::uint64_t sum_bytes(std::uint64_t acc) {
  acc = (acc & 0x00ff00ff00ff00ffull) + ((acc >> 8) & 0x00ff00ff00ff00ffull);  // 16-bit lanes
  return (acc * 0x0001000100010001ull) >> 48;
}

inline unsigned popcount_byte(unsigned v) { return static_cast<unsigned>(sum_bytes(byte_counts(v & 0xffu))); }

MICROREDIS_INLINE std::uint64_t popcount(const std::uint8_t* p, std::size_t len) {
  std::uint64_t total = 0;
  std::size_t i = 0;
#if defined(__POPCNT__)
  // The target has a popcount instruction: one per word.
  std::uint64_t n1 = 0, n2 = 0, n3 = 0;
  for (; i + 32 <= len; i += 32) {
    total += static_cast<std::uint64_t>(std::popcount(load_word(p + i)));
    n1 += static_cast<std::uint64_t>(std::popcount(load_word(p + i + 8)));
    n2 += static_cast<std::uint64_t>(std::popcount(load_word(p + i + 16)));
    n3 += static_cast<std::uint64_t>(std::popcount(load_word(p + i + 24)));
  }
  total += n1 + n2 + n3;
#else
  // Portable SWAR: per-byte counts of up to 30 words add up without overflowing a byte (30 * 8 =
  // 240), so the horizontal sum runs once per 240 bytes.
  while (len - i >= 8) {
    const std::size_t words = (len - i) / 8 < 30 ? (len - i) / 8 : 30;
    std::uint64_t acc = 0;
    for (std::size_t w = 0; w < words; ++w, i += 8) acc += byte_counts(load_word(p + i));
    total += sum_bytes(acc);
  }
#endif
  for (; i + 8 <= len; i += 8) total += sum_bytes(byte_counts(load_word(p + i)));
  if (i < len) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, p + i, len - i);
    total += sum_bytes(byte_counts(tail));
  }
  return total;
}

MICROREDIS_INLINE std::uint64_t popcount_bits(const std::uint8_t* p, std::uint64_t first, std::uint64_t last) {
  const std::uint64_t fb = first >> 3;
  const std::uint64_t lb = last >> 3;
  const unsigned head = mask_from(static_cast<unsigned>(first & 7));
  const unsigned tail = mask_to(static_cast<unsigned>(last & 7));
  if (fb == lb) return popcount_byte(p[fb] & head & tail);
  return popcount_byte(p[fb] & head) + popcount(p + fb + 1, static_cast<std::size_t>(lb - fb - 1)) +
         popcount_byte(p[lb] & tail);
}

MICROREDIS_INLINE std::int64_t find_bit(const std::uint8_t* p, std::uint64_t first, std::uint64_t last, int bit) {
  // Searching for a clear bit is searching for a set bit in the inverted bytes.
  const unsigned flip = bit != 0 ? 0u : 0xffu;
  const std::uint64_t fb = first >> 3;
  const std::uint64_t lb = last >> 3;
  unsigned v = (p[fb] ^ flip) & mask_from(static_cast<unsigned>(first & 7));
  if (fb == lb) v &= mask_to(static_cast<unsigned>(last & 7));
  if (v != 0) return static_cast<std::int64_t>(fb * 8 + first_set_in_byte(v));
  if (fb == lb) return -1;

  // Whole bytes strictly between the edges: skip runs of the other value a word at a time.
  const std::uint64_t skip_word = bit != 0 ? 0 : ~std::uint64_t{0};
  std::uint64_t i = fb + 1;
  while (i + 8 <= lb && load_word(p + i) == skip_word) i += 8;
  for (; i < lb; ++i) {
    v = p[i] ^ flip;
    if (v != 0) return static_cast<std::int64_t>(i * 8 + first_set_in_byte(v));
  }
  v = (p[lb] ^ flip) & mask_to(static_cast<unsigned>(last & 7));
  if (v != 0) return static_cast<std::int64_t>(lb * 8 + first_set_in_byte(v));
  return -1;
}

// The 64 bits starting at byte `byte` as a big-endian word, and the byte after them; bytes
// past len are zero.
inline void load_window(const std::uint8_t* p, std::size_t len, std::uint64_t byte, std::uint64_t& hi,
                        unsigned& lo) {
  hi = 0;
  for (unsigned i = 0; i < 8; ++i) hi = (hi << 8) | (byte + i < len ? p[byte + i] : 0u);
  lo = byte + 8 < len ? p[byte + 8] : 0u;
}

MICROREDIS_INLINE std::uint64_t read_bits(const std::uint8_t* p, std::size_t len, std::uint64_t offset,
                                          unsigned bits) {
  std::uint64_t hi;
  unsigned lo;
  load_window(p, len, offset >> 3, hi, lo);
  const unsigned shift = static_cast<unsigned>(offset & 7);
  // The 64 bits that start exactly at offset, MSB first.
  const std::uint64_t window = shift == 0 ? hi : (hi << shift) | (lo >> (8 - shift));
  return window >> (64 - bits);
}

MICROREDIS_INLINE std::int64_t read_signed_bits(const std::uint8_t* p, std::size_t len, std::uint64_t offset,
                                                unsigned bits) {
  std::uint64_t u = read_bits(p, len, offset, bits);
  if (bits < 64 && (u >> (bits - 1)) != 0) u |= ~std::uint64_t{0} << bits;  // sign-extend
  return static_cast<std::int64_t>(u);
}

MICROREDIS_INLINE void write_bits(std::uint8_t* p, std::size_t len, std::uint64_t offset, unsigned bits,
                                  std::uint64_t value) {
  const std::uint64_t byte = offset >> 3;
  const unsigned shift = static_cast<unsigned>(offset & 7);
  // The field as a window of 64 bits starting at offset (MSB first), and its mask.
  const std::uint64_t mask = ~std::uint64_t{0} << (64 - bits);
  const std::uint64_t field = (value << (64 - bits)) & mask;
  std::uint64_t hi;
  unsigned lo;
  load_window(p, len, byte, hi, lo);
  // The window's first 64 - shift bits are hi's low bits; its last `shift` bits are lo's high bits.
  hi = (hi & ~(mask >> shift)) | (field >> shift);
  if (shift != 0) {
    const unsigned low_bits = (1u << shift) - 1;
    const unsigned lo_mask = (static_cast<unsigned>(mask) & low_bits) << (8 - shift);
    lo = (lo & ~lo_mask) | ((static_cast<unsigned>(field) & low_bits) << (8 - shift));
  }
  for (unsigned i = 0; i < 8 && byte + i < len; ++i) p[byte + i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
  if (byte + 8 < len) p[byte + 8] = static_cast<std::uint8_t>(lo);
}

MICROREDIS_INLINE int unsigned_overflow(std::uint64_t value, std::int64_t incr, unsigned bits, Overflow policy,
                                        std::uint64_t& result) {
  const std::uint64_t max = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  const auto uincr = static_cast<std::uint64_t>(incr);
  int dir = 0;
  if (value > max || (incr > 0 && uincr > max - value)) {
    dir = 1;
  } else if (incr < 0 && 0 - uincr > value) {
    dir = -1;
  }
  if (dir == 0) return 0;
  if (policy == Overflow::wrap) {
    result = (value + uincr) & max;
  } else if (policy == Overflow::sat) {
    result = dir > 0 ? max : 0;
  }
  return dir;
}

MICROREDIS_INLINE int signed_overflow(std::int64_t value, std::int64_t incr, unsigned bits, Overflow policy,
                                      std::int64_t& result) {
  const std::int64_t max = bits >= 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1;
  const std::int64_t min = -max - 1;
  const auto uvalue = static_cast<std::uint64_t>(value);
  const auto uincr = static_cast<std::uint64_t>(incr);
  int dir = 0;
  // Distances to the limits are computed unsigned: exact even for 64-bit fields.
  if (value > max || (incr > 0 && uincr > static_cast<std::uint64_t>(max) - uvalue)) {
    dir = 1;
  } else if (value < min || (incr < 0 && 0 - uincr > uvalue - static_cast<std::uint64_t>(min))) {
    dir = -1;
  }
  if (dir == 0) return 0;
  if (policy == Overflow::wrap) {
    std::uint64_t sum = uvalue + uincr;
    if (bits < 64) {
      const std::uint64_t high = ~std::uint64_t{0} << bits;
      sum = ((sum >> (bits - 1)) & 1) != 0 ? (sum | high) : (sum & ~high);
    }
    result = static_cast<std::int64_t>(sum);
  } else if (policy == Overflow::sat) {
    result = dir > 0 ? max : min;
  }
  return dir;
}

// out[0..n) op= src[0..n), a word at a time.
template <class F>
inline void apply_words(std::uint8_t* out, const std::uint8_t* src, std::size_t n, F op) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) store_word(out + i, op(load_word(out + i), load_word(src + i)));
  for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(op(std::uint64_t{out[i]}, std::uint64_t{src[i]}));
}

MICROREDIS_INLINE void combine(Op op, std::uint8_t* out, std::size_t out_len, const std::uint8_t* const* src,
                               const std::size_t* src_len, std::size_t count) {
  // Start from the first source zero-padded, then fold the others in one at a time: every pass
  // runs over one source's bytes only, word by word.
  const std::size_t first = src_len[0] < out_len ? src_len[0] : out_len;
  if (first != 0) std::memcpy(out, src[0], first);
  if (first < out_len) std::memset(out + first, 0, out_len - first);
  if (op == Op::not_) {
    std::size_t i = 0;
    for (; i + 8 <= out_len; i += 8) store_word(out + i, ~load_word(out + i));
    for (; i < out_len; ++i) out[i] = static_cast<std::uint8_t>(~out[i]);
    return;
  }
  for (std::size_t k = 1; k < count; ++k) {
    const std::size_t n = src_len[k] < out_len ? src_len[k] : out_len;
    switch (op) {
      case Op::and_:
        apply_words(out, src[k], n, [](std::uint64_t a, std::uint64_t b) { return a & b; });
        if (n < out_len) std::memset(out + n, 0, out_len - n);  // AND with the zero padding
        break;
      case Op::or_: apply_words(out, src[k], n, [](std::uint64_t a, std::uint64_t b) { return a | b; }); break;
      case Op::xor_: apply_words(out, src[k], n, [](std::uint64_t a, std::uint64_t b) { return a ^ b; }); break;
      case Op::not_: break;
    }
  }
}

}  // namespace microredis::bitops
