// The protocol layer: the request parser (directly and through Session::feed), the reply writer in
// RESP2 and RESP3, and the reply parser. Expected bytes for protocol edge cases were recorded from
// redis-server 7.0.15 over a raw socket.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace mrtest;
using namespace std::string_literals;
using microredis::Buffer;
using microredis::Memory;
using microredis::ParserLimits;
using microredis::RequestParser;
using microredis::Session;
using microredis::Writer;

namespace {

struct Parsed {
  RequestParser::Result result = RequestParser::Result::incomplete;
  std::vector<std::string> args;
  std::size_t consumed = 0;
  Status error = Status::ok;
  char error_char = 0;
};

// Parses the command at the start of input, offering the parser a window that grows by `step`
// bytes at a time (as a session does while bytes arrive) until it stops asking for more.
Parsed parse_one(std::string_view input, std::size_t step = SIZE_MAX, bool authenticated = true,
                 const ParserLimits& limits = ParserLimits{}) {
  Memory mem;
  Parsed out;
  {
    RequestParser p(mem);
    std::size_t avail = step < input.size() ? step : input.size();
    for (;;) {
      out.result = p.parse(input.data(), avail, limits, authenticated);
      if (out.result != RequestParser::Result::incomplete || avail == input.size()) break;
      avail = input.size() - avail > step ? avail + step : input.size();
    }
    if (out.result == RequestParser::Result::command) {
      out.consumed = p.consumed();
      for (std::size_t i = 0; i < p.argc(); ++i) out.args.emplace_back(p.args()[i]);
    } else if (out.result == RequestParser::Result::error) {
      out.error = p.error();
      out.error_char = p.error_char();
    }
  }
  CHECK(mem.used() == 0);
  return out;
}

// The arguments of one inline line (which must parse as a command).
std::vector<std::string> inline_args(std::string_view line) {
  Parsed p = parse_one(line);
  REQUIRE(p.result == RequestParser::Result::command);
  CHECK(p.consumed == line.size());
  return p.args;
}

using Args = std::vector<std::string>;

// A client connection on the harness's engine.
struct Client {
  microredis::Engine& engine;
  Session* s;
  explicit Client(Harness& h) : engine(h.engine), s(h.engine.open_session()) { REQUIRE(s != nullptr); }
  ~Client() { engine.close_session(s); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  std::string send(std::string_view bytes) {
    s->feed(bytes);
    return take();
  }
  std::string take() {
    std::string out(s->pending_output());
    s->consume_output(out.size());
    return out;
  }
};

// Feeds input to fresh sessions in one piece, byte by byte, and (for short inputs) split in two at
// every offset; each must answer `expected` and then want to close iff `closes`.
void check_stream(std::string_view input, std::string_view expected, bool closes) {
  CAPTURE(std::string(input.substr(0, 80)));
  auto run = [&](auto&& feed_all) {
    Harness h;
    Client c(h);
    std::string out = feed_all(c);
    CHECK(out == std::string(expected));
    CHECK(c.s->want_close() == closes);
    CHECK(c.s->want_read() == !closes);
  };
  run([&](Client& c) { return c.send(input); });
  run([&](Client& c) {
    std::string out;
    for (char ch : input) out += c.send(std::string_view(&ch, 1));
    return out;
  });
  if (input.size() <= 256) {
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
      run([&](Client& c) {
        std::string out = c.send(input.substr(0, cut));
        return out + c.send(input.substr(cut));
      });
    }
  }
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace

TEST_SUITE("resp") {
  // ------------------------------------------------------------------------------------------
  // Request parser, directly

  TEST_CASE("parser: multibulk commands") {
    Parsed p = parse_one("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n");
    CHECK(p.result == RequestParser::Result::command);
    CHECK(p.args == Args{"ECHO", "hello"});
    CHECK(p.consumed == 25);
    // Binary-safe payloads, empty arguments.
    p = parse_one("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\n\0\r\n\n\xff\r\n"s);
    CHECK(p.args == Args{"SET", "", "\0\r\n\n\xff"s});
    // Redis skips the two bytes after a payload without looking at them.
    p = parse_one("*1\r\n$4\r\nPINGxy");
    CHECK(p.args == Args{"PING"});
    CHECK(p.consumed == 14);
    // ...and the byte after a header's '\r'.
    p = parse_one("*1\rX$4\rXPING\r\n");
    CHECK(p.args == Args{"PING"});
  }

  TEST_CASE("parser: empty commands") {
    for (const char* in : {"*0\r\n", "*-1\r\n", "*-5\r\n"}) {
      Parsed p = parse_one(in);
      CHECK(p.result == RequestParser::Result::command);
      CHECK(p.args.empty());
      CHECK(p.consumed == std::strlen(in));
    }
    for (const char* in : {"\r\n", "\n", "   \t \r\n", "\r\r\n"}) {
      Parsed p = parse_one(in);
      CHECK(p.result == RequestParser::Result::command);
      CHECK(p.args.empty());
    }
  }

  TEST_CASE("parser: every split gives the same command") {
    const std::string cmds[] = {"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n", "ECHO \"a b\" 'c d' e\r\n",
                                "*0\r\n", "PING\n"};
    for (const auto& cmd : cmds) {
      Parsed whole = parse_one(cmd);
      REQUIRE(whole.result == RequestParser::Result::command);
      for (std::size_t step = 1; step < cmd.size(); ++step) {
        Parsed part = parse_one(cmd, step);
        CHECK(part.result == RequestParser::Result::command);
        CHECK(part.args == whole.args);
        CHECK(part.consumed == whole.consumed);
      }
      // Every proper prefix is incomplete.
      Memory mem;
      RequestParser p(mem);
      for (std::size_t n = 0; n < cmd.size(); ++n) {
        CHECK(p.parse(cmd.data(), n, ParserLimits{}, true) == RequestParser::Result::incomplete);
      }
    }
  }

  TEST_CASE("parser: protocol errors") {
    struct Case {
      std::string in;
      Status err;
    } cases[] = {
        {"*x\r\n", Status::proto_invalid_mbulk_length},
        {"*\r\n", Status::proto_invalid_mbulk_length},
        {"*01\r\n", Status::proto_invalid_mbulk_length},
        {"*-0\r\n", Status::proto_invalid_mbulk_length},
        {"*+1\r\n", Status::proto_invalid_mbulk_length},
        {"*1 \r\n", Status::proto_invalid_mbulk_length},
        {"*2147483648\r\n", Status::proto_invalid_mbulk_length},
        {"*99999999999999999999\r\n", Status::proto_invalid_mbulk_length},
        {"*1\r\n$x\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$-1\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$-0\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$01\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$536870913\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$9223372036854775807\r\n", Status::proto_invalid_bulk_length},
        {"*1\r\n$9223372036854775808\r\n", Status::proto_invalid_bulk_length},
        {"PING \"a\r\n", Status::proto_unbalanced_quotes},
        {"PING 'a\r\n", Status::proto_unbalanced_quotes},
    };
    for (const auto& c : cases) {
      CAPTURE(c.in);
      for (std::size_t step : {std::size_t{1}, SIZE_MAX}) {
        Parsed p = parse_one(c.in, step);
        CHECK(p.result == RequestParser::Result::error);
        CHECK(p.error == c.err);
      }
    }
    Parsed p = parse_one("*1\r\nx\r\n");
    CHECK(p.error == Status::proto_expected_dollar);
    CHECK(p.error_char == 'x');
    // "*2147483647" is a valid count: nothing is reserved for it beyond what Redis reserves.
    CHECK(parse_one("*2147483647\r\n").result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\r\n$536870912\r\n").result == RequestParser::Result::incomplete);
  }

  TEST_CASE("parser: limits") {
    ParserLimits lim;
    lim.max_bulk_len = 1024 * 1024;
    CHECK(parse_one("*1\r\n$1048577\r\n", SIZE_MAX, true, lim).error == Status::proto_invalid_bulk_length);
    CHECK(parse_one("*1\r\n$1048576\r\n", SIZE_MAX, true, lim).result == RequestParser::Result::incomplete);

    // Unauthenticated: at most 10 arguments of at most 16 KiB; the generic checks come first.
    CHECK(parse_one("*11\r\n", SIZE_MAX, false).error == Status::proto_unauth_mbulk_length);
    CHECK(parse_one("*10\r\n", SIZE_MAX, false).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*11\r\n", SIZE_MAX, true).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\r\n$16385\r\n", SIZE_MAX, false).error == Status::proto_unauth_bulk_length);
    CHECK(parse_one("*1\r\n$16384\r\n", SIZE_MAX, false).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\r\n$9999999999999\r\n", SIZE_MAX, false).error == Status::proto_invalid_bulk_length);
    CHECK(parse_one("*3000000000\r\n", SIZE_MAX, false).error == Status::proto_invalid_mbulk_length);
    // Inline commands have no argument limits before AUTH.
    CHECK(parse_one("PING a b c d e f g h i j k\r\n", SIZE_MAX, false).args.size() == 12);

    // Lines: 64 KiB without a line end is an error, whatever the split.
    for (std::size_t step : {std::size_t{1}, std::size_t{4096}, std::size_t{70000}, SIZE_MAX}) {
      CAPTURE(step);
      CHECK(parse_one(repeat('A', 65536), step).result == RequestParser::Result::incomplete);
      CHECK(parse_one(repeat('A', 65537), step).error == Status::proto_too_big_inline);
      CHECK(parse_one(repeat('A', 65536) + "\n", step).args.size() == 1);
      CHECK(parse_one(repeat('A', 65537) + "\n", step).error == Status::proto_too_big_inline);
      CHECK(parse_one("*" + repeat('1', 65535), step).result == RequestParser::Result::incomplete);
      CHECK(parse_one("*" + repeat('1', 65536), step).error == Status::proto_too_big_mbulk_count);
      CHECK(parse_one("*" + repeat('1', 65536) + "\r\n", step).error == Status::proto_too_big_mbulk_count);
      CHECK(parse_one("*1\r\n$" + repeat('1', 65535), step).result == RequestParser::Result::incomplete);
      CHECK(parse_one("*1\r\n$" + repeat('1', 65536), step).error == Status::proto_too_big_bulk_count);
      CHECK(parse_one("*1\r\n$" + repeat('1', 65536) + "\r\n", step).error == Status::proto_too_big_bulk_count);
    }
  }

  TEST_CASE("parser: a NUL before the line end hides it, as Redis's strchr") {
    // Redis searches its NUL-terminated query buffer with strchr(): the command never completes
    // and the connection errors once 64 KiB are buffered.
    CHECK(parse_one("PING\0\r\nPING\r\n"s).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\0\r\n$4\r\nPING\r\n"s).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\r\n\0\r\n"s).result == RequestParser::Result::incomplete);
    CHECK(parse_one("*1\r\n$4\0\r\nPING\r\n"s).result == RequestParser::Result::incomplete);
    for (std::size_t step : {std::size_t{1}, SIZE_MAX}) {
      CHECK(parse_one("*1\0"s + repeat('x', 65533), step).result == RequestParser::Result::incomplete);
      CHECK(parse_one("*1\0\r\n"s + repeat('x', 65532), step).error == Status::proto_too_big_mbulk_count);
      CHECK(parse_one("PING\0\n"s + repeat('x', 65532), step).error == Status::proto_too_big_inline);
      CHECK(parse_one("*1\r\n$4\0\r\n"s + repeat('x', 65600), step).error == Status::proto_too_big_bulk_count);
    }
    // Inside a payload a NUL is just a byte.
    CHECK(parse_one("*2\r\n$4\r\nECHO\r\n$3\r\n\0\1\2\r\n"s).args == Args{"ECHO", "\0\1\2"s});
  }

  TEST_CASE("parser: inline quoting follows sdssplitargs") {
    CHECK(inline_args("GET k\r\n") == Args{"GET", "k"});
    CHECK(inline_args("  GET   k  \n") == Args{"GET", "k"});
    CHECK(inline_args("PING\r\r\n") == Args{"PING"});
    CHECK(inline_args("\rPING\r\n") == Args{"PING"});
    CHECK(inline_args("ECHO \"a b\"\r\n") == Args{"ECHO", "a b"});
    CHECK(inline_args("ECHO 'a b'\r\n") == Args{"ECHO", "a b"});
    CHECK(inline_args("ECHO \"\\x41\\x4\" \r\n") == Args{"ECHO", "Ax4"});
    CHECK(inline_args("ECHO \"\\x4A\\x4a\"\r\n") == Args{"ECHO", "JJ"});
    CHECK(inline_args("ECHO \"\\x\"\r\n") == Args{"ECHO", "x"});
    CHECK(inline_args("ECHO \"\\xzz\"\r\n") == Args{"ECHO", "xzz"});
    CHECK(inline_args("ECHO \"\\n\\r\\t\\b\\a\"\r\n") == Args{"ECHO", "\n\r\t\b\a"});
    CHECK(inline_args("ECHO \"a\\qb\"\r\n") == Args{"ECHO", "aqb"});
    CHECK(inline_args("ECHO \"\\\\\"\r\n") == Args{"ECHO", "\\"});
    CHECK(inline_args("ECHO \"a'b\"\r\n") == Args{"ECHO", "a'b"});
    CHECK(inline_args("ECHO 'a\"b'\r\n") == Args{"ECHO", "a\"b"});
    CHECK(inline_args("ECHO 'a\\'b'\r\n") == Args{"ECHO", "a'b"});
    CHECK(inline_args("ECHO 'a\\nb'\r\n") == Args{"ECHO", "a\\nb"});
    CHECK(inline_args("ECHO ''\r\n") == Args{"ECHO", ""});
    CHECK(inline_args("ECHO \"\" \r\n") == Args{"ECHO", ""});
    CHECK(inline_args("ECHO a\"b c\"\r\n") == Args{"ECHO", "ab c"});
    CHECK(inline_args("ECHO \"a\r\"\r\n") == Args{"ECHO", "a\r"});
    CHECK(inline_args("ECHO a\rb\r\n") == Args{"ECHO", "a", "b"});
    CHECK(inline_args("ECHO \xff" "a\r\n") == Args{"ECHO", "\xff" "a"});
    // isspace() skips '\v' and '\f' between arguments, but only ' ' \t \r \n end an argument.
    CHECK(inline_args("ECHO \vx\r\n") == Args{"ECHO", "x"});
    CHECK(inline_args("ECHO a\vb\r\n") == Args{"ECHO", "a\vb"});
    CHECK(inline_args("ECHO x\v\r\n") == Args{"ECHO", "x\v"});
    CHECK(inline_args("ECHO \fx\f\r\n") == Args{"ECHO", "x\f"});
    CHECK(inline_args("ECHO \"a\"\v\r\n") == Args{"ECHO", "a"});
    CHECK(inline_args("ECHO \"a\"\vx\r\n") == Args{"ECHO", "a", "x"});
    CHECK(inline_args("ECHO 'a'\fb\r\n") == Args{"ECHO", "a", "b"});
    CHECK(inline_args("ECHO \"a\"\t\r\n") == Args{"ECHO", "a"});

    for (const char* bad : {"ECHO a\"b c\"d\r\n", "ECHO \"a\"b\r\n", "ECHO \"a\"\"b\"\r\n", "ECHO 'it''s'\r\n",
                            "ECHO '\\\\'\r\n", "ECHO \"\\\r\n", "ECHO 'a\\\r\n", "ECHO \"abc\r\n"}) {
      CAPTURE(bad);
      CHECK(parse_one(bad).error == Status::proto_unbalanced_quotes);
    }
  }

  TEST_CASE("parser: memory is released") {
    Memory mem;
    {
      RequestParser p(mem);
      std::string big = "*5000\r\n";
      for (int i = 0; i < 5000; ++i) big += "$1\r\nx\r\n";
      REQUIRE(p.parse(big.data(), big.size(), ParserLimits{}, true) == RequestParser::Result::command);
      CHECK(p.argc() == 5000);
      std::size_t after_big = mem.used();
      REQUIRE(p.parse("PING\r\n", 6, ParserLimits{}, true) == RequestParser::Result::command);
      // The argument arrays of the huge command are not kept for the next one.
      CHECK(mem.used() < after_big);
      CHECK(mem.used() < 64 * 1024);
    }
    CHECK(mem.used() == 0);
  }

  // ------------------------------------------------------------------------------------------
  // Through Session::feed

  TEST_CASE("session: replies to valid and invalid streams as Redis does") {
    struct Case {
      std::string in, out;
      bool closes;
    } cases[] = {
        {"*1\r\n$4\r\nPING\r\n", "+PONG\r\n", false},
        {"PING\r\n", "+PONG\r\n", false},
        {"*0\r\nPING\r\n", "+PONG\r\n", false},
        {"*-1\r\nPING\r\n", "+PONG\r\n", false},
        {"*-5\r\nPING\r\n", "+PONG\r\n", false},
        {"\r\nPING\r\n", "+PONG\r\n", false},
        {"\nPING\n", "+PONG\r\n", false},
        {"PING\n\r\n", "+PONG\r\n", false},
        {"  \t \r\n", "", false},
        {"*1\r\n$4\r\nPING\r\n\r\n\r\nPING\r\n", "+PONG\r\n+PONG\r\n", false},
        {"*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$4\r\nPING\r\n", "+PONG\r\n+PONG\r\n+PONG\r\n", false},
        {"*1\r\n$4\r\nPINGxyPING\r\n", "+PONG\r\n+PONG\r\n", false},
        {"*1\rX$4\r\nPING\rX", "+PONG\r\n", false},
        {"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", "$0\r\n\r\n", false},
        {"*2\r\n$4\r\nECHO\r\n$1\r\n\r\r\n\r\n", "$1\r\n\r\r\n", false},
        {"*2\r\n$4\r\nECHO\r\n$3\r\n\0\1\2\r\n"s, "$3\r\n\0\1\2\r\n"s, false},
        {"ECHO \"\\x41\\x4\" \r\n", "$3\r\nAx4\r\n", false},
        {"ECHO a\vb\r\n", "$3\r\na\vb\r\n", false},
        {"ECHO \"a\"\vx\r\n", "-ERR wrong number of arguments for 'echo' command\r\n", false},
        {"*3\r\n$4\r\nPING\r\n$1\r\na\r\n", "", false},
        {"*1\r\n$4\r\nQUIT\r\nPING\r\n", "+OK\r\n", true},
        {"PING\0\r\nPING\r\n"s, "", false},
        {"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
        {"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
        {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n", true},
        {"*1\r\n*1\r\n", "-ERR Protocol error: expected '$', got '*'\r\n", true},
        // The '\r' in the text becomes a space, as Redis's addReplyErrorFormat does.
        {"*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n", true},
        {"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
        {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
        {"*2\r\n$4\r\nECHO\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
        {"PING \"a\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true},
        {"ECHO a\"b c\"d\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true},
        {"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\nPING\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n", true},
        {repeat('A', 65537), "-ERR Protocol error: too big inline request\r\n", true},
        {"*" + repeat('1', 65537), "-ERR Protocol error: too big mbulk count string\r\n", true},
        {"*1\r\n$" + repeat('1', 65537), "-ERR Protocol error: too big bulk count string\r\n", true},
        {"*1\0"s + repeat('x', 65534), "-ERR Protocol error: too big mbulk count string\r\n", true},
        // HTTP requests close the connection without a reply.
        {"HOST: x\r\nPING\r\n", "", true},
        {"post\r\n", "", true},
    };
    for (const auto& c : cases) check_stream(c.in, c.out, c.closes);
  }

  TEST_CASE("session: unauthenticated limits") {
    Harness h;
    REQUIRE(h.run({"CONFIG", "SET", "requirepass", "pw"}) == ok());
    struct Case {
      std::string in, out;
      bool closes;
    } cases[] = {
        {"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n", true},
        {"*12\r\n$99999999999999\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n", true},
        {"*10\r\n", "", false},
        {"*1\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n", true},
        {"*2\r\n$4\r\nECHO\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n", true},
        {"*1\r\n$9999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
        {"*1\r\n$16384\r\n", "", false},
        {"*-1\r\nPING\r\n", "-NOAUTH Authentication required.\r\n", false},
        {"PING a b c d e f g h i j k\r\n", "-NOAUTH Authentication required.\r\n", false},
        {"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nPING\r\n", "+OK\r\n", false},
    };
    for (const auto& c : cases) {
      CAPTURE(c.in);
      Client cl(h);
      CHECK(cl.send(c.in) == c.out);
      CHECK(cl.s->want_close() == c.closes);
    }
  }

  TEST_CASE("session: proto-max-bulk-len") {
    Harness h;
    REQUIRE(h.run({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}) == ok());
    Client a(h);
    CHECK(a.send("*2\r\n$4\r\nECHO\r\n$1048577\r\n") == "-ERR Protocol error: invalid bulk length\r\n");
    CHECK(a.s->want_close());
    Client b(h);
    std::string payload(1048576, 'v');
    CHECK(b.send("*2\r\n$4\r\nECHO\r\n$1048576\r\n" + payload + "\r\n") == "$1048576\r\n" + payload + "\r\n");
    CHECK_FALSE(b.s->want_close());
  }

  TEST_CASE("session: a protocol error replies, closes, and ignores what follows") {
    Harness h;
    Client c(h);
    std::uint64_t before = c.s->commands_processed();
    c.s->feed("PING\r\n*1\r\n$x\r\nPING\r\n");
    CHECK(c.s->pending_output() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
    CHECK(c.s->commands_processed() == before + 1);
    // The reply goes out first; then the session wants to close and reads nothing more.
    CHECK_FALSE(c.s->want_close());
    CHECK_FALSE(c.s->want_read());
    c.s->feed("PING\r\n");
    c.s->feed("*1\r\n$4\r\nPING\r\n");
    CHECK(c.take() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
    CHECK(c.s->want_close());
    c.s->feed("PING\r\n");
    CHECK(c.take().empty());
    CHECK(c.s->commands_processed() == before + 1);
    CHECK(c.s->query_buffer_size() == 0);
    // Error statistics count it as Redis does (errorstat_ERR).
    CHECK(h.engine.stats().error_replies == 1);
  }

  TEST_CASE("session: huge declared lengths reserve nothing before the data comes") {
    Harness h;
    Client c(h);
    std::size_t base = h.engine.memory().used();
    CHECK(c.send("*2147483647\r\n").empty());
    CHECK(h.engine.memory().used() - base < 64 * 1024);
    Client d(h);
    base = h.engine.memory().used();
    CHECK(d.send("*2\r\n$4\r\nECHO\r\n$536870912\r\n").empty());
    CHECK(d.send(std::string(1000, 'x')).empty());
    // Redis reserves the whole declared bulk once its header is read; microredis grows with the data.
    CHECK(h.engine.memory().used() - base < 64 * 1024);
    CHECK_FALSE(d.s->want_close());
  }

  TEST_CASE("session: a big argument read through input_space() gets a buffer of its size") {
    // As the POSIX adapter reads: asking for as much room as is buffered, taking what is offered.
    Harness h;
    microredis::Session* s = h.engine.open_session();
    const std::size_t n = 300000;
    const std::string request = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(n) + "\r\n" + std::string(n, 'v') + "\r\n";
    std::size_t sent = 0;
    while (sent < request.size() - 2) {  // all but the final CRLF: the command stays buffered
      std::size_t want = s->query_buffer_size() > 16384 ? s->query_buffer_size() : 16384;
      std::size_t room = 0;
      char* space = s->input_space(want, room);
      REQUIRE(space != nullptr);
      const std::size_t k = std::min(room, request.size() - 2 - sent);
      std::memcpy(space, request.data() + sent, k);
      s->commit_input(k);
      sent += k;
    }
    CHECK(s->query_buffer_size() == request.size() - 2);
    // Redis sizes its query buffer for a big argument exactly; so does microredis (no growth factor
    // on top), which CLIENT LIST's tot-mem and maxmemory-clients see.
    CHECK(s->query_buffer_capacity() <= request.size() + 16384);
    std::size_t room = 0;
    std::memcpy(s->input_space(2, room), "\r\n", 2);
    s->commit_input(2);
    CHECK(take_output(*s).size() == n + std::to_string(n).size() + 5);
    h.engine.close_session(s);
  }

  TEST_CASE("session: client-query-buffer-limit closes the connection") {
    Harness h;
    REQUIRE(h.run({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}) == ok());
    SUBCASE("in one piece") {
      Client c(h);
      CHECK(c.send("*2\r\n$4\r\nECHO\r\n$2000000\r\n" + std::string(1100000, 'x')).empty());
      CHECK(c.s->want_close());
      CHECK(h.engine.stats().client_query_buffer_limit_disconnections == 1);
    }
    SUBCASE("in chunks") {
      Client c(h);
      CHECK(c.send("*2\r\n$4\r\nECHO\r\n$2000000\r\n").empty());
      std::string chunk(16384, 'x');
      std::size_t sent = 0;
      while (!c.s->want_close() && sent < 2000000) {
        CHECK(c.send(chunk).empty());
        sent += chunk.size();
      }
      CHECK(c.s->want_close());
      CHECK(sent > 1024 * 1024 - 16384);
      CHECK(sent <= 1024 * 1024 + 16384);
    }
    SUBCASE("complete commands do not count") {
      Client c(h);
      std::string payload(900000, 'y');
      std::string cmd = "*2\r\n$4\r\nECHO\r\n$900000\r\n" + payload + "\r\n";
      CHECK(c.send(cmd + cmd) == "$900000\r\n" + payload + "\r\n$900000\r\n" + payload + "\r\n");
      CHECK_FALSE(c.s->want_close());
      std::string pings;
      for (int i = 0; i < 200000; ++i) pings += "PING\r\n";
      CHECK(c.send(pings).size() == 200000 * 7);
      CHECK_FALSE(c.s->want_close());
    }
  }

  TEST_CASE("session: big arguments arrive in pieces") {
    Harness h;
    Client c(h);
    std::string payload(300000, 'z');
    for (std::size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
    std::string cmd = "*2\r\n$4\r\nECHO\r\n$300000\r\n" + payload + "\r\n";
    std::string out;
    for (std::size_t i = 0; i < cmd.size(); i += 1000) out += c.send(std::string_view(cmd).substr(i, 1000));
    CHECK(out == "$300000\r\n" + payload + "\r\n");
    // Once the big request has been answered its buffers are let go.
    CHECK(c.s->query_buffer_capacity() <= 64 * 1024);
  }

  // ------------------------------------------------------------------------------------------
  // Writer

  TEST_CASE("writer: every reply type in RESP2 and RESP3") {
    Memory mem;
    for (int proto : {2, 3}) {
      CAPTURE(proto);
      Buffer out(mem);
      Writer w(out, proto);
      auto take = [&] {
        std::string s(out.view());
        out.clear();
        return s;
      };
      bool r3 = proto == 3;
      w.ok();
      CHECK(take() == "+OK\r\n");
      w.simple("PONG");
      CHECK(take() == "+PONG\r\n");
      w.integer(0);
      w.integer(-1);
      w.integer(INT64_MIN);
      w.integer(INT64_MAX);
      CHECK(take() == ":0\r\n:-1\r\n:-9223372036854775808\r\n:9223372036854775807\r\n");
      w.bulk("");
      w.bulk("a\r\nb");
      w.bulk(std::string_view("\0x", 2));
      CHECK(take() == "$0\r\n\r\n$4\r\na\r\nb\r\n$2\r\n\0x\r\n"s);
      w.bulk_int(-42);
      CHECK(take() == "$3\r\n-42\r\n");
      w.null();
      CHECK(take() == (r3 ? "_\r\n" : "$-1\r\n"));
      w.null_array();
      CHECK(take() == (r3 ? "_\r\n" : "*-1\r\n"));
      w.array(0);
      w.array(2);
      w.integer(1);
      w.bulk("x");
      CHECK(take() == "*0\r\n*2\r\n:1\r\n$1\r\nx\r\n");
      w.map(2);
      CHECK(take() == (r3 ? "%2\r\n" : "*4\r\n"));
      w.set(3);
      CHECK(take() == (r3 ? "~3\r\n" : "*3\r\n"));
      w.push(3);
      CHECK(take() == (r3 ? ">3\r\n" : "*3\r\n"));
      w.boolean(true);
      w.boolean(false);
      CHECK(take() == (r3 ? "#t\r\n#f\r\n" : ":1\r\n:0\r\n"));
      w.big_number("1234567890123456789012345678901234567890");
      CHECK(take() == (r3 ? "(1234567890123456789012345678901234567890\r\n"
                          : "$40\r\n1234567890123456789012345678901234567890\r\n"));
      w.verbatim("hello\r\nworld");
      CHECK(take() == (r3 ? "=16\r\ntxt:hello\r\nworld\r\n" : "$12\r\nhello\r\nworld\r\n"));
      w.verbatim("x", "markdown");
      w.verbatim("y", "md");
      w.verbatim("", "");
      CHECK(take() == (r3 ? "=5\r\nmar:x\r\n=5\r\nmd :y\r\n=4\r\n   :\r\n" : "$1\r\nx\r\n$1\r\ny\r\n$0\r\n\r\n"));
      w.raw("+raw\r\n");
      CHECK(take() == "+raw\r\n");
      CHECK(w.ok_state());
    }
    CHECK(mem.used() == 0);
  }

  TEST_CASE("writer: DEBUG PROTOCOL replies are byte for byte Redis 7.0's") {
    // Recorded from redis-server 7.0.15 (enable-debug-command yes): every reply type the writer has,
    // in both protocols, as a client receives it.
    struct Case {
      int proto;
      const char* type;
      std::string bytes;
    } cases[] = {
        {2, "string", "$11\r\nHello World\r\n"},
        {2, "integer", ":12345\r\n"},
        {2, "double", "$5\r\n3.141\r\n"},
        {2, "bignum", "$37\r\n1234567999999999999999999999999999999\r\n"},
        {2, "null", "$-1\r\n"},
        {2, "array", "*3\r\n:0\r\n:1\r\n:2\r\n"},
        {2, "set", "*3\r\n:0\r\n:1\r\n:2\r\n"},
        {2, "map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"},
        {2, "attrib", "$39\r\nSome real reply following the attribute\r\n"},
        {2, "push", "-ERR RESP2 is not supported by this command\r\n"},
        {2, "verbatim", "$25\r\nThis is a verbatim\nstring\r\n"},
        {2, "true", ":1\r\n"},
        {2, "false", ":0\r\n"},
        {3, "string", "$11\r\nHello World\r\n"},
        {3, "integer", ":12345\r\n"},
        {3, "double", ",3.141\r\n"},
        {3, "bignum", "(1234567999999999999999999999999999999\r\n"},
        {3, "null", "_\r\n"},
        {3, "array", "*3\r\n:0\r\n:1\r\n:2\r\n"},
        {3, "set", "~3\r\n:0\r\n:1\r\n:2\r\n"},
        {3, "map", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
        {3, "attrib", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
        {3, "push", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"},
        {3, "verbatim", "=29\r\ntxt:This is a verbatim\nstring\r\n"},
        {3, "true", "#t\r\n"},
        {3, "false", "#f\r\n"},
    };
    Harness h;
    Client c2(h);
    Client c3(h);
    REQUIRE(c3.send("HELLO 3\r\n").substr(0, 4) == "%7\r\n");
    for (const auto& k : cases) {
      CAPTURE(k.proto);
      CAPTURE(k.type);
      Client& c = k.proto == 3 ? c3 : c2;
      CHECK(c.send("DEBUG PROTOCOL " + std::string(k.type) + "\r\n") == k.bytes);
    }
  }

  TEST_CASE("writer: doubles are printed with %.17g as Redis 7.0") {
    Memory mem;
    Buffer out(mem);
    Writer w2(out, 2);
    Writer w3(out, 3);
    struct Case {
      double v;
      const char* text;
    } cases[] = {
        {0, "0"},
        {-0.0, "-0"},
        {1.5, "1.5"},
        {3, "3"},
        {-2.25, "-2.25"},
        {0.1, "0.10000000000000001"},
        {1.0 / 3, "0.33333333333333331"},
        {1e17, "1e+17"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1e300, "1.0000000000000001e+300"},
        {5e-324, "4.9406564584124654e-324"},
        {HUGE_VAL, "inf"},
        {-HUGE_VAL, "-inf"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      out.clear();
      w2.dbl(c.v);
      std::string text = c.text;
      CHECK(std::string(out.view()) == "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
      out.clear();
      w3.dbl(c.v);
      CHECK(std::string(out.view()) == "," + text + "\r\n");
      Reply r;
      REQUIRE(microredis::parse_reply(out.view(), r) == out.size());
      CHECK(r.type == Reply::Type::dbl);
      CHECK(r.dbl == c.v);
    }
    out.clear();
    w3.dbl(std::nan(""));
    CHECK((std::string(out.view()) == ",nan\r\n" || std::string(out.view()) == ",-nan\r\n"));
  }

  TEST_CASE("writer: errors") {
    Memory mem;
    Buffer out(mem);
    Writer w(out, 2);
    w.error(Status::syntax);
    CHECK(out.view() == "-ERR syntax error\r\n");
    CHECK(w.last_error_code() == "ERR");
    out.clear();
    w.error(Status::wrong_type);
    CHECK(w.last_error_code() == "WRONGTYPE");
    out.clear();
    w.error(Status::unknown_type, "x\r\ny");
    CHECK(out.view() == "-ERR unknown type name 'x  y'\r\n");
    out.clear();
    w.error(Status::unknown_subcommand, "a\nb", "CONFIG");
    CHECK(out.view() == "-ERR unknown subcommand 'a b'. Try CONFIG HELP.\r\n");
    out.clear();
    w.error(Status::wrong_arity, std::int64_t{-12});
    CHECK(out.view() == "-ERR wrong number of arguments for '-12' command\r\n");
    out.clear();
    // Line breaks at the ends are trimmed (addReplyErrorFormat's sdstrim), inside they become spaces.
    w.error_text("ERR bad value\r\n");
    CHECK(out.view() == "-ERR bad value\r\n");
    out.clear();
    w.error_text("ERR a\rb\nc\r\n\n");
    CHECK(out.view() == "-ERR a b c\r\n");
    out.clear();
    w.error_text("CUSTOMCODE message");
    CHECK(w.last_error_code() == "CUSTOMCODE");
    w.error_text("NOSPACEATALL");
    CHECK(w.last_error_code() == "ERR");
    w.error_text("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH x");
    CHECK(w.last_error_code() == "ERR");
    CHECK(w.errors() == 10);
    // A very long argument is cut rather than overflowing the composition buffer.
    out.clear();
    std::string huge(5000, 'q');
    w.error(Status::unknown_type, std::string_view(huge));
    CHECK(out.size() > 1000);
    CHECK(out.size() < 1100);
    CHECK(out.view().substr(out.size() - 2) == "\r\n");
  }

  TEST_CASE("writer: deferred lengths") {
    Memory mem;
    for (int proto : {2, 3}) {
      Buffer out(mem);
      Writer w(out, proto);
      w.integer(7);
      auto d = w.defer();
      for (int i = 0; i < 12; ++i) w.integer(i);
      w.end_array(d, 12);
      std::string expect = ":7\r\n*12\r\n";
      for (int i = 0; i < 12; ++i) expect += ":" + std::to_string(i) + "\r\n";
      CHECK(std::string(out.view()) == expect);
      out.clear();

      auto m = w.defer();
      w.bulk("k");
      auto inner = w.defer();
      w.end_set(inner, 0);
      w.end_map(m, 1);
      CHECK(std::string(out.view()) == (proto == 3 ? "%1\r\n$1\r\nk\r\n~0\r\n" : "*2\r\n$1\r\nk\r\n*0\r\n"));
      out.clear();
      auto e = w.defer();
      w.end_array(e, 0);
      CHECK(out.view() == "*0\r\n");
    }
  }

  TEST_CASE("writer: out of memory is reported, not fatal") {
    struct Budget {
      std::size_t left;
    } budget{100};
    microredis::AllocatorHooks hooks = microredis::malloc_hooks();
    hooks.ctx = &budget;
    hooks.allocate = [](void* ctx, std::size_t size, std::size_t) -> void* {
      auto* b = static_cast<Budget*>(ctx);
      if (size > b->left) return nullptr;
      b->left -= size;
      return std::malloc(size);
    };
    hooks.reallocate = nullptr;
    hooks.deallocate = [](void* ctx, void* p, std::size_t size, std::size_t) {
      static_cast<Budget*>(ctx)->left += size;
      std::free(p);
    };
    Memory mem(hooks);
    Buffer out(mem);
    Writer w(out, 2);
    w.bulk("short");
    CHECK(w.ok_state());
    w.bulk(std::string(500, 'x'));
    CHECK_FALSE(w.ok_state());
    CHECK(out.view() == "$5\r\nshort\r\n");
  }

  // ------------------------------------------------------------------------------------------
  // Reply values

  TEST_CASE("reply: parse_reply reads what the writer writes") {
    Memory mem;
    for (int proto : {2, 3}) {
      Buffer out(mem);
      Writer w(out, proto);
      w.array(9);
      w.simple("OK");
      w.error(Status::syntax);
      w.integer(-5);
      w.bulk("b\r\nulk");
      w.null();
      w.map(1);
      w.bulk("key");
      w.set(2);
      w.dbl(2.5);
      w.boolean(true);
      w.verbatim("text");
      w.big_number("99999999999999999999");
      w.null_array();
      Reply r;
      REQUIRE(microredis::parse_reply(out.view(), r) == out.size());
      REQUIRE(r.type == Reply::Type::array);
      REQUIRE(r.size() == 9);
      CHECK(r[0] == simple("OK"));
      CHECK(r[1] == error(Status::syntax));
      CHECK(r[2] == integer(-5));
      CHECK(r[3] == bulk("b\r\nulk"));
      CHECK(r[4] == nil());
      CHECK(r[5].type == (proto == 3 ? Reply::Type::map : Reply::Type::array));
      CHECK(r[5].size() == 2);
      CHECK(r[5][0] == bulk("key"));
      const Reply& set = r[5][1];
      CHECK(set.type == (proto == 3 ? Reply::Type::set : Reply::Type::array));
      if (proto == 3) {
        CHECK(set[0] == dbl(2.5));
        CHECK(set[1].type == Reply::Type::boolean);
        CHECK(set[1].integer == 1);
        CHECK(r[6].type == Reply::Type::verbatim);
        CHECK(r[6].str == "text");
        CHECK(r[7].type == Reply::Type::big_number);
      } else {
        CHECK(set[0] == bulk("2.5"));
        CHECK(set[1] == integer(1));
        CHECK(r[6] == bulk("text"));
        CHECK(r[7] == bulk("99999999999999999999"));
      }
      CHECK(r[8] == nil());
      // Every proper prefix is incomplete.
      for (std::size_t n = 0; n < out.size(); ++n) {
        Reply partial;
        CHECK(microredis::parse_reply(out.view().substr(0, n), partial) == 0);
      }
    }
  }

  TEST_CASE("reply: other RESP3 forms and malformed input") {
    Reply r;
    CHECK(microredis::parse_reply(">2\r\n$7\r\nmessage\r\n:1\r\n", r) == 21);
    CHECK(r.type == Reply::Type::push);
    CHECK(microredis::parse_reply("|1\r\n+key\r\n+val\r\n:5\r\n", r) == 20);
    CHECK(r == integer(5));
    CHECK(microredis::parse_reply("!5\r\nERR x\r\n", r) == 11);
    CHECK(r == error("ERR x"));
    CHECK(microredis::parse_reply(",-inf\r\n", r) == 7);
    CHECK(r.dbl == -HUGE_VAL);
    CHECK(microredis::parse_reply(",-nan\r\n", r) == 7);
    CHECK(std::isnan(r.dbl));
    CHECK(microredis::parse_reply("#f\r\n", r) == 4);
    CHECK(r.integer == 0);
    CHECK(microredis::parse_reply("*-1\r\n", r) == 5);
    CHECK(r.is_null());
    for (const char* bad : {"", "?\r\n", ":x\r\n", ":1\n", "$5\r\nab\r\n", "*2\r\n:1\r\n", "*9223372036854775807\r\n",
                            "%4611686018427387904\r\n", "|9223372036854775807\r\n", "|-1\r\n", ",abc\r\n",
                            "*1\r\n*1\r\n*1\r\n"}) {
      CAPTURE(bad);
      CHECK(microredis::parse_reply(bad, r) == 0);
    }
    // Nesting deeper than the parser follows is refused, not a stack overflow.
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "*1\r\n";
    deep += ":1\r\n";
    CHECK(microredis::parse_reply(deep, r) == 0);
  }

  TEST_CASE("reply: comparison and rendering") {
    CHECK(integer(1) != bulk("1"));
    CHECK(dbl(std::nan("")) == dbl(std::nan("")));
    CHECK(bulks({"a", "b"}) == array({bulk("a"), bulk("b")}));
    CHECK(bulks({"a", "b"}) != bulks({"a"}));
    CHECK(nil() == nil());
    CHECK(array({integer(1), nil(), error("ERR x")}).to_string() == "[(integer) 1, (nil), (error) ERR x]");
  }
}
