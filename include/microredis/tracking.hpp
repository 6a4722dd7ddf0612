// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c: the engine remembers which
// sessions read which keys (or, in BCAST mode, which key prefixes they follow) and sends them an
// "invalidate" message when such a key changes, as a RESP3 push or, redirected, as a message on
// the __redis__:invalidate channel of a RESP2 subscriber.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "key_waiters.hpp"
#include "memory.hpp"
#include "util/random.hpp"

namespace microredis {

class Engine;
class Session;

// What CLIENT TRACKING ON asked for.
struct TrackingOptions {
  std::uint64_t redirect = 0;  // client id; 0: none
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
};

class Tracking {
 public:
  // A BCAST prefix and the sessions following it.
  struct Prefix {
    explicit Prefix(Memory& mem) : name(mem), clients(mem), pending(mem) {}
    Buffer name;
    Vec<Session*> clients;
    Buffer pending;  // keys changed since the last batch: [Session* modifier][length][bytes] ...
  };

  // A session's tracking state.
  struct State {
    explicit State(Memory& mem) : prefixes(mem) {}
    bool enabled = false;
    TrackingOptions options;
    bool caching = false;          // CLIENT CACHING YES/NO given for the next command
    bool broken_redirect = false;  // the redirect target went away
    Vec<Prefix*> prefixes;         // BCAST prefixes
  };

  Tracking(Memory& mem, std::uint64_t seed);
  ~Tracking();
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // CLIENT TRACKING ON (options already validated) and OFF. enable() is false when out of memory.
  [[nodiscard]] bool enable(Session& s, const TrackingOptions& options, const std::string_view* prefixes,
                            std::size_t n);
  void disable(Session& s);
  // A BCAST prefix of s overlapping one of `prefixes` or two overlapping each other: the pair, for
  // Redis's error text. false when none overlap.
  bool find_collision(Session& s, const std::string_view* prefixes, std::size_t n, std::string_view& a,
                      std::string_view& b) const;

  // Keys a tracking session read (a read-only command's keys).
  void remember(Session& s, const std::string_view* keys, std::size_t n);
  // key changed (current: the session whose command changed it, or null for expiry by tick()).
  // bcast: whether BCAST followers hear of it (not for keys dropped by tracking-table-max-keys).
  void invalidate(Engine& engine, Session* current, std::string_view key, bool bcast = true);
  // FLUSHDB / FLUSHALL: every tracking session is told that everything changed.
  void invalidate_all(Engine& engine, Session* current);
  // Empties the table of remembered keys (FLUSHALL without tracking clients: Redis frees it too).
  void forget_all(Random& rng);
  // After a top-level command: the current session's own invalidations (never interleaved with
  // its reply) and the broadcast batches.
  void after_command(Engine& engine, Session* current);
  // tracking-table-max-keys: forget (invalidating) keys beyond the limit.
  void enforce_limit(Engine& engine, std::size_t max_keys, Random& rng);

  std::size_t tracking_clients() const { return clients_; }
  std::size_t total_keys() const { return keys_count_; }
  std::size_t total_items() const { return items_; }
  std::size_t total_prefixes() const { return prefixes_.size(); }
  bool active() const { return clients_ > 0 || keys_count_ > 0; }

 private:
  void send(Engine& engine, Session& tracker, const std::string_view* keys, std::size_t n, bool all);
  void forget_key(KeyWaiters<std::uint64_t>::Node* node);
  void remove_from_prefix(Prefix* p, Session& s);

  Memory* mem_;
  KeyWaiters<std::uint64_t> table_;  // key -> ids of the sessions that read it (one database: 0)
  std::size_t keys_count_ = 0;
  std::size_t items_ = 0;
  std::size_t clients_ = 0;
  Vec<Prefix*> prefixes_;
  Buffer pending_self_;  // keys for the current session, sent after its reply
  bool pending_self_flush_ = false;
  bool flush_sent_ = false;  // FLUSHALL empties every database: one message per command
};

}  // namespace microredis
