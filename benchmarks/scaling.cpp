// Scaling: how throughput, memory and per-operation cost grow with the data, in process.
//
//   scaling keyspace N [OPS]   loads N string keys (key:%07d -> 16 bytes) into a fresh engine, then
//                              times random GET hits and SETs (feed path, batches of 32 commands);
//                              prints: keys load_ops_s get_ops_s set_ops_s rss_bytes_per_key
//                              used_bytes_per_key
//   scaling ops N [CALLS]      with N keys in the keyspace and a sorted set of N members, times
//                              KEYS * (whole keyspace), a full SCAN in calls of COUNT 100,
//                              ZRANGE of 10 members at a random rank, ZRANK of a random member;
//                              prints one line per operation: op n ns_per_call ns_per_element
// Lines are tab-separated, for benchmarks/scaling.sh to collect and plot. One size per process,
// so that memory an earlier size freed does not hide a later size's cost.
#include <algorithm>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

const char kValue[] = "0123456789abcdef";

void drain(microredis::Session& s) { s.consume_output(s.pending_output().size()); }

void load_keys(microredis::Session& s, std::size_t n) {
  std::string batch;
  for (std::size_t i = 0; i < n; ++i) {
    bench::append_command(batch, {"SET", bench::fmt("key:%07llu", i), std::string_view(kValue, 16)});
    if (batch.size() > 256 * 1024 || i + 1 == n) {
      s.feed(batch);
      drain(s);
      batch.clear();
    }
  }
}

double time_feed(microredis::Session& s, const bench::Pipeline& p) {
  double t0 = bench::cpu_s();
  bench::feed_all(s, p);
  return bench::cpu_s() - t0;
}

int keyspace(std::size_t n, std::size_t ops) {
  microredis::Engine engine;
  microredis::Session* s = engine.open_session();
  std::size_t rss0 = bench::rss_bytes(), used0 = engine.memory().used();
  double t0 = bench::cpu_s();
  load_keys(*s, n);
  double load = bench::cpu_s() - t0;
  std::size_t rss1 = bench::rss_bytes(), used1 = engine.memory().used();

  bench::Rng rng(7);
  bench::Pipeline get, set;
  for (std::size_t i = 0; i < ops; ++i) {
    std::string key = bench::fmt("key:%07llu", rng.below(n));
    bench::append_command(get.bytes, {"GET", key});
    get.end_command();
    bench::append_command(set.bytes, {"SET", bench::fmt("key:%07llu", rng.below(n)), std::string_view(kValue, 16)});
    set.end_command();
  }
  get.finish();
  set.finish();
  double best_get = 1e300, best_set = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    best_get = std::min(best_get, time_feed(*s, get));
    best_set = std::min(best_set, time_feed(*s, set));
  }
  std::printf("%zu\t%.0f\t%.0f\t%.0f\t%.1f\t%.1f\n", n, n / load, ops / best_get, ops / best_set,
              static_cast<double>(rss1 - rss0) / n, static_cast<double>(used1 - used0) / n);
  engine.close_session(s);
  return 0;
}

// Runs one command `calls` times (argv from make(i)), returns ns per call.
template <class Make>
double per_call(microredis::Session& s, std::size_t calls, Make make) {
  std::string bytes;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < calls; ++i) {
    bench::append_command(bytes, make(i));
    cuts.push_back(bytes.size());
  }
  double t0 = bench::cpu_s();
  std::size_t begin = 0;
  for (std::size_t end : cuts) {  // one command per feed: each call pays its own reply
    s.feed(std::string_view(bytes.data() + begin, end - begin));
    drain(s);
    begin = end;
  }
  return (bench::cpu_s() - t0) * 1e9 / static_cast<double>(calls);
}

