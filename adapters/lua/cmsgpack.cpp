// The `cmsgpack` library Redis gives its scripts (MessagePack: pack, unpack, unpack_one,
// unpack_limit), written for this component to behave as Redis's lua-cmsgpack 0.4.0 does: the same
// encodings (the smallest integer form, float32 when a number survives the round trip, str8 for
// 32..255 bytes), tables as arrays when their keys are exactly 1..n, tables nested deeper than 16
// levels packed as nil (circular references), and the same error texts.
//
// Lua raises errors with longjmp: no frame here keeps an object with a destructor. The encoder's
// buffer is a userdata whose __gc frees it, so an error raised mid-way leaks nothing.
#include "lua_libs.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace microredis::lua {

namespace {

constexpr int kMaxNesting = 16;
constexpr char kBufferMeta[] = "microredis.cmsgpack.buffer";

struct PackBuffer {
  unsigned char* data;
  std::size_t len;
  std::size_t cap;
};

int buffer_gc(lua_State* L) {
  auto* b = static_cast<PackBuffer*>(luaL_checkudata(L, 1, kBufferMeta));
  std::free(b->data);
  b->data = nullptr;
  b->len = b->cap = 0;
  return 0;
}

void append(lua_State* L, PackBuffer* b, const unsigned char* bytes, std::size_t n) {
  if (b->cap - b->len < n) {
    std::size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap - b->len < n) cap *= 2;
    auto* grown = static_cast<unsigned char*>(std::realloc(b->data, cap));
    if (grown == nullptr) {
      luaL_error(L, "not enough memory");
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  std::memcpy(b->data + b->len, bytes, n);
  b->len += n;
}

// Appends a type byte followed by the low `width` bytes of v, big-endian (width 0: the type byte
// alone, the fix forms that carry their value in it).
void append_tagged(lua_State* L, PackBuffer* b, unsigned char tag, std::uint64_t v, int width) {
  unsigned char h[9];
  h[0] = tag;
  for (int i = width; i >= 1; --i) {
    h[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
  append(L, b, h, static_cast<std::size_t>(width) + 1);
}

void encode_int(lua_State* L, PackBuffer* b, std::int64_t n) {
  const auto u = static_cast<std::uint64_t>(n);
  if (n >= 0) {
    if (u <= 127) return append_tagged(L, b, static_cast<unsigned char>(u), 0, 0);
    if (u <= 0xff) return append_tagged(L, b, 0xcc, u, 1);
    if (u <= 0xffff) return append_tagged(L, b, 0xcd, u, 2);
    if (u <= 0xffffffffull) return append_tagged(L, b, 0xce, u, 4);
    return append_tagged(L, b, 0xcf, u, 8);
  }
  if (n >= -32) return append_tagged(L, b, static_cast<unsigned char>(u & 0xff), 0, 0);
  if (n >= -128) return append_tagged(L, b, 0xd0, u, 1);
  if (n >= -32768) return append_tagged(L, b, 0xd1, u, 2);
  if (n >= -2147483648ll) return append_tagged(L, b, 0xd2, u, 4);
  append_tagged(L, b, 0xd3, u, 8);
}

void encode_number(lua_State* L, PackBuffer* b, lua_Number n) {
  // An integral value in int64's range packs as an integer; anything else as a float32 when it
  // survives the round trip through float, else as a double.
  if (std::isfinite(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 && std::trunc(n) == n) {
    return encode_int(L, b, static_cast<std::int64_t>(n));
  }
  const auto f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, 4);
    return append_tagged(L, b, 0xca, bits, 4);
  }
  std::uint64_t bits = 0;
  std::memcpy(&bits, &n, 8);
  append_tagged(L, b, 0xcb, bits, 8);
}

void encode_string(lua_State* L, PackBuffer* b, const char* s, std::size_t len) {
  if (len < 32) {
    append_tagged(L, b, static_cast<unsigned char>(0xa0 | len), 0, 0);
  } else if (len <= 0xff) {
    append_tagged(L, b, 0xd9, len, 1);
  } else if (len <= 0xffff) {
    append_tagged(L, b, 0xda, len, 2);
  } else {
    append_tagged(L, b, 0xdb, len, 4);
  }
  append(L, b, reinterpret_cast<const unsigned char*>(s), len);
}

// Array or map header: fix form under 16 entries, then 16 and 32 bits.
void encode_header(lua_State* L, PackBuffer* b, std::size_t n, unsigned char fix, unsigned char c16,
                   unsigned char c32) {
  if (n <= 15) return append_tagged(L, b, static_cast<unsigned char>(fix | n), 0, 0);
  if (n <= 0xffff) return append_tagged(L, b, c16, n, 2);
  append_tagged(L, b, c32, n, 4);
}

// True when the table at the top has exactly the keys 1..n (n >= 0), with no other key.
bool is_array(lua_State* L) {
  const int top = lua_gettop(L);
  luaL_checkstack(L, 2, "in function table_is_an_array");
  int count = 0;
  int max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    const lua_Number n = lua_tonumber(L, -1);
    if (n <= 0 || n > 2147483647.0 || std::trunc(n) != n) {
      lua_settop(L, top);
      return false;
    }
    if (static_cast<int>(n) > max) max = static_cast<int>(n);
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

// Packs the value at the top of the stack and pops it.
void encode_value(lua_State* L, PackBuffer* b, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      encode_string(L, b, s, len);
      break;
    }
    case LUA_TBOOLEAN: {
      const unsigned char v = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
      append(L, b, &v, 1);
      break;
    }
    case LUA_TNUMBER:
      encode_number(L, b, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (is_array(L)) {
        const std::size_t n = lua_objlen(L, -1);
        encode_header(L, b, n, 0x90, 0xdc, 0xdd);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (std::size_t j = 1; j <= n; ++j) {
          lua_pushnumber(L, static_cast<lua_Number>(j));
          lua_gettable(L, -2);
          encode_value(L, b, level + 1);
        }
      } else {
        luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          ++n;
        }
        encode_header(L, b, n, 0x80, 0xde, 0xdf);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          encode_value(L, b, level + 1);  // the key
          encode_value(L, b, level + 1);  // the value
        }
      }
      break;
    default: {  // nil, functions, userdata, threads
      const unsigned char nil = 0xc0;
      append(L, b, &nil, 1);
      break;
    }
  }
  lua_pop(L, 1);
}

int pack(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs + 4)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  auto* b = static_cast<PackBuffer*>(lua_newuserdata(L, sizeof(PackBuffer)));
  b->data = nullptr;
  b->len = b->cap = 0;
  luaL_getmetatable(L, kBufferMeta);
  lua_setmetatable(L, -2);
  const int buffer = lua_gettop(L);
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    encode_value(L, b, 0);
  }
  lua_pushlstring(L, reinterpret_cast<const char*>(b->data), b->len);
  lua_remove(L, buffer);  // the buffer is freed by the collector
  return 1;
}

