// Memory: the allocation hooks and accounting, Vec and Buffer, and the engine under allocation
// failure. A test allocator fails the Nth allocation (nghttp2's failmalloc idea) for every N over a
// scripted session; the engine must not crash, leak or corrupt its state, and must answer out of
// memory with an -OOM reply or a closed connection, never with a wrong or truncated reply.
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::AllocatorHooks;
using microredis::Buffer;
using microredis::Memory;
using microredis::Session;
using microredis::Vec;

namespace {

// Counts allocation attempts and fails the chosen one (or every one from it on); keeps its own
// tally of live blocks so that leaks show even if the engine's accounting were wrong.
struct FailAlloc {
  std::uint64_t attempts = 0;
  std::uint64_t fail_at = 0;  // 0: never fail
  bool persistent = false;    // fail every attempt from fail_at on
  std::uint64_t failures = 0;
  std::size_t live_bytes = 0;
  std::size_t live_blocks = 0;

  void arm(std::uint64_t n, bool sticky) {
    attempts = 0;
    failures = 0;
    fail_at = n;
    persistent = sticky;
  }
  void disarm() { fail_at = 0; }
  bool should_fail() {
    ++attempts;
    if (fail_at != 0 && (attempts == fail_at || (persistent && attempts > fail_at))) {
      ++failures;
      return true;
    }
    return false;
  }