int ops(std::size_t n, std::size_t calls) {
  microredis::Engine engine;
  microredis::Session* s = engine.open_session();
  load_keys(*s, n);
  {
    std::string batch;
    std::vector<std::string> a = {"ZADD", "zset"};
    for (std::size_t i = 0; i < n; ++i) {
      a.push_back(bench::fmt("%llu", i));
      a.push_back(bench::fmt("m:%llu", i));
      if (a.size() >= 202 || i + 1 == n) {
        bench::append_command(batch, a);
        a.resize(2);
      }
      if (batch.size() > 256 * 1024 || i + 1 == n) {
        s->feed(batch);
        drain(*s);
        batch.clear();
      }
    }
  }
  std::size_t keys = n + 1;  // the sorted set is a key too
  bench::Rng rng(11);

  // KEYS *: O(N) per call. Few calls: each returns the whole keyspace.
  std::size_t keys_calls = std::max<std::size_t>(1, std::min<std::size_t>(20, 2000000 / keys));
  double keys_ns = per_call(*s, keys_calls, [](std::size_t) { return std::vector<std::string>{"KEYS", "*"}; });
  std::printf("KEYS\t%zu\t%.0f\t%.2f\n", n, keys_ns, keys_ns / static_cast<double>(keys));

  // A full SCAN with COUNT 100: O(1) per call amortised, O(N) for the whole iteration.
  {
    std::size_t calls_made = 0;
    double t0 = bench::cpu_s();
    std::string cursor = "0", cmd;
    do {
      cmd.clear();
      bench::append_command(cmd, {"SCAN", cursor, "COUNT", "100"});
      s->feed(cmd);
      std::string_view out = s->pending_output();
      // "*2\r\n$<len>\r\n<cursor>\r\n..."
      std::size_t p = out.find("\r\n", 4);
      std::size_t len = std::strtoull(out.data() + 5, nullptr, 10);
      cursor = std::string(out.substr(p + 2, len));
      drain(*s);
      ++calls_made;
    } while (cursor != "0");
    double total_ns = (bench::cpu_s() - t0) * 1e9;
    std::printf("SCAN\t%zu\t%.0f\t%.2f\n", n, total_ns / static_cast<double>(calls_made),
                total_ns / static_cast<double>(keys));
  }

  // ZRANGE zset r r+9: O(log N + 10).
  double zrange_ns = per_call(*s, calls, [&](std::size_t) {
    std::size_t r = rng.below(n > 10 ? n - 10 : 1);
    return std::vector<std::string>{"ZRANGE", "zset", bench::fmt("%llu", r), bench::fmt("%llu", r + 9)};
  });
  std::printf("ZRANGE\t%zu\t%.0f\t%.2f\n", n, zrange_ns, zrange_ns / 10);

  // ZRANK zset m:<random>: O(log N).
  double zrank_ns = per_call(*s, calls, [&](std::size_t) {
    return std::vector<std::string>{"ZRANK", "zset", bench::fmt("m:%llu", rng.below(n))};
  });
  std::printf("ZRANK\t%zu\t%.0f\t%.2f\n", n, zrank_ns, zrank_ns);

  // GET of a random key: O(1), for scale.
  double get_ns = per_call(*s, calls, [&](std::size_t) {
    return std::vector<std::string>{"GET", bench::fmt("key:%07llu", rng.below(n))};
  });
  std::printf("GET\t%zu\t%.0f\t%.2f\n", n, get_ns, get_ns);
  if (engine.stats().error_replies != 0) {
    std::fprintf(stderr, "scaling: error replies\n");
    return 1;
  }
  engine.close_session(s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: scaling keyspace N [OPS] | scaling ops N [CALLS]\n");
    return 2;
  }
  std::string_view mode = argv[1];
  std::size_t n = std::strtoull(argv[2], nullptr, 10);
  if (n == 0 || n > 10000000) {
    std::fprintf(stderr, "scaling: N must be 1..10000000 (keys are key:%%07d)\n");
    return 2;
  }
  if (mode == "keyspace") return keyspace(n, argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1000000);
  if (mode == "ops") return ops(n, argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 100000);
  std::fprintf(stderr, "scaling: unknown mode\n");
  return 2;
}
