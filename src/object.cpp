#include "microredis/store/object.hpp"

#include "microredis/util/strconv.hpp"

namespace microredis {

MICROREDIS_INLINE std::string_view type_name(ValueType t) {
  switch (t) {
    case ValueType::string: return "string";
    case ValueType::list: return "list";
    case ValueType::set: return "set";
    case ValueType::zset: return "zset";
    case ValueType::hash: return "hash";
    case ValueType::stream: return "stream";
  }
  return "unknown";
}

MICROREDIS_INLINE std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::raw: return "raw";
    case Encoding::int_: return "int";
    case Encoding::hashtable: return "hashtable";
    case Encoding::intset: return "intset";
    case Encoding::skiplist: return "skiplist";
    case Encoding::embstr: return "embstr";
    case Encoding::quicklist: return "quicklist";
    case Encoding::stream: return "stream";
    case Encoding::listpack: return "listpack";
  }
  return "unknown";
}

MICROREDIS_INLINE RawString* RawString::create(Memory& mem, std::string_view s, std::size_t cap) {
  if (cap < s.size()) cap = s.size();
  // The default alignment, as destroy() and grow()'s reallocate() assume: an allocator that
  // honours alignment must see the same value for a block at every call.
  void* p = mem.allocate(sizeof(RawString) + cap);
  if (p == nullptr) return nullptr;
  auto* r = static_cast<RawString*>(p);
  r->len = s.size();
  r->cap = cap;
  if (!s.empty()) std::memcpy(r->data(), s.data(), s.size());
  return r;
}

MICROREDIS_INLINE RawString* RawString::grow(Memory& mem, RawString* r, std::size_t new_len) {
  if (new_len > r->cap) {
    // Double below 1 MiB, then grow by 1 MiB steps, as Redis's sdsMakeRoomFor does.
    std::size_t cap = new_len < 1024 * 1024 ? new_len * 2 : new_len + 1024 * 1024;
    void* p = mem.reallocate(r, sizeof(RawString) + r->cap, sizeof(RawString) + cap);
    if (p == nullptr) return nullptr;
    r = static_cast<RawString*>(p);
    r->cap = cap;
  }
  if (new_len > r->len) std::memset(r->data() + r->len, 0, new_len - r->len);
  r->len = new_len;
  return r;
}

MICROREDIS_INLINE std::size_t Entry::alloc_size() const {
  const std::uint8_t* v = value_field();
  std::size_t n = static_cast<std::size_t>(v - bytes());
  switch (encoding()) {
    case Encoding::int_: return n + 8;
    case Encoding::embstr: {
      std::size_t len = 0;
      const std::uint8_t* p = read_varint(v, len);
      return static_cast<std::size_t>(p - bytes()) + len;
    }
    default: return n + sizeof(void*);
  }
}

MICROREDIS_INLINE bool Entry::overwrite(const Layout& value, std::int64_t expire_ms, std::uint32_t lru) {
  const Encoding old = encoding();
  if ((old != Encoding::int_ && old != Encoding::embstr) ||
      (value.encoding != Encoding::int_ && value.encoding != Encoding::embstr) || has_expire() != (expire_ms >= 0)) {
    return false;
  }
  std::uint8_t* v = value_field();
  const std::size_t value_size = value.encoding == Encoding::int_
                                     ? 8
                                     : varint_size(value.embstr.size()) + value.embstr.size();
  if (static_cast<std::size_t>(v - bytes()) + value_size != alloc_size()) return false;
  std::uint8_t* p = bytes();
  p[0] = static_cast<std::uint8_t>(static_cast<unsigned>(value.type) | (static_cast<unsigned>(value.encoding) << 4));
  p[1] = static_cast<std::uint8_t>((expire_ms >= 0 ? kHasExpire : 0) |
                                   (value.encoding == Encoding::int_ && value.private_int ? kPrivateInt : 0));
  set_lru(lru);
  if (expire_ms >= 0) set_expire_in_place(expire_ms);
  if (value.encoding == Encoding::int_) {
    std::memcpy(v, &value.integer, 8);
  } else {
    v = write_varint(v, value.embstr.size());
    // memmove: the new value may be a view of this very entry's value.
    if (!value.embstr.empty()) std::memmove(v, value.embstr.data(), value.embstr.size());
  }
  return true;
}

MICROREDIS_INLINE Entry* Entry::create(Memory& mem, std::string_view key, std::int64_t expire_ms,
                                       const Layout& value, std::uint32_t lru) {
  std::size_t size = kHeader + (expire_ms >= 0 ? 8 : 0) + varint_size(key.size()) + key.size();
  switch (value.encoding) {
    case Encoding::int_: size += 8; break;
    case Encoding::embstr: size += varint_size(value.embstr.size()) + value.embstr.size(); break;
    default: size += sizeof(void*); break;
  }
  auto* p = static_cast<std::uint8_t*>(mem.allocate_small(size));
  if (p == nullptr) return nullptr;
  p[0] = static_cast<std::uint8_t>(static_cast<unsigned>(value.type) | (static_cast<unsigned>(value.encoding) << 4));
  p[1] = static_cast<std::uint8_t>((expire_ms >= 0 ? kHasExpire : 0) |
                                   (value.encoding == Encoding::int_ && value.private_int ? kPrivateInt : 0));
  auto* e = reinterpret_cast<Entry*>(p);
  e->set_lru(lru);
  std::uint8_t* w = p + kHeader;
  if (expire_ms >= 0) {
    std::memcpy(w, &expire_ms, 8);
    w += 8;
  }
  w = write_varint(w, key.size());
  if (!key.empty()) std::memcpy(w, key.data(), key.size());
  w += key.size();
  switch (value.encoding) {
    case Encoding::int_: std::memcpy(w, &value.integer, 8); break;
    case Encoding::embstr:
      w = write_varint(w, value.embstr.size());
      if (!value.embstr.empty()) std::memcpy(w, value.embstr.data(), value.embstr.size());
      break;
    default: std::memcpy(w, &value.pointer, sizeof(void*)); break;
  }
  return e;
}

MICROREDIS_INLINE Entry::Layout Entry::layout() const {
  Layout l;
  l.type = type();
  l.encoding = encoding();
  switch (l.encoding) {
    case Encoding::int_:
      l.integer = int_value();
      l.private_int = private_int();
      break;
    case Encoding::embstr: l.embstr = embstr(); break;
    default: l.pointer = ptr(); break;
  }
  return l;
}

MICROREDIS_INLINE bool string_is_int(std::string_view s, std::int64_t& v) {
  return s.size() <= 20 && parse_int64(s, v);
}

}  // namespace microredis
