// The POSIX adapter links and constructs; no socket is opened.
#include <microredis/posix/server.hpp>

#include "common.hpp"

int main() {
  microredis::Engine engine;
  microredis::posix::ServerOptions options;
  options.port = 0;
  microredis::posix::Server server(engine, options);
  int failures = consumer::check(server.connection_count() == 0, "posix server without connections");
  std::printf("find_package posix consumer: %s\n", failures ? "FAILED" : "ok");
  return failures + consumer::exercise_engine("find_package posix consumer");
}
