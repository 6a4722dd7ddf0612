// The harness of the Lua component's tests (scripting_test.cpp, functions_test.cpp): an engine with
// adapters/lua's scripting installed. Include only under MICROREDIS_TEST_WITH_LUA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Stands in for the adapter while a script is busy: on the engine's n-th call of the busy handler,
// another session runs the n-th of `commands` (nothing once they are used up), and its reply is kept.
struct BusyProbe {
  microredis::Engine& engine;
  microredis::Session* other;
  std::vector<std::vector<std::string>> commands;
  std::size_t calls = 0;
  std::vector<Reply> replies;

  BusyProbe(microredis::Engine& e, microredis::Session* session) : engine(e), other(session) {}
  ~BusyProbe() { engine.set_busy_handler(nullptr, nullptr); }

  void expect(std::vector<std::vector<std::string>> next) {
    commands = std::move(next);
    calls = 0;
    replies.clear();
    engine.set_busy_handler(
        [](void* ctx, microredis::Session&) {
          auto* self = static_cast<BusyProbe*>(ctx);
          if (self->calls >= self->commands.size()) return;
          const std::vector<std::string>& cmd = self->commands[self->calls++];
          std::vector<std::string_view> argv(cmd.begin(), cmd.end());
          self->replies.push_back(self->other->execute(argv.data(), argv.size()));
        },
        this);
  }
};

}  // namespace mrtest
