// The bitmap family: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, as Redis 7.0's
// bitops.c. Bitmaps are string values: bit 0 is the most significant bit of the first byte, and a
// string reads as zero-padded to the right. Writes turn the value raw (modified in place) and grow
// it zero-filled; reads of int or embstr values work on their bytes without converting them.
//
// Layout: helpers (offset parsing, the write lookup), then the command handlers, then the table.
#include <cstdint>
#include <cstring>

#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/bitops.hpp"
#include "microredis/store/string.hpp"

namespace microredis {
namespace bitmaps_cmds {

// ---------------------------------------------------------------------------------------------
// Helpers

inline const std::uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// Redis's getBitOffsetFromArgument: a non-negative integer whose byte lies below
// proto-max-bulk-len. With `hash`, "#N" means N * bits (BITFIELD).
inline bool parse_bit_offset(Context& c, std::string_view arg, bool hash, unsigned bits, std::uint64_t& out) {
  const bool use_hash = hash && bits > 0 && !arg.empty() && arg[0] == '#';
  std::int64_t v = 0;
  if (!parse_int64(use_hash ? arg.substr(1) : arg, v)) {
    c.out.error(Status::bit_offset);
    return false;
  }
  // Multiplied as Redis does (wrapping): a huge #N turns negative and is refused below.
  if (use_hash) v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) * bits);
  if (v < 0 || static_cast<std::uint64_t>(v >> 3) >= c.engine.settings().proto_max_bulk_len) {
    c.out.error(Status::bit_offset);
    return false;
  }
  out = static_cast<std::uint64_t>(v);
  return true;
}

// Redis's lookupStringForBitCommand: the string at key made modifiable and long enough to address
// bit `max_bit`, created zero-filled when missing. `grew` tells whether the key was created or its
// length changed. nullptr after replying an error (WRONGTYPE, OOM).
inline RawString* string_for_bit_write(Context& c, std::string_view key, std::uint64_t max_bit, bool& grew) {
  const std::uint64_t need = (max_bit >> 3) + 1;
  grew = false;
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::string)) return nullptr;
  if (need > SIZE_MAX) {  // only on 32-bit targets with a huge proto-max-bulk-len
    c.out.error(Status::oom);
    return nullptr;
  }
  const auto len = static_cast<std::size_t>(need);
  if (e == nullptr) {
    // Exactly the bytes needed, as Redis's sdsnewlen: a bitmap built from one high SETBIT is not
    // over-allocated.
    RawString* r = RawString::create(c.mem(), {}, len);
    if (r != nullptr) {
      std::memset(r->data(), 0, len);
      r->len = len;
    }
    if (r == nullptr || c.db.put(key, raw_string(r), -1) == nullptr) {
      c.out.error(Status::oom);
      return nullptr;
    }
    grew = true;
    return r;
  }
  const std::size_t old_len = string_length(*e);
  RawString* r = unshare_string(c.db, e, len);
  if (r == nullptr) {
    c.out.error(Status::oom);
    return nullptr;
  }
  grew = r->len != old_len;
  return r;
}

// Redis's index rules for BITCOUNT and BITPOS ranges: negative counts from the end, then clamped
// into [0, total - 1] (start may end up past end: an empty range).
inline void normalize_range(std::int64_t total, std::int64_t& start, std::int64_t& end) {
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
}

