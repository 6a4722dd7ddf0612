// Bit operations over byte spans, as the bitmap commands (SETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD) see a string: bit 0 is the most significant bit of byte 0, and bytes past the end
// read as zero. Whole ranges are processed a 64-bit word at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace microredis::bitops {

// Set bits among len bytes.
std::uint64_t popcount(const std::uint8_t* p, std::size_t len);

// Set bits in the inclusive bit range [first, last] (both inside the span).
std::uint64_t popcount_bits(const std::uint8_t* p, std::uint64_t first, std::uint64_t last);

// The position of the first bit equal to `bit` in the inclusive bit range [first, last] (both
// inside the span), or -1 when there is none.
std::int64_t find_bit(const std::uint8_t* p, std::uint64_t first, std::uint64_t last, int bit);

// Unsigned value of the `bits` (1..64) bits starting at bit `offset`; bits past len read as zero.
std::uint64_t read_bits(const std::uint8_t* p, std::size_t len, std::uint64_t offset, unsigned bits);
// Stores the low `bits` bits of value at bit `offset`; the span must cover them.
void write_bits(std::uint8_t* p, std::size_t len, std::uint64_t offset, unsigned bits, std::uint64_t value);
// read_bits as a two's complement integer of `bits` bits.
std::int64_t read_signed_bits(const std::uint8_t* p, std::size_t len, std::uint64_t offset, unsigned bits);

// BITFIELD's overflow policies.
enum class Overflow : std::uint8_t { wrap, sat, fail };

// Whether value + incr fits an integer of `bits` bits (unsigned: 1..63, signed: 1..64).
// Returns 0 when it does, 1 on overflow, -1 on underflow; then `result` is what the policy
// stores (wrap: the sum modulo 2^bits; sat: the nearest limit; fail: untouched). As in Redis,
// an unsigned value is a uint64 (so SET u8 0 -1 overflows from above).
int unsigned_overflow(std::uint64_t value, std::int64_t incr, unsigned bits, Overflow policy, std::uint64_t& result);
int signed_overflow(std::int64_t value, std::int64_t incr, unsigned bits, Overflow policy, std::int64_t& result);

// BITOP's operations.
enum class Op : std::uint8_t { and_, or_, xor_, not_ };

// out[0..out_len) = op over the sources (each zero-padded to out_len; NOT takes one source).
void combine(Op op, std::uint8_t* out, std::size_t out_len, const std::uint8_t* const* src, const std::size_t* src_len,
             std::size_t count);

}  // namespace microredis::bitops
