// Shared helpers of the in-process benchmarks: RESP encoding of pipelined commands, a fixed-seed
// random generator, a thread CPU-time clock, and the process's resident set size.
// Not part of the library: benchmarks may use the standard library and Linux's /proc freely.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "microredis/microredis.hpp"

namespace bench {

// splitmix64: a fixed seed keeps every run on the same key sequence.
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed = 0x9e3779b97f4a7c15ULL) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// CPU seconds consumed by the calling thread. The benchmarks time with it rather than a wall clock:
// on a machine shared with other work, time spent preempted is not the engine's cost.
inline double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// VmRSS of this process in bytes (0 when /proc is not there).
inline std::size_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  std::size_t kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      kb = std::strtoull(line + 6, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kb * 1024;
}

// Appends one RESP array of bulk strings to out.
inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  char head[32];
  out.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "*%zu\r\n", args.size())));
  for (std::string_view a : args) {
    out.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "$%zu\r\n", a.size())));
    out.append(a);
    out.append("\r\n");
  }
}
inline void append_command(std::string& out, const std::vector<std::string>& args) {
  char head[32];
  out.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "*%zu\r\n", args.size())));
  for (const std::string& a : args) {
    out.append(head, static_cast<std::size_t>(std::snprintf(head, sizeof head, "$%zu\r\n", a.size())));
    out.append(a);
    out.append("\r\n");
  }
}

inline std::string fmt(const char* pattern, std::uint64_t i) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, pattern, static_cast<unsigned long long>(i));
  return std::string(buf, static_cast<std::size_t>(n));
}

// A stream of pipelined commands cut into batches of `depth` commands: feeding one batch is what
// an adapter does after one read() of a pipelining client.
struct Pipeline {
  std::string bytes;
  std::vector<std::size_t> cuts;  // end offset of each batch
  std::size_t commands = 0;
  int depth = 32;
  int in_batch = 0;
  void end_command() {
    ++commands;
    if (++in_batch == depth) {
      cuts.push_back(bytes.size());
      in_batch = 0;
    }
  }
  void finish() {
    if (in_batch != 0) cuts.push_back(bytes.size());
    in_batch = 0;
  }
};

// Feeds every batch to the session and drops the replies, as an adapter that wrote them out would.
// Returns the reply bytes seen (so that the work cannot be optimised away, and for sanity checks).
inline std::size_t feed_all(microredis::Session& s, const Pipeline& p) {
  std::size_t begin = 0, out = 0;
  for (std::size_t end : p.cuts) {
    s.feed(std::string_view(p.bytes.data() + begin, end - begin));
    std::string_view o = s.pending_output();
    out += o.size();
    s.consume_output(o.size());
    begin = end;
  }
  return out;
}

}  // namespace bench