// BYTE | BIT as the last argument of BITCOUNT and BITPOS. false after a syntax error.
inline bool parse_unit(Context& c, std::string_view arg, bool& is_bit) {
  if (iequals(arg, "bit")) {
    is_bit = true;
  } else if (iequals(arg, "byte")) {
    is_bit = false;
  } else {
    c.out.error(Status::syntax);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Commands

inline void setbit(Context& c) {
  std::string_view key = c.arg(1);
  std::uint64_t offset = 0;
  if (!parse_bit_offset(c, c.arg(2), false, 0, offset)) return;
  std::int64_t on = 0;
  if (!parse_int64(c.arg(3), on) || (on & ~std::int64_t{1}) != 0) return c.out.error(Status::bit_value);

  bool grew = false;
  RawString* r = string_for_bit_write(c, key, offset, grew);
  if (r == nullptr) return;
  auto* byte = reinterpret_cast<std::uint8_t*>(r->data()) + (offset >> 3);
  const unsigned shift = 7 - static_cast<unsigned>(offset & 7);
  const int old = (*byte >> shift) & 1;
  // Only a real change (or a new or longer value) counts as a write, as in Redis.
  if (grew || old != on) {
    *byte = static_cast<std::uint8_t>((*byte & ~(1u << shift)) | (static_cast<unsigned>(on) << shift));
    c.modified(key);
    c.notify(kNotifyString, "setbit", key);
  }
  c.out.integer(old);
}

inline void getbit(Context& c) {
  std::uint64_t offset = 0;
  if (!parse_bit_offset(c, c.arg(2), false, 0, offset)) return;
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::string)) return;
  IntText buf;
  std::string_view s = string_of(*e, buf);
  const std::uint64_t byte = offset >> 3;
  int bit = 0;
  if (byte < s.size()) bit = (static_cast<unsigned char>(s[static_cast<std::size_t>(byte)]) >> (7 - (offset & 7))) & 1;
  c.out.integer(bit);
}

// BITCOUNT key [start end [BYTE | BIT]]
inline void bitcount(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);  // before any argument check, as Redis
  if (!c.check_type(e, ValueType::string)) return;
  IntText buf;
  std::string_view s = string_of(*e, buf);
  const auto len = static_cast<std::int64_t>(s.size());

  std::int64_t start = 0;
  std::int64_t end = len - 1;
  bool is_bit = false;
  if (c.argc == 4 || c.argc == 5) {
    if (!parse_int64(c.arg(2), start) || !parse_int64(c.arg(3), end)) return c.out.error(Status::not_integer);
    if (start < 0 && end < 0 && start > end) return c.out.integer(0);
    if (c.argc == 5 && !parse_unit(c, c.arg(4), is_bit)) return;
    normalize_range(is_bit ? len * 8 : len, start, end);
  } else if (c.argc != 2) {
    return c.out.error(Status::syntax);
  }
  if (start > end) return c.out.integer(0);
  const auto first = static_cast<std::uint64_t>(is_bit ? start : start * 8);
  const auto last = static_cast<std::uint64_t>(is_bit ? end : end * 8 + 7);
  c.out.integer(static_cast<std::int64_t>(bitops::popcount_bits(bytes_of(s), first, last)));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
inline void bitpos(Context& c) {
  std::int64_t bit = 0;
  if (!parse_int64(c.arg(2), bit)) return c.out.error(Status::not_integer);
  if (bit != 0 && bit != 1) return c.out.error(Status::bitpos_bit);
  // A missing key is an infinite run of zeros.
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(bit != 0 ? -1 : 0);
  if (!c.check_type(e, ValueType::string)) return;
  IntText buf;
  std::string_view s = string_of(*e, buf);
  const auto len = static_cast<std::int64_t>(s.size());

  std::int64_t start = 0;
  std::int64_t end = len - 1;
  bool is_bit = false;
  bool end_given = false;
  if (c.argc >= 4 && c.argc <= 6) {
    if (!parse_int64(c.arg(3), start)) return c.out.error(Status::not_integer);
    if (c.argc == 6 && !parse_unit(c, c.arg(5), is_bit)) return;
    if (c.argc >= 5) {
      if (!parse_int64(c.arg(4), end)) return c.out.error(Status::not_integer);
      end_given = true;
    }
    normalize_range(is_bit ? len * 8 : len, start, end);
  } else if (c.argc != 3) {
    return c.out.error(Status::syntax);
  }
  if (start > end) return c.out.integer(-1);  // an empty range holds neither a 0 nor a 1
  const auto first = static_cast<std::uint64_t>(is_bit ? start : start * 8);
  const auto last = static_cast<std::uint64_t>(is_bit ? end : end * 8 + 7);
  std::int64_t pos = bitops::find_bit(bytes_of(s), first, last, static_cast<int>(bit));
  // Looking for a clear bit without an explicit end, the string continues with zeros: the first
  // one is right after the range. With an explicit end the range is all there is.
  if (pos < 0 && bit == 0 && !end_given) pos = static_cast<std::int64_t>(last + 1);
  c.out.integer(pos);
}

