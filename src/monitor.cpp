#include "microredis/monitor.hpp"

#include <cstdio>
#include <cstring>

namespace microredis {
namespace monitor_detail {

constexpr std::string_view kRedacted = "(redacted)";

inline const std::uint32_t* lengths(const SlowLog::Entry* e) {
  return reinterpret_cast<const std::uint32_t*>(e + 1);
}
inline const char* text_start(const SlowLog::Entry* e) {
  return reinterpret_cast<const char*>(lengths(e) + e->argc);
}

}  // namespace monitor_detail

MICROREDIS_INLINE std::string_view SlowLog::Entry::arg(std::size_t i) const {
  const std::uint32_t* len = monitor_detail::lengths(this);
  const char* p = monitor_detail::text_start(this);
  for (std::size_t j = 0; j < i; ++j) p += len[j];
  return {p, len[i]};
}

MICROREDIS_INLINE std::string_view SlowLog::Entry::peer() const {
  const std::uint32_t* len = monitor_detail::lengths(this);
  const char* p = monitor_detail::text_start(this);
  for (std::size_t j = 0; j < argc; ++j) p += len[j];
  return {p, peer_len};
}

MICROREDIS_INLINE std::string_view SlowLog::Entry::name() const {
  const std::string_view p = peer();
  return {p.data() + p.size(), name_len};
}

MICROREDIS_INLINE bool SlowLog::push(const std::string_view* argv, std::size_t argc, std::uint32_t redact_mask,
                                     std::int64_t time_s, std::int64_t duration_us, std::string_view peer,
                                     std::string_view name, std::size_t max_len) {
  using monitor_detail::kRedacted;
  // Redis keeps 32 arguments, the last of them replaced by "... (N more arguments)", and cuts
  // each string at 128 bytes followed by "... (N more bytes)".
  const std::size_t logged = argc > kMaxArgc ? kMaxArgc : argc;
  char notes[kMaxArgc][48];
  std::uint32_t lens[kMaxArgc];
  std::size_t text = 0;
  for (std::size_t j = 0; j < logged; ++j) {
    std::size_t n = 0;
    if (logged != argc && j == logged - 1) {
      n = static_cast<std::size_t>(
          std::snprintf(notes[j], sizeof notes[j], "... (%zu more arguments)", argc - logged + 1));
    } else if ((redact_mask >> j) & 1u) {
      n = kRedacted.size();
    } else if (argv[j].size() > kMaxString) {
      n = kMaxString + static_cast<std::size_t>(std::snprintf(notes[j], sizeof notes[j], "... (%zu more bytes)",
                                                              argv[j].size() - kMaxString));
    } else {
      n = argv[j].size();
    }
    lens[j] = static_cast<std::uint32_t>(n);
    text += n;
  }
  const std::size_t size = sizeof(Entry) + logged * sizeof(std::uint32_t) + text + peer.size() + name.size();
  if (!entries_.reserve(entries_.size() + 1)) return false;
  auto* e = static_cast<Entry*>(mem_.allocate(size, alignof(Entry)));
  if (e == nullptr) return false;
  e->id = next_id_++;
  e->time_s = time_s;
  e->duration_us = duration_us;
  e->argc = static_cast<std::uint32_t>(logged);
  e->peer_len = static_cast<std::uint32_t>(peer.size());
  e->name_len = static_cast<std::uint32_t>(name.size());
  e->bytes = static_cast<std::uint32_t>(size);
  std::memcpy(e + 1, lens, logged * sizeof(std::uint32_t));
  char* p = const_cast<char*>(monitor_detail::text_start(e));
  for (std::size_t j = 0; j < logged; ++j) {
    if (logged != argc && j == logged - 1) {
      std::memcpy(p, notes[j], lens[j]);
    } else if ((redact_mask >> j) & 1u) {
      std::memcpy(p, kRedacted.data(), kRedacted.size());
    } else if (argv[j].size() > kMaxString) {
      std::memcpy(p, argv[j].data(), kMaxString);
      std::memcpy(p + kMaxString, notes[j], lens[j] - kMaxString);
    } else if (lens[j] != 0) {
      std::memcpy(p, argv[j].data(), lens[j]);
    }
    p += lens[j];
  }
  if (!peer.empty()) std::memcpy(p, peer.data(), peer.size());
  p += peer.size();
  if (!name.empty()) std::memcpy(p, name.data(), name.size());
  (void)entries_.push_back(e);
  trim(max_len);
  return true;
}

MICROREDIS_INLINE void SlowLog::trim(std::size_t max_len) {
  if (entries_.size() <= max_len) return;
  const std::size_t drop = entries_.size() - max_len;
  for (std::size_t i = 0; i < drop; ++i) mem_.deallocate(entries_[i], entries_[i]->bytes, alignof(Entry));
  entries_.erase_front(drop);
}

MICROREDIS_INLINE void SlowLog::reset() {
  for (Entry* e : entries_) mem_.deallocate(e, e->bytes, alignof(Entry));
  entries_.release();  // storage too: after SLOWLOG RESET the log holds no memory, as in Redis
}

MICROREDIS_INLINE std::size_t SlowLog::bytes() const {
  std::size_t n = entries_.capacity() * sizeof(Entry*);
  for (const Entry* e : entries_) n += e->bytes;
  return n;
}

MICROREDIS_INLINE bool LatencyMonitor::add(std::string_view event, std::int64_t time_s, std::uint32_t latency_ms) {
  if (event.size() > kMaxEventName) event = event.substr(0, kMaxEventName);
  Series* ts = const_cast<Series*>(find(event));
  if (ts == nullptr) {
    if (!series_.reserve(series_.size() + 1)) return false;
    ts = static_cast<Series*>(mem_.allocate(sizeof(Series), alignof(Series)));
    if (ts == nullptr) return false;
    std::memset(ts, 0, sizeof(Series));
    std::memcpy(ts->name, event.data(), event.size());
    ts->name_len = static_cast<std::uint8_t>(event.size());
    (void)series_.push_back(ts);
  }
  if (latency_ms > ts->max) ts->max = latency_ms;
  const auto now = static_cast<std::int32_t>(time_s);
  // One sample per second: the worst latency of that second.
  Sample& prev = ts->samples[(ts->idx + kSamples - 1) % kSamples];
  if (prev.time_s == now) {
    if (latency_ms > prev.latency_ms) prev.latency_ms = latency_ms;
    return true;
  }
  ts->samples[ts->idx].time_s = now;
  ts->samples[ts->idx].latency_ms = latency_ms;
  ts->idx = static_cast<std::uint32_t>((ts->idx + 1) % kSamples);
  return true;
}

MICROREDIS_INLINE const LatencyMonitor::Series* LatencyMonitor::find(std::string_view event) const {
  for (const Series* s : series_) {
    if (s->event() == event) return s;
  }
  return nullptr;
}

MICROREDIS_INLINE std::size_t LatencyMonitor::reset(std::string_view event) {
  for (std::size_t i = 0; i < series_.size(); ++i) {
    if (series_[i]->event() != event) continue;
    mem_.deallocate(series_[i], sizeof(Series), alignof(Series));
    for (std::size_t j = i + 1; j < series_.size(); ++j) series_[j - 1] = series_[j];
    series_.pop_back();
    return 1;
  }
  return 0;
}

MICROREDIS_INLINE std::size_t LatencyMonitor::reset_all() {
  const std::size_t n = series_.size();
  for (Series* s : series_) mem_.deallocate(s, sizeof(Series), alignof(Series));
  series_.clear();
  return n;
}

MICROREDIS_INLINE void LatencyHistograms::record(std::uint32_t id, std::int64_t duration_us) {
  Histogram* slot = slots_.get(id);
  if (slot == nullptr) return;
  Histogram& h = *slot;
  // Redis records nanoseconds clamped into [1, 1e9].
  std::uint64_t ns = duration_us <= 0 ? 1 : static_cast<std::uint64_t>(duration_us) * 1000;
  if (ns > 1'000'000'000ULL) ns = 1'000'000'000ULL;
  int k = 0;
  while (k < kBuckets - 1 && ns >= (1032ULL << k)) ++k;
  ++h.calls;
  ++h.counts[k];
}

}  // namespace microredis
