#include "microredis/store/rdb.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "microredis/store/intset.hpp"
#include "microredis/store/listpack.hpp"
#include "microredis/store/stream.hpp"
#include "microredis/store/string.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/strconv.hpp"

namespace microredis {
namespace rdb {
namespace rdb_detail {

// --- CRC64 -----------------------------------------------------------------------------------

struct Crc64Table {
  std::uint64_t t[256];
  constexpr Crc64Table() : t{} {
    // Reflected form of 0xad93d23594c935a9.
    constexpr std::uint64_t kPoly = 0x95ac9329ac4bc9b5ULL;
    for (std::uint64_t i = 0; i < 256; ++i) {
      std::uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
  }
};
inline constexpr Crc64Table kCrc64{};

inline void put_u32_le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint32_t get_u32_le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint16_t get_u16_le(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
inline std::uint64_t get_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}
inline std::int64_t sign_extend(std::uint64_t v, int bits) {
  if (bits == 64) return static_cast<std::int64_t>(v);
  const std::uint64_t m = std::uint64_t{1} << (bits - 1);
  v &= (std::uint64_t{1} << bits) - 1;
  return static_cast<std::int64_t>((v ^ m) - m);
}

// --- Redis-format listpack elements ----------------------------------------------------------

inline std::size_t backlen_size(std::size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

inline bool append_backlen(Buffer& b, std::size_t l) {
  std::uint8_t buf[5];
  const std::size_t n = backlen_size(l);
  // The first byte (lowest address) holds the highest bits; every byte after it has bit 7 set.
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t shift = 7 * (n - 1 - i);
    std::uint8_t v = static_cast<std::uint8_t>((l >> shift) & 127);
    if (i > 0) v |= 128;
    buf[i] = v;
  }
  return b.append(buf, n);
}

inline bool append_lp_string(Buffer& b, std::string_view s) {
  std::uint8_t h[5];
  std::size_t hn;
  if (s.size() < 64) {
    h[0] = static_cast<std::uint8_t>(0x80 | s.size());
    hn = 1;
  } else if (s.size() < 4096) {
    h[0] = static_cast<std::uint8_t>(0xe0 | (s.size() >> 8));
    h[1] = static_cast<std::uint8_t>(s.size());
    hn = 2;
  } else {
    h[0] = 0xf0;
    put_u32_le(h + 1, static_cast<std::uint32_t>(s.size()));
    hn = 5;
  }
  return b.append(h, hn) && b.append(s) && append_backlen(b, hn + s.size());
}

inline bool append_lp_int(Buffer& b, std::int64_t v) {
  std::uint8_t h[9];
  std::size_t n;
  const auto u = static_cast<std::uint64_t>(v);
  if (v >= 0 && v <= 127) {
    h[0] = static_cast<std::uint8_t>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    const std::uint64_t e = u & 0x1fff;
    h[0] = static_cast<std::uint8_t>(0xc0 | (e >> 8));
    h[1] = static_cast<std::uint8_t>(e);
    n = 2;
  } else {
    int bytes;
    if (v >= -32768 && v <= 32767) {
      h[0] = 0xf1, bytes = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      h[0] = 0xf2, bytes = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      h[0] = 0xf3, bytes = 4;
    } else {
      h[0] = 0xf4, bytes = 8;
    }
    for (int i = 0; i < bytes; ++i) h[1 + i] = static_cast<std::uint8_t>(u >> (8 * i));
    n = 1 + static_cast<std::size_t>(bytes);
  }
  return b.append(h, n) && append_backlen(b, n);
}

// Reads one Redis listpack element at p (bounded by end, which excludes the end byte). Returns
// the element's total size (with backlen), or 0 when it is malformed.
inline std::size_t read_lp_element(const std::uint8_t* p, const std::uint8_t* end, Element& out) {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  if (avail < 1) return 0;
  const std::uint8_t b = p[0];
  std::size_t hdr = 1, data = 0;
  out = Element{};
  if ((b & 0x80) == 0) {
    out.num = b & 0x7f;
  } else if ((b & 0xc0) == 0x80) {
    data = b & 0x3f;
  } else if ((b & 0xe0) == 0xc0) {
    if (avail < 2) return 0;
    hdr = 2;
    out.num = sign_extend((static_cast<std::uint64_t>(b & 0x1f) << 8) | p[1], 13);
  } else if ((b & 0xf0) == 0xe0) {
    if (avail < 2) return 0;
    hdr = 2;
    data = (static_cast<std::size_t>(b & 0x0f) << 8) | p[1];
  } else {
    int ib = 0;
    switch (b) {
      case 0xf0:
        if (avail < 5) return 0;
        hdr = 5;
        data = get_u32_le(p + 1);
        break;
      case 0xf1: ib = 2; break;
      case 0xf2: ib = 3; break;
      case 0xf3: ib = 4; break;
      case 0xf4: ib = 8; break;
      default: return 0;
    }
    if (ib) {
      if (avail < 1 + static_cast<std::size_t>(ib)) return 0;
      hdr = 1 + static_cast<std::size_t>(ib);
      out.num = sign_extend(get_le(p + 1, ib), ib * 8);
    }
  }
  if (data > avail || hdr + data > avail) return 0;
  const std::size_t l = hdr + data;
  const std::size_t bl = backlen_size(l);
  if (l + bl > avail) return 0;
  if ((b & 0x80) != 0 && ((b & 0xc0) == 0x80 || (b & 0xf0) == 0xe0 || b == 0xf0)) {
    out.str = reinterpret_cast<const char*>(p + hdr);
    out.len = data;
  }
  // The backlen must say l, read backwards as Redis's lpDecodeBacklen does.
  const std::uint8_t* q = p + l + bl - 1;
  std::size_t v = 0;
  unsigned shift = 0;
  for (std::size_t i = 0; i < bl; ++i, --q) {
    v |= static_cast<std::size_t>(*q & 127) << shift;
    shift += 7;
    if (i + 1 < bl && !(*q & 128)) return 0;
  }
  if ((p[l] & 128) != 0 || v != l) return 0;
  return l + bl;
}

// Walks a Redis listpack blob, calling fn(const Element&) for each element; false when the blob is
// malformed (sizes, end byte, element encodings, count) or fn returns false.
template <class Fn>
bool walk_listpack(std::string_view blob, Fn&& fn) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(blob.data());
  const std::size_t n = blob.size();
  if (n < 7 || get_u32_le(p) != n || p[n - 1] != 0xff) return false;
  const std::size_t count = get_u16_le(p + 4);
  const std::uint8_t* end = p + n - 1;
  std::size_t seen = 0;
  for (const std::uint8_t* q = p + 6; q < end;) {
    Element e;
    const std::size_t sz = read_lp_element(q, end, e);
    if (sz == 0) return false;
    if (!fn(e)) return false;
    q += sz;
    ++seen;
  }
  return count == 0xffff || count == seen;
}

// A Redis ziplist blob, element by element (RDB types of Redis before 7.0).
template <class Fn>
bool walk_ziplist(std::string_view blob, Fn&& fn) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(blob.data());
  const std::size_t n = blob.size();
  if (n < 11 || get_u32_le(p) != n || p[n - 1] != 0xff) return false;
  const std::size_t tail = get_u32_le(p + 4);
  const std::size_t count = get_u16_le(p + 8);
  const std::uint8_t* end = p + n - 1;
  std::size_t seen = 0;
  std::size_t prev_size = 0;
  std::size_t last_offset = 10;
  for (const std::uint8_t* q = p + 10; q < end;) {
    const std::size_t avail = static_cast<std::size_t>(end - q);
    std::size_t prevlen, pl;
    if (q[0] < 254) {
      prevlen = q[0];
      pl = 1;
    } else if (q[0] == 254) {
      if (avail < 5) return false;
      prevlen = get_u32_le(q + 1);
      pl = 5;
    } else {
      return false;
    }
    if (prevlen != prev_size || pl >= avail) return false;
    const std::uint8_t* e = q + pl;
    const std::size_t eavail = avail - pl;
    const std::uint8_t b = e[0];
    std::size_t hdr = 1, data = 0;
    Element el;
    switch (b >> 6) {
      case 0: data = b & 0x3f; break;
      case 1:
        if (eavail < 2) return false;
        hdr = 2;
        data = (static_cast<std::size_t>(b & 0x3f) << 8) | e[1];
        break;
      case 2:
        if (b != 0x80 || eavail < 5) return false;
        hdr = 5;
        data = (static_cast<std::size_t>(e[1]) << 24) | (static_cast<std::size_t>(e[2]) << 16) |
               (static_cast<std::size_t>(e[3]) << 8) | e[4];
        break;
      default: {
        int ib = 0;
        switch (b) {
          case 0xc0: ib = 2; break;
          case 0xd0: ib = 4; break;
          case 0xe0: ib = 8; break;
          case 0xf0: ib = 3; break;
          case 0xfe: ib = 1; break;
          default:
            if (b >= 0xf1 && b <= 0xfd) {
              el.num = (b & 0x0f) - 1;
            } else {
              return false;
            }
        }
        if (ib) {
          if (eavail < 1 + static_cast<std::size_t>(ib)) return false;
          el.num = sign_extend(get_le(e + 1, ib), ib * 8);
          hdr = 1 + static_cast<std::size_t>(ib);
        }
      }
    }
    if ((b >> 6) != 3) {
      if (data > eavail || hdr + data > eavail) return false;
      el.str = reinterpret_cast<const char*>(e + hdr);
      el.len = data;
    } else if (hdr > eavail) {
      return false;
    }
    const std::size_t total = pl + hdr + data;
    if (!fn(el)) return false;
    last_offset = static_cast<std::size_t>(q - p);
    prev_size = total;
    q += total;
    ++seen;
  }
  if (seen > 0 && tail != last_offset) return false;
  if (seen == 0 && tail != 10) return false;
  return count == 0xffff || count == seen;
}

// A Redis intset blob: its values, which must be strictly ascending.
template <class Fn>
bool walk_intset(std::string_view blob, Fn&& fn) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(blob.data());
  if (blob.size() < 8) return false;
  const std::uint32_t width = get_u32_le(p);
  const std::uint32_t count = get_u32_le(p + 4);
  if (width != 2 && width != 4 && width != 8) return false;
  if (count == 0 || (blob.size() - 8) / width != count || (blob.size() - 8) % width != 0) return false;
  std::int64_t prev = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::int64_t v = sign_extend(get_le(p + 8 + static_cast<std::size_t>(i) * width, static_cast<int>(width)),
                                       static_cast<int>(width * 8));
    if (i > 0 && v <= prev) return false;
    prev = v;
    if (!fn(v)) return false;
  }
  return true;
}