// An int-encoded source's text needs a buffer that outlives the loop over the sources.
struct IntTextSlot {
  char text[kLongLongChars];
};

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
inline void bitop(Context& c) {
  std::string_view name = c.arg(1);
  bitops::Op op;
  if (iequals(name, "and")) {
    op = bitops::Op::and_;
  } else if (iequals(name, "or")) {
    op = bitops::Op::or_;
  } else if (iequals(name, "xor")) {
    op = bitops::Op::xor_;
  } else if (iequals(name, "not")) {
    op = bitops::Op::not_;
  } else {
    return c.out.error(Status::syntax);
  }
  if (op == bitops::Op::not_ && c.argc != 4) return c.out.error(Status::bitop_not_single_key);

  const std::size_t count = c.argc - 3;
  Vec<const std::uint8_t*> src(c.mem());
  Vec<std::size_t> src_len(c.mem());
  Vec<IntTextSlot> int_text(c.mem());
  if (!src.resize(count) || !src_len.resize(count) || !int_text.resize(count)) return c.out.error(Status::oom);
  std::size_t max_len = 0;
  for (std::size_t j = 0; j < count; ++j) {
    const Entry* e = c.read_key(c.arg(j + 3));
    src[j] = nullptr;
    src_len[j] = 0;
    if (e == nullptr) continue;  // a missing key is an empty string
    if (!c.check_type(e, ValueType::string)) return;
    std::string_view s = string_of(*e, int_text[j].text);
    src[j] = bytes_of(s);
    src_len[j] = s.size();
    if (s.size() > max_len) max_len = s.size();
  }

  std::string_view dest = c.arg(2);
  if (max_len == 0) {
    // An empty result deletes the destination.
    if (c.db.remove(dest)) {
      c.modified(dest);
      c.notify(kNotifyGeneric, "del", dest);
    }
    return c.out.integer(0);
  }
  RawString* r = RawString::create(c.mem(), {}, max_len);
  if (r == nullptr) return c.out.error(Status::oom);
  bitops::combine(op, reinterpret_cast<std::uint8_t*>(r->data()), max_len, src.data(), src_len.data(), count);
  r->len = max_len;
  // Stored as Redis's setKey: the old value and TTL go, an LFU counter stays.
  const Entry* old = c.write_key(dest);
  const std::uint32_t lru = old != nullptr ? old->lru() : 0;
  Entry* e = c.db.put(dest, raw_string(r), -1);
  if (e == nullptr) return c.out.error(Status::oom);
  if (old != nullptr && c.db.shared().lfu) e->set_lru(lru);
  c.modified(dest);
  c.notify(kNotifyString, "set", dest);
  c.out.integer(static_cast<std::int64_t>(max_len));
}

// ---------------------------------------------------------------------------------------------
// BITFIELD

enum class FieldOpcode : std::uint8_t { get, set, incrby };

struct FieldOp {
  std::uint64_t offset;
  std::int64_t value;  // SET's value or INCRBY's increment
  FieldOpcode opcode;
  bitops::Overflow overflow;
  std::uint8_t bits;
  bool is_signed;
};

// "i1".."i64" or "u1".."u63" (the reply could not carry a u64 above INT64_MAX).
inline bool parse_field_type(std::string_view arg, bool& is_signed, unsigned& bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  is_signed = arg[0] == 'i';
  std::int64_t v = 0;
  if (!parse_int64(arg.substr(1), v) || v < 1 || v > (is_signed ? 64 : 63)) return false;
  bits = static_cast<unsigned>(v);
  return true;
}

