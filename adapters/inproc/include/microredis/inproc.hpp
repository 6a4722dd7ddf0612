// The in-process adapter: a typed C++ client over an Engine in the same process, for applications
// that use microredis as a cache and for their unit tests, plus what tests need around it.
//
//   microredis::inproc::Instance db;            // engine on a manual clock, fixed seed
//   auto& c = db.client();
//   c.set("k", "v", std::chrono::seconds(10));
//   if (auto v = c.get("k"); v && *v) use(**v);  // Result<std::optional<std::string>>
//   db.advance(std::chrono::seconds(11));        // the TTL passes; nothing sleeps
//
// Pieces (each usable alone over any Engine, also one served by an adapter):
//   Client           typed commands + command({...}) -> Reply; pub/sub with callbacks
//   Instance         owns a clock, an engine and a client; test controls (advance, seed, tick)
//   CommandRegistry  the application's own commands, added to the engine's command table
//   Observers        callbacks on write, expire and evict with the key and its old value
//   Faults           make commands fail, delay their replies, drop connections
//   Snapshot         a deep copy of an engine's data, to reset a fixture
//   SharedClient     a Client behind a mutex, for several threads
//
// Errors: no exceptions are thrown or needed (the core builds with -fno-exceptions). Typed calls
// return Result<T>: the value, or the error reply Redis would send ("WRONGTYPE Operation ...").
// command() returns the Reply itself; errors are Reply values of type error.
//
// Threading: an Engine is driven by one thread at a time. Client, Instance, CommandRegistry,
// Observers, Faults and Snapshot belong to the thread that drives their engine (the thread of the
// POSIX adapter's loop, the Asio adapter's executor, or the application's own). SharedClient is
// the one type meant for several threads: every call takes its mutex. It may not be combined with
// an adapter running the same engine on another thread (the adapter does not take that mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "microredis/engine.hpp"

namespace microredis::inproc {

using Milliseconds = std::chrono::milliseconds;

// An error reply as the server sent it: "ERR ...", "WRONGTYPE ...", "NOSCRIPT ...".
struct Error {
  std::string message;
  // The first word: "ERR", "WRONGTYPE", ...
  std::string_view code() const {
    std::string_view m = message;
    return m.substr(0, m.find(' '));
  }
};

// A value or an error, without exceptions. value() on an error is T's default value.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const T& value() const& { return value_; }
  T& value() & { return value_; }
  T&& value() && { return std::move(value_); }
  const T& operator*() const& { return value_; }
  T& operator*() & { return value_; }
  const T* operator->() const { return &value_; }
  T value_or(T fallback) const { return failed_ ? std::move(fallback) : value_; }
  const Error& error() const { return error_; }

 private:
  T value_{};
  Error error_;
  bool failed_ = false;
};

// A pub/sub message delivered to a callback. The views are valid during the callback.
struct Message {
  std::string_view kind;     // "message", "pmessage", "smessage"
  std::string_view pattern;  // the matching pattern, for "pmessage"
  std::string_view channel;
  std::string_view payload;
};
using MessageHandler = std::function<void(const Message&)>;

// A connection-like client on an engine of the same process: its own session (own SELECTed
// database, own CLIENT state), speaking RESP3, so command() replies have RESP3 shapes (maps,
// doubles, nulls) unless HELLO 2 is sent. Calls run synchronously on the caller's thread.
//
// Strings come back as std::string (owning): a view into the engine's memory would dangle at the
// next write to that key.
class Client {
 public:
  explicit Client(Engine& engine);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Engine& engine() { return *engine_; }
  // The session commands run on (opened on first use; reopened after the connection was dropped).
  Session* session();

  // Any command. Pending pub/sub messages are delivered after it (see poll()).
  Reply command(std::initializer_list<std::string_view> args) { return command(args.begin(), args.size()); }
  Reply command(const std::vector<std::string>& args);
  Reply command(const std::string_view* argv, std::size_t argc);

  // --- keys and strings ---
  // SET (with PX when ttl > 0).
  Result<bool> set(std::string_view key, std::string_view value, Milliseconds ttl = Milliseconds{0});
  Result<std::optional<std::string>> get(std::string_view key);
  Result<std::int64_t> del(std::initializer_list<std::string_view> keys);
  Result<std::int64_t> del(std::string_view key) { return del({key}); }
  Result<std::int64_t> exists(std::initializer_list<std::string_view> keys);
  Result<std::int64_t> exists(std::string_view key) { return exists({key}); }
  // PEXPIRE: false when the key does not exist.
  Result<bool> expire(std::string_view key, Milliseconds ttl);
  // PTTL: the time left, or -1 ms (no TTL), or -2 ms (no such key), as Redis.
  Result<Milliseconds> ttl(std::string_view key);
  Result<std::int64_t> incr(std::string_view key, std::int64_t by = 1);
  Result<bool> select(int db);

