// The Lua libraries Redis gives its scripts that Debian's Lua 5.1 packages do not provide, written
// for this component (Lua's own libraries, cjson and bit come from the system's Lua packages).
#pragma once

extern "C" {
struct lua_State;
}

namespace microredis::lua {

// cmsgpack (cmsgpack.cpp): pushes the library's table.
int open_cmsgpack(lua_State* L);
// struct (struct.cpp): pushes the library's table.
int open_struct(lua_State* L);

}  // namespace microredis::lua