// Runs a SET or INCRBY on the raw string and writes its reply. Returns whether the value changed.
inline bool run_field_write(Context& c, const FieldOp& op, RawString* r, bool grew) {
  auto* p = reinterpret_cast<std::uint8_t*>(r->data());
  if (op.is_signed) {
    const std::int64_t old = bitops::read_signed_bits(p, r->len, op.offset, op.bits);
    std::int64_t wrapped = 0;
    std::int64_t fresh;
    std::int64_t reply;
    int overflow;
    if (op.opcode == FieldOpcode::incrby) {
      overflow = bitops::signed_overflow(old, op.value, op.bits, op.overflow, wrapped);
      fresh = overflow != 0 ? wrapped
                            : static_cast<std::int64_t>(static_cast<std::uint64_t>(old) + static_cast<std::uint64_t>(op.value));
      reply = fresh;
    } else {
      overflow = bitops::signed_overflow(op.value, 0, op.bits, op.overflow, wrapped);
      fresh = overflow != 0 ? wrapped : op.value;
      reply = old;
    }
    if (overflow != 0 && op.overflow == bitops::Overflow::fail) {
      c.out.null();
      return false;
    }
    c.out.integer(reply);
    bitops::write_bits(p, r->len, op.offset, op.bits, static_cast<std::uint64_t>(fresh));
    return grew || old != fresh;
  }
  const std::uint64_t old = bitops::read_bits(p, r->len, op.offset, op.bits);
  std::uint64_t wrapped = 0;
  std::uint64_t fresh;
  std::uint64_t reply;
  int overflow;
  if (op.opcode == FieldOpcode::incrby) {
    overflow = bitops::unsigned_overflow(old, op.value, op.bits, op.overflow, wrapped);
    fresh = overflow != 0 ? wrapped : old + static_cast<std::uint64_t>(op.value);
    reply = fresh;
  } else {
    overflow = bitops::unsigned_overflow(static_cast<std::uint64_t>(op.value), 0, op.bits, op.overflow, wrapped);
    fresh = overflow != 0 ? wrapped : static_cast<std::uint64_t>(op.value);
    reply = old;
  }
  if (overflow != 0 && op.overflow == bitops::Overflow::fail) {
    c.out.null();
    return false;
  }
  c.out.integer(static_cast<std::int64_t>(reply));
  bitops::write_bits(p, r->len, op.offset, op.bits, fresh);
  return grew || old != fresh;
}

// BITFIELD and BITFIELD_RO (read_only: GET only). Every operation is parsed before any runs, so a
// bad one leaves the value untouched.
inline void bitfield_generic(Context& c, bool read_only) {
  std::string_view key = c.arg(1);
  Vec<FieldOp> ops(c.mem());
  bitops::Overflow overflow = bitops::Overflow::wrap;
  bool writes = false;
  std::uint64_t highest_write = 0;
  for (std::size_t j = 2; j < c.argc; ++j) {
    const std::size_t remaining = c.argc - j - 1;
    std::string_view sub = c.arg(j);
    FieldOpcode opcode;
    if (iequals(sub, "get") && remaining >= 2) {
      opcode = FieldOpcode::get;
    } else if (iequals(sub, "set") && remaining >= 3) {
      opcode = FieldOpcode::set;
    } else if (iequals(sub, "incrby") && remaining >= 3) {
      opcode = FieldOpcode::incrby;
    } else if (iequals(sub, "overflow") && remaining >= 1) {
      std::string_view kind = c.arg(++j);
      if (iequals(kind, "wrap")) {
        overflow = bitops::Overflow::wrap;
      } else if (iequals(kind, "sat")) {
        overflow = bitops::Overflow::sat;
      } else if (iequals(kind, "fail")) {
        overflow = bitops::Overflow::fail;
      } else {
        return c.out.error(Status::bitfield_overflow_type);
      }
      continue;
    } else {
      return c.out.error(Status::syntax);
    }

    bool is_signed = false;
    unsigned bits = 0;
    if (!parse_field_type(c.arg(j + 1), is_signed, bits)) return c.out.error(Status::bitfield_type);
    std::uint64_t offset = 0;
    if (!parse_bit_offset(c, c.arg(j + 2), true, bits, offset)) return;
    std::int64_t value = 0;
    if (opcode != FieldOpcode::get) {
      writes = true;
      if (offset + bits - 1 > highest_write) highest_write = offset + bits - 1;
      if (!parse_int64(c.arg(j + 3), value)) return c.out.error(Status::not_integer);
    }
    if (!ops.push_back({offset, value, opcode, overflow, static_cast<std::uint8_t>(bits), is_signed})) {
      return c.out.error(Status::oom);
    }
    j += opcode == FieldOpcode::get ? 2 : 3;
  }

  // Only GETs: a read lookup, and nothing is created.
  RawString* r = nullptr;
  std::string_view current;
  IntText buf;
  bool grew = false;
  if (!writes) {
    const Entry* e = c.read_key(key);
    if (!c.check_type(e, ValueType::string)) return;
    if (e != nullptr) current = string_of(*e, buf);
  } else {
    if (read_only) return c.out.error(Status::bitfield_ro_get_only);
    r = string_for_bit_write(c, key, highest_write, grew);
    if (r == nullptr) return;
  }

  c.out.array(ops.size());
  std::uint64_t changes = 0;
  for (const FieldOp& op : ops) {
    if (op.opcode != FieldOpcode::get) {
      if (run_field_write(c, op, r, grew)) ++changes;
      continue;
    }
    // GET reads zeros past the end of the string.
    if (r != nullptr) current = r->view();
    if (op.is_signed) {
      c.out.integer(bitops::read_signed_bits(bytes_of(current), current.size(), op.offset, op.bits));
    } else {
      c.out.integer(static_cast<std::int64_t>(bitops::read_bits(bytes_of(current), current.size(), op.offset, op.bits)));
    }
  }
  if (changes != 0) {
    c.modified(key);
    c.notify(kNotifyString, "setbit", key);
    c.engine.add_dirty(changes - 1);  // Redis counts every changing operation
  }
}