// A zipmap blob (hashes of Redis before 2.6): fn(field, value) per pair.
template <class Fn>
bool walk_zipmap(std::string_view blob, Fn&& fn) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(blob.data());
  const std::uint8_t* end = p + blob.size();
  if (blob.size() < 2 || end[-1] != 0xff) return false;
  const std::uint8_t* q = p + 1;
  auto read_len = [&](std::size_t& len) {
    if (q >= end) return false;
    if (*q < 254) {
      len = *q++;
      return true;
    }
    if (*q != 254 || end - q < 5) return false;
    len = get_u32_le(q + 1);
    q += 5;
    return true;
  };
  while (q < end - 1) {
    std::size_t klen = 0, vlen = 0;
    if (!read_len(klen) || klen > static_cast<std::size_t>(end - q)) return false;
    const std::string_view k(reinterpret_cast<const char*>(q), klen);
    q += klen;
    if (!read_len(vlen) || q >= end) return false;
    const std::size_t free = *q++;
    if (vlen > static_cast<std::size_t>(end - q) || free > static_cast<std::size_t>(end - q) - vlen) return false;
    const std::string_view v(reinterpret_cast<const char*>(q), vlen);
    q += vlen + free;
    if (q > end - 1) return false;
    if (!fn(k, v)) return false;
  }
  return q == end - 1;
}

inline std::string_view text_of(const Element& e, ElementText& buf) { return e.text(buf); }

// --- Building values under the limits --------------------------------------------------------

// What the hash, set and sorted set builders share: the object being built, freed unless handed
// over, and the switch to its big encoding built beside the small one.
template <class Object, ValueType kType>
class ObjectBuilder {
 public:
  ObjectBuilder(Memory& mem, const LoadLimits& limits) : mem_(mem), limits_(limits) {}
  ObjectBuilder(const ObjectBuilder&) = delete;
  ObjectBuilder& operator=(const ObjectBuilder&) = delete;
  ~ObjectBuilder() {
    if (live_) obj_.destroy(mem_);
  }

 protected:
  // Hands the object over as a keyspace value (bad format when it is empty, as Redis refuses).
  LoadResult hand_over(Entry::Layout& out) {
    if (obj_.length() == 0) return LoadResult::bad_format;
    out = Entry::Layout{};
    out.type = kType;
    out.encoding = obj_.encoding();
    out.pointer = obj_.pointer();
    live_ = false;
    return LoadResult::ok;
  }
  // Rebuilds a small encoding (is_small) as the big one (to_big); a big one stays.
  template <class IsSmall, class ToBig>
  LoadResult convert(IsSmall&& is_small, ToBig&& to_big) {
    if (!is_small(obj_)) return LoadResult::ok;
    Object big;
    if (!to_big(obj_, big)) return LoadResult::oom;
    obj_.destroy(mem_);
    obj_ = big;
    return LoadResult::ok;
  }

  Memory& mem_;
  const LoadLimits& limits_;
  Object obj_;
  bool live_ = false;
};

// A hash being loaded: listpack while the limits allow, else a table. Duplicates are an error.
class HashBuilder : public ObjectBuilder<HashObject, ValueType::hash> {
 public:
  using ObjectBuilder::ObjectBuilder;
  LoadResult start(bool table) {
    if (!HashObject::create(mem_, obj_)) return LoadResult::oom;
    live_ = true;
    return table ? convert() : LoadResult::ok;
  }
  LoadResult add(std::string_view f, std::string_view v) {
    if (obj_.is_listpack()) {
      const std::string_view s[2] = {f, v};
      if (obj_.needs_table_for(limits_.hash, s, 2)) {
        if (LoadResult r = convert(); r != LoadResult::ok) return r;
      }
    }
    bool updated = false;
    if (obj_.set(mem_, f, v, updated) != Status::ok) return LoadResult::oom;
    if (updated) return LoadResult::bad_format;
    // Past the limit, a table: a listpack's duplicate check is linear, so building a big one
    // would be quadratic.
    if (obj_.over_entries(limits_.hash)) return convert();
    return LoadResult::ok;
  }
  LoadResult finish(Entry::Layout& out) {
    if (obj_.length() == 0) return LoadResult::bad_format;
    if (obj_.over_entries(limits_.hash)) {
      if (LoadResult r = convert(); r != LoadResult::ok) return r;
    }
    return hand_over(out);
  }

 private:
  LoadResult convert() {
    return ObjectBuilder::convert([](const HashObject& o) { return o.is_listpack(); },
                                  [this](const HashObject& o, HashObject& big) { return o.to_table(mem_, limits_.seed, big); });
  }
};

class SetBuilder : public ObjectBuilder<SetObject, ValueType::set> {
 public:
  using ObjectBuilder::ObjectBuilder;
  LoadResult start(bool table) {
    if (!(table ? SetObject::create_table(mem_, limits_.seed, obj_) : SetObject::create_intset(mem_, obj_))) {
      return LoadResult::oom;
    }
    live_ = true;
    return LoadResult::ok;
  }
  LoadResult add(std::string_view m) {
    if (obj_.is_intset() && obj_.needs_table_for(m)) {
      if (LoadResult r = convert(); r != LoadResult::ok) return r;
    }
    bool added = false;
    if (obj_.add(mem_, m, added) != Status::ok) return LoadResult::oom;
    if (!added) return LoadResult::bad_format;
    if (obj_.over_entries(limits_.set)) return convert();
    return LoadResult::ok;
  }
  LoadResult finish(Entry::Layout& out) { return hand_over(out); }

 private:
  LoadResult convert() {
    return ObjectBuilder::convert([](const SetObject& o) { return o.is_intset(); },
                                  [this](const SetObject& o, SetObject& big) { return o.to_table(mem_, limits_.seed, big); });
  }
};

