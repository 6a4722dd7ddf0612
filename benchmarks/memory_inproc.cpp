// In-process memory: loads one data set into a fresh Engine through the session feed path and
// prints what it cost, as Memory's accounting (used_memory) and as the process's RSS.
//
//   memory_inproc DATASET [COUNT]     DATASET: strings strings_ttl hashes sets zsets lists
//
// Prints one tab-separated line: dataset keys elements rss_delta_bytes used_delta_bytes.
// One data set per process, so that memory freed by an earlier load cannot hide a later one's cost.
// The data are those benchmarks/memory.py sends to microredis-server and redis-server:
//   strings      SET key:%07d val:%012d                      (11-byte key, 16-byte value)
//   strings_ttl  the same with EX 100000 on every key
//   hashes       HSET hash:%06d field:J v:%06d, J = 0..9       (10 fields per hash)
//   sets         SADD set:%06d J+(I%1000)*10, J = 0..9        (10 small integers)
//   zsets        ZADD zset:%06d J m:J, J = 0..9               (10 members)
//   lists        RPUSH list:%06d v:%06d x 10                   (10 elements)
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

// Appends the command that loads key number i of the data set; returns its element count.
std::size_t append_load(std::string& out, std::string_view set, std::size_t i) {
  std::vector<std::string> a;
  if (set == "strings" || set == "strings_ttl") {
    a = {"SET", bench::fmt("key:%07llu", i), bench::fmt("val:%012llu", i)};
    if (set == "strings_ttl") {
      a.push_back("EX");
      a.push_back("100000");
    }
    bench::append_command(out, a);
    return 1;
  }
  if (set == "hashes") {
    a = {"HSET", bench::fmt("hash:%06llu", i)};
    for (std::size_t j = 0; j < 10; ++j) {
      a.push_back(bench::fmt("field:%llu", j));
      a.push_back(bench::fmt("v:%06llu", (i * 10 + j) % 1000000));
    }
  } else if (set == "sets") {
    a = {"SADD", bench::fmt("set:%06llu", i)};
    for (std::size_t j = 0; j < 10; ++j) a.push_back(bench::fmt("%llu", j + (i % 1000) * 10));
  } else if (set == "zsets") {
    a = {"ZADD", bench::fmt("zset:%06llu", i)};
    for (std::size_t j = 0; j < 10; ++j) {
      a.push_back(bench::fmt("%llu", j));
      a.push_back(bench::fmt("m:%llu", j));
    }
  } else if (set == "lists") {
    a = {"RPUSH", bench::fmt("list:%06llu", i)};
    for (std::size_t j = 0; j < 10; ++j) a.push_back(bench::fmt("v:%06llu", (i * 10 + j) % 1000000));
  } else {
    return 0;
  }
  bench::append_command(out, a);
  return 10;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: memory_inproc strings|strings_ttl|hashes|sets|zsets|lists [COUNT]\n");
    return 2;
  }
  std::string_view set = argv[1];
  bool strings = set == "strings" || set == "strings_ttl";
  std::size_t count = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : (strings ? 1000000 : 100000);

  microredis::Engine engine;
  microredis::Session* s = engine.open_session();
  std::string batch;
  batch.reserve(1 << 20);
  // Warm the session's buffers first, so that only the data's cost is measured.
  append_load(batch, set, 0);
  s->feed(batch);
  s->consume_output(s->pending_output().size());
  engine.execute({"FLUSHALL"});
  batch.clear();

  std::size_t rss0 = bench::rss_bytes(), used0 = engine.memory().used(), elements = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t n = append_load(batch, set, i);
    if (n == 0) {
      std::fprintf(stderr, "memory_inproc: unknown data set %.*s\n", static_cast<int>(set.size()), set.data());
      return 2;
    }
    elements += n;
    if (batch.size() > 256 * 1024 || i + 1 == count) {
      s->feed(batch);
      s->consume_output(s->pending_output().size());
      batch.clear();
    }
  }
  std::size_t rss1 = bench::rss_bytes(), used1 = engine.memory().used();
  if (engine.stats().error_replies != 0 || static_cast<std::size_t>(engine.db(0).size()) != count) {
    std::fprintf(stderr, "memory_inproc: load failed (%zu keys)\n", static_cast<std::size_t>(engine.db(0).size()));
    return 1;
  }
  std::printf("%.*s\t%zu\t%zu\t%lld\t%lld\n", static_cast<int>(set.size()), set.data(), count, elements,
              static_cast<long long>(rss1) - static_cast<long long>(rss0),
              static_cast<long long>(used1) - static_cast<long long>(used0));
  engine.close_session(s);
  return 0;
}
