// The wire test: one recorded stream of varied commands, fed to fresh engines in one piece, split
// at every byte offset, byte by byte and in random pieces, with the output drained in chunks of
// several sizes. The engine contract says any split of the input and any draining of the output
// give the same bytes; this holds it to that.
#include <cstdint>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace mrtest;
using namespace std::string_literals;

namespace {

// About a hundred commands: multibulk and inline, replies of every shape in RESP2 and RESP3,
// errors, empty requests, binary payloads, a big argument, strings, keys, expiry, transactions,
// and QUIT at the end.
std::string recorded_stream() {
  std::string s;
  s += multibulk({"PING"});
  s += "PING\r\n";
  s += multibulk({"PING", "hello world"});
  s += "ECHO \"quoted \\x41\\n arg\" \r\n";
  s += multibulk({"ECHO", "\0\r\n\xff binary"s});
  s += multibulk({"ECHO", ""});
  s += "*0\r\n";
  s += "\r\n";
  s += "*-1\r\n";
  s += "\n";
  s += multibulk({"ECHO", std::string(5000, 'b')});
  s += multibulk({"DBSIZE"});
  s += multibulk({"SELECT", "3"});
  s += multibulk({"DBSIZE"});
  s += multibulk({"SELECT", "99"});
  s += multibulk({"SELECT", "x"});
  s += "SELECT 0\r\n";
  s += multibulk({"NOSUCHCOMMAND", "a", "b"});
  s += "nosuch 'single quoted' \"double\"\n";
  s += multibulk({"ECHO"});
  s += multibulk({"PING", "a", "b"});
  s += multibulk({"CONFIG", "GET", "maxmemory"});
  s += multibulk({"CONFIG", "GET", "*max-*-entries*"});
  s += multibulk({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  s += multibulk({"CONFIG", "GET", "maxmemory-policy"});
  s += multibulk({"CONFIG", "SET", "maxmemory-policy", "bogus"});
  s += multibulk({"CONFIG", "SET", "hz", "20", "timeout", "0"});
  s += multibulk({"CONFIG", "SET", "nosuchparam", "1"});
  s += multibulk({"CONFIG", "NOSUBCOMMAND"});
  s += multibulk({"CONFIG"});
  s += multibulk({"CONFIG", "HELP"});
  s += multibulk({"CONFIG", "RESETSTAT"});
  s += multibulk({"AUTH", "nopass"});
  s += multibulk({"FLUSHDB"});
  s += multibulk({"FLUSHALL", "ASYNC"});
  s += multibulk({"FLUSHALL", "LAZY"});
  s += multibulk({"FUNCTION", "LIST"});
  s += multibulk({"FUNCTION", "STATS"});
  s += multibulk({"FUNCTION", "LOAD", "#!lua name=lib\nreturn 1"});
  s += multibulk({"FUNCTION", "DELETE", "lib"});
  s += multibulk({"FUNCTION", "FLUSH", "NOW"});
  s += multibulk({"FUNCTION", "HELP"});
  // Strings, keys, expiry and transactions.
  s += multibulk({"SET", "k", "value"});
  s += multibulk({"GET", "k"});
  s += multibulk({"SET", "k", "other", "NX"});
  s += multibulk({"SET", "k", "newer", "XX", "GET"});
  s += multibulk({"APPEND", "k", std::string(100, 'a')});
  s += multibulk({"STRLEN", "k"});
  s += multibulk({"GETRANGE", "k", "0", "9"});
  s += multibulk({"SETRANGE", "pad", "5", "x"});
  s += multibulk({"GET", "pad"});
  s += "SET n 41\r\nINCR n\r\n";
  s += multibulk({"INCRBYFLOAT", "n", "0.5"});
  s += multibulk({"INCR", "k"});
  s += multibulk({"MSET", "a", "1", "b", "2", "c", "3"});
  s += multibulk({"MGET", "a", "b", "nosuchkey"});
  s += multibulk({"EXPIRE", "a", "100"});
  s += multibulk({"TTL", "a"});
  s += multibulk({"PTTL", "a"});
  s += multibulk({"PERSIST", "a"});
  s += multibulk({"TYPE", "k"});
  s += multibulk({"OBJECT", "ENCODING", "n"});
  s += multibulk({"EXISTS", "a", "b", "nosuchkey"});
  s += multibulk({"KEYS", "*"});
  s += multibulk({"SCAN", "0", "COUNT", "100"});
  s += multibulk({"RENAME", "a", "a2"});
  s += multibulk({"DEL", "b", "nosuchkey"});
  s += multibulk({"MULTI"});
  s += multibulk({"SET", "t", "1"});
  s += multibulk({"INCR", "t"});
  s += multibulk({"GET", "t"});
  s += multibulk({"EXEC"});
  s += multibulk({"WATCH", "k"});
  s += multibulk({"UNWATCH"});
  s += multibulk({"LCS", "k", "pad"});
  s += multibulk({"HSET", "h", "f1", "v1", "f2", "2"});
  s += multibulk({"HINCRBYFLOAT", "h", "f2", "0.25"});
  s += multibulk({"HGETALL", "h"});
  s += multibulk({"SADD", "s", "3", "1", "2", "x"});
  s += multibulk({"SMEMBERS", "s"});
  s += multibulk({"SINTERCARD", "1", "s"});
  s += multibulk({"SPOP", "s"});
  s += multibulk({"SETBIT", "bits", "77", "1"});
  s += multibulk({"BITCOUNT", "bits"});
  s += multibulk({"BITFIELD", "bits", "INCRBY", "u8", "0", "300", "GET", "i4", "4"});
  s += multibulk({"PFADD", "hll", "a", "b", "c"});
  s += multibulk({"PFCOUNT", "hll"});
  s += multibulk({"DBSIZE"});
  // Connection and introspection replies that do not depend on buffer sizes.
  s += multibulk({"CLIENT", "ID"});
  s += multibulk({"CLIENT", "SETNAME", "wire"});
  s += multibulk({"CLIENT", "GETNAME"});
  s += multibulk({"CLIENT", "REPLY", "SKIP"});
  s += multibulk({"PING", "skipped"});
  s += multibulk({"COMMAND", "COUNT"});
  s += multibulk({"COMMAND", "INFO", "get"});
  s += multibulk({"TIME"});
  for (const char* type : {"string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push",
                           "verbatim", "true", "false"}) {
    s += multibulk({"DEBUG", "PROTOCOL", type});
  }
  s += multibulk({"HELLO", "3"});
  for (const char* type : {"double", "bignum", "null", "set", "map", "attrib", "push", "verbatim", "true", "false"}) {
    s += multibulk({"DEBUG", "PROTOCOL", type});
  }
  s += multibulk({"CONFIG", "GET", "hz"});
  s += multibulk({"FUNCTION", "STATS"});
  s += multibulk({"GET", "nosuchkey"});
  s += multibulk({"MGET", "k", "nosuchkey"});
  s += multibulk({"INCRBYFLOAT", "n", "1e2"});
  s += multibulk({"MULTI"});
  s += multibulk({"TTL", "a2"});
  s += multibulk({"KEYS", "[ab]*"});
  s += multibulk({"EXEC"});
  s += multibulk({"FLUSHALL"});
  s += multibulk({"HELLO", "3", "SETNAME", "wire-client"});
  s += multibulk({"HELLO", "4"});
  s += multibulk({"HELLO", "2", "BOGUS"});
  s += "HELLO 2\r\n";
  s += multibulk({"CONFIG", "GET", "hz", "port"});
  s += multibulk({"ECHO", "after all that"});
  s += multibulk({"QUIT"});
  // Everything after QUIT is ignored.
  s += multibulk({"PING"});
  s += "ECHO never\r\n";
  return s;
}

// Feeds the pieces (given as cut offsets) to a fresh engine's session, draining output in chunks
// of at most `drain_chunk` bytes; with `lazy`, only one chunk is taken after each piece so that
// output accumulates while input keeps coming, and the rest is drained at the end.
std::string run_stream(const std::string& stream, const std::vector<std::size_t>& cuts, std::size_t drain_chunk,
                       bool lazy = false, bool* closed = nullptr) {
  Harness h;
  microredis::Session* s = h.engine.open_session();
  std::string out;
  auto drain_once = [&]() -> bool {
    std::string_view pending = s->pending_output();
    if (pending.empty()) return false;
    std::size_t n = pending.size() < drain_chunk ? pending.size() : drain_chunk;
    out.append(pending.data(), n);
    s->consume_output(n);
    return true;
  };
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    std::size_t to = i < cuts.size() ? cuts[i] : stream.size();
    s->feed(std::string_view(stream).substr(from, to - from));
    from = to;
    if (lazy) {
      drain_once();
    } else {
      while (drain_once()) {
      }
    }
  }
  while (drain_once()) {
  }
  if (closed) *closed = s->want_close();
  h.engine.close_session(s);
  return out;
}

}  // namespace

TEST_SUITE("wire") {
  TEST_CASE("the recorded stream answers every command") {
    std::string stream = recorded_stream();
    bool closed = false;
    std::string out = run_stream(stream, {}, SIZE_MAX, false, &closed);
    CHECK(closed);
    // Count the replies: one per non-empty command before QUIT, QUIT's +OK included.
    std::vector<Reply> replies;
    std::size_t pos = 0;
    while (pos < out.size()) {
      Reply r;
      std::size_t n = microredis::parse_reply(std::string_view(out).substr(pos), r);
      REQUIRE(n > 0);
      replies.push_back(r);
      pos += n;
    }
    REQUIRE(replies.size() == 133);
    CHECK(replies.front() == simple("PONG"));
    CHECK(replies[2] == bulk("hello world"));
    CHECK(replies[3] == bulk("quoted A\n arg"));
    CHECK(replies[4] == bulk("\0\r\n\xff binary"s));
    CHECK(replies[6].str.size() == 5000);
    CHECK(replies[13] == error("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' 'b' "));
    CHECK(replies[14] ==
          error("ERR unknown command 'nosuch', with args beginning with: 'single quoted' 'double' "));
    CHECK(replies[39] == bulk("value"));
    CHECK(replies[41] == bulk("value"));
    CHECK(replies[47] == ok());
    CHECK(replies[48] == integer(42));
    CHECK(replies[49] == bulk("42.5"));
    CHECK(replies[replies.size() - 2] == bulk("after all that"));
    CHECK(replies.back() == ok());
    // Both protocols were used: HELLO 3 switched to RESP3 maps, HELLO 2 back.
    CHECK(out.find("%7\r\n$6\r\nserver") != std::string::npos);
    CHECK(out.find("*14\r\n$6\r\nserver") != std::string::npos);
  }

  TEST_CASE("any split of the input gives the same output") {
    const std::string stream = recorded_stream();
    const std::string expected = run_stream(stream, {}, SIZE_MAX);
    REQUIRE(!expected.empty());

    SUBCASE("split in two at every offset") {
      for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        std::string out = run_stream(stream, {cut}, SIZE_MAX);
        if (out != expected) {
          CAPTURE(cut);
          CHECK(out == expected);
          break;
        }
      }
    }
    SUBCASE("byte by byte") {
      std::vector<std::size_t> cuts;
      for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
      CHECK(run_stream(stream, cuts, SIZE_MAX) == expected);
    }
    SUBCASE("fixed piece sizes") {
      for (std::size_t piece = 2; piece <= 17; ++piece) {
        std::vector<std::size_t> cuts;
        for (std::size_t i = piece; i < stream.size(); i += piece) cuts.push_back(i);
        CAPTURE(piece);
        CHECK(run_stream(stream, cuts, SIZE_MAX) == expected);
      }
    }
    SUBCASE("random pieces") {
      microredis::Random rng(2024);
      for (int round = 0; round < 50; ++round) {
        std::vector<std::size_t> cuts;
        std::size_t at = 0;
        for (;;) {
          at += 1 + rng.below(round % 2 ? 64 : 4096);
          if (at >= stream.size()) break;
          cuts.push_back(at);
        }
        CAPTURE(round);
        CHECK(run_stream(stream, cuts, SIZE_MAX) == expected);
      }
    }
  }

