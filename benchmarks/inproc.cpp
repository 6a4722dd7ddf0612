// In-process throughput: what one core does with the engine when no socket is in the way.
//
//   inproc [--keys N] [--ops N] [--depth N] [--reps N] [--tests GET,SET,...]
//
// Loads N string keys (key:%07d -> 16-byte value), then for GET (hits), SET, INCR, LPUSH, ZADD and
// HSET over N keys picked at random (fixed seed):
//   feed     pipelined RESP bytes fed to a Session in batches of --depth commands, replies dropped
//            as an adapter that wrote them out would (the path every adapter takes);
//   execute  engine.execute(argv) returning a Reply value (the unit-test / embedding path);
//   client   the typed in-process client (microredis::inproc::Client: get() -> optional<string>, ...);
// and, as the physical limit of a keyed lookup, a bare loop of find() on a std::unordered_map and
// on a flat open-addressing table holding the same keys and values. Prints ops/s (median of --reps)
// and the ratio to the std::unordered_map lookup loop. Times are the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID): ops per CPU-second, so that other load on the machine does not count.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_common.hpp"
#include "microredis/inproc.hpp"

namespace {

using bench::Pipeline;

volatile std::size_t g_sink = 0;

struct Options {
  std::size_t keys = 1000000;
  std::size_t ops = 1000000;
  int depth = 32;
  int reps = 3;
  std::string tests;  // comma-separated names; empty: all
};

const char kValue[] = "0123456789abcdef";  // 16 bytes

// "prefix" + 7 decimal digits, without printf (the reference loop and execute() pay the same).
inline std::string_view make_key(char* buf, std::string_view prefix, std::size_t i) {
  std::memcpy(buf, prefix.data(), prefix.size());
  char* d = buf + prefix.size();
  for (int k = 6; k >= 0; --k) {
    d[k] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
  return {buf, prefix.size() + 7};
}

// One benchmarked command: its argv for op number i, key index k (random), and a random draw r.
struct Test {
  const char* name;
  std::function<std::size_t(char* keybuf, char* aux, std::size_t k, std::uint64_t r, std::string_view* argv)> args;
};

std::vector<Test> tests() {
  return {
      {"GET", [](char* kb, char*, std::size_t k, std::uint64_t, std::string_view* a) {
         a[0] = "GET"; a[1] = make_key(kb, "key:", k); return std::size_t{2}; }},
      {"SET", [](char* kb, char*, std::size_t k, std::uint64_t, std::string_view* a) {
         a[0] = "SET"; a[1] = make_key(kb, "key:", k); a[2] = std::string_view(kValue, 16); return std::size_t{3}; }},
      {"INCR", [](char* kb, char*, std::size_t k, std::uint64_t, std::string_view* a) {
         a[0] = "INCR"; a[1] = make_key(kb, "ctr:", k); return std::size_t{2}; }},
      {"LPUSH", [](char* kb, char*, std::size_t k, std::uint64_t, std::string_view* a) {
         a[0] = "LPUSH"; a[1] = make_key(kb, "list:", k); a[2] = std::string_view(kValue, 16); return std::size_t{3}; }},
      {"ZADD", [](char* kb, char* aux, std::size_t k, std::uint64_t r, std::string_view* a) {
         a[0] = "ZADD"; a[1] = make_key(kb, "zset:", k);
         int n = std::snprintf(aux, 32, "%llu", static_cast<unsigned long long>(r % 1000000));
         a[2] = std::string_view(aux, static_cast<std::size_t>(n));
         // member m:00 .. m:99: sets grow to at most 100 members, as small sorted sets do
         char* m = aux + 32; m[0] = 'm'; m[1] = ':'; m[2] = static_cast<char>('0' + (r >> 20) % 10);
         m[3] = static_cast<char>('0' + (r >> 24) % 10);
         a[3] = std::string_view(m, 4); return std::size_t{4}; }},
      {"HSET", [](char* kb, char* aux, std::size_t k, std::uint64_t r, std::string_view* a) {
         a[0] = "HSET"; a[1] = make_key(kb, "hash:", k);
         aux[0] = 'f'; aux[1] = static_cast<char>('0' + r % 10);
         a[2] = std::string_view(aux, 2); a[3] = std::string_view(kValue, 16); return std::size_t{4}; }},
  };
}

struct RandomOps {
  std::vector<std::uint32_t> key;
  std::vector<std::uint64_t> draw;
};

RandomOps random_ops(const Options& o, std::uint64_t seed) {
  bench::Rng rng(seed);
  RandomOps r;
  r.key.resize(o.ops);
  r.draw.resize(o.ops);
  for (std::size_t i = 0; i < o.ops; ++i) {
    r.key[i] = static_cast<std::uint32_t>(rng.below(o.keys));
    r.draw[i] = rng.next();
  }
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A flat open-addressing table (linear probing, power-of-two capacity, 1/2 load) of pointers to
// key/value strings: the cheapest keyed lookup a C++ program can reasonably do.
struct FlatMap {
  struct Slot {
    std::uint64_t hash = 0;
    const std::string* key = nullptr;
    const std::string* value = nullptr;
  };
  std::vector<Slot> slots;
  std::size_t mask = 0;
  explicit FlatMap(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    slots.resize(cap);
    mask = cap - 1;
  }
  static std::uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s) | 1; }
  void insert(const std::string* k, const std::string* v) {
    std::uint64_t h = hash_of(*k);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots[i].key == nullptr) {
        slots[i] = {h, k, v};
        return;
      }
    }
  }
  const std::string* find(std::string_view k) const {
    std::uint64_t h = hash_of(k);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.key == nullptr) return nullptr;
      if (s.hash == h && *s.key == k) return s.value;
    }
  }
};

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--keys") o.keys = v;
    else if (a == "--ops") o.ops = v;
    else if (a == "--depth") o.depth = static_cast<int>(v);
    else if (a == "--reps") o.reps = static_cast<int>(v);
    else if (a == "--tests") o.tests = "," + std::string(argv[i + 1]) + ",";
    else {
      std::fprintf(stderr, "usage: inproc [--keys N] [--ops N] [--depth N] [--reps N] [--tests GET,SET,...]\n");
      return 2;
    }
  }
  if (o.keys == 0 || o.keys > 10000000 || o.ops == 0 || o.depth <= 0 || o.reps <= 0) {
    std::fprintf(stderr, "inproc: --keys must be 1..10000000, --ops/--depth/--reps positive\n");
    return 2;
  }

  microredis::Engine engine;
  microredis::Session* session = engine.open_session();
  char kb[32], aux[64];

  // Load the string keys through the feed path.
  {
    Pipeline load;
    load.depth = 1000;
    for (std::size_t i = 0; i < o.keys; ++i) {
      bench::append_command(load.bytes, {"SET", make_key(kb, "key:", i), std::string_view(kValue, 16)});
      load.end_command();
    }
    load.finish();
    double t0 = bench::cpu_s();
    bench::feed_all(*session, load);
    double dt = bench::cpu_s() - t0;
    std::printf("# loaded %zu keys in %.2f s (%.2f M SET/s, depth 1000); used_memory %.1f MB\n", o.keys, dt,
                o.keys / dt / 1e6, engine.memory().used() / 1048576.0);
  }

  // The reference: the same keys and values in plain hash maps; lookups of the GET sequence.
  std::vector<std::string> ref_keys(o.keys);
  for (std::size_t i = 0; i < o.keys; ++i) ref_keys[i] = std::string(make_key(kb, "key:", i));
  std::string ref_value(kValue, 16);
  RandomOps get_ops = random_ops(o, 1);
  double ref_std = 0, ref_flat = 0;
  {
    std::unordered_map<std::string, std::string, TransparentHash, std::equal_to<>> map;
    map.reserve(o.keys);
    for (const std::string& k : ref_keys) map.emplace(k, ref_value);
    std::vector<double> rates;
    std::size_t found = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
      double t0 = bench::cpu_s();
      for (std::size_t i = 0; i < o.ops; ++i) {
        // the key bytes are formed per op, as a request carries them (not read from ref_keys)
        auto it = map.find(make_key(kb, "key:", get_ops.key[i]));
        found += it->second.size();
      }
      rates.push_back(o.ops / (bench::cpu_s() - t0));
    }
    ref_std = median(rates);
    if (found != o.ops * 16 * static_cast<std::size_t>(o.reps)) std::fprintf(stderr, "reference: misses?\n");
  }
  {
    FlatMap map(o.keys);
    for (const std::string& k : ref_keys) map.insert(&k, &ref_value);
    std::vector<double> rates;
    std::size_t found = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
      double t0 = bench::cpu_s();
      for (std::size_t i = 0; i < o.ops; ++i) found += map.find(make_key(kb, "key:", get_ops.key[i]))->size();
      rates.push_back(o.ops / (bench::cpu_s() - t0));
    }
    ref_flat = median(rates);
    if (found != o.ops * 16 * static_cast<std::size_t>(o.reps)) std::fprintf(stderr, "flat reference: misses?\n");
  }
  ref_keys.clear();
  ref_keys.shrink_to_fit();

  std::printf("# %zu keys, %zu random ops per run, median of %d runs, feed batches of %d commands\n", o.keys,
              o.ops, o.reps, o.depth);
  std::printf("| path | command | ops/s | ratio to unordered_map lookup |\n|---|---|---:|---:|\n");
  std::printf("| reference | std::unordered_map find | %.2fM | 1.00 |\n", ref_std / 1e6);
  std::printf("| reference | flat open-addressing find | %.2fM | %.2f |\n", ref_flat / 1e6, ref_flat / ref_std);

  std::uint64_t seed = 100;
  bool ok = true;
  for (const Test& t : tests()) {
    if (!o.tests.empty() && o.tests.find("," + std::string(t.name) + ",") == std::string::npos) continue;
    RandomOps ops = t.name == std::string_view("GET") ? get_ops : random_ops(o, ++seed);
    std::string_view a[8];

    Pipeline p;
    p.depth = o.depth;
    p.bytes.reserve(o.ops * 48);
    for (std::size_t i = 0; i < o.ops; ++i) {
      std::size_t n = t.args(kb, aux, ops.key[i], ops.draw[i], a);
      char head[24];
      p.bytes.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "*%zu\r\n", n)));
      for (std::size_t j = 0; j < n; ++j) {
        p.bytes.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "$%zu\r\n", a[j].size())));
        p.bytes.append(a[j]);
        p.bytes.append("\r\n");
      }
      p.end_command();
    }
    p.finish();

    std::uint64_t errors0 = engine.stats().error_replies;
    std::vector<double> feed_rates, exec_rates;
    std::size_t out = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
      double t0 = bench::cpu_s();
      out = bench::feed_all(*session, p);
      feed_rates.push_back(o.ops / (bench::cpu_s() - t0));
    }
    // every GET is a hit: "$16\r\n" + 16 bytes + "\r\n"
    if (t.name == std::string_view("GET") && out != o.ops * 23) {
      std::fprintf(stderr, "GET: %zu reply bytes, expected %zu (misses?)\n", out, o.ops * 23);
      ok = false;
    }
    std::size_t sink = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
      double t0 = bench::cpu_s();
      for (std::size_t i = 0; i < o.ops; ++i) {
        std::size_t n = t.args(kb, aux, ops.key[i], ops.draw[i], a);
        microredis::Reply r = engine.execute(a, n);
        sink += static_cast<std::size_t>(r.type);
      }
      exec_rates.push_back(o.ops / (bench::cpu_s() - t0));
    }
    // The typed client: the same operations through its C++ calls (replies as C++ values).
    microredis::inproc::Client client(engine);
    std::vector<double> client_rates;
    const std::string_view name = t.name;
    for (int rep = 0; rep < o.reps; ++rep) {
      double t0 = bench::cpu_s();
      for (std::size_t i = 0; i < o.ops; ++i) {
        (void)t.args(kb, aux, ops.key[i], ops.draw[i], a);
        bool ok_call = true;
        if (name == "GET") {
          auto r = client.get(a[1]);
          ok_call = r.ok();
          if (ok_call && r.value()) sink += r.value()->size();
        } else if (name == "SET") {
          ok_call = client.set(a[1], a[2]).ok();
        } else if (name == "INCR") {
          ok_call = client.incr(a[1]).ok();
        } else if (name == "LPUSH") {
          ok_call = client.lpush(a[1], {a[2]}).ok();
        } else if (name == "ZADD") {
          ok_call = client.zadd(a[1], static_cast<double>(std::strtoull(a[2].data(), nullptr, 10)), a[3]).ok();
        } else if (name == "HSET") {
          ok_call = client.hset(a[1], a[2], a[3]).ok();
        }
        if (!ok_call) ok = false;
      }
      client_rates.push_back(o.ops / (bench::cpu_s() - t0));
    }
    if (engine.stats().error_replies != errors0) {
      std::fprintf(stderr, "%s: %llu error replies\n", t.name,
                   static_cast<unsigned long long>(engine.stats().error_replies - errors0));
      ok = false;
    }
    double f = median(feed_rates), e = median(exec_rates);
    std::printf("| feed | %s | %.2fM | %.2f |\n", t.name, f / 1e6, f / ref_std);
    std::printf("| execute | %s | %.2fM | %.2f |\n", t.name, e / 1e6, e / ref_std);
    const double c = median(client_rates);
    std::printf("| client | %s | %.2fM | %.2f |\n", t.name, c / 1e6, c / ref_std);
    std::fflush(stdout);
    g_sink = sink;  // keeps the replies observable
  }
  std::printf("# used_memory after the run %.1f MB, RSS %.1f MB\n", engine.memory().used() / 1048576.0,
              bench::rss_bytes() / 1048576.0);
  engine.close_session(session);
  return ok ? 0 : 1;
}
