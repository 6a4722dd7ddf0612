// The `struct` library Redis gives its scripts (struct.pack, struct.unpack, struct.size: binary
// records described by a format string), written for this component to behave as the one Redis
// 7.0 ships (Roberto Ierusalimschy's struct 0.2 on a 64-bit host): the same options, sizes,
// alignment rules and error texts.
//
// Format: '>' big endian, '<' little endian, '!n' alignment n (default 8), 'x' a zero byte,
// 'b'/'B' char, 'h'/'H' short, 'l'/'L' long, 'T' size_t, 'in'/'In' an n-byte integer (default 4,
// at most 32), 'f' float, 'd' double, 'cn' n bytes ('c0': the whole string when packing, the
// preceding number's size when unpacking), 's' a zero-terminated string; spaces are ignored.
// Lowercase integers are signed when unpacked.
//
// Lua raises errors with longjmp: nothing here has a destructor.
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>

#include "lua_libs.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace microredis::lua {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;

struct Header {
  bool big_endian;
  int align;
};

int get_number(lua_State* L, const char** fmt, int fallback) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return fallback;
  int a = 0;
  do {
    const int digit = **fmt - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    a = a * 10 + digit;
    ++*fmt;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

std::size_t option_size(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return sizeof(char);
    case 'H':
    case 'h':
      return sizeof(short);
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(std::size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<std::size_t>(get_number(L, fmt, 1));
    case 'i':
    case 'I': {
      const int size = get_number(L, fmt, sizeof(int));
      if (size > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      return static_cast<std::size_t>(size);
    }
    default:
      return 0;
  }
}

// Padding bytes that align an item of `size` at `pos` (up to the header's alignment).
std::size_t padding(std::size_t pos, const Header& h, char opt, std::size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<std::size_t>(h.align)) size = static_cast<std::size_t>(h.align);
  return (size - (pos & (size - 1))) & (size - 1);
}

bool power_of_two(int x) { return x > 0 && (x & (x - 1)) == 0; }

// The options that are not items: endianness, alignment, spaces.
void control_option(lua_State* L, char opt, const char** fmt, Header& h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.big_endian = true;
      return;
    case '<':
      h.big_endian = false;
      return;
    case '!': {
      const int a = get_number(L, fmt, kMaxAlign);
      if (!power_of_two(a)) luaL_error(L, "alignment %d is not a power of 2", a);
      h.align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

bool native_big_endian() {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 0;
}

Header default_header() { return Header{native_big_endian(), 1}; }

// Bytes of a float or double (native order) in the wanted byte order.
void order_bytes(unsigned char* bytes, std::size_t n, bool big_endian) {
  if (big_endian == native_big_endian()) return;
  for (std::size_t i = 0, j = n - 1; i < j; ++i, --j) {
    const unsigned char t = bytes[i];
    bytes[i] = bytes[j];
    bytes[j] = t;
  }
}

int pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h = default_header();
  int arg = 2;
  std::size_t total = 0;
  lua_pushnil(L);  // keeps the arguments apart from the buffer's stack slots
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const char opt = *fmt++;
    std::size_t size = option_size(L, opt, &fmt);
    std::size_t pad = padding(total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        const lua_Number n = luaL_checknumber(L, arg++);
        std::uint64_t v = n < 0 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(n))
                                : static_cast<std::uint64_t>(n);
        unsigned char bytes[kMaxIntSize];
        for (std::size_t i = 0; i < size; ++i) {
          bytes[h.big_endian ? size - 1 - i : i] = static_cast<unsigned char>(v & 0xff);
          v >>= 8;  // wider than 8 bytes: zeros
        }
        luaL_addlstring(&b, reinterpret_cast<const char*>(bytes), size);
        break;
      }
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        const auto f = static_cast<float>(luaL_checknumber(L, arg++));
        unsigned char bytes[sizeof f];
        std::memcpy(bytes, &f, sizeof f);
        order_bytes(bytes, sizeof f, h.big_endian);
        luaL_addlstring(&b, reinterpret_cast<const char*>(bytes), sizeof f);
        break;
      }
      case 'd': {
        const double d = luaL_checknumber(L, arg++);
        unsigned char bytes[sizeof d];
        std::memcpy(bytes, &d, sizeof d);
        order_bytes(bytes, sizeof d, h.big_endian);
        luaL_addlstring(&b, reinterpret_cast<const char*>(bytes), sizeof d);
        break;
      }
      case 'c':
      case 's': {
        std::size_t len = 0;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default:
        control_option(L, opt, &fmt, h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

lua_Number read_integer(const char* p, bool big_endian, bool is_signed, std::size_t size) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[big_endian ? i : size - 1 - i]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  if (size * 8 - 1 < 64) {
    const std::uint64_t sign = ~0ull << (size * 8 - 1);
    if (v & sign) v |= sign;  // sign extension
  }
  return static_cast<lua_Number>(static_cast<std::int64_t>(v));
}

int unpack(lua_State* L) {
  Header h = default_header();
  const char* fmt = luaL_checkstring(L, 1);
  std::size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  const lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  auto pos = static_cast<std::size_t>(start - 1);
  int n = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    std::size_t size = option_size(L, opt, &fmt);
    pos += padding(pos, h, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        lua_pushnumber(L, read_integer(data + pos, h.big_endian, std::islower(static_cast<unsigned char>(opt)) != 0,
                                       size));
        ++n;
        break;
      case 'x':
        break;
      case 'f': {
        unsigned char bytes[sizeof(float)];
        std::memcpy(bytes, data + pos, sizeof bytes);
        order_bytes(bytes, sizeof bytes, h.big_endian);
        float f = 0;
        std::memcpy(&f, bytes, sizeof f);
        lua_pushnumber(L, static_cast<lua_Number>(f));
        ++n;
        break;
      }
      case 'd': {
        unsigned char bytes[sizeof(double)];
        std::memcpy(bytes, data + pos, sizeof bytes);
        order_bytes(bytes, sizeof bytes, h.big_endian);
        double d = 0;
        std::memcpy(&d, bytes, sizeof d);
        lua_pushnumber(L, d);
        ++n;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<std::size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          --n;
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++n;
        break;
      case 's': {
        const auto* end = static_cast<const char*>(std::memchr(data + pos, '\0', len - pos));
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<std::size_t>(end - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++n;
        break;
      }
      default:
        control_option(L, opt, &fmt, h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));  // where the next record starts
  return n + 1;
}

int size(lua_State* L) {
  Header h = default_header();
  const char* fmt = luaL_checkstring(L, 1);
  std::size_t pos = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    const std::size_t item = option_size(L, opt, &fmt);
    pos += padding(pos, h, opt, item);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && item == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!std::isalnum(static_cast<unsigned char>(opt))) control_option(L, opt, &fmt, h);
    pos += item;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int open_struct(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg functions[] = {{"pack", pack}, {"unpack", unpack}, {"size", size}};
  for (const luaL_Reg& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  return 1;
}

}  // namespace microredis::lua