// --- decoding ------------------------------------------------------------------------------------

enum class DecodeError { none, eof, bad_format };

struct Cursor {
  const unsigned char* p;
  std::size_t left;
  DecodeError err;
};

bool need(Cursor& c, std::size_t n) {
  if (c.left < n) {
    c.err = DecodeError::eof;
    return false;
  }
  return true;
}

void consume(Cursor& c, std::size_t n) {
  c.p += n;
  c.left -= n;
}

std::uint64_t get_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void decode_value(lua_State* L, Cursor& c);

void decode_array(lua_State* L, Cursor& c, std::size_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (std::size_t i = 1; i <= n; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    decode_value(L, c);
    if (c.err != DecodeError::none) return;
    lua_settable(L, -3);
  }
}

void decode_map(lua_State* L, Cursor& c, std::size_t n) {
  lua_newtable(L);
  for (std::size_t i = 0; i < n; ++i) {
    decode_value(L, c);
    if (c.err != DecodeError::none) return;
    decode_value(L, c);
    if (c.err != DecodeError::none) return;
    lua_settable(L, -3);
  }
}

void push_string(lua_State* L, Cursor& c, int len_bytes) {
  if (!need(c, 1 + static_cast<std::size_t>(len_bytes))) return;
  const auto len = static_cast<std::size_t>(get_be(c.p + 1, len_bytes));
  consume(c, 1 + static_cast<std::size_t>(len_bytes));
  if (!need(c, len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  consume(c, len);
}

// Decodes one value onto the stack; on error sets c.err (the stack may hold a partial value).
void decode_value(lua_State* L, Cursor& c) {
  if (!need(c, 1)) return;
  // One more slot per value: many top-level values each stay on the stack as a result.
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  const unsigned char t = c.p[0];
  auto fixed = [&](int n) -> const unsigned char* {
    if (!need(c, 1 + static_cast<std::size_t>(n))) return nullptr;
    const unsigned char* at = c.p + 1;
    consume(c, 1 + static_cast<std::size_t>(n));
    return at;
  };
  switch (t) {
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {  // uint 8/16/32/64
      // Through lua_Integer, as lua-cmsgpack on Lua 5.1: a uint64 over INT64_MAX reads negative.
      const int n = 1 << (t - 0xcc);
      if (const unsigned char* at = fixed(n)) {
        lua_pushnumber(L, static_cast<lua_Number>(static_cast<std::int64_t>(get_be(at, n))));
      }
      return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {  // int 8/16/32/64
      const int n = 1 << (t - 0xd0);
      if (const unsigned char* at = fixed(n)) {
        std::uint64_t v = get_be(at, n);
        if (n < 8 && (v >> (8 * n - 1)) != 0) v |= ~0ull << (8 * n);  // sign extension
        lua_pushnumber(L, static_cast<lua_Number>(static_cast<std::int64_t>(v)));
      }
      return;
    }
    case 0xc0:
      consume(c, 1);
      lua_pushnil(L);
      return;
    case 0xc3:
    case 0xc2:
      consume(c, 1);
      lua_pushboolean(L, t == 0xc3);
      return;
    case 0xca:
      if (const unsigned char* at = fixed(4)) {
        const auto bits = static_cast<std::uint32_t>(get_be(at, 4));
        float f = 0;
        std::memcpy(&f, &bits, 4);
        lua_pushnumber(L, static_cast<lua_Number>(f));
      }
      return;
    case 0xcb:
      if (const unsigned char* at = fixed(8)) {
        const std::uint64_t bits = get_be(at, 8);
        double d = 0;
        std::memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
      }
      return;
    case 0xd9:
      return push_string(L, c, 1);
    case 0xda:
      return push_string(L, c, 2);
    case 0xdb:
      return push_string(L, c, 4);
    case 0xdc:
    case 0xdd: {
      const int n = t == 0xdc ? 2 : 4;
      if (const unsigned char* at = fixed(n)) decode_array(L, c, static_cast<std::size_t>(get_be(at, n)));
      return;
    }
    case 0xde:
    case 0xdf: {
      const int n = t == 0xde ? 2 : 4;
      if (const unsigned char* at = fixed(n)) decode_map(L, c, static_cast<std::size_t>(get_be(at, n)));
      return;
    }
    default:
      break;
  }
  if ((t & 0x80) == 0) {  // positive fixint
    consume(c, 1);
    lua_pushnumber(L, t);
  } else if ((t & 0xe0) == 0xe0) {  // negative fixint
    consume(c, 1);
    lua_pushnumber(L, static_cast<lua_Number>(static_cast<int>(t) - 256));
  } else if ((t & 0xe0) == 0xa0) {  // fixstr
    const std::size_t len = t & 0x1f;
    if (!need(c, 1 + len)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c.p + 1), len);
    consume(c, 1 + len);
  } else if ((t & 0xf0) == 0x90) {  // fixarray
    consume(c, 1);
    decode_array(L, c, t & 0x0f);
  } else if ((t & 0xf0) == 0x80) {  // fixmap
    consume(c, 1);
    decode_map(L, c, t & 0x0f);
  } else {  // bin, ext and the reserved byte: not something lua-cmsgpack reads
    c.err = DecodeError::bad_format;
  }
}

// limit 0 and offset 0: every value, returned as they are; else up to limit values from offset,
// preceded by the offset of the next value (-1 when the input is used up).
int unpack_full(lua_State* L, lua_Integer limit, lua_Integer offset) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (static_cast<std::size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) limit = 2147483647;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<std::size_t>(offset),
           DecodeError::none};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    decode_value(L, c);
    if (c.err == DecodeError::eof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::bad_format) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    ++count;
  }
  return count;
}

int unpack(lua_State* L) { return unpack_full(L, 0, 0); }

int unpack_one(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return unpack_full(L, 1, offset);
}

int unpack_limit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return unpack_full(L, limit, offset);
}

}  // namespace

int open_cmsgpack(lua_State* L) {
  luaL_newmetatable(L, kBufferMeta);
  lua_pushcfunction(L, buffer_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lua_newtable(L);
  const luaL_Reg functions[] = {
      {"pack", pack}, {"unpack", unpack}, {"unpack_one", unpack_one}, {"unpack_limit", unpack_limit}};
  for (const luaL_Reg& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");  // the version Redis 7.0 ships: what scripts may check
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace microredis::lua