class ZsetBuilder : public ObjectBuilder<ZsetObject, ValueType::zset> {
 public:
  using ObjectBuilder::ObjectBuilder;
  LoadResult start(bool big) {
    if (!(big ? ZsetObject::create_big(mem_, limits_.seed, obj_) : ZsetObject::create_listpack(mem_, obj_))) {
      return LoadResult::oom;
    }
    live_ = true;
    return LoadResult::ok;
  }
  LoadResult add(std::string_view member, double score) {
    if (std::isnan(score)) return LoadResult::bad_format;
    for (int attempt = 0; attempt < 2; ++attempt) {
      unsigned out = 0;
      double ns = 0;
      // A listpack takes members of any length here: the value limit applies at the end, and for
      // ZSET_2 only (as Redis's loader); the entry limit converts as soon as it is passed.
      ZsetLimits unlimited;
      unlimited.max_listpack_entries = static_cast<std::size_t>(-1);
      unlimited.max_listpack_value = static_cast<std::size_t>(-1);
      switch (obj_.add(mem_, unlimited, score, member, 0, out, ns)) {
        case ZaddResult::ok:
          if (!(out & kZaddOutAdded)) return LoadResult::bad_format;
          // Past the limit, the tree: listpack inserts are linear.
          if (obj_.is_listpack() && obj_.length() > limits_.zset.max_listpack_entries) return convert();
          return LoadResult::ok;
        case ZaddResult::nan: return LoadResult::bad_format;
        case ZaddResult::oom: return LoadResult::oom;
        case ZaddResult::needs_big:
          if (LoadResult r = convert(); r != LoadResult::ok) return r;
          break;
      }
    }
    return LoadResult::oom;
  }
  LoadResult finish(Entry::Layout& out, bool check_value_len) {
    if (obj_.length() == 0) return LoadResult::bad_format;
    if (obj_.is_listpack()) {
      bool too_big = obj_.length() > limits_.zset.max_listpack_entries;
      if (!too_big && check_value_len) {
        obj_.for_each([&](const Element& m, double) {
          if (m.text_size() > limits_.zset.max_listpack_value) too_big = true;
        });
      }
      if (too_big) {
        if (LoadResult r = convert(); r != LoadResult::ok) return r;
      }
    }
    return hand_over(out);
  }

 private:
  LoadResult convert() {
    return ObjectBuilder::convert([](const ZsetObject& o) { return o.is_listpack(); },
                                  [this](const ZsetObject& o, ZsetObject& big) { return o.to_big(mem_, limits_.seed, big); });
  }
};

class ListBuilder {
 public:
  ListBuilder(Memory& mem, const LoadLimits& limits) : mem_(mem), limits_(limits) {}
  ~ListBuilder() {
    if (ql_ != nullptr) Quicklist::destroy(mem_, ql_);
  }
  LoadResult start() {
    ql_ = Quicklist::create(mem_);
    return ql_ != nullptr ? LoadResult::ok : LoadResult::oom;
  }
  LoadResult add(std::string_view v) {
    return ql_->push(mem_, limits_.list, ListEnd::tail, v) ? LoadResult::ok : LoadResult::oom;
  }
  LoadResult finish(Entry::Layout& out) {
    if (ql_->empty()) return LoadResult::bad_format;
    out = Entry::Layout{};
    out.type = ValueType::list;
    out.encoding = Encoding::quicklist;
    out.pointer = ql_;
    ql_ = nullptr;
    return LoadResult::ok;
  }

 private:
  Memory& mem_;
  const LoadLimits& limits_;
  Quicklist* ql_ = nullptr;
};

// Redis reads text scores with strtod (zzlStrtod, rdbLoadDoubleValue).
inline bool text_to_double(std::string_view s, double& d) {
  char buf[256];
  if (s.empty() || s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  char* endp = nullptr;
  bool range_error = false;  // strtod's ERANGE is not checked there either
  d = read_double(buf, &endp, range_error);
  return endp == buf + s.size();
}

inline double element_score(const Element& e, bool& ok) {
  if (e.is_int()) return static_cast<double>(e.num);
  double d = 0;
  ok = text_to_double({e.str, e.len}, d) && !std::isnan(d);
  return d;
}

}  // namespace rdb_detail

using namespace rdb_detail;

MICROREDIS_INLINE std::uint64_t crc64(std::uint64_t crc, const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < len; ++i) crc = kCrc64.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

// --- LZF -------------------------------------------------------------------------------------

MICROREDIS_INLINE std::size_t lzf_compress(const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
                                           std::size_t out_len, std::uint32_t* table) {
  constexpr std::size_t kMaxOff = 1u << 13;
  constexpr std::size_t kMaxRef = (1u << 8) + (1u << 3);  // 264
  std::memset(table, 0, kLzfTableSize * sizeof(std::uint32_t));
  std::size_t op = 0;
  std::size_t lit_start = 0;
  auto flush_literals = [&](std::size_t from, std::size_t to) {
    while (from < to) {
      std::size_t run = to - from;
      if (run > 32) run = 32;
      if (op + 1 + run > out_len) return false;
      out[op++] = static_cast<std::uint8_t>(run - 1);
      std::memcpy(out + op, in + from, run);
      op += run;
      from += run;
    }
    return true;
  };
  std::size_t ip = 0;
  while (ip + 2 < in_len) {
    const std::uint32_t v = (static_cast<std::uint32_t>(in[ip]) << 16) | (static_cast<std::uint32_t>(in[ip + 1]) << 8) |
                            in[ip + 2];
    const std::size_t h = ((v * 2654435761u) >> 19) & (kLzfTableSize - 1);
    const std::size_t ref = table[h];
    table[h] = static_cast<std::uint32_t>(ip + 1);
    if (ref != 0) {
      const std::size_t rp = ref - 1;
      const std::size_t off = ip - rp - 1;
      if (rp < ip && off < kMaxOff && in[rp] == in[ip] && in[rp + 1] == in[ip + 1] && in[rp + 2] == in[ip + 2]) {
        std::size_t max = in_len - ip;
        if (max > kMaxRef) max = kMaxRef;
        std::size_t len = 3;
        while (len < max && in[rp + len] == in[ip + len]) ++len;
        if (!flush_literals(lit_start, ip)) return 0;
        const std::size_t l = len - 2;
        if (l < 7) {
          if (op + 2 > out_len) return 0;
          out[op++] = static_cast<std::uint8_t>((l << 5) | (off >> 8));
        } else {
          if (op + 3 > out_len) return 0;
          out[op++] = static_cast<std::uint8_t>((7u << 5) | (off >> 8));
          out[op++] = static_cast<std::uint8_t>(l - 7);
        }
        out[op++] = static_cast<std::uint8_t>(off);
        ip += len;
        lit_start = ip;
        continue;
      }
    }
    ++ip;
  }
  if (!flush_literals(lit_start, in_len)) return 0;
  return op;
}

MICROREDIS_INLINE std::size_t lzf_decompress(const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
                                             std::size_t out_len) {
  std::size_t ip = 0, op = 0;
  while (ip < in_len) {
    std::size_t ctrl = in[ip++];
    if (ctrl < 32) {
      ++ctrl;
      if (ctrl > in_len - ip || ctrl > out_len - op) return 0;
      std::memcpy(out + op, in + ip, ctrl);
      ip += ctrl;
      op += ctrl;
    } else {
      std::size_t len = ctrl >> 5;
      std::size_t back = (ctrl & 0x1f) << 8;
      if (len == 7) {
        if (ip >= in_len) return 0;
        len += in[ip++];
      }
      if (ip >= in_len) return 0;
      back += in[ip++];
      len += 2;
      if (back + 1 > op || len > out_len - op) return 0;
      std::size_t ref = op - back - 1;
      for (std::size_t i = 0; i < len; ++i) out[op++] = out[ref++];
    }
  }
  return op;
}

// --- Saving ----------------------------------------------------------------------------------

MICROREDIS_INLINE Saver::~Saver() {
  if (lzf_table_ != nullptr) mem_.deallocate(lzf_table_, kLzfTableSize * sizeof(std::uint32_t));
  if (scratch_ != nullptr) mem_.destroy(scratch_);
}

MICROREDIS_INLINE bool Saver::len(std::uint64_t v) {
  std::uint8_t b[9];
  if (v < (1u << 6)) {
    b[0] = static_cast<std::uint8_t>(v);
    return raw(b, 1);
  }
  if (v < (1u << 14)) {
    b[0] = static_cast<std::uint8_t>((v >> 8) | 0x40);
    b[1] = static_cast<std::uint8_t>(v);
    return raw(b, 2);
  }
  if (v <= UINT32_MAX) {
    b[0] = 0x80;
    for (int i = 0; i < 4; ++i) b[1 + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    return raw(b, 5);
  }
  b[0] = 0x81;
  for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return raw(b, 9);
}

// rdbEncodeInteger: 0 when v needs more than 32 bits.
inline std::size_t encode_integer(std::int64_t v, std::uint8_t* b) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    b[0] = 0xc0;
    b[1] = static_cast<std::uint8_t>(v);
    return 2;
  }
  if (v >= INT16_MIN && v <= INT16_MAX) {
    b[0] = 0xc1;
    b[1] = static_cast<std::uint8_t>(v);
    b[2] = static_cast<std::uint8_t>(v >> 8);
    return 3;
  }
  if (v >= INT32_MIN && v <= INT32_MAX) {
    b[0] = 0xc2;
    for (int i = 0; i < 4; ++i) b[1 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i));
    return 5;
  }
  return 0;
}

