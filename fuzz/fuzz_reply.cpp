// libFuzzer target: the reply parser (Engine::execute's path from bytes to a Reply, and what
// clients of an embedded engine use) on arbitrary bytes. It must never crash, overflow its stack
// or read past the input, and what it accepts must parse the same way again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "microredis/microredis.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  microredis::Reply first;
  std::size_t n = microredis::parse_reply(bytes, first);
  if (n > size) std::abort();
  if (n > 0) {
    microredis::Reply again;
    if (microredis::parse_reply(bytes.substr(0, n), again) != n) std::abort();
    if (!(again == first)) std::abort();
    // A strict prefix of a complete reply is never complete.
    microredis::Reply partial;
    if (microredis::parse_reply(bytes.substr(0, n - 1), partial) != 0) std::abort();
  }
  return 0;
}
