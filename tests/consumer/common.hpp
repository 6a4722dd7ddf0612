// What every consumer program checks: the engine answers through execute() and through a session,
// as an application embedding microredis would use it.
#pragma once

#include <cstdio>
#include <string_view>

#include <microredis/microredis.hpp>

namespace consumer {

inline int check(bool ok, const char* what) {
  if (!ok) std::printf("FAILED: %s\n", what);
  return ok ? 0 : 1;
}

inline int exercise_engine(const char* who) {
  microredis::Engine engine;
  int failures = 0;
  failures += check(engine.execute({"ECHO", "consumer"}).str == "consumer", "execute ECHO");
  failures += check(engine.execute({"CONFIG", "GET", "hz"}).size() == 2, "execute CONFIG GET");
  microredis::Session* s = engine.open_session();
  failures += check(s != nullptr, "open_session");
  if (s != nullptr) {
    s->feed("*1\r\n$4\r\nPING\r\nECHO \"a b\"\r\n");
    failures += check(s->pending_output() == "+PONG\r\n$3\r\na b\r\n", "session replies");
    engine.close_session(s);
  }
  std::printf("%s: %s (microredis %s, Redis %s)\n", who, failures ? "FAILED" : "ok", MICROREDIS_VERSION_STRING,
              MICROREDIS_REDIS_COMPAT_VERSION);
  return failures;
}

}  // namespace consumer
