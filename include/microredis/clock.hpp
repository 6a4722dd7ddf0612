// The engine reads time only through a Clock the application injects. TTLs, EXPIREAT, TIME and
// OBJECT IDLETIME all read the same clock, so a test that advances it moves every one of them.
#pragma once

#include <cstdint>

#include "config.hpp"

#if MICROREDIS_WITH_STD_CLOCK
#include <chrono>
#endif

namespace microredis {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual std::int64_t now_us() const = 0;
  std::int64_t now_ms() const { return now_us() / 1000; }
};

// A clock that moves only when told to: the test clock.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_us = 1'700'000'000'000'000) : now_(start_us) {}
  std::int64_t now_us() const override { return now_; }
  void set_us(std::int64_t us) { now_ = us; }
  void set_ms(std::int64_t ms) { now_ = ms * 1000; }
  void advance_ms(std::int64_t ms) { now_ += ms * 1000; }
  void advance_us(std::int64_t us) { now_ += us; }

 private:
  std::int64_t now_;
};

#if MICROREDIS_WITH_STD_CLOCK
// Wall-clock time from std::chrono::system_clock, for hosted builds.
class SystemClock final : public Clock {
 public:
  std::int64_t now_us() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
};
#endif

}  // namespace microredis
