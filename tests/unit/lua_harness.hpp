// The harness of the Lua component's tests (scripting_test.cpp, functions_test.cpp): an engine with
// adapters/lua's scripting installed. Include only under MICROREDIS_TEST_WITH_LUA.
#pragma once

#include <cstdint>

#include "harness.hpp"
#include "microredis/inproc.hpp"
#include "microredis/scripting.hpp"

namespace mrtest {

struct LuaHarness : Harness {
  microredis::lua::Scripting scripting{engine};
  microredis::inproc::CommandRegistry commands{engine};

  // Registers ADVANCE <ms>, which moves the manual clock forward: a script that calls it first
  // runs past the busy-script time limit at once, without the test sleeping.
  void add_clock_advance_command() {
    microredis::inproc::CommandDef advance;
    advance.name = "advance";
    advance.arity = 2;
    commands.add(advance, [this](microredis::Context& c) {
      std::int64_t ms = 0;
      (void)microredis::parse_int64(c.arg(1), ms);
      clock.advance_ms(ms);
      c.out.ok();
    });
  }
};

}  // namespace mrtest