MICROREDIS_INLINE bool Saver::integer_string(std::int64_t v) {
  std::uint8_t b[5];
  if (std::size_t n = encode_integer(v, b)) return raw(b, n);
  char text[kLongLongChars];
  const std::size_t n = format_int64(text, v);
  return len(n) && raw(text, n);
}

MICROREDIS_INLINE bool Saver::string(std::string_view s) {
  if (s.size() <= 11) {
    std::int64_t v = 0;
    std::uint8_t b[5];
    if (string_is_int(s, v)) {
      if (std::size_t n = encode_integer(v, b)) return raw(b, n);
    }
  }
  if (compress_ && s.size() > 20) {
    if (lzf_table_ == nullptr) {
      lzf_table_ = static_cast<std::uint32_t*>(mem_.allocate(kLzfTableSize * sizeof(std::uint32_t)));
    }
    if (lzf_table_ != nullptr) {
      // Compress straight into the output: header room first, then fix up. Redis requires a gain
      // of at least 4 bytes.
      const std::size_t out_len = s.size() - 4;
      const std::size_t start = out_.size();
      if (!out_.grow_for(out_len + 20)) return false;
      auto* dst = reinterpret_cast<std::uint8_t*>(out_.data() + start + 20);
      const std::size_t clen = lzf_compress(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), dst, out_len,
                                            lzf_table_);
      if (clen > 0) {
        std::uint8_t hdr[19];
        // Header: 0xC3, compressed length, original length.
        std::size_t hn = 0;
        hdr[hn++] = 0xc3;
        auto put_len = [&](std::uint64_t v) {
          if (v < (1u << 6)) {
            hdr[hn++] = static_cast<std::uint8_t>(v);
          } else if (v < (1u << 14)) {
            hdr[hn++] = static_cast<std::uint8_t>((v >> 8) | 0x40);
            hdr[hn++] = static_cast<std::uint8_t>(v);
          } else if (v <= UINT32_MAX) {
            hdr[hn++] = 0x80;
            for (int i = 0; i < 4; ++i) hdr[hn++] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
          } else {
            hdr[hn++] = 0x81;
            for (int i = 0; i < 8; ++i) hdr[hn++] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
          }
        };
        put_len(clen);
        put_len(s.size());
        char* base = out_.data() + start;
        std::memmove(base + hn, base + 20, clen);
        std::memcpy(base, hdr, hn);
        (void)out_.resize(start + hn + clen);
        return true;
      }
    }
  }
  return len(s.size()) && raw(s.data(), s.size());
}

MICROREDIS_INLINE bool Saver::binary_double(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  return u64_le(u);
}

MICROREDIS_INLINE bool Saver::u64_le(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return raw(b, 8);
}

MICROREDIS_INLINE bool Saver::listpack_blob(const std::uint8_t* lp) {
  // Our block is Redis's without the end byte.
  if (scratch_ == nullptr && (scratch_ = mem_.create<Buffer>(mem_)) == nullptr) return false;
  Buffer& b = *scratch_;
  b.clear();
  const std::size_t n = Listpack::bytes(lp);
  const std::uint8_t end = 0xff;
  if (!b.append(lp, n) || !b.append(&end, 1)) return false;
  put_u32_le(reinterpret_cast<std::uint8_t*>(b.data()), static_cast<std::uint32_t>(n + 1));
  return string(b.view());
}

MICROREDIS_INLINE bool Saver::zset_listpack_blob(const std::uint8_t* lp) {
  // Redis keeps scores as text ("%.17g"); ours are binary doubles when not integers.
  if (scratch_ == nullptr && (scratch_ = mem_.create<Buffer>(mem_)) == nullptr) return false;
  Buffer& b = *scratch_;
  b.clear();
  std::uint8_t hdr[6] = {0, 0, 0, 0, lp[4], lp[5]};
  if (!b.append(hdr, 6)) return false;
  bool member = true;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = Listpack::next(lp, p), member = !member) {
    const Element e = Listpack::get(p);
    if (member || e.is_int()) {
      if (!b.append(p, Listpack::element_size(p))) return false;
    } else {
      char text[64];
      const std::size_t n = format_double(text, sizeof text, ZsetScoreCodec::decode(e));
      if (!append_lp_string(b, {text, n})) return false;
    }
  }
  const std::uint8_t end = 0xff;
  if (!b.append(&end, 1)) return false;
  put_u32_le(reinterpret_cast<std::uint8_t*>(b.data()), static_cast<std::uint32_t>(b.size()));
  return string(b.view());
}

MICROREDIS_INLINE bool Saver::intset_blob(const Intset* is) {
  if (scratch_ == nullptr && (scratch_ = mem_.create<Buffer>(mem_)) == nullptr) return false;
  Buffer& b = *scratch_;
  b.clear();
  const std::size_t w = is->width();
  const std::size_t n = is->length();
  std::uint8_t hdr[8];
  put_u32_le(hdr, static_cast<std::uint32_t>(w));
  put_u32_le(hdr + 4, static_cast<std::uint32_t>(n));
  if (!b.append(hdr, 8)) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint64_t>(is->at(i));
    std::uint8_t x[8];
    for (std::size_t k = 0; k < w; ++k) x[k] = static_cast<std::uint8_t>(v >> (8 * k));
    if (!b.append(x, w)) return false;
  }
  return string(b.view());
}

MICROREDIS_INLINE int Saver::type_of(const Entry& e) {
  switch (e.type()) {
    case ValueType::string: return kTypeString;
#if MICROREDIS_WITH_LISTS
    case ValueType::list: return kTypeListQuicklist2;
#endif
#if MICROREDIS_WITH_SETS
    case ValueType::set: return SetObject::of(e).is_intset() ? kTypeSetIntset : kTypeSet;
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: return ZsetObject::of(e).is_listpack() ? kTypeZsetListpack : kTypeZset2;
#endif
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: return HashObject::of(e).is_listpack() ? kTypeHashListpack : kTypeHash;
#endif
#if MICROREDIS_WITH_STREAMS
    case ValueType::stream: return kTypeStreamListpacks2;
#endif
    default: return -1;
  }
}

MICROREDIS_INLINE bool Saver::value(const Entry& e) {
  const int type = type_of(e);
  return type >= 0 && byte(static_cast<std::uint8_t>(type)) && body(e);
}

MICROREDIS_INLINE bool Saver::body(const Entry& e) {
  switch (e.type()) {
    case ValueType::string: {
      if (e.encoding() == Encoding::int_) return integer_string(e.int_value());
      IntText buf;
      return string(string_of(e, buf));
    }
#if MICROREDIS_WITH_LISTS
    case ValueType::list: {
      const Quicklist* ql = list_of(e);
      if (!len(ql->node_count())) return false;
      for (const QuicklistNode* n = ql->head(); n != nullptr; n = n->next) {
        if (n->plain) {
          const Element el = Listpack::get(Listpack::first(n->lp));
          ElementText t;
          if (!len(1) || !string(el.text(t))) return false;
        } else if (!len(2) || !listpack_blob(n->lp)) {
          return false;
        }
      }
      return true;
    }
#endif
#if MICROREDIS_WITH_SETS
    case ValueType::set: {
      const SetObject s = SetObject::of(e);
      if (s.is_intset()) return intset_blob(s.intset());
      if (!len(s.length())) return false;
      bool ok = true;
      s.for_each([&](const Element& m) {
        ElementText t;
        if (ok) ok = string(m.text(t));
      });
      return ok;
    }
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: {
      const ZsetObject z = ZsetObject::of(e);
      if (z.is_listpack()) return zset_listpack_blob(z.listpack());
      if (!len(z.length())) return false;
      // From the greatest to the smallest, as Redis (its loader then inserts at the head).
      for (ZsetTree::Cursor c = z.big()->tree.last(); c.valid(); c.prev()) {
        if (!string(c.node()->member()) || !binary_double(c.node()->score())) return false;
      }
      return true;
    }
#endif
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: {
      const HashObject h = HashObject::of(e);
      if (h.is_listpack()) return listpack_blob(h.listpack());
      if (!len(h.length())) return false;
      bool ok = true;
      h.for_each([&](const Element& f, const Element& v) {
        ElementText a, b;
        if (ok) ok = string(f.text(a)) && string(v.text(b));
      });
      return ok;
    }
#endif
#if MICROREDIS_WITH_STREAMS
    case ValueType::stream: return stream_body(*e.object<Stream>());
#endif
    default: return false;
  }
}