  AllocatorHooks hooks() {
    AllocatorHooks h;
    h.ctx = this;
    h.allocate = [](void* ctx, std::size_t size, std::size_t) -> void* {
      auto* self = static_cast<FailAlloc*>(ctx);
      if (self->should_fail()) return nullptr;
      void* p = std::malloc(size);
      if (p != nullptr) {
        self->live_bytes += size;
        ++self->live_blocks;
      }
      return p;
    };
    h.deallocate = [](void* ctx, void* p, std::size_t size, std::size_t) {
      auto* self = static_cast<FailAlloc*>(ctx);
      std::free(p);
      self->live_bytes -= size;
      --self->live_blocks;
    };
    h.reallocate = [](void* ctx, void* p, std::size_t old_size, std::size_t new_size) -> void* {
      auto* self = static_cast<FailAlloc*>(ctx);
      if (new_size > old_size && self->should_fail()) return nullptr;
      void* q = std::realloc(p, new_size);
      if (q != nullptr) self->live_bytes = self->live_bytes - old_size + new_size;
      return q;
    };
    return h;
  }
};

// Splits RESP output into whole replies; false if the bytes end in the middle of one.
bool split_replies(std::string_view out, std::vector<std::string>& replies) {
  replies.clear();
  while (!out.empty()) {
    Reply r;
    std::size_t n = microredis::parse_reply(out, r);
    if (n == 0) return false;
    replies.emplace_back(out.substr(0, n));
    out.remove_prefix(n);
  }
  return true;
}

// One step of the script: bytes fed to the client session (in up to three pieces), or a direct
// keyspace operation.
struct Step {
  std::vector<std::string> pieces;
  int keyspace_op = -1;
  bool flushes = false;    // FLUSHALL: an +OK empties the keyspace model
  bool zero_copy = false;  // fed through input_space()/commit_input() as the POSIX adapter does
};


std::vector<Step> script() {
  std::vector<Step> s;
  auto feed = [&](std::vector<std::string> pieces) { s.push_back(Step{std::move(pieces), -1, false}); };
  std::string big(70000, 'g');
  feed({multibulk({"PING"})});
  feed({multibulk({"ECHO", std::string(100, 'e')})});
  std::string big_cmd = multibulk({"ECHO", big});
  feed({big_cmd.substr(0, 10), big_cmd.substr(10, 30000), big_cmd.substr(30010)});
  s.push_back(Step{{big_cmd.substr(0, 20000), big_cmd.substr(20000)}, -1, false, true});
  feed({"ECHO \"quoted \\x41 arg\"\r\n"});
  feed({multibulk({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "hz", "15"})});
  feed({multibulk({"CONFIG", "GET", "*"})});
  feed({multibulk({"HELLO", "3", "SETNAME", "conn-a"})});
  feed({multibulk({"CONFIG", "GET", "maxmemory*"})});
  feed({multibulk({"FUNCTION", "LIST", "LIBRARYNAME", "x", "BOGUS"})});
  feed({multibulk({"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"})});
  feed({multibulk({"FUNCTION", "STATS"})});
  feed({multibulk({"NOSUCH", "a", "b"})});
  feed({multibulk({"SELECT", "5"}) + multibulk({"DBSIZE"})});
  std::string pings;
  for (int i = 0; i < 20; ++i) pings += "PING\r\n";
  feed({pings});
  feed({multibulk({"HELLO", "2"})});
  // Data commands, in database 9 (the keyspace model covers database 0). Each step selects the
  // database itself, so a session reopened after a failure works on the same data.
  auto in9 = [&](std::string cmds) { feed({multibulk({"SELECT", "9"}) + cmds}); };
  in9(multibulk({"SET", "s1", "small"}) + multibulk({"SET", "s2", std::string(60, 'r')}) +
      multibulk({"SET", "s3", std::string(5000, 'B')}));
  in9(multibulk({"GET", "s3"}) + multibulk({"GET", "s2"}) + multibulk({"STRLEN", "s1"}));
  in9(multibulk({"APPEND", "s2", std::string(100, 'a')}) + multibulk({"APPEND", "s1", "x"}));
  in9(multibulk({"SETRANGE", "s4", "100", "x"}) + multibulk({"GETRANGE", "s4", "95", "-1"}));
  in9(multibulk({"INCR", "counter"}) + multibulk({"INCRBY", "counter", "1000000"}) +
      multibulk({"INCRBYFLOAT", "f", "1.5"}) + multibulk({"DECR", "counter"}));
  in9(multibulk({"MSET", "m1", "a", "m2", std::string(50, 'b'), "m3", "3"}) +
      multibulk({"MGET", "m1", "m2", "m3", "nokey"}) + multibulk({"MSETNX", "m1", "x", "m9", "y"}));
  in9(multibulk({"SET", "s5", "v", "EX", "100"}) + multibulk({"EXPIRE", "s1", "100"}) + multibulk({"TTL", "s1"}) +
      multibulk({"PERSIST", "s1"}) + multibulk({"GETEX", "s5", "PERSIST"}) + multibulk({"PEXPIRE", "m3", "5000"}));
  in9(multibulk({"RENAME", "s3", "s3b"}) + multibulk({"COPY", "s2", "s2c"}) + multibulk({"MOVE", "s2c", "8"}) +
      multibulk({"SWAPDB", "9", "8"}) + multibulk({"SWAPDB", "8", "9"}) + multibulk({"OBJECT", "ENCODING", "s2"}));
  in9(multibulk({"KEYS", "*"}) + multibulk({"SCAN", "0", "COUNT", "100"}) + multibulk({"EXISTS", "s1", "s2", "zz"}) +
      multibulk({"RANDOMKEY"}) + multibulk({"TYPE", "s1"}));
  in9(multibulk({"MULTI"}) + multibulk({"SET", "t1", "v"}) + multibulk({"INCR", "t2"}) +
      multibulk({"APPEND", "t1", std::string(80, 'm')}) + multibulk({"EXEC"}));
  in9(multibulk({"WATCH", "s1"}) + multibulk({"SET", "s1", "changed"}) + multibulk({"MULTI"}) +
      multibulk({"GET", "s1"}) + multibulk({"EXEC"}));
  // Hashes and sets past their listpack/intset limits (128 entries), bitmaps and HyperLogLog.
  std::string hset = multibulk({"HSET", "h", "f0", "v0", "f1", std::string(80, 'h')});
  std::string sadd = multibulk({"SADD", "iset", "1", "2", "3"}) + multibulk({"SADD", "sset", "a", "b"});
  for (int i = 0; i < 140; ++i) {
    std::string n = std::to_string(i);
    hset += multibulk({"HSET", "hbig", "field:" + n, n});
    sadd += multibulk({"SADD", "sbig", "member:" + n});
  }
  in9(hset + multibulk({"HGET", "h", "f1"}) + multibulk({"HINCRBY", "h", "n", "5"}) +
      multibulk({"HINCRBYFLOAT", "h", "x", "0.5"}) + multibulk({"HDEL", "h", "f0"}) + multibulk({"HLEN", "hbig"}));
  in9(multibulk({"HGETALL", "h"}) + multibulk({"HSCAN", "hbig", "0", "COUNT", "200"}) +
      multibulk({"HRANDFIELD", "hbig", "-5", "WITHVALUES"}));
  in9(sadd + multibulk({"SADD", "iset", "notanint"}) + multibulk({"SINTER", "sbig", "sset"}) +
      multibulk({"SUNIONSTORE", "su", "sbig", "iset", "sset"}) + multibulk({"SDIFFSTORE", "sd", "sbig", "sset"}) +
      multibulk({"SMOVE", "sset", "iset", "a"}) + multibulk({"SCARD", "su"}));
  in9(multibulk({"SPOP", "sbig", "3"}) + multibulk({"SRANDMEMBER", "iset", "-4"}) +
      multibulk({"SSCAN", "sbig", "0", "COUNT", "200"}) + multibulk({"SMEMBERS", "iset"}));
  in9(multibulk({"SETBIT", "bm", "100000", "1"}) + multibulk({"BITCOUNT", "bm"}) + multibulk({"BITPOS", "bm", "1"}) +
      multibulk({"BITOP", "OR", "bm2", "bm", "s1"}) +
      multibulk({"BITFIELD", "bf", "SET", "u8", "0", "255", "INCRBY", "i16", "100", "7", "GET", "u4", "0"}));
  in9(multibulk({"PFADD", "hll", "a", "b", "c", "d"}) + multibulk({"PFADD", "hll2", "x"}) +
      multibulk({"PFCOUNT", "hll", "hll2"}) + multibulk({"PFMERGE", "hll3", "hll", "hll2"}) + multibulk({"PFCOUNT", "hll3"}));
  in9(multibulk({"LCS", "s2", "s3b", "LEN"}) + multibulk({"GETSET", "s1", std::string(70, 'g')}) +
      multibulk({"GETDEL", "m2"}) + multibulk({"DEL", "s3b", "m1", "nokey"}) + multibulk({"DBSIZE"}));
  for (int op = 0; op < 4; ++op) s.push_back(Step{{}, op, false});
  feed({multibulk({"SELECT", "0"}) + multibulk({"DBSIZE"})});
  s.push_back(Step{{multibulk({"FLUSHALL"})}, -1, true});
  feed({multibulk({"CONFIG", "SET", "maxmemory-policy", "noeviction", "hz", "10"})});
  return s;
}

// The state a run ends with, compared between the reference run and every failing run.
struct Model {
  // db 0 contents as the script believes them to be: key -> (value, has expire)
  std::map<std::string, std::pair<std::string, bool>> keys;
};

std::string value_for(int i) {
  if (i % 3 == 0) return std::to_string(i * 7);                    // int encoding
  if (i % 3 == 1) return "embedded-" + std::to_string(i);          // embstr
  return std::string(60 + static_cast<std::size_t>(i % 40), 'r');  // raw
}

// Direct keyspace operations (the string commands are not registered yet).
void keyspace_op(microredis::Engine& e, int op, Model& m) {
  microredis::Db& db = e.db(0);
  auto put = [&](int i, std::int64_t expire) {
    std::string key = "key:" + std::to_string(i);
    std::string value = value_for(i);
    microredis::Entry::Layout layout;
    if (!microredis::make_string(e.memory(), value, layout)) return;
    if (db.put(key, layout, expire) != nullptr) m.keys[key] = {value, expire >= 0};
  };
  switch (op) {
    case 0:  // enough keys for the table to grow several times and chain buckets
      for (int i = 0; i < 300; ++i) put(i, -1);
      break;
    case 1:  // overwrite some, add expire times to others
      for (int i = 0; i < 300; i += 7) put(i, -1);
      for (int i = 1; i < 300; i += 5) {
        std::string key = "key:" + std::to_string(i);
        microredis::Entry* en = db.lookup(key);
        if (en != nullptr && db.set_expire(en, e.now_ms() + 100000 + i) != nullptr) m.keys[key].second = true;
      }
      break;
    case 2:  // delete most: the table shrinks
      for (int i = 0; i < 300; ++i) {
        if (i % 10 == 0) continue;
        std::string key = "key:" + std::to_string(i);
        if (db.remove(key)) m.keys.erase(key);
      }
      break;
    case 3:  // detach and re-attach, then let tick() rehash and expire
      if (microredis::Entry* d = db.detach("key:10")) {
        if (!db.attach(d)) {
          db.free_entry(d);
          m.keys.erase("key:10");
        }
      }
      (void)e.tick();
      break;
    default:
      break;
  }
}

// Checks db 0 against the model and every database's table against itself.
void check_keyspace(microredis::Engine& e, const Model& m) {
  for (int i = 0; i < e.db_count(); ++i) {
    microredis::Db& db = e.db(i);
    std::size_t count = 0, with_expire = 0;
    bool all_findable = true;
    db.for_each([&](const microredis::Entry& en) {
      ++count;
      if (en.has_expire()) ++with_expire;
      if (db.find_raw(en.key()) != &en) all_findable = false;
    });
    CHECK(count == db.size());
    CHECK(with_expire == db.volatile_count());
    CHECK(all_findable);
  }
  microredis::Db& db0 = e.db(0);
  CHECK(db0.size() == m.keys.size());
  for (const auto& [key, v] : m.keys) {
    microredis::Entry* en = db0.find_raw(key);
    REQUIRE(en != nullptr);
    microredis::IntText buf;
    CHECK(microredis::string_of(*en, buf) == v.first);
    CHECK(en->has_expire() == v.second);
  }
}

struct RunResult {
  std::vector<std::string> outputs;  // per step, what session A answered
  std::size_t end_used = 0;
  std::uint64_t attempts = 0;
  std::size_t first_failure_step = SIZE_MAX;
};

// Runs the script on a fresh engine whose allocator fails as armed. With `reference` (the run
// without failures) the outputs of every step up to the first failure are checked against it.
// What the hooks must hold for the engine's accounting: every byte it counts as used, except
// that pooled small blocks live in pages.
std::size_t hook_bytes(const microredis::Memory& mem) {
  return mem.used() - mem.small_used() + mem.small_pages_bytes();
}

// pooled: keyspace entries come from pooled pages (AllocatorHooks::pool_small_blocks).
RunResult run_script(std::uint64_t fail_at, bool persistent, const RunResult* reference, bool pooled = false) {
  FailAlloc alloc;
  RunResult result;
  {
    microredis::ManualClock clock;
    microredis::EngineOptions options;
    options.clock = &clock;
    options.seed = 7;
    options.allocator = alloc.hooks();
    options.allocator.pool_small_blocks = pooled;
    microredis::Engine engine(options);
    // The engine's own construction is not under test: its allocations must succeed.
    (void)engine.default_session();
    Model model;
    const std::vector<Step> steps = script();
    Session* a = engine.open_session();
    REQUIRE(a != nullptr);
    alloc.arm(fail_at, persistent);
    bool diverged = false;  // a failure happened: later replies may legitimately differ
    for (std::size_t i = 0; i < steps.size(); ++i) {
      CAPTURE(i);
      const Step& step = steps[i];
      std::uint64_t failures_before = alloc.failures;
      std::string out;
      bool closed = false;
      if (step.keyspace_op >= 0) {
        keyspace_op(engine, step.keyspace_op, model);
      } else if (a != nullptr) {
        for (const auto& piece : step.pieces) {
          if (!step.zero_copy) {
            a->feed(piece);
            continue;
          }
          for (std::size_t done = 0; done < piece.size();) {
            std::size_t room = 0;
            char* p = a->input_space(piece.size() - done, room);
            if (p == nullptr) break;  // out of memory: the session closes
            std::size_t n = room < piece.size() - done ? room : piece.size() - done;
            std::memcpy(p, piece.data() + done, n);
            a->commit_input(n);
            done += n;
          }
        }
        out.assign(a->pending_output());
        a->consume_output(out.size());
        closed = a->want_close() || !a->want_read();
        if (step.flushes && out == "+OK\r\n") model.keys.clear();
      }
      CHECK(alloc.live_bytes == hook_bytes(engine.memory()));
      bool failed_here = alloc.failures != failures_before;
      if (reference != nullptr && step.keyspace_op < 0 && a != nullptr) {
        const std::string& expected = reference->outputs[i];
        std::vector<std::string> replies;
        if (!closed) {
          // A session that stays open never sends a truncated reply.
          CHECK(split_replies(out, replies));
        }
        if (!diverged && !failed_here) {
          CHECK(out == expected);
        } else if (failed_here && !diverged && !closed && out != expected) {
          // The only acceptable difference is an out-of-memory error in place of a reply: -OOM, or
          // the text Redis itself gives when LCS cannot allocate its table.
          bool has_oom = out.find("-OOM ") != std::string::npos ||
                         out.find("-ERR Insufficient memory") != std::string::npos;
          CHECK_MESSAGE(has_oom, "step ", i, " answered a wrong reply under allocation failure: ", out.substr(0, 200),
                        " instead of ", expected.substr(0, 200));
        }
      }
      if (failed_here && !diverged) result.first_failure_step = i;
      if (failed_here) diverged = true;
      if (reference == nullptr) result.outputs.push_back(out);
      if (a != nullptr && closed) {
        engine.close_session(a);
        a = engine.open_session();  // may be nullptr while allocations keep failing
      }
    }
    result.attempts = alloc.attempts;
    alloc.disarm();

    // The state is consistent, and still usable.
    check_keyspace(engine, model);
    if (a != nullptr) engine.close_session(a);
    Session* v = engine.open_session();
    REQUIRE(v != nullptr);
    CHECK(v->execute({"PING"}) == simple("PONG"));
    CHECK(v->execute({"ECHO", "still here"}) == bulk("still here"));
    CHECK(v->execute({"FLUSHALL"}) == ok());
    CHECK(v->execute({"DBSIZE"}) == integer(0));
    // An error reply makes sure the error statistics table exists in every run, whether or not
    // its first allocation failed during the script.
    CHECK(v->execute({"NOSUCH"}).is_error());
    CHECK(engine.execute({"CONFIG", "SET", "maxmemory-policy", "noeviction", "hz", "10"}) == ok());
    CHECK(engine.execute({"CONFIG", "RESETSTAT"}) == ok());
    engine.close_session(v);
    engine.close_session(engine.default_session());
    check_keyspace(engine, Model{});
    CHECK(alloc.live_bytes == hook_bytes(engine.memory()));
    result.end_used = engine.memory().used();
  }
  // Nothing outlives the engine.
  CHECK(alloc.live_blocks == 0);
  CHECK(alloc.live_bytes == 0);
  return result;
}

}  // namespace