  // --- hashes ---
  Result<std::int64_t> hset(std::string_view key, std::string_view field, std::string_view value);
  Result<std::int64_t> hset(std::string_view key,
                            std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  Result<std::optional<std::string>> hget(std::string_view key, std::string_view field);
  Result<std::vector<std::pair<std::string, std::string>>> hgetall(std::string_view key);
  Result<std::int64_t> hdel(std::string_view key, std::initializer_list<std::string_view> fields);

  // --- lists ---
  Result<std::int64_t> lpush(std::string_view key, std::initializer_list<std::string_view> values);
  Result<std::int64_t> rpush(std::string_view key, std::initializer_list<std::string_view> values);
  Result<std::optional<std::string>> lpop(std::string_view key);
  Result<std::optional<std::string>> rpop(std::string_view key);
  Result<std::vector<std::string>> lrange(std::string_view key, std::int64_t start, std::int64_t stop);

  // --- sets ---
  Result<std::int64_t> sadd(std::string_view key, std::initializer_list<std::string_view> members);
  Result<std::int64_t> srem(std::string_view key, std::initializer_list<std::string_view> members);
  Result<std::vector<std::string>> smembers(std::string_view key);
  Result<bool> sismember(std::string_view key, std::string_view member);

  // --- sorted sets ---
  Result<std::int64_t> zadd(std::string_view key, double score, std::string_view member);
  Result<std::int64_t> zadd(std::string_view key, std::initializer_list<std::pair<double, std::string_view>> items);
  Result<std::optional<double>> zscore(std::string_view key, std::string_view member);
  Result<std::vector<std::string>> zrange(std::string_view key, std::int64_t start, std::int64_t stop);
  Result<std::vector<std::pair<std::string, double>>> zrange_with_scores(std::string_view key, std::int64_t start,
                                                                        std::int64_t stop);
  Result<std::optional<std::int64_t>> zrank(std::string_view key, std::string_view member);

  // --- pub/sub ---
  // Subscriptions live on a second session of this client (a subscribed RESP2 connection could run
  // nothing else). Messages are delivered to the handlers by poll(), which every call of this
  // client runs at its end: a PUBLISH through this client reaches its own handlers before
  // publish() returns; messages published by other connections wait for the next call or poll().
  // Handlers run on the thread that calls; they may call this client (not subscribe the channel
  // being delivered to again).
  Result<std::int64_t> publish(std::string_view channel, std::string_view message);
  Result<bool> subscribe(std::string_view channel, MessageHandler handler);
  Result<bool> psubscribe(std::string_view pattern, MessageHandler handler);
  Result<bool> unsubscribe(std::string_view channel);
  Result<bool> punsubscribe(std::string_view pattern);
  // Delivers pending messages; returns how many.
  std::size_t poll();

 private:
  Reply run(std::initializer_list<std::string_view> args) { return command(args.begin(), args.size()); }
  Result<bool> subscription(std::string_view verb, std::string_view name, MessageHandler handler, bool pattern);
  Session* subscriber();
  void close_sessions();

  Engine* engine_;
  Session* session_ = nullptr;
  Session* subscriber_ = nullptr;
  struct Handler {
    std::string name;
    bool pattern;
    MessageHandler fn;
  };
  std::vector<Handler> handlers_;
  bool polling_ = false;
};

// --- the application's own commands ------------------------------------------------------------

// A command as COMMAND INFO and COMMAND DOCS show it. Key positions follow Redis's convention
// (first_key 0: no keys; last_key -1: the last argument). Names are lower-cased.
struct CommandDef {
  std::string name;
  int arity = -1;             // -N: at least N arguments, the name counting
  std::uint32_t flags = 0;    // CommandFlag bits: kWrite, kReadonly, kFast, kDenyOom, ...
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  std::string summary;
  std::string syntax;         // Redis docs grammar: "key value [NX]"; COMMAND DOCS derives its arguments
  std::string group = "module";
  std::string since = "1.0.0";
  std::string complexity = "O(1)";
  std::uint32_t acl = 0;      // AclCategory bits
};
// Runs like a built-in handler: arguments in c.argv, reply through c.out, c.write_key(),
// c.modified() and c.notify() for keys (so WATCH, observers and keyspace events see its writes).
using CommandFunction = std::function<void(Context& c)>;

// Owns the specs of commands added to one engine at run time: they dispatch through every
// adapter, and show in COMMAND, COMMAND INFO, COMMAND DOCS and COMMAND COUNT. Commands cannot be
// removed; the registry must stay alive as long as the engine runs commands (declare it after the
// engine, or destroy the engine first). Subcommand containers are not supported.
class CommandRegistry {
 public:
  explicit CommandRegistry(Engine& engine);
  ~CommandRegistry();
  CommandRegistry(const CommandRegistry&) = delete;
  CommandRegistry& operator=(const CommandRegistry&) = delete;
  // false when the definition is invalid (empty name, a space or '|' in it, arity 0, key
  // positions or arity out of -128..127, a name longer than 255 bytes) or the name is taken.
  bool add(CommandDef def, CommandFunction fn);