// A stream ID as Redis writes it raw (rax keys, PEL entries): 128 bits, big endian.
inline void put_stream_id(std::uint8_t* out, const StreamID& id) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(id.ms >> (56 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(id.seq >> (56 - 8 * i));
  }
}

MICROREDIS_INLINE bool Saver::stream_body(Stream& st) {
  // RDB_TYPE_STREAM_LISTPACKS_2: the blocks keyed by master ID, the metadata, then each group
  // with its pending list (ID, delivery time, count) and its consumers (name, seen time, the IDs
  // they own).
  std::uint8_t raw_id[16];
  if (!len(st.block_count())) return false;
  for (auto c = st.blocks().first(); c.valid(); c.next()) {
    put_stream_id(raw_id, c.item().id);
    if (!string({reinterpret_cast<const char*>(raw_id), sizeof raw_id}) || !listpack_blob(c.item().lp)) return false;
  }
  const StreamID& last = st.last_id();
  const StreamID& first = st.first_id();
  const StreamID& maxdel = st.max_deleted_id();
  if (!len(st.length()) || !len(last.ms) || !len(last.seq) || !len(first.ms) || !len(first.seq) ||
      !len(maxdel.ms) || !len(maxdel.seq) || !len(st.entries_added())) {
    return false;
  }
  if (!len(st.group_count())) return false;
  for (std::size_t i = 0; i < st.group_count(); ++i) {
    StreamGroup* g = st.group_at(i);
    if (!string(g->name()) || !len(g->last_id.ms) || !len(g->last_id.seq) ||
        !len(static_cast<std::uint64_t>(g->entries_read)) || !len(g->pel.size())) {
      return false;
    }
    for (auto p = g->pel.first(); p.valid(); p.next()) {
      const StreamPending& np = p.item();
      put_stream_id(raw_id, np.id);
      if (!raw(raw_id, sizeof raw_id) || !u64_le(static_cast<std::uint64_t>(np.delivery_time)) ||
          !len(np.delivery_count)) {
        return false;
      }
    }
    if (!len(g->consumers.size())) return false;
    for (StreamConsumer* c : g->consumers) {
      if (!string(c->name()) || !u64_le(static_cast<std::uint64_t>(c->seen_time)) || !len(c->pel.size())) {
        return false;
      }
      for (auto p = c->pel.first(); p.valid(); p.next()) {
        put_stream_id(raw_id, p.item().id);
        if (!raw(raw_id, sizeof raw_id)) return false;
      }
    }
  }
  return true;
}

MICROREDIS_INLINE bool create_dump_payload(Memory& mem, const Entry& e, Buffer& out) {
  Saver s(mem, out);
  if (!s.value(e)) return false;
  const std::uint8_t ver[2] = {kVersion & 0xff, (kVersion >> 8) & 0xff};
  if (!out.append(ver, 2)) return false;
  return s.u64_le(crc64(0, out.data(), out.size()));
}

MICROREDIS_INLINE bool verify_dump_payload(std::string_view p) {
  if (p.size() < 10) return false;
  const auto* f = reinterpret_cast<const std::uint8_t*>(p.data()) + p.size() - 10;
  const unsigned ver = static_cast<unsigned>(f[0] | (f[1] << 8));
  if (ver > kVersion) return false;
  return crc64(0, p.data(), p.size() - 8) == get_le(f + 2, 8);
}

// --- Reading ---------------------------------------------------------------------------------

MICROREDIS_INLINE bool Reader::byte(std::uint8_t& b) {
  if (p_ == end_) return false;
  b = *p_++;
  return true;
}

MICROREDIS_INLINE bool Reader::bytes(std::size_t n, const std::uint8_t*& out) {
  if (n > left()) return false;
  out = p_;
  p_ += n;
  return true;
}

MICROREDIS_INLINE bool Reader::len(std::uint64_t& v, bool* encoded) {
  if (encoded) *encoded = false;
  std::uint8_t b;
  if (!byte(b)) return false;
  switch (b >> 6) {
    case 0: v = b & 0x3f; return true;
    case 1: {
      std::uint8_t c;
      if (!byte(c)) return false;
      v = (static_cast<std::uint64_t>(b & 0x3f) << 8) | c;
      return true;
    }
    case 2: {
      int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      const std::uint8_t* p;
      if (n == 0 || !bytes(static_cast<std::size_t>(n), p)) return false;
      v = 0;
      for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
      return true;
    }
    default:
      if (encoded == nullptr) return false;
      *encoded = true;
      v = b & 0x3f;
      return true;
  }
}

MICROREDIS_INLINE LoadResult Reader::string(Buffer& scratch, std::size_t max, std::string_view& out) {
  std::uint64_t n;
  bool enc;
  if (!len(n, &enc)) return LoadResult::bad_format;
  if (!enc) {
    const std::uint8_t* p;
    if (n > max || !bytes(static_cast<std::size_t>(n), p)) return LoadResult::bad_format;
    out = {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
    return LoadResult::ok;
  }
  if (n <= 2) {
    const int w = n == 0 ? 1 : n == 1 ? 2 : 4;
    const std::uint8_t* p;
    if (!bytes(static_cast<std::size_t>(w), p)) return LoadResult::bad_format;
    const std::int64_t v = sign_extend(get_le(p, w), w * 8);
    char text[kLongLongChars];
    const std::size_t tn = format_int64(text, v);
    scratch.clear();
    if (!scratch.append(text, tn)) return LoadResult::oom;
    out = scratch.view();
    return LoadResult::ok;
  }
  if (n != 3) return LoadResult::bad_format;
  std::uint64_t clen, ulen;
  if (!len(clen) || !len(ulen)) return LoadResult::bad_format;
  const std::uint8_t* c;
  // LZF expands at most 264 bytes per 2 input bytes: a longer claim is corrupt, and checking it
  // first keeps a tiny payload from reserving gigabytes.
  if (clen > left() || ulen == 0 || ulen > max || ulen > clen * 132 + 32) return LoadResult::bad_format;
  (void)bytes(static_cast<std::size_t>(clen), c);
  scratch.clear();
  if (!scratch.resize(static_cast<std::size_t>(ulen))) return LoadResult::oom;
  if (lzf_decompress(c, static_cast<std::size_t>(clen), reinterpret_cast<std::uint8_t*>(scratch.data()),
                     static_cast<std::size_t>(ulen)) != ulen) {
    return LoadResult::bad_format;
  }
  out = scratch.view();
  return LoadResult::ok;
}

MICROREDIS_INLINE bool Reader::u64_le(std::uint64_t& v) {
  const std::uint8_t* p;
  if (!bytes(8, p)) return false;
  v = get_le(p, 8);
  return true;
}

MICROREDIS_INLINE bool Reader::binary_double(double& d) {
  std::uint64_t u;
  if (!u64_le(u)) return false;
  std::memcpy(&d, &u, 8);
  return true;
}

MICROREDIS_INLINE bool Reader::text_double(double& d) {
  std::uint8_t n;
  if (!byte(n)) return false;
  switch (n) {
    case 253: d = NAN; return true;
    case 254: d = INFINITY; return true;
    case 255: d = -INFINITY; return true;
    default: {
      const std::uint8_t* p;
      if (!bytes(n, p)) return false;
      return text_to_double({reinterpret_cast<const char*>(p), n}, d);
    }
  }
}

namespace rdb_detail {

// A blob element's text, for the builders.
struct TextOf {
  ElementText buf;
  std::string_view operator()(const Element& e) { return e.text(buf); }
};

inline LoadResult load_list(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type, LoadedValue& out) {
  ListBuilder b(mem, limits);
  if (LoadResult r = b.start(); r != LoadResult::ok) return r;
  std::uint64_t n;
  if (type == kTypeListZiplist) {
    std::string_view blob;
    if (LoadResult r = in.string(out.scratch, limits.max_string, blob); r != LoadResult::ok) return r;
    LoadResult r = LoadResult::ok;
    if (!walk_ziplist(blob, [&](const Element& e) {
          TextOf t;
          r = b.add(t(e));
          return r == LoadResult::ok;
        })) {
      return r == LoadResult::ok ? LoadResult::bad_format : r;
    }
    return b.finish(out.layout);
  }
  if (!in.len(n) || n == 0 || n > in.left()) return LoadResult::bad_format;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (type == kTypeList) {
      if (LoadResult r = in.string(out.scratch, limits.max_string, s); r != LoadResult::ok) return r;
      if (LoadResult r = b.add(s); r != LoadResult::ok) return r;
      continue;
    }
    std::uint64_t container = 2;
    if (type == kTypeListQuicklist2 && (!in.len(container) || (container != 1 && container != 2))) {
      return LoadResult::bad_format;
    }
    if (LoadResult r = in.string(out.scratch, limits.max_string, s); r != LoadResult::ok) return r;
    if (s.empty()) return LoadResult::bad_format;
    if (container == 1) {
      if (LoadResult r = b.add(s); r != LoadResult::ok) return r;
      continue;
    }
    LoadResult r = LoadResult::ok;
    auto add = [&](const Element& e) {
      TextOf t;
      r = b.add(t(e));
      return r == LoadResult::ok;
    };
    const bool ok = type == kTypeListQuicklist2 ? walk_listpack(s, add) : walk_ziplist(s, add);
    if (!ok) return r == LoadResult::ok ? LoadResult::bad_format : r;
  }
  return b.finish(out.layout);
}

inline LoadResult load_set(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type, LoadedValue& out) {
  SetBuilder b(mem, limits);
  if (type == kTypeSetIntset) {
    std::string_view blob;
    if (LoadResult r = in.string(out.scratch, limits.max_string, blob); r != LoadResult::ok) return r;
    if (LoadResult r = b.start(false); r != LoadResult::ok) return r;
    LoadResult r = LoadResult::ok;
    if (!walk_intset(blob, [&](std::int64_t v) {
          char text[kLongLongChars];
          r = b.add({text, format_int64(text, v)});
          return r == LoadResult::ok;
        })) {
      return r == LoadResult::ok ? LoadResult::bad_format : r;
    }
    return b.finish(out.layout);
  }
  std::uint64_t n;
  if (!in.len(n) || n == 0 || n > in.left()) return LoadResult::bad_format;
  const std::size_t max = limits.set.max_intset_entries < (std::size_t{1} << 30) ? limits.set.max_intset_entries
                                                                                 : (std::size_t{1} << 30);
  if (LoadResult r = b.start(n > max); r != LoadResult::ok) return r;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (LoadResult r = in.string(out.scratch, limits.max_string, s); r != LoadResult::ok) return r;
    if (LoadResult r = b.add(s); r != LoadResult::ok) return r;
  }
  return b.finish(out.layout);
}

