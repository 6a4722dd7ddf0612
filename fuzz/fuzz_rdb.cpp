// libFuzzer target: RESTORE's path through the RDB codec (store/rdb.hpp) on arbitrary bytes. The
// input is a payload body (type byte and value); the target adds the version and CRC64 footer so
// that the loader, not the checksum, sees every input. Loading must never crash or read past the
// payload, and whatever loads must DUMP and load again to the same value (DEBUG DIGEST-VALUE),
// in a small-limits engine too, where the same data takes the big encodings.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "microredis/microredis.hpp"
#include "microredis/store/rdb.hpp"

namespace {

std::string seal(const std::uint8_t* data, std::size_t size) {
  std::string p(reinterpret_cast<const char*>(data), size);
  p.push_back(static_cast<char>(microredis::rdb::kVersion & 0xff));
  p.push_back(static_cast<char>(microredis::rdb::kVersion >> 8));
  const std::uint64_t crc = microredis::rdb::crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>(crc >> (8 * i)));
  return p;
}

void check(microredis::Engine& engine, const std::string& payload) {
  using microredis::Reply;
  Reply r = engine.execute({"RESTORE", "k", "0", payload, "REPLACE"});
  if (r.type != Reply::Type::simple) return;
  Reply digest = engine.execute({"DEBUG", "DIGEST-VALUE", "k"});
  Reply dump = engine.execute({"DUMP", "k"});
  if (dump.type != Reply::Type::bulk) std::abort();
  if (!(engine.execute({"RESTORE", "k2", "0", dump.str, "REPLACE"}) == Reply::ok())) std::abort();
  if (!(engine.execute({"DEBUG", "DIGEST-VALUE", "k2"}) == digest)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string payload = seal(data, size);
  {
    microredis::Engine engine;
    check(engine, payload);
  }
  {
    microredis::Engine engine;
    engine.execute({"CONFIG", "SET", "hash-max-listpack-entries", "2"});
    engine.execute({"CONFIG", "SET", "zset-max-listpack-entries", "2"});
    engine.execute({"CONFIG", "SET", "set-max-intset-entries", "2"});
    engine.execute({"CONFIG", "SET", "list-max-listpack-size", "2"});
    check(engine, payload);
  }
  return 0;
}