 private:
  struct Owned;
  struct Slot {  // the engine holds &spec; the handler finds owner from it (spec is the first member)
    CommandSpec spec;
    Owned* owner;
  };
  static void dispatch(Context& c);
  Engine* engine_;
  std::vector<std::unique_ptr<Owned>> owned_;
};

// --- observers --------------------------------------------------------------------------------

// A key that was written, expired or evicted, and the value it had before.
struct KeyEvent {
  KeyChange what;      // write, expire, evict
  int db;
  std::string_view key;
  // The value before the change: for writes, nullptr when the key did not exist (or when old
  // values are off); for expire/evict, the value deleted. Valid only during the callback.
  const Entry* old;

  bool had_value() const { return old != nullptr; }
  // The old value of a string key (view valid during the callback); empty for other types.
  std::optional<std::string_view> old_string() const;
  // The old value as a reply value of any type: bulk (string), map (hash), set (set), array (list),
  // array of [member, score] pairs (sorted set); null when there was none. Copies it.
  Reply old_value() const;

  mutable char int_text[kLongLongChars] = {};  // old_string()'s text of an integer-encoded value
};
using KeyEventHandler = std::function<void(const KeyEvent&)>;

// Installs itself as the engine's key observer (one per engine) until destroyed. Without an
// Observers object the engine pays one pointer test per command. With one and old values on (the
// default), every write command first deep-copies the values of its key arguments: O(their size).
// Writes are reported after the command, once per key; FLUSHDB/FLUSHALL/SWAPDB are not reported
// per key. Callbacks run inside the engine: they must not call into it (queue work instead).
class Observers {
 public:
  explicit Observers(Engine& engine, bool old_values_on_write = true);
  ~Observers();
  Observers(const Observers&) = delete;
  Observers& operator=(const Observers&) = delete;

  void on_write(KeyEventHandler fn) { write_ = std::move(fn); }
  void on_expire(KeyEventHandler fn) { expire_ = std::move(fn); }
  void on_evict(KeyEventHandler fn) { evict_ = std::move(fn); }

 private:
  static void observe(void* ctx, KeyChange what, Db& db, std::string_view key, const Entry* old);
  Engine* engine_;
  KeyEventHandler write_, expire_, evict_;
};

// --- fault injection ---------------------------------------------------------------------------

// Makes commands misbehave for the application's tests, over every adapter. Rules match a command
// name (case-insensitive; "*" matches every command) and apply `times` times (0: until cleared);
// the first matching rule wins. Installs itself as the engine's command filter until destroyed.
class Faults {
 public:
  explicit Faults(Engine& engine);
  ~Faults();
  Faults(const Faults&) = delete;
  Faults& operator=(const Faults&) = delete;

  // The command does not run and replies this error ("ERR injected", "READONLY You can't ...").
  void fail(std::string_view command, std::string_view error, std::uint32_t times = 0);
  // The command runs at once, but its reply (and every later one on that connection) is held
  // until the engine clock has moved on by `by` and tick() ran. In-process Client calls are
  // synchronous and are not delayed.
  void delay(std::string_view command, std::chrono::microseconds by, std::uint32_t times = 0);
  // As delay(), released by the `ticks`-th tick() from now instead.
  void delay_ticks(std::string_view command, std::uint32_t ticks, std::uint32_t times = 0);
  // The connection sending the command is closed without a reply, as if the peer vanished (the
  // adapter closes the socket). An in-process Client gets an error and reconnects on its next call.
  void drop(std::string_view command, std::uint32_t times = 0);
  // Closes one connection (CLIENT ID / CLIENT LIST id) now; false if there is none.
  bool drop_session(std::uint64_t id);
  // Closes every connection an adapter serves (sessions with user_data); returns how many.
  std::size_t drop_all_connections();
  void clear() { rules_.clear(); }
  // Commands a rule has acted on.
  std::uint64_t injected() const { return injected_; }