inline LoadResult load_zset(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type, LoadedValue& out) {
  ZsetBuilder b(mem, limits);
  if (type == kTypeZsetZiplist || type == kTypeZsetListpack) {
    std::string_view blob;
    if (LoadResult r = in.string(out.scratch, limits.max_string, blob); r != LoadResult::ok) return r;
    if (LoadResult r = b.start(false); r != LoadResult::ok) return r;
    LoadResult r = LoadResult::ok;
    bool have_member = false;
    Element member;
    ElementText mbuf;
    auto add = [&](const Element& e) {
      if (!have_member) {
        member = e;
        have_member = true;
        return true;
      }
      have_member = false;
      bool ok = true;
      const double score = element_score(e, ok);
      if (!ok) {
        r = LoadResult::bad_format;
        return false;
      }
      r = b.add(member.text(mbuf), score);
      return r == LoadResult::ok;
    };
    const bool ok = type == kTypeZsetListpack ? walk_listpack(blob, add) : walk_ziplist(blob, add);
    if (!ok || have_member) return r == LoadResult::ok ? LoadResult::bad_format : r;
    return b.finish(out.layout, false);
  }
  std::uint64_t n;
  if (!in.len(n) || n == 0 || n > in.left()) return LoadResult::bad_format;
  if (LoadResult r = b.start(n > limits.zset.max_listpack_entries); r != LoadResult::ok) return r;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view m;
    if (LoadResult r = in.string(out.scratch, limits.max_string, m); r != LoadResult::ok) return r;
    double score = 0;
    if (!(type == kTypeZset2 ? in.binary_double(score) : in.text_double(score))) return LoadResult::bad_format;
    if (LoadResult r = b.add(m, score); r != LoadResult::ok) return r;
  }
  return b.finish(out.layout, true);
}

inline LoadResult load_hash(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type, LoadedValue& out) {
  HashBuilder b(mem, limits);
  if (type == kTypeHash) {
    std::uint64_t n;
    if (!in.len(n) || n == 0 || n > in.left()) return LoadResult::bad_format;
    if (LoadResult r = b.start(n > limits.hash.max_listpack_entries); r != LoadResult::ok) return r;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string_view f, v;
      if (LoadResult r = in.string(out.scratch, limits.max_string, f); r != LoadResult::ok) return r;
      if (LoadResult r = in.string(out.scratch2, limits.max_string, v); r != LoadResult::ok) return r;
      if (LoadResult r = b.add(f, v); r != LoadResult::ok) return r;
    }
    return b.finish(out.layout);
  }
  std::string_view blob;
  if (LoadResult r = in.string(out.scratch, limits.max_string, blob); r != LoadResult::ok) return r;
  if (LoadResult r = b.start(false); r != LoadResult::ok) return r;
  LoadResult r = LoadResult::ok;
  bool ok;
  if (type == kTypeHashZipmap) {
    ok = walk_zipmap(blob, [&](std::string_view f, std::string_view v) {
      r = b.add(f, v);
      return r == LoadResult::ok;
    });
  } else {
    bool have_field = false;
    Element field;
    auto add = [&](const Element& e) {
      if (!have_field) {
        field = e;
        have_field = true;
        return true;
      }
      have_field = false;
      TextOf ft, vt;
      r = b.add(ft(field), vt(e));
      return r == LoadResult::ok;
    };
    ok = (type == kTypeHashListpack ? walk_listpack(blob, add) : walk_ziplist(blob, add)) && !have_field;
  }
  if (!ok) return r == LoadResult::ok ? LoadResult::bad_format : r;
  return b.finish(out.layout);
}

inline bool read_stream_id(Reader& in, StreamID& id) {
  const std::uint8_t* p;
  if (!in.bytes(16, p)) return false;
  id.ms = id.seq = 0;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | p[i];
    id.seq = (id.seq << 8) | p[8 + i];
  }
  return true;
}

// lpGetIntegerIfValid: an integer element, or a string that is one.
inline bool stream_lp_int(const std::uint8_t* p, std::int64_t& v) {
  const Element e = Listpack::get(p);
  if (e.is_int()) {
    v = e.num;
    return true;
  }
  return parse_int64({e.str, e.len}, v);
}

// Checks one block (our layout, its elements already validated) as Redis's
// streamValidateListpackIntegrity does in deep mode, and more: positive live count, counts that
// match the entries' flags, known flags, at least one field, entry IDs not below the master ID
// and above every ID before them (prev, when have_prev). live gets the block's live entries,
// prev its last ID.
inline bool check_stream_block(const std::uint8_t* lp, const StreamID& master, bool have_prev, StreamID& prev,
                               std::uint64_t& live) {
  const std::uint8_t* p = Listpack::first(lp);
  auto take = [&](std::int64_t& v) {
    if (p == nullptr || !stream_lp_int(p, v)) return false;
    p = Listpack::next(lp, p);
    return true;
  };
  auto skip_n = [&](std::int64_t n) {
    for (; n > 0; --n) {
      if (p == nullptr) return false;
      p = Listpack::next(lp, p);
    }
    return true;
  };
  std::int64_t count = 0, deleted = 0, master_fields = 0, zero = 1;
  if (!take(count) || !take(deleted) || !take(master_fields)) return false;
  if (count <= 0 || deleted < 0 || master_fields <= 0) return false;
  if (!skip_n(master_fields) || !take(zero) || zero != 0) return false;
  std::int64_t live_seen = 0, deleted_seen = 0;
  if (p == nullptr) return false;
  while (p != nullptr) {
    std::int64_t flags = 0, ms = 0, seq = 0, fields = master_fields, lp_count = 0;
    if (!take(flags) || flags < 0 || flags > (kStreamItemDeleted | kStreamItemSameFields)) return false;
    if (!take(ms) || !take(seq)) return false;
    const StreamID id{master.ms + static_cast<std::uint64_t>(ms), master.seq + static_cast<std::uint64_t>(seq)};
    if (id < master || (have_prev && !(prev < id))) return false;
    prev = id;
    have_prev = true;
    std::int64_t extra = 3;
    if ((flags & kStreamItemSameFields) == 0) {
      if (!take(fields) || fields <= 0 || !skip_n(fields)) return false;
      extra += fields + 1;
    }
    if (!skip_n(fields) || !take(lp_count) || lp_count != fields + extra) return false;
    if ((flags & kStreamItemDeleted) != 0) {
      ++deleted_seen;
    } else {
      ++live_seen;
    }
  }
  if (live_seen != count || deleted_seen != deleted) return false;
  live = static_cast<std::uint64_t>(live_seen);
  return true;
}