TEST_SUITE("memory") {
  TEST_CASE("Memory accounts every byte") {
    FailAlloc alloc;
    {
      Memory mem(alloc.hooks());
      void* a = mem.allocate(100);
      void* b = mem.allocate(0);  // a zero-byte request is one byte, never nullptr
      REQUIRE(a != nullptr);
      REQUIRE(b != nullptr);
      CHECK(mem.used() == 101);
      CHECK(mem.allocations() == 2);
      a = mem.reallocate(a, 100, 1000);
      REQUIRE(a != nullptr);
      CHECK(mem.used() == 1001);
      CHECK(mem.peak() == 1001);
      a = mem.reallocate(a, 1000, 10);
      CHECK(mem.used() == 11);
      CHECK(mem.peak() == 1001);
      mem.reset_peak();
      CHECK(mem.peak() == 11);
      alloc.arm(1, false);
      CHECK(mem.reallocate(a, 10, 5000) == nullptr);  // failure leaves the block alone
      CHECK(mem.used() == 11);
      void* c = mem.allocate(5);  // only the first attempt failed
      CHECK(c != nullptr);
      CHECK(mem.used() == 16);
      alloc.disarm();
      mem.deallocate(a, 10);
      mem.deallocate(b, 0);
      mem.deallocate(nullptr, 5);
      CHECK(mem.used() == 5);
      CHECK(alloc.live_bytes == 5);
      CHECK(alloc.live_blocks == 1);
      mem.deallocate(c, 5);
      CHECK(mem.used() == 0);
    }
    CHECK(alloc.live_blocks == 0);
  }

  TEST_CASE("Memory without a reallocate hook copies") {
    FailAlloc alloc;
    AllocatorHooks hooks = alloc.hooks();
    hooks.reallocate = nullptr;
    {
      Memory mem(hooks);
      auto* p = static_cast<char*>(mem.allocate(4));
      std::memcpy(p, "abcd", 4);
      auto* q = static_cast<char*>(mem.reallocate(p, 4, 64));
      REQUIRE(q != nullptr);
      CHECK(std::string_view(q, 4) == "abcd");
      CHECK(mem.used() == 64);
      alloc.arm(1, false);
      CHECK(mem.reallocate(q, 64, 128) == nullptr);
      CHECK(std::string_view(q, 4) == "abcd");
      CHECK(mem.used() == 64);
      mem.deallocate(q, 64);
      struct Pod {
        int a;
        double b;
      };
      Pod* pod = mem.create<Pod>(Pod{1, 2.5});
      REQUIRE(pod != nullptr);
      CHECK(pod->b == 2.5);
      mem.destroy(pod);
      alloc.arm(1, false);
      CHECK(mem.create<Pod>() == nullptr);
      CHECK(mem.used() == 0);
    }
    CHECK(alloc.live_blocks == 0);
  }

  TEST_CASE("small blocks come from pooled pages when the hooks ask for it") {
    FailAlloc alloc;
    AllocatorHooks hooks = alloc.hooks();
    SUBCASE("pooled") {
      hooks.pool_small_blocks = true;
      {
        Memory mem(hooks);
        std::vector<std::pair<char*, std::size_t>> blocks;
        for (std::size_t i = 0; i < 3000; ++i) {
          const std::size_t size = 1 + (i * 7) % Memory::kSmallMax;
          auto* p = static_cast<char*>(mem.allocate_small(size));
          REQUIRE(p != nullptr);
          std::memset(p, static_cast<int>(i & 0x7f), size);
          blocks.emplace_back(p, size);
        }
        // One page per size class holds many blocks: far fewer hook allocations than blocks.
        CHECK(alloc.live_blocks < 200);
        CHECK(mem.small_pages_bytes() == alloc.live_blocks * MICROREDIS_SMALL_PAGE_BYTES);
        std::size_t asked = 0;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
          asked += blocks[i].second;
          for (std::size_t k = 0; k < blocks[i].second; ++k) REQUIRE(blocks[i].first[k] == static_cast<char>(i & 0x7f));
        }
        CHECK(mem.used() == asked);  // used() counts the bytes asked for
        CHECK(mem.allocations() == blocks.size());
        // A freed block is handed out again for its size class.
        char* reused = blocks[10].first;
        mem.deallocate_small(reused, blocks[10].second);
        CHECK(mem.allocate_small(blocks[10].second) == reused);
        // A block above kSmallMax goes to the hooks.
        const std::size_t before = alloc.live_blocks;
        void* big = mem.allocate_small(Memory::kSmallMax + 1);
        CHECK(alloc.live_blocks == before + 1);
        mem.deallocate_small(big, Memory::kSmallMax + 1);
        // Once the last small block is freed, every page goes back.
        for (auto& b : blocks) mem.deallocate_small(b.first, b.second);
        CHECK(mem.used() == 0);
        CHECK(alloc.live_blocks == 0);
        CHECK(mem.small_pages_bytes() == 0);
        // A page that cannot be had is an allocation failure, nothing else.
        alloc.arm(1, false);
        CHECK(mem.allocate_small(40) == nullptr);
        CHECK(mem.used() == 0);
        void* p = mem.allocate_small(40);
        CHECK(p != nullptr);
        mem.deallocate_small(p, 40);
      }
      CHECK(alloc.live_blocks == 0);
    }
    SUBCASE("not pooled: one hook allocation per block") {
      Memory mem(hooks);
      void* p = mem.allocate_small(40);
      void* q = mem.allocate_small(40);
      CHECK(alloc.live_blocks == 2);
      CHECK(alloc.live_bytes == 80);
      mem.deallocate_small(p, 40);
      mem.deallocate_small(q, 40);
      CHECK(alloc.live_blocks == 0);
      CHECK(mem.small_pages_bytes() == 0);
    }
  }

  TEST_CASE("Vec and Buffer report failure and keep their contents") {
    FailAlloc alloc;
    {
      Memory mem(alloc.hooks());
      Vec<int> v(mem);
      for (int i = 0; i < 100; ++i) REQUIRE(v.push_back(i));
      CHECK(v.size() == 100);
      CHECK(v.capacity() >= 100);
      alloc.arm(1, true);
      while (v.size() < v.capacity()) REQUIRE(v.push_back(0));
      CHECK_FALSE(v.push_back(1));
      CHECK_FALSE(v.reserve(v.capacity() + 1));
      CHECK_FALSE(v.resize(v.capacity() + 1));
      alloc.disarm();
      for (int i = 0; i < 100; ++i) CHECK(v[static_cast<std::size_t>(i)] == i);
      v.erase_front(98);
      CHECK(v.size() == v.capacity() - 98);
      CHECK(v[0] == 98);
      v.clear();
      v.shrink_if_over(16);
      CHECK(v.capacity() == 0);
      Vec<int> moved(std::move(v));
      CHECK(moved.empty());

      Buffer b(mem);
      REQUIRE(b.append("hello "));
      REQUIRE(b.append(std::string_view("world")));
      CHECK(b.view() == "hello world");
      alloc.arm(1, true);
      CHECK_FALSE(b.append(std::string(1000, 'x')));
      CHECK(b.view() == "hello world");
      CHECK(b.append(""));  // nothing to add needs no memory
      alloc.disarm();
      // Sizes whose byte counts would wrap are refused before any allocation is attempted.
      std::uint64_t attempts = alloc.attempts;
      CHECK_FALSE(v.reserve(SIZE_MAX / 2));
      CHECK_FALSE(v.grow_for(SIZE_MAX));
      CHECK_FALSE(b.grow_for(SIZE_MAX - 3));
      CHECK(alloc.attempts == attempts);
      Buffer other(mem);
      REQUIRE(other.append("x"));
      other = std::move(b);
      CHECK(other.view() == "hello world");
    }
    CHECK(alloc.live_blocks == 0);
  }

  TEST_CASE("two engines keep separate accounts") {
    FailAlloc a1, a2;
    microredis::EngineOptions o1, o2;
    o1.allocator = a1.hooks();
    o2.allocator = a2.hooks();
    microredis::Engine e1(o1), e2(o2);
    std::size_t before = e2.memory().used();
    Session* s = e1.open_session();
    s->feed(multibulk({"ECHO", std::string(10000, 'x')}));
    CHECK(e1.memory().used() == a1.live_bytes);
    CHECK(e2.memory().used() == before);
    CHECK(a2.live_bytes == before);
    e1.close_session(s);
  }

  TEST_CASE("the engine survives the failure of every allocation of a script") {
    const RunResult reference = run_script(0, false, nullptr);
    REQUIRE(reference.attempts > 100);
    MESSAGE("allocation attempts in the script: ", reference.attempts);
    SUBCASE("the Nth allocation fails") {
      for (std::uint64_t n = 1; n <= reference.attempts; ++n) {
        CAPTURE(n);
        RunResult r = run_script(n, false, &reference);
        CHECK(r.end_used == reference.end_used);
      }
    }
    SUBCASE("every allocation from the Nth on fails") {
      for (std::uint64_t n = 1; n <= reference.attempts; ++n) {
        CAPTURE(n);
        RunResult r = run_script(n, true, &reference);
        CHECK(r.end_used == reference.end_used);
      }
    }
    SUBCASE("entries from pooled pages: the Nth allocation fails, or every one from it on") {
      const RunResult pooled = run_script(0, false, nullptr, true);
      for (std::uint64_t n = 1; n <= pooled.attempts; ++n) {
        CAPTURE(n);
        CHECK(run_script(n, false, &pooled, true).end_used == pooled.end_used);
        CHECK(run_script(n, true, &pooled, true).end_used == pooled.end_used);
      }
    }
  }
}