  TEST_CASE("draining output in chunks gives the same byte stream") {
    const std::string stream = recorded_stream();
    const std::string expected = run_stream(stream, {}, SIZE_MAX);
    std::vector<std::size_t> small_cuts;
    for (std::size_t i = 13; i < stream.size(); i += 13) small_cuts.push_back(i);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
      CAPTURE(chunk);
      CHECK(run_stream(stream, {}, chunk) == expected);
      CHECK(run_stream(stream, small_cuts, chunk) == expected);
      // Output left pending while more commands run is appended after it, never reordered.
      CHECK(run_stream(stream, small_cuts, chunk, true) == expected);
    }
  }

  TEST_CASE("a big pending output drained slowly while commands keep coming") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    std::string payload(100000, 'p');
    std::string cmd = multibulk({"ECHO", payload});
    std::string expected_one = "$100000\r\n" + payload + "\r\n";
    std::string out;
    for (int i = 0; i < 20; ++i) {
      s->feed(cmd);
      // Take a little each time: the buffer moves its tail to the front once most of it is gone.
      std::string_view pending = s->pending_output();
      std::size_t n = pending.size() < 70000 ? pending.size() : 70000;
      out.append(pending.data(), n);
      s->consume_output(n);
    }
    while (s->has_output()) {
      std::string_view pending = s->pending_output();
      std::size_t n = pending.size() < 4096 ? pending.size() : 4096;
      out.append(pending.data(), n);
      s->consume_output(n);
    }
    std::string expected;
    for (int i = 0; i < 20; ++i) expected += expected_one;
    CHECK(out == expected);
    CHECK(s->output_buffer_capacity() <= 64 * 1024);
    h.engine.close_session(s);
  }
  TEST_CASE("a client pipelining big replies keeps its output buffer until a small flush") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    const auto flush_all = [&] {
      std::size_t sent = 0;
      while (s->has_output()) {
        const std::size_t n = s->pending_output().size();
        sent += n;
        s->consume_output(n);
      }
      return sent;
    };
    std::string batch;
    for (int i = 0; i < 8; ++i) batch += multibulk({"ECHO", std::string(12000, 'x')});  // ~96 KB
    s->feed(batch);
    CHECK(flush_all() > 64 * 1024);
    const std::size_t kept = s->output_buffer_capacity();
    CHECK(kept > 64 * 1024);
    CHECK(kept <= 256 * 1024);
    s->feed(batch);  // the next batch reuses it: no new allocation
    CHECK(s->output_buffer_capacity() == kept);
    flush_all();
    s->feed(multibulk({"PING"}));  // a small flush gives it back
    CHECK(flush_all() == 7);
    CHECK(s->output_buffer_capacity() <= 64 * 1024);
    // A flush of more than 256 KB does not keep its buffer.
    std::string huge;
    for (int i = 0; i < 4; ++i) huge += multibulk({"ECHO", std::string(100000, 'y')});
    s->feed(huge);
    CHECK(flush_all() > 256 * 1024);
    CHECK(s->output_buffer_capacity() <= 64 * 1024);
    h.engine.close_session(s);
  }
  TEST_CASE("an idle connection gives back its empty buffers after two seconds") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    std::size_t available = 0;
    char* in = s->input_space(1, available);  // as an adapter reads: a read chunk
    REQUIRE(in != nullptr);
    const std::string ping = multibulk({"PING"});
    std::memcpy(in, ping.data(), ping.size());
    s->commit_input(ping.size());
    CHECK(take_output(*s) == "+PONG\r\n");
    CHECK(s->query_buffer_capacity() >= 16 * 1024);
    CHECK(s->output_buffer_capacity() > 0);
    h.clock.advance_ms(1500);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() >= 16 * 1024);  // not idle long enough
    h.clock.advance_ms(1000);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() == 0);
    CHECK(s->output_buffer_capacity() == 0);
    // Space handed out for a read under way (an asynchronous read) is not taken back.
    in = s->input_space(1, available);
    REQUIRE(in != nullptr);
    h.clock.advance_ms(3000);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() >= 16 * 1024);
    s->commit_input(0);
    h.clock.advance_ms(3000);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() == 0);
    // A read that found nothing gives the space back too.
    in = s->input_space(1, available);
    REQUIRE(in != nullptr);
    s->drop_input_space();
    h.clock.advance_ms(3000);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() == 0);
    // A half-received command or unsent output is kept.
    s->feed("*2\r\n$4\r\nECHO\r\n$3\r\nab");
    h.clock.advance_ms(3000);
    (void)h.engine.tick();
    CHECK(s->query_buffer_capacity() > 0);
    s->feed("c\r\n");
    h.clock.advance_ms(3000);
    (void)h.engine.tick();
    CHECK(s->output_buffer_capacity() > 0);
    CHECK(take_output(*s) == "$3\r\nabc\r\n");
    CHECK(wire(*s, {"PING"}) == "+PONG\r\n");
    h.engine.close_session(s);
  }
  TEST_CASE("a command of 100k arguments leaves no argument arrays behind") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    std::string cmd = "*100002\r\n$4\r\nSADD\r\n$1\r\ns\r\n";
    for (int i = 0; i < 100000; ++i) {
      const std::string m = std::to_string(i);
      cmd += "$" + std::to_string(m.size()) + "\r\n" + m + "\r\n";
    }
    s->feed(cmd);
    CHECK(take_output(*s) == ":100000\r\n");
    CHECK(s->memory_usage() < 128 * 1024);  // the arrays alone took 3 MB
    CHECK(wire(*s, {"SCARD", "s"}) == ":100000\r\n");
    h.engine.close_session(s);
  }
  TEST_CASE("bulk replies of every short length are framed exactly") {
    // The writer's short-value path (one or two header digits, fixed-size copies) up to the
    // general one.
    Harness h;
    microredis::Session* s = h.engine.open_session();
    std::string payload;
    for (std::size_t n = 0; n <= 130; ++n) {
      CAPTURE(n);
      CHECK(wire(*s, {"ECHO", payload}) == "$" + std::to_string(n) + "\r\n" + payload + "\r\n");
      payload += static_cast<char>('a' + n % 26);
    }
    h.engine.close_session(s);
  }
  TEST_CASE("a pipelined batch on one big collection answers as commands sent one by one") {
    // Session::run_batch prefetches the members of a collection that consecutive commands share;
    // commands of the batch delete, replace and retype that collection under the later ones.
    const auto fill = [](Harness& h) {
      for (int i = 0; i < 600; ++i) {
        const std::string m = "m" + std::to_string(i);
        h.run({"SADD", "s", m});
        h.run({"HSET", "h", m, "v"});
        h.run({"ZADD", "z", std::to_string(i % 50), m});
      }
    };
    std::vector<std::vector<std::string>> cmds;
    for (int i = 0; i < 5; ++i) cmds.push_back({"SADD", "s", "m" + std::to_string(i * 7), "new" + std::to_string(i)});
    cmds.push_back({"DEL", "s"});
    for (int i = 0; i < 3; ++i) cmds.push_back({"SADD", "s", "x" + std::to_string(i)});
    for (int i = 0; i < 4; ++i) cmds.push_back({"HSET", "h", "m" + std::to_string(i * 3), "w"});
    cmds.push_back({"SET", "h", "now a string"});
    for (int i = 0; i < 3; ++i) cmds.push_back({"HSET", "h", "f", "v"});
    for (int i = 0; i < 6; ++i) cmds.push_back({"ZADD", "z", std::to_string(60 - i * 11), "m" + std::to_string(i * 13)});
    cmds.push_back({"ZINCRBY", "z", "5", "m1"});
    cmds.push_back({"ZSCORE", "z", "m1"});
    cmds.push_back({"UNLINK", "z"});
    for (int i = 0; i < 3; ++i) cmds.push_back({"ZADD", "z", "1", "m" + std::to_string(i)});
    cmds.push_back({"SMEMBERS", "s"});
    cmds.push_back({"ZRANGE", "z", "0", "-1", "WITHSCORES"});
    REQUIRE(cmds.size() <= 32);

    std::string batch;
    for (const auto& c : cmds) {
      batch += "*" + std::to_string(c.size()) + "\r\n";
      for (const auto& a : c) batch += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    }
    Harness pipelined, one_by_one;
    fill(pipelined);
    fill(one_by_one);
    microredis::Session* a = pipelined.engine.open_session();
    microredis::Session* b = one_by_one.engine.open_session();
    a->feed(batch);
    const std::string together = take_output(*a);
    std::string separately;
    std::size_t pos = 0;
    for (const auto& c : cmds) {
      std::size_t len = 0;
      std::string one = "*" + std::to_string(c.size()) + "\r\n";
      for (const auto& x : c) one += "$" + std::to_string(x.size()) + "\r\n" + x + "\r\n";
      len = one.size();
      CHECK(batch.compare(pos, len, one) == 0);
      pos += len;
      b->feed(one);
      separately += take_output(*b);
    }
    CHECK(together == separately);
    CHECK(together.find("-WRONGTYPE") != std::string::npos);
    pipelined.engine.close_session(a);
    one_by_one.engine.close_session(b);
  }
}