// Frees the stream being loaded unless it is handed over.
struct StreamHolder {
  Memory& mem;
  Stream* s;
  ~StreamHolder() {
    if (s != nullptr) Stream::destroy(mem, s);
  }
};

inline LoadResult load_stream(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type,
                              LoadedValue& out) {
  StreamHolder holder{mem, Stream::create(mem)};
  if (holder.s == nullptr) return LoadResult::oom;
  Stream& st = *holder.s;
  std::uint64_t blocks = 0;
  if (!in.len(blocks) || blocks > in.left()) return LoadResult::bad_format;
  bool have_prev = false;
  StreamID prev;
  std::uint64_t total_live = 0;
  for (std::uint64_t i = 0; i < blocks; ++i) {
    std::string_view key, blob;
    if (LoadResult r = in.string(out.scratch, limits.max_string, key); r != LoadResult::ok) return r;
    if (key.size() != 16) return LoadResult::bad_format;
    Reader kr(key.data(), key.size());
    StreamID master;
    (void)read_stream_id(kr, master);
    // Master IDs increase with the entries: the next block starts above the last entry.
    if (have_prev && !(prev < master)) return LoadResult::bad_format;
    if (LoadResult r = in.string(out.scratch2, limits.max_string, blob); r != LoadResult::ok) return r;
    if (!walk_listpack(blob, [](const Element&) { return true; })) return LoadResult::bad_format;
    // Ours is Redis's listpack without the end byte.
    const std::size_t n = blob.size() - 1;
    auto* lp = static_cast<std::uint8_t*>(mem.allocate(n));
    if (lp == nullptr) return LoadResult::oom;
    std::memcpy(lp, blob.data(), n);
    put_u32_le(lp, static_cast<std::uint32_t>(n));
    std::uint64_t live = 0;
    if (!check_stream_block(lp, master, have_prev, prev, live)) {
      Listpack::destroy(mem, lp);
      return LoadResult::bad_format;
    }
    have_prev = true;
    total_live += live;
    if (!st.add_block(mem, master, lp)) {
      Listpack::destroy(mem, lp);
      return LoadResult::oom;
    }
  }
  std::uint64_t length = 0;
  StreamID last;
  if (!in.len(length) || !in.len(last.ms) || !in.len(last.seq)) return LoadResult::bad_format;
  // The last ID is at least every entry's (else XADD would repeat IDs), the length is the live
  // entries'.
  if (length != total_live || (have_prev && last < prev)) return LoadResult::bad_format;
  st.set_length(length);
  st.set_last_id(last);
  if (type == kTypeStreamListpacks2) {
    StreamID first, maxdel;
    std::uint64_t added = 0;
    if (!in.len(first.ms) || !in.len(first.seq) || !in.len(maxdel.ms) || !in.len(maxdel.seq) || !in.len(added)) {
      return LoadResult::bad_format;
    }
    st.set_first_id(first);
    st.set_max_deleted_id(maxdel);
    st.set_entries_added(added);
  } else {
    // Before 7.0: what Redis's loader derives.
    st.set_first_id(st.edge_id(true, true));
    st.set_max_deleted_id(StreamID{});
    st.set_entries_added(length);
  }
  std::uint64_t groups = 0;
  if (!in.len(groups) || groups > in.left()) return LoadResult::bad_format;
  for (std::uint64_t gi = 0; gi < groups; ++gi) {
    std::string_view name;
    if (LoadResult r = in.string(out.scratch, limits.max_string, name); r != LoadResult::ok) return r;
    StreamID gid;
    if (!in.len(gid.ms) || !in.len(gid.seq)) return LoadResult::bad_format;
    std::int64_t entries_read;
    if (type == kTypeStreamListpacks2) {
      std::uint64_t v = 0;
      if (!in.len(v)) return LoadResult::bad_format;
      entries_read = static_cast<std::int64_t>(v);
    } else {
      entries_read = st.estimate_distance(gid);
    }
    StreamGroup* g = nullptr;
    switch (st.create_group(mem, name, gid, entries_read, g)) {
      case Status::ok: break;
      case Status::oom: return LoadResult::oom;
      default: return LoadResult::bad_format;  // a name twice
    }
    // The group's list first, its owners unknown until the consumers come.
    std::uint64_t pel = 0;
    if (!in.len(pel) || pel > in.left() / 16) return LoadResult::bad_format;
    for (std::uint64_t k = 0; k < pel; ++k) {
      StreamPending np{};
      std::uint64_t when = 0;
      if (!read_stream_id(in, np.id) || !in.u64_le(when) || !in.len(np.delivery_count)) {
        return LoadResult::bad_format;
      }
      np.delivery_time = static_cast<std::int64_t>(when);
      np.consumer = nullptr;
      if (g->pel.find(np.id) != nullptr) return LoadResult::bad_format;
      if (!g->pel.insert(mem, np)) return LoadResult::oom;
    }
    std::uint64_t consumers = 0;
    if (!in.len(consumers) || consumers > in.left()) return LoadResult::bad_format;
    for (std::uint64_t ci = 0; ci < consumers; ++ci) {
      std::string_view cname;
      if (LoadResult r = in.string(out.scratch, limits.max_string, cname); r != LoadResult::ok) return r;
      std::uint64_t seen = 0;
      if (!in.u64_le(seen)) return LoadResult::bad_format;
      if (g->find_consumer(cname) != nullptr) return LoadResult::bad_format;
      StreamConsumer* c = g->add_consumer(mem, cname, static_cast<std::int64_t>(seen));
      if (c == nullptr) return LoadResult::oom;
      std::uint64_t owned = 0;
      if (!in.len(owned) || owned > in.left() / 16) return LoadResult::bad_format;
      for (std::uint64_t k = 0; k < owned; ++k) {
        StreamID id;
        if (!read_stream_id(in, id)) return LoadResult::bad_format;
        // Each ID is pending in the group and owned by one consumer only.
        StreamPending* np = g->pel.find(id);
        if (np == nullptr || np->consumer != nullptr) return LoadResult::bad_format;
        if (!c->pel.insert(mem, StreamPendingRef{id})) return LoadResult::oom;
        np->consumer = c;
      }
    }
    for (auto p = g->pel.first(); p.valid(); p.next()) {
      if (p.item().consumer == nullptr) return LoadResult::bad_format;
    }
  }
  out.layout = Entry::Layout{};
  out.layout.type = ValueType::stream;
  out.layout.encoding = Encoding::stream;
  out.layout.pointer = holder.s;
  holder.s = nullptr;
  return LoadResult::ok;
}

}  // namespace rdb_detail

MICROREDIS_INLINE LoadResult load_value(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type,
                                        LoadedValue& out) {
  out.layout = Entry::Layout{};
  switch (type) {
    case kTypeString: {
      std::string_view s;
      if (LoadResult r = in.string(out.scratch, limits.max_string, s); r != LoadResult::ok) return r;
      return make_string(mem, s, out.layout) ? LoadResult::ok : LoadResult::oom;
    }
#if MICROREDIS_WITH_LISTS
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2: return load_list(mem, limits, in, type, out);
#endif
#if MICROREDIS_WITH_SETS
    case kTypeSet:
    case kTypeSetIntset: return load_set(mem, limits, in, type, out);
#endif
#if MICROREDIS_WITH_ZSETS
    case kTypeZset:
    case kTypeZset2:
    case kTypeZsetZiplist:
    case kTypeZsetListpack: return load_zset(mem, limits, in, type, out);
#endif
#if MICROREDIS_WITH_HASHES
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack: return load_hash(mem, limits, in, type, out);
#endif
#if MICROREDIS_WITH_STREAMS
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2: return load_stream(mem, limits, in, type, out);
#endif
    // Modules, and the types a build leaves out (config.hpp's groups): a value this build cannot
    // hold is a bad format.
    default: return LoadResult::bad_format;
  }
}

inline void free_loaded(Memory& mem, const Entry::Layout& l) {
  if (l.encoding != Encoding::int_ && l.encoding != Encoding::embstr) free_value(mem, l.type, l.encoding, l.pointer);
}

