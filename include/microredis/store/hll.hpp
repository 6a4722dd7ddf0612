// HyperLogLog values in Redis's own representation, bit for bit, so that a value moves between
// microredis and Redis with GET/SET and both report the same counts:
//
//   header (16 bytes)  "HYLL", encoding (0 dense, 1 sparse), 3 zero bytes, cached cardinality as
//                      64-bit little endian whose top bit set means "stale, recompute"
//   dense              16384 registers of 6 bits, packed from the least significant bit of each
//                      byte up (register 0 = low 6 bits of byte 0), 12288 bytes
//   sparse             run-length opcodes covering the 16384 registers in order:
//                      00xxxxxx           ZERO: xxxxxx + 1 (1..64) registers are 0
//                      01xxxxxx yyyyyyyy  XZERO: the 14-bit xxxxxxyyyyyyyy + 1 (1..16384) are 0
//                      1vvvvvxx           VAL: xx + 1 (1..4) registers hold vvvvv + 1 (1..32)
//
// An element hashes with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register and
// the position of the first set bit in the other 50 (counting from 1) is the candidate value.
// New values are sparse; a sparse value becomes dense when a register exceeds 32 or when it would
// grow past hll-sparse-max-bytes. Counts use Ertl's improved estimator, as Redis 7.0.
//
// Values are RawStrings (string values modified in place). No RESP here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "object.hpp"

namespace microredis::hll {

inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kRegisters = 16384;
inline constexpr unsigned kRegisterBits = 6;
inline constexpr std::size_t kDenseSize = kHeaderSize + kRegisters * kRegisterBits / 8;  // 12304
inline constexpr std::uint8_t kDense = 0;
inline constexpr std::uint8_t kSparse = 1;
inline constexpr std::size_t kDefaultSparseMaxBytes = 3000;

// What an update did.
enum class Result : std::uint8_t {
  unchanged,  // no register grew
  updated,    // a register grew (the cached cardinality is now stale)
  corrupt,    // the sparse encoding is invalid (Redis: INVALIDOBJ)
  oom,        // out of memory; the value is intact
};

// Redis's MurmurHash64A, endian-neutral.
std::uint64_t murmur64a(const void* key, std::size_t len, std::uint64_t seed);

// The register an element maps to and the value it offers it (1..51).
std::uint8_t element_rank(std::string_view element, std::uint32_t& index);

// Redis's isHLLObject: long enough for a header, magic "HYLL", a known encoding, and a dense
// value of exactly kDenseSize bytes. Sparse opcodes are only checked when used: counting, merging
// and conversion to dense refuse (`corrupt`) opcodes that do not cover exactly kRegisters
// registers, as Redis with the CVE-2025-32023 fix (Debian's 7.0.15) does.
bool is_hll(std::string_view value);
inline std::uint8_t encoding_of(std::string_view value) { return static_cast<std::uint8_t>(value[4]); }

// A new empty sparse value (every register 0, cached cardinality 0). nullptr when out of memory.
RawString* create(Memory& mem);

// PFADD of one element. r may be replaced (growth, promotion to dense).
Result add(Memory& mem, RawString*& r, std::string_view element, std::size_t sparse_max_bytes);
// Raises register `index` to `value` if it is lower (value 1..63).
Result raise_register(Memory& mem, RawString*& r, std::uint32_t index, std::uint8_t value,
                      std::size_t sparse_max_bytes);
// Converts a sparse value to dense, keeping the header's cached cardinality. `updated` when it
// converted, `unchanged` when the value was already dense.
Result to_dense(Memory& mem, RawString*& r);

// registers[i] = max(registers[i], register i of value), for kRegisters bytes. false when the
// sparse encoding is invalid.
bool merge_into(std::uint8_t* registers, std::string_view value);

// The estimated cardinality; *corrupt is set when a sparse encoding does not cover exactly
// kRegisters registers.
std::uint64_t count(std::string_view value, bool* corrupt);
// The estimate for kRegisters registers held one per byte (PFCOUNT of several keys).
std::uint64_t count_registers(const std::uint8_t* registers);

// The cached cardinality, if it is valid.
bool cached_count(std::string_view value, std::uint64_t& card);
void store_count(RawString* r, std::uint64_t card);
void invalidate_count(RawString* r);

// Register access in a dense register area (kRegisters * 6 bits).
std::uint8_t dense_get(const std::uint8_t* registers, std::uint32_t index);
void dense_set(std::uint8_t* registers, std::uint32_t index, std::uint8_t value);

// PFDEBUG DECODE's text for a sparse value: "Z:1000 v:2,1 z:19 ..." (false when out of memory).
bool decode(std::string_view value, Buffer& out);

}  // namespace microredis::hll
