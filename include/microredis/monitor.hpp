// What the engine remembers about slow commands and latency spikes: the SLOWLOG (Redis's
// slowlog.c) and the latency monitor's event time series (LATENCY LATEST / HISTORY, Redis's
// latency.c). Both are fed by Engine::call with durations measured on the injected clock; neither
// does I/O. Entries live in blocks from the engine's Memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory.hpp"
#include "util/id_slots.hpp"

namespace microredis {

// The slow log: newest entry first, at most slowlog-max-len entries. Each entry is one block:
//   header | argument lengths (u32 each) | argument bytes | peer | name
class SlowLog {
 public:
  static constexpr std::size_t kMaxArgc = 32;     // Redis's SLOWLOG_ENTRY_MAX_ARGC
  static constexpr std::size_t kMaxString = 128;  // Redis's SLOWLOG_ENTRY_MAX_STRING

  struct Entry {
    std::uint64_t id;
    std::int64_t time_s;
    std::int64_t duration_us;
    std::uint32_t argc;
    std::uint32_t peer_len;
    std::uint32_t name_len;
    std::uint32_t bytes;  // size of the whole block
    // The i-th logged argument (already truncated as Redis logs it).
    std::string_view arg(std::size_t i) const;
    std::string_view peer() const;
    std::string_view name() const;
  };

  explicit SlowLog(Memory& mem) : mem_(mem), entries_(mem) {}
  SlowLog(const SlowLog&) = delete;
  SlowLog& operator=(const SlowLog&) = delete;
  ~SlowLog() { reset(); }

  // Logs a command (argv as the client sent it; bit j of redact_mask: argument j is logged as
  // "(redacted)"), then trims to max_len. False when out of memory
  // (nothing logged).
  bool push(const std::string_view* argv, std::size_t argc, std::uint32_t redact_mask, std::int64_t time_s,
            std::int64_t duration_us, std::string_view peer, std::string_view name, std::size_t max_len);
  // Drops the oldest entries beyond max_len.
  void trim(std::size_t max_len);
  void reset();
  std::size_t size() const { return entries_.size(); }
  // The i-th newest entry.
  const Entry& newest(std::size_t i) const { return *entries_[entries_.size() - 1 - i]; }
  std::size_t bytes() const;

 private:
  Memory& mem_;
  Vec<Entry*> entries_;  // oldest first
  std::uint64_t next_id_ = 0;
};

// The latency monitor: per event ("command", "fast-command", ...) the last 160 one-second samples
// of the worst latency (ms) seen in that second, and the all-time maximum.
class LatencyMonitor {
 public:
  static constexpr std::size_t kSamples = 160;  // Redis's LATENCY_TS_LEN
  static constexpr std::size_t kMaxEventName = 31;

  struct Sample {
    std::int32_t time_s;
    std::uint32_t latency_ms;
  };
  struct Series {
    char name[kMaxEventName + 1];
    std::uint8_t name_len;
    std::uint32_t idx;  // where the next sample goes
    std::uint32_t max;
    Sample samples[kSamples];
    std::string_view event() const { return {name, name_len}; }
    // The newest sample (time 0 when there is none).
    const Sample& last() const { return samples[(idx + kSamples - 1) % kSamples]; }
  };

  explicit LatencyMonitor(Memory& mem) : mem_(mem), series_(mem) {}
  LatencyMonitor(const LatencyMonitor&) = delete;
  LatencyMonitor& operator=(const LatencyMonitor&) = delete;
  ~LatencyMonitor() { reset_all(); }

  // Redis's latencyAddSample. False when out of memory.
  bool add(std::string_view event, std::int64_t time_s, std::uint32_t latency_ms);
  const Series* find(std::string_view event) const;
  // Removes an event's series; 1 if it existed.
  std::size_t reset(std::string_view event);
  std::size_t reset_all();
  std::size_t size() const { return series_.size(); }
  const Series& at(std::size_t i) const { return *series_[i]; }

 private:
  Memory& mem_;
  Vec<Series*> series_;  // in creation order
};

// Per-command latency histograms (LATENCY HISTOGRAM, latency-tracking): for each command id, the
// number of calls since the last CONFIG RESETSTAT and a count per power-of-two bucket of
// 1024 ns << k, reported as Redis reports its hdr_histogram (2 significant figures, 1 ns..1 s):
// bucket k holds durations up to (1032 << k) - 1 ns and is shown as that bound in microseconds.
// Like Redis's, a command's histogram is created on its first recorded call: an idle engine holds
// none (a block for every command id would be ~40 KB, more than a microcontroller's engine needs
// in all). The first call allocates a 2-byte slot per command id, then ~96 bytes per command that
// ran; CONFIG RESETSTAT and CONFIG SET latency-tracking no free them all.
class LatencyHistograms {
 public:
  static constexpr int kBuckets = 21;
  struct Histogram {
    std::uint64_t calls;
    std::uint32_t counts[kBuckets];
  };

  explicit LatencyHistograms(Memory& mem) : slots_(mem) {}
  // Command ids [0, count) may be recorded (nothing is allocated until one is).
  void set_id_count(std::size_t count) { slots_.set_id_count(count); }
  // Counts one call of command `id` that took duration_us; the first call of a command allocates
  // its histogram (out of memory: the call is not counted).
  void record(std::uint32_t id, std::int64_t duration_us);
  // The histogram of a command that ran since the last reset, else nullptr.
  const Histogram* find(std::uint32_t id) const { return slots_.find(id); }
  // Frees every histogram (CONFIG RESETSTAT, latency-tracking no).
  void reset() { slots_.reset(); }
  // How many commands have a histogram.
  std::size_t count() const { return slots_.count(); }
  // The upper bound (microseconds) Redis shows for bucket k.
  static std::int64_t bucket_usec(int k) { return static_cast<std::int64_t>(((1032ULL << k) - 1) / 1000); }

 private:
  IdSlots<Histogram> slots_;  // in order of first call
};

}  // namespace microredis