inline void bitfield(Context& c) { bitfield_generic(c, false); }
inline void bitfield_ro(Context& c) { bitfield_generic(c, true); }

inline const CommandSpec kCommands[] = {
    {"setbit", 4, kWrite | kDenyOom, 1, 1, 1, setbit, "bitmap",
     "Sets or clears the bit at an offset of a string value; creates the key if needed.", "2.2.0",
     "O(1), plus zero-filling when the string grows", "key offset value"},
    {"getbit", 3, kReadonly | kFast, 1, 1, 1, getbit, "bitmap", "Returns the bit at an offset of a string value.",
     "2.2.0", "O(1)", "key offset"},
    {"bitcount", -2, kReadonly, 1, 1, 1, bitcount, "bitmap", "Counts the set bits in a string, or in a range of it.",
     "2.6.0", "O(N) where N is the number of bytes in the range", "key [start end [BYTE | BIT]]"},
    {"bitpos", -3, kReadonly, 1, 1, 1, bitpos, "bitmap",
     "Finds the first set (1) or clear (0) bit in a string, or in a range of it.", "2.8.7",
     "O(N) where N is the number of bytes in the range", "key bit [start [end [BYTE | BIT]]]"},
    {"bitop", -4, kWrite | kDenyOom, 2, -1, 1, bitop, "bitmap",
     "Stores the bitwise AND, OR, XOR or NOT of strings in a key.", "2.6.0",
     "O(N) where N is the length of the longest source string", "<AND | OR | XOR | NOT> destkey key [key ...]"},
    {"bitfield", -2, kWrite | kDenyOom, 1, 1, 1, bitfield, "bitmap",
     "Reads, writes and increments integer fields of arbitrary width at any bit offset of a string.", "3.2.0",
     "O(1) for each operation, plus zero-filling when the string grows",
     "key [<GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding "
     "offset increment>> [<GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | "
     "INCRBY encoding offset increment>> ...]]"},
    {"bitfield_ro", -2, kReadonly | kFast, 1, 1, 1, bitfield_ro, "bitmap",
     "Reads integer fields of arbitrary width at any bit offset of a string (GET only).", "6.0.0",
     "O(1) for each operation", "key [GET encoding offset [GET encoding offset ...]]"},
};

}  // namespace bitmaps_cmds

MICROREDIS_INLINE bool register_bitmap_commands(CommandTable& t) { return t.add(bitmaps_cmds::kCommands); }

}  // namespace microredis
