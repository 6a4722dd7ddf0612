// hiredis (the C client most Redis clients are built on) against the server: synchronous commands,
// binary-safe arguments, error and nil replies, pipelining, a unix socket connection.
//   hiredis_client <port> [unix socket path]       exit status 0 when every check passed
#include <hiredis/hiredis.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what, const std::string& detail = "") {
  std::printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail.empty() ? "" : ": ", detail.c_str());
  if (!ok) ++failures;
}

// The reply as text for failure messages.
std::string describe(const redisReply* r) {
  if (r == nullptr) return "no reply (connection error)";
  switch (r->type) {
    case REDIS_REPLY_STRING: return "string \"" + std::string(r->str, r->len > 80 ? 80 : r->len) + "\"";
    case REDIS_REPLY_STATUS: return "status " + std::string(r->str, r->len);
    case REDIS_REPLY_ERROR: return "error " + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return "integer " + std::to_string(r->integer);
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_ARRAY: return "array of " + std::to_string(r->elements);
    default: return "type " + std::to_string(r->type);
  }
}

// Runs a command and checks the reply's type and (for strings, statuses, errors) its text prefix.
void expect(redisContext* c, redisReply* r, int type, const std::string& text, const char* what) {
  bool ok = r != nullptr && r->type == type;
  if (ok && (type == REDIS_REPLY_STRING || type == REDIS_REPLY_STATUS || type == REDIS_REPLY_ERROR)) {
    ok = std::string(r->str, r->len).compare(0, text.size(), text) == 0;
  }
  check(ok, what, ok ? "" : describe(r) + (c->err ? std::string(" / ") + c->errstr : ""));
  if (r) freeReplyObject(r);
}

redisReply* run(redisContext* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  void* r = redisvCommand(c, fmt, ap);
  va_end(ap);
  return static_cast<redisReply*>(r);
}

void expect_integer(redisContext* c, redisReply* r, long long value, const char* what) {
  bool ok = r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer == value;
  check(ok, what, ok ? "" : describe(r) + (c->err ? std::string(" / ") + c->errstr : ""));
  if (r) freeReplyObject(r);
}

void sync_commands(redisContext* c) {
  expect(c, run(c, "PING"), REDIS_REPLY_STATUS, "PONG", "PING");
  const char binary[] = "a\0b\r\nc";
  redisReply* r = run(c, "ECHO %b", binary, sizeof binary - 1);
  bool same = r && r->type == REDIS_REPLY_STRING && r->len == sizeof binary - 1 &&
              std::memcmp(r->str, binary, r->len) == 0;
  check(same, "ECHO binary-safe", same ? "" : describe(r));
  if (r) freeReplyObject(r);
  expect(c, run(c, "NO-SUCH-COMMAND"), REDIS_REPLY_ERROR, "ERR unknown command 'NO-SUCH-COMMAND'",
         "unknown command is an error reply");
  expect(c, run(c, "FLUSHALL"), REDIS_REPLY_STATUS, "OK", "FLUSHALL");
  expect(c, run(c, "SET %s %s", "greeting", "hello"), REDIS_REPLY_STATUS, "OK", "SET");
  expect(c, run(c, "GET %s", "greeting"), REDIS_REPLY_STRING, "hello", "GET");
  expect(c, run(c, "GET %s", "missing"), REDIS_REPLY_NIL, "", "GET missing is nil");
  expect_integer(c, run(c, "INCR %s", "counter"), 1, "INCR");
  expect_integer(c, run(c, "INCRBY %s %d", "counter", 41), 42, "INCRBY");
  expect(c, run(c, "INCR %s", "greeting"), REDIS_REPLY_ERROR, "ERR value is not an integer or out of range",
         "INCR of text is an error");

  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
  expect(c, run(c, "SET big %b", big.data(), big.size()), REDIS_REPLY_STATUS, "OK", "SET 1 MiB");
  r = run(c, "GET big");
  same = r && r->type == REDIS_REPLY_STRING && std::string(r->str, r->len) == big;
  check(same, "GET 1 MiB", same ? "" : describe(r));
  if (r) freeReplyObject(r);
}

void pipelining(redisContext* c) {
  const int n = 1000;
  for (int i = 0; i < n; ++i) redisAppendCommand(c, "ECHO %d", i);
  bool ok = true;
  std::string detail;
  for (int i = 0; i < n && ok; ++i) {
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK) {
      ok = false;
      detail = c->errstr;
      break;
    }
    auto* r = static_cast<redisReply*>(reply);
    ok = r->type == REDIS_REPLY_STRING && std::string(r->str, r->len) == std::to_string(i);
    if (!ok) detail = "reply " + std::to_string(i) + ": " + describe(r);
    freeReplyObject(r);
  }
  check(ok, "pipeline of 1000 ECHO", detail);

  for (int i = 0; i < n; ++i) redisAppendCommand(c, "INCR pipelined");
  ok = true;
  detail.clear();
  for (int i = 1; i <= n && ok; ++i) {
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK) {
      ok = false;
      detail = c->errstr;
      break;
    }
    auto* r = static_cast<redisReply*>(reply);
    ok = r->type == REDIS_REPLY_INTEGER && r->integer == i;
    if (!ok) detail = "reply " + std::to_string(i) + ": " + describe(r);
    freeReplyObject(r);
  }
  check(ok, "pipeline of 1000 INCR", detail);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <port> [unix socket path]\n", argv[0]);
    return 2;
  }
  const timeval timeout{10, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", std::atoi(argv[1]), timeout);
  if (c == nullptr || c->err) {
    std::printf("FAIL connect: %s\n", c ? c->errstr : "out of memory");
    return 1;
  }
  redisSetTimeout(c, timeout);
  sync_commands(c);
  pipelining(c);
  redisFree(c);

  if (argc > 2) {
    redisContext* u = redisConnectUnixWithTimeout(argv[2], timeout);
    check(u != nullptr && u->err == 0, "connect over the unix socket", u && u->err ? u->errstr : "");
    if (u && !u->err) expect(u, run(u, "ECHO %s", "via unix"), REDIS_REPLY_STRING, "via unix", "ECHO over unix");
    if (u) redisFree(u);
  }
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