MICROREDIS_INLINE LoadResult load_dump_payload(Memory& mem, const LoadLimits& limits, std::string_view payload,
                                               LoadedValue& out) {
  if (payload.size() < 10) return LoadResult::bad_format;
  Reader in(payload.data(), payload.size() - 10);
  std::uint8_t type;
  if (!in.byte(type)) return LoadResult::bad_format;
  const LoadResult r = load_value(mem, limits, in, type, out);
  if (r != LoadResult::ok) return r;
  // Redis ignores bytes after the value; so do we.
  return LoadResult::ok;
}

// --- Images ----------------------------------------------------------------------------------

MICROREDIS_INLINE bool lru_field_for(bool lfu, std::int64_t freq, std::int64_t idle_s, std::int64_t now_ms,
                                     std::uint32_t& out) {
  if (lfu) {
    if (freq < 0) return false;
    out = (((static_cast<std::uint32_t>(now_ms / 60000)) & 0xffff) << 8) | static_cast<std::uint32_t>(freq & 0xff);
    return true;
  }
  if (idle_s < 0) return false;
  const std::int64_t clock = lru_clock(now_ms);
  std::int64_t abs = clock - idle_s;
  if (abs < 0) abs += kLruClockMax;
  out = static_cast<std::uint32_t>(abs) & kLruClockMax;
  return true;
}

MICROREDIS_INLINE bool save_image(Memory& mem, Db* const* dbs, int db_count, SaveLru lru, Buffer& out,
                                  std::string_view functions) {
  Saver s(mem, out);
  if (!s.raw("REDIS0010", 9)) return false;
  auto aux = [&](std::string_view k, std::string_view v) { return s.byte(kOpAux) && s.string(k) && s.string(v); };
  if (!aux("redis-ver", "7.0.15") || !aux("redis-bits", sizeof(void*) == 8 ? "64" : "32")) return false;
  if (!s.raw(functions.data(), functions.size())) return false;
  for (int i = 0; i < db_count; ++i) {
    Db& db = *dbs[i];
    if (db.size() == 0) continue;
    if (!s.byte(kOpSelectDb) || !s.len(static_cast<std::uint64_t>(i))) return false;
    if (!s.byte(kOpResizeDb) || !s.len(db.size()) || !s.len(db.volatile_count())) return false;
    bool ok = true;
    db.for_each([&](const Entry& e) {
      if (!ok) return;
      if (e.has_expire()) ok = s.byte(kOpExpireTimeMs) && s.u64_le(static_cast<std::uint64_t>(e.expire_ms()));
      if (ok && lru == SaveLru::idle) {
        ok = s.byte(kOpIdle) && s.len(static_cast<std::uint64_t>(db.idle_ms(e) / 1000));
      } else if (ok && lru == SaveLru::freq) {
        ok = s.byte(kOpFreq) && s.byte(static_cast<std::uint8_t>(db.lfu_frequency(e)));
      }
      if (!ok) return;
      const int type = Saver::type_of(e);
      ok = type >= 0 && s.byte(static_cast<std::uint8_t>(type)) && s.string(e.key()) && s.body(e);
    });
    if (!ok) return false;
  }
  if (!s.byte(kOpEof)) return false;
  return s.u64_le(crc64(0, out.data(), out.size()));
}

MICROREDIS_INLINE LoadResult load_image(Memory& mem, const LoadLimits& limits, std::string_view image,
                                        Db* const* dbs, int db_count, const ImageLoad& how) {
  if (image.size() < 9 + 1 + 8 || std::memcmp(image.data(), "REDIS", 5) != 0) return LoadResult::bad_format;
  int version = 0;
  for (int i = 5; i < 9; ++i) {
    if (image[static_cast<std::size_t>(i)] < '0' || image[static_cast<std::size_t>(i)] > '9') {
      return LoadResult::bad_format;
    }
    version = version * 10 + (image[static_cast<std::size_t>(i)] - '0');
  }
  if (version < 1 || version > static_cast<int>(kVersion)) return LoadResult::bad_format;
  Reader in(image.data() + 9, image.size() - 9);
  Db* db = db_count > 0 ? dbs[0] : nullptr;
  std::int64_t expire = -1, idle = -1, freq = -1;
  LoadedValue value(mem);
  Buffer key_scratch(mem);
  for (;;) {
    std::uint8_t type;
    if (!in.byte(type)) return LoadResult::bad_format;
    switch (type) {
      case kOpEof: {
        if (version >= 5) {
          std::uint64_t crc;
          const std::size_t body = image.size() - in.left();
          if (!in.u64_le(crc)) return LoadResult::bad_format;
          if (crc != 0 && crc != crc64(0, image.data(), body)) return LoadResult::bad_format;
        }
        return LoadResult::ok;
      }
      case kOpSelectDb: {
        std::uint64_t i;
        if (!in.len(i) || i >= static_cast<std::uint64_t>(db_count)) return LoadResult::bad_format;
        db = dbs[i];
        continue;
      }
      case kOpResizeDb: {
        std::uint64_t a, b;
        if (!in.len(a) || !in.len(b)) return LoadResult::bad_format;
        continue;
      }
      case kOpExpireTimeMs: {
        std::uint64_t v;
        if (!in.u64_le(v)) return LoadResult::bad_format;
        expire = static_cast<std::int64_t>(v);
        continue;
      }
      case kOpExpireTime: {
        const std::uint8_t* p;
        if (!in.bytes(4, p)) return LoadResult::bad_format;
        expire = static_cast<std::int64_t>(get_u32_le(p)) * 1000;
        continue;
      }
      case kOpIdle: {
        std::uint64_t v;
        if (!in.len(v)) return LoadResult::bad_format;
        idle = static_cast<std::int64_t>(v);
        continue;
      }
      case kOpFreq: {
        std::uint8_t v;
        if (!in.byte(v)) return LoadResult::bad_format;
        freq = v;
        continue;
      }
      case kOpFunction2:
      case kOpFunction: {
        // A library: its code (FUNCTION2), or Redis 7.0 rc1/rc2's name, engine, optional
        // description and body, turned into code as Redis's rdbFunctionLoad does.
        std::string_view code;
        Buffer built(mem);
        if (type == kOpFunction2) {
          if (in.string(value.scratch, limits.max_string, code) != LoadResult::ok) return LoadResult::bad_format;
        } else {
          std::string_view name, engine, blob;
          std::uint64_t has_desc;
          Buffer name_buf(mem), engine_buf(mem);
          if (in.string(key_scratch, limits.max_string, name) != LoadResult::ok || !name_buf.append(name) ||
              in.string(key_scratch, limits.max_string, engine) != LoadResult::ok || !engine_buf.append(engine) ||
              !in.len(has_desc) ||
              (has_desc != 0 && in.string(key_scratch, limits.max_string, blob) != LoadResult::ok) ||
              in.string(value.scratch, limits.max_string, blob) != LoadResult::ok) {
            return LoadResult::bad_format;
          }
          if (!built.append("#!") || !built.append(engine_buf.view()) || !built.append(" name=") ||
              !built.append(name_buf.view()) || !built.append("\n") || !built.append(blob)) {
            return LoadResult::oom;
          }
          code = built.view();
        }
        if (how.function == nullptr || !how.function(how.function_ctx, code, how.merge)) return LoadResult::bad_format;
        continue;
      }
      case kOpAux: {
        std::string_view k, v;
        if (in.string(key_scratch, limits.max_string, k) != LoadResult::ok ||
            in.string(value.scratch, limits.max_string, v) != LoadResult::ok) {
          return LoadResult::bad_format;
        }
        continue;
      }
      default: break;
    }
    if (db == nullptr) return LoadResult::bad_format;
    std::string_view key;
    if (LoadResult r = in.string(key_scratch, limits.max_string, key); r != LoadResult::ok) return r;
    if (LoadResult r = load_value(mem, limits, in, type, value); r != LoadResult::ok) return r;
    if (expire >= 0 && expire < how.now_ms) {
      free_loaded(mem, value.layout);
    } else {
      if (!how.merge && db->find_raw(key) != nullptr) {
        free_loaded(mem, value.layout);
        return LoadResult::bad_format;
      }
      Entry* e = db->put(key, value.layout, expire);
      if (e == nullptr) return LoadResult::oom;
      std::uint32_t field;
      if (lru_field_for(how.lfu, freq, idle, how.now_ms, field)) e->set_lru(field);
    }
    expire = idle = freq = -1;
  }
}

}  // namespace rdb
}  // namespace microredis