 private:
  enum class Action : std::uint8_t { fail, delay, drop };
  struct Rule {
    std::string command;
    Action action;
    std::string error;
    std::int64_t delay_us;
    std::uint32_t ticks;
    std::uint32_t remaining;  // 0: unlimited
  };
  static bool filter(void* ctx, Context& c);
  Engine* engine_;
  std::vector<Rule> rules_;
  std::uint64_t injected_ = 0;
};

// --- snapshots -----------------------------------------------------------------------------------

// A deep copy of an engine's data (every database's keys, values and TTLs, the run-time settings,
// the random generator's state), kept in an engine of its own, to reset a test fixture to a
// prepared state. Not copied: sessions, pub/sub subscriptions, blocked clients, watched keys,
// statistics, commands added at run time. See docs/adapters.md for its cost.
class Snapshot {
 public:
  // Copies source. ok() is false when memory ran out. The source's clock must outlive the snapshot.
  explicit Snapshot(const Engine& source);
  bool ok() const { return ok_; }
  // Replaces target's data with the snapshot's (target's sessions stay connected).
  bool restore_into(Engine& target) const { return target.copy_data_from(*engine_); }
  const Engine& engine() const { return *engine_; }

 private:
  std::unique_ptr<Engine> engine_;
  bool ok_ = false;
};

// --- an engine to embed or test with --------------------------------------------------------------

struct InstanceOptions {
  bool manual_clock = true;  // false: the system clock (advance() is then not available)
  std::int64_t start_us = 1'700'000'000'000'000;
  std::uint64_t seed = 1;    // hashing and random choices (SPOP, RANDOMKEY, eviction): reproducible
  int databases = MICROREDIS_DEFAULT_DATABASES;
  AllocatorHooks allocator = malloc_hooks();
};

// A clock, an engine on it and a client: microredis as an in-process cache, or a test double.
class Instance {
 public:
  explicit Instance(InstanceOptions options = {});
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Engine& engine() { return engine_; }
  Client& client() { return client_; }
  ManualClock& clock() { return manual_; }  // meaningful with manual_clock

  // Test controls. advance() moves the manual clock and runs tick() (active expiry, blocked
  // commands' timeouts, delayed replies); TTLs see the new time at once (lazy expiry).
  void advance(std::chrono::microseconds by);
  std::int64_t tick() { return engine_.tick(); }
  // Reseeds the random generator (SPOP, SRANDMEMBER, RANDOMKEY, eviction sampling).
  void seed(std::uint64_t seed) { engine_.random().reseed(seed); }

  Snapshot snapshot() const { return Snapshot(engine_); }
  bool restore(const Snapshot& s) { return s.restore_into(engine_); }

 private:
  static EngineOptions engine_options(const InstanceOptions& o, const Clock* clock);
  ManualClock manual_;
  Engine engine_;
  Client client_;
};

// --- several threads ---------------------------------------------------------------------------

// One client on an engine, shared by several threads: every call locks one mutex. All threads of
// the application must reach that engine through this object (or with_engine()); no adapter may
// serve the engine from another thread meanwhile. Pub/sub handlers run under the lock.
class SharedClient {
 public:
  explicit SharedClient(Engine& engine) : client_(engine) {}

  // Runs f(Client&) under the lock; returns what f returns.
  template <class F>
  decltype(auto) with(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    return f(client_);
  }
  // Runs f(Engine&) under the lock (tick(), settings, a snapshot).
  template <class F>
  decltype(auto) with_engine(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    return f(client_.engine());
  }

  Reply command(std::initializer_list<std::string_view> args) {
    return with([&](Client& c) { return c.command(args); });
  }
  Result<bool> set(std::string_view key, std::string_view value, Milliseconds ttl = Milliseconds{0}) {
    return with([&](Client& c) { return c.set(key, value, ttl); });
  }
  Result<std::optional<std::string>> get(std::string_view key) {
    return with([&](Client& c) { return c.get(key); });
  }
  Result<std::int64_t> del(std::string_view key) {
    return with([&](Client& c) { return c.del(key); });
  }
  Result<std::int64_t> incr(std::string_view key, std::int64_t by = 1) {
    return with([&](Client& c) { return c.incr(key, by); });
  }
  Result<std::int64_t> publish(std::string_view channel, std::string_view message) {
    return with([&](Client& c) { return c.publish(channel, message); });
  }
  std::int64_t tick() {
    return with_engine([](Engine& e) { return e.tick(); });
  }

 private:
  std::mutex mutex_;
  Client client_;
};

}  // namespace microredis::inproc
