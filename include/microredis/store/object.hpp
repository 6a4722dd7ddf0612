// A keyspace entry: one allocation holding the key, its metadata and, for small strings and
// integers, the value itself (Redis needs a dict entry, a key sds, a robj and often a value sds).
//
//   byte 0      value type (low 4 bits) and encoding (high 4 bits)
//   byte 1      flags (kHasExpire, kPrivateInt)
//   bytes 2-4   24-bit LRU clock or LFU data, as Redis keeps in robj->lru
//   [8 bytes]   absolute expire time in ms, only when kHasExpire is set
//   varint      key length, then the key bytes
//   value       int: 8 bytes | embstr: varint length + bytes | anything else: a pointer
//
// Multi-byte fields are unaligned and read with memcpy, which compiles to plain loads where the
// target allows them (x86, Cortex-M4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"

namespace microredis {

// Numbered as Redis's OBJ_* so that TYPE names and DEBUG OBJECT read alike.
enum class ValueType : std::uint8_t { string = 0, list = 1, set = 2, zset = 3, hash = 4, stream = 6 };

// Numbered as Redis's OBJ_ENCODING_*.
enum class Encoding : std::uint8_t {
  raw = 0,
  int_ = 1,
  hashtable = 2,
  intset = 6,
  skiplist = 7,
  embstr = 8,
  quicklist = 9,
  stream = 10,
  listpack = 11,
};

std::string_view type_name(ValueType t);
std::string_view encoding_name(Encoding e);

// Strings up to this many bytes are stored inside the entry ("embstr", as Redis's 44-byte limit).
inline constexpr std::size_t kEmbstrMaxLen = 44;

// A string too big to embed, or one that was modified in place (APPEND, SETRANGE): Redis's "raw".
// Capacity grows geometrically so that repeated APPENDs stay amortized O(1).
struct RawString {
  std::size_t len;
  std::size_t cap;
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }

  static RawString* create(Memory& mem, std::string_view s, std::size_t cap);
  static void destroy(Memory& mem, RawString* r) { mem.deallocate(r, sizeof(RawString) + r->cap); }
  // Resizes to hold at least new_len bytes (zero-filling the new tail); nullptr on failure, r intact.
  static RawString* grow(Memory& mem, RawString* r, std::size_t new_len);
};

class Entry {
 public:
  static constexpr std::uint8_t kHasExpire = 1;
  // An int value Redis would not share: a COPY's duplicate (dupStringObject) is a private object
  // even in the 0..9999 range where Redis otherwise shares integers (OBJECT REFCOUNT tells).
  static constexpr std::uint8_t kPrivateInt = 2;

  ValueType type() const { return static_cast<ValueType>(bytes()[0] & 0x0f); }
  Encoding encoding() const { return static_cast<Encoding>(bytes()[0] >> 4); }
  bool has_expire() const { return (bytes()[1] & kHasExpire) != 0; }
  bool private_int() const { return (bytes()[1] & kPrivateInt) != 0; }
  std::int64_t expire_ms() const {
    if (!has_expire()) return -1;
    std::int64_t v;
    std::memcpy(&v, bytes() + kHeader, 8);
    return v;
  }
  // Only when has_expire(): changing the presence of a TTL changes the layout (Keyspace does it).
  void set_expire_in_place(std::int64_t ms) { std::memcpy(bytes() + kHeader, &ms, 8); }

  std::uint32_t lru() const {
    const std::uint8_t* b = bytes();
    return static_cast<std::uint32_t>(b[2]) | (static_cast<std::uint32_t>(b[3]) << 8) |
           (static_cast<std::uint32_t>(b[4]) << 16);
  }
  void set_lru(std::uint32_t v) {
    std::uint8_t* b = bytes();
    b[2] = static_cast<std::uint8_t>(v);
    b[3] = static_cast<std::uint8_t>(v >> 8);
    b[4] = static_cast<std::uint8_t>(v >> 16);
  }

  std::string_view key() const {
    const std::uint8_t* p = key_len_field();
    std::size_t n = 0;
    p = read_varint(p, n);
    return {reinterpret_cast<const char*>(p), n};
  }

  // Value access by encoding.
  std::int64_t int_value() const {
    std::int64_t v;
    std::memcpy(&v, value_field(), 8);
    return v;
  }
  void set_int_in_place(std::int64_t v) { std::memcpy(value_field(), &v, 8); }
  std::string_view embstr() const {
    std::size_t n = 0;
    const std::uint8_t* p = read_varint(value_field(), n);
    return {reinterpret_cast<const char*>(p), n};
  }
  void* ptr() const {
    void* p;
    std::memcpy(&p, value_field(), sizeof p);
    return p;
  }
  void set_ptr(void* p) { std::memcpy(value_field(), &p, sizeof p); }
  template <class T>
  T* object() const {
    return static_cast<T*>(ptr());
  }

  // Bytes of the allocation (for sized deallocation).
  std::size_t alloc_size() const;

  // What a new entry needs: key, expire presence, and a value description.
  struct Layout {
    ValueType type = ValueType::string;
    Encoding encoding = Encoding::embstr;
    std::string_view embstr;  // for embstr
    std::int64_t integer = 0;  // for int_
    void* pointer = nullptr;   // for every other encoding
    bool private_int = false;  // for int_: see kPrivateInt
  };
  // Allocates and fills an entry; nullptr when memory ran out.
  static Entry* create(Memory& mem, std::string_view key, std::int64_t expire_ms, const Layout& value,
                       std::uint32_t lru);
  // Rewrites this entry in place with an inline value (int or embstr) and expire time when its
  // block has exactly the size that create() would allocate for them and holds an inline value
  // too: an overwrite of a small string then needs neither an allocation nor a free. False (nothing
  // changed) otherwise.
  bool overwrite(const Layout& value, std::int64_t expire_ms, std::uint32_t lru);
  // Frees the entry block only (not a pointed-to value).
  static void free_block(Memory& mem, Entry* e) { mem.deallocate_small(e, e->alloc_size()); }

  // The value layout of this entry (pointers are shared, not copied).
  Layout layout() const;

 private:
  static constexpr std::size_t kHeader = 5;

  const std::uint8_t* bytes() const { return reinterpret_cast<const std::uint8_t*>(this); }
  std::uint8_t* bytes() { return reinterpret_cast<std::uint8_t*>(this); }
  const std::uint8_t* key_len_field() const { return bytes() + kHeader + (has_expire() ? 8 : 0); }
  const std::uint8_t* value_field() const {
    std::size_t n = 0;
    const std::uint8_t* p = read_varint(key_len_field(), n);
    return p + n;
  }
  std::uint8_t* value_field() { return const_cast<std::uint8_t*>(static_cast<const Entry*>(this)->value_field()); }

 public:
  static const std::uint8_t* read_varint(const std::uint8_t* p, std::size_t& out) {
    std::size_t v = 0;
    int shift = 0;
    for (;;) {
      std::uint8_t b = *p++;
      v |= static_cast<std::size_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    out = v;
    return p;
  }
  static std::uint8_t* write_varint(std::uint8_t* p, std::size_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<std::uint8_t>(v);
    return p;
  }
  static std::size_t varint_size(std::size_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }
};

// Table traits for the keyspace: entries are Entry blocks.
struct EntryTraits {
  static std::string_view key_of(const void* e) { return static_cast<const Entry*>(e)->key(); }
};

// If s is the canonical decimal form of an int64 that Redis would store with the "int" encoding,
// returns true and sets v (Redis: length <= 20 and string2ll succeeds).
bool string_is_int(std::string_view s, std::int64_t& v);

}  // namespace microredis
