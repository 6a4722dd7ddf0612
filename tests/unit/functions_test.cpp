// Redis 7.0 functions: FUNCTION ... and FCALL/FCALL_RO. Without a function host (no Lua) the core
// keeps an empty registry; with adapters/lua (MICROREDIS_TEST_WITH_LUA) the libraries are real.
#include "harness.hpp"

#if MICROREDIS_TEST_WITH_LUA
#include "lua_harness.hpp"
#endif

using namespace mrtest;
using microredis::Session;

namespace {

std::string lib_code(std::string_view lib, std::string_view fn, std::string_view body) {
  std::string code = "#!lua name=";
  code.append(lib).append("\nredis.register_function('").append(fn).append("', function(KEYS, ARGV)\n");
  code.append(body).append("\nend)");
  return code;
}

bool error_has(const Reply& r, std::string_view part) {
  return r.is_error() && r.str.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("functions") {
  TEST_CASE("functions: without a function engine the registry is empty") {
    Harness h;
    CHECK(h.run({"FUNCTION", "LIST"}) == array({}));
    CHECK(h.run({"FUNCTION", "FLUSH"}) == ok());
    CHECK(h.run({"FUNCTION", "FLUSH", "ASYNC"}) == ok());
    CHECK(h.run({"FUNCTION", "FLUSH", "LATER"}) == error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=lib\nreturn 1"}) == error("ERR Engine 'lua' not found"));
    CHECK(h.run({"FUNCTION", "LOAD", "return 1"}) == error("ERR Missing library metadata"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=a-b\n"}) ==
          error("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one "
                "character long"));
    CHECK(h.run({"FUNCTION", "LOAD", "FOO", "#!lua name=x\n"}) == error("ERR Unknown option given: FOO"));
    CHECK(h.run({"FUNCTION", "DELETE", "lib"}) == error("ERR Library not found"));
    CHECK(h.run({"FUNCTION", "KILL"}) == error("NOTBUSY No scripts in execution right now."));
    CHECK(h.run({"FCALL", "f", "0"}) == error("ERR Function not found"));
    CHECK(h.run({"FCALL_RO", "f", "0"}) == error("ERR Function not found"));
    const Reply stats = h.run({"FUNCTION", "STATS"});
    REQUIRE(stats.elements.size() == 4);
    CHECK(stats.elements[1].is_null());
    CHECK(stats.elements[3] == array({}));
    // An empty dump restores; one holding a library needs the engine.
    const Reply dump = h.run({"FUNCTION", "DUMP"});
    REQUIRE(dump.type == Reply::Type::bulk);
    CHECK(dump.str.size() == 10);
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str}) == ok());
    CHECK(h.run({"FUNCTION", "RESTORE", "bogus"}) == error("ERR DUMP payload version or checksum are wrong"));
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str, "MERGE"}) ==
          error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
    CHECK(h.run({"COMMAND", "GETKEYS", "FCALL", "f", "2", "a", "b", "c"}) == bulks({"a", "b"}));
  }

#if MICROREDIS_TEST_WITH_LUA
  TEST_CASE("functions: load, list, call, delete, flush") {
    LuaHarness h;
    REQUIRE(h.scripting.ok());
    CHECK(h.run({"FUNCTION", "LOAD", lib_code("test", "test", "return 'hello'")}) == bulk("test"));
    CHECK(h.run({"FCALL", "test", "0"}) == bulk("hello"));
    CHECK(h.run({"FCALL", "TEST", "0"}) == bulk("hello"));  // function names are case-insensitive
    CHECK(h.run({"FUNCTION", "LOAD", lib_code("test", "test", "return 'hello1'")}) ==
          error("ERR Library 'test' already exists"));
    CHECK(h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "return 'hello1'")}) == bulk("test"));
    CHECK(h.run({"FCALL", "test", "0"}) == bulk("hello1"));
    // A failed REPLACE keeps the old library.
    CHECK(error_has(h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "bad script")}),
                    "ERR Error compiling function: user_function:"));
    CHECK(h.run({"FCALL", "test", "0"}) == bulk("hello1"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('TEST', function() return 1 end)"}) ==
          error("ERR Function TEST already exists"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!bad_engine name=x\n"}) == error("ERR Engine 'bad_engine' not found"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!LUA name=\"quoted\"\nredis.register_function('q', function() return 1 end)"}) ==
          bulk("quoted"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua\nreturn 1"}) == error("ERR Library name was not given"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=a name=b\n"}) ==
          error("ERR Invalid metadata value, name argument was given multiple times"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua foo=bar\n"}) == error("ERR Invalid metadata value given: foo=bar"));
    CHECK(h.run({"FUNCTION", "LOAD", "#! name=x\n"}) == error("ERR Engine '' not found"));
    CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=empty\nreturn 1"}) == error("ERR No functions registered"));

    // LIST: RESP2 shape, pattern, code.
    h.run({"FUNCTION", "DELETE", "quoted"});
    Reply list = h.run({"FUNCTION", "LIST"});
    REQUIRE(list.elements.size() == 1);
    const Reply& lib = list.elements[0];
    REQUIRE(lib.elements.size() == 6);
    CHECK(lib.elements[0] == bulk("library_name"));
    CHECK(lib.elements[1] == bulk("test"));
    CHECK(lib.elements[2] == bulk("engine"));
    CHECK(lib.elements[3] == bulk("LUA"));
    CHECK(lib.elements[5] == array({array({bulk("name"), bulk("test"), bulk("description"), nil(), bulk("flags"),
                                           array({})})}));
    CHECK(h.run({"FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"}) == array({}));
    list = h.run({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "TE*"});
    REQUIRE(list.elements.size() == 1);
    REQUIRE(list.elements[0].elements.size() == 8);
    CHECK(list.elements[0].elements[7] == bulk(lib_code("test", "test", "return 'hello1'")));
    CHECK(h.run({"FUNCTION", "LIST", "bad"}) == error("ERR Unknown argument bad"));
    CHECK(h.run({"FUNCTION", "LIST", "LIBRARYNAME"}) == error("ERR library name argument was not given"));
    CHECK(h.run({"FUNCTION", "LIST", "WITHCODE", "WITHCODE"}) == error("ERR Unknown argument WITHCODE"));

    // STATS, DELETE, FLUSH.
    Reply stats = h.run({"FUNCTION", "STATS"});
    REQUIRE(stats.elements.size() == 4);
    CHECK(stats.elements[1].is_null());
    CHECK(stats.elements[3] ==
          array({bulk("LUA"), array({bulk("libraries_count"), integer(1), bulk("functions_count"), integer(1)})}));
    CHECK(h.run({"FUNCTION", "DELETE", "nope"}) == error("ERR Library not found"));
    CHECK(h.run({"FUNCTION", "DELETE", "test"}) == ok());
    CHECK(h.run({"FCALL", "test", "0"}) == error("ERR Function not found"));
    h.run({"FUNCTION", "LOAD", lib_code("a", "fa", "return 1")});
    h.run({"FUNCTION", "LOAD", lib_code("b", "fb", "return 2")});
    CHECK(h.run({"FUNCTION", "FLUSH", "SYNC"}) == ok());
    CHECK(h.run({"FUNCTION", "LIST"}) == array({}));
    // FLUSHALL does not touch functions.
    h.run({"FUNCTION", "LOAD", lib_code("a", "fa", "return redis.call('set', 'x', '1')")});
    h.run({"FLUSHALL"});
    CHECK(h.run({"FCALL", "fa", "0"}) == ok());
    CHECK(h.run({"INFO", "memory"}).str.find("number_of_functions:1\r\n") != std::string::npos);
  }

  TEST_CASE("functions: RESP3 shapes") {
    LuaHarness h;
    h.run({"HELLO", "3"});
    h.run({"FUNCTION", "LOAD",
           "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 1 end, "
           "flags={'no-writes', 'allow-stale'}, description='desc'}"});
    const Reply list = h.run({"FUNCTION", "LIST"});
    REQUIRE(list.elements.size() == 1);
    CHECK(list.elements[0].type == Reply::Type::map);
    const Reply& fn = list.elements[0].elements[5].elements[0];
    CHECK(fn.type == Reply::Type::map);
    CHECK(fn.elements[3] == bulk("desc"));
    CHECK(fn.elements[5].type == Reply::Type::set);
    CHECK(fn.elements[5].elements == std::vector<Reply>{simple("no-writes"), simple("allow-stale")});
    CHECK(h.run({"FUNCTION", "STATS"}).type == Reply::Type::map);
    CHECK(h.run({"FCALL", "f", "0"}) == integer(1));
  }

  TEST_CASE("functions: arguments, keys, read-only calls, flags") {
    LuaHarness h;
    h.run({"FUNCTION", "LOAD", lib_code("test", "test", "return redis.call('set', KEYS[1], ARGV[1])")});
    CHECK(h.run({"FCALL", "test", "1", "x", "foo"}) == ok());
    CHECK(h.run({"GET", "x"}) == bulk("foo"));
    CHECK(h.run({"FCALL", "test", "bad", "x"}) == error("ERR Bad number of keys provided"));
    CHECK(h.run({"FCALL", "test", "10", "x"}) == error("ERR Number of keys can't be greater than number of args"));
    CHECK(h.run({"FCALL", "test", "-1", "x"}) == error("ERR Number of keys can't be negative"));
    CHECK(h.run({"FCALL_RO", "test", "1", "x", "y"}) ==
          error("ERR Can not execute a script with write flag using *_ro command."));
    CHECK(h.run({"COMMAND", "GETKEYS", "FCALL", "test", "1", "x", "y"}) == bulks({"x"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "FCALL_RO", "test", "2", "x", "y"}) == bulks({"x", "y"}));
    // no-writes: allowed by FCALL_RO, and writes fail inside.
    h.run({"FUNCTION", "LOAD", "REPLACE",
           "#!lua name=test\nredis.register_function{function_name='test', callback=function(KEYS, ARGV) if ARGV[1] == "
           "'get' then return redis.call('get', 'x') end return redis.call('set', 'x', 'v') end, flags={'no-writes'}}"});
    CHECK(h.run({"FCALL_RO", "test", "0", "get"}) == bulk("foo"));
    CHECK(error_has(h.run({"FCALL", "test", "0", "set"}), "ERR Write commands are not allowed from read-only scripts."));
    // KEYS and ARGV are arguments, not globals; globals are read-only.
    h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "return KEYS[1] .. ARGV[1]")});
    CHECK(h.run({"FCALL", "test", "1", "k", "a"}) == bulk("ka"));
    h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "return ARGV")});
    CHECK(h.run({"FCALL", "test", "0", "a", "b"}) == bulks({"a", "b"}));
    h.run({"FUNCTION", "LOAD", "REPLACE", "#!lua name=test\nredis.register_function('test', function() return KEYS end)"});
    CHECK(error_has(h.run({"FCALL", "test", "0"}), "Script attempted to access nonexistent global variable 'KEYS'"));
    h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "x = 1")});
    CHECK(error_has(h.run({"FCALL", "test", "0"}), "Attempt to modify a readonly table script: test, on @user_function:3."));
    h.run({"FUNCTION", "LOAD", "REPLACE", lib_code("test", "test", "redis.register_function('g', function() end)")});
    CHECK(error_has(h.run({"FCALL", "test", "0"}), "attempt to call field 'register_function' (a nil value)"));
    // deny-oom unless allow-oom or no-writes.
    h.run({"FUNCTION", "LOAD", "REPLACE",
           "#!lua name=test\nredis.register_function('w', function() return redis.call('set','y','1') end)\n"
           "redis.register_function{function_name='o', callback=function() return redis.call('set','y','2') end, "
           "flags={'allow-oom'}}\n"
           "redis.register_function{function_name='r', callback=function() return 'r' end, flags={'no-writes'}}"});
    h.run({"CONFIG", "SET", "maxmemory", "1"});
    CHECK(h.run({"FCALL", "w", "0"}) == error(microredis::Status::oom));
    CHECK(h.run({"FCALL", "o", "0"}) == ok());
    CHECK(h.run({"FCALL", "r", "0"}) == bulk("r"));
    h.run({"CONFIG", "SET", "maxmemory", "0"});
    // min-replicas-to-write: a function that may write does not start, nor does a write inside.
    h.run({"CONFIG", "SET", "min-replicas-to-write", "1"});
    CHECK(h.run({"FCALL", "o", "0"}) == error(microredis::Status::no_replicas));
    CHECK(h.run({"FCALL", "r", "0"}) == bulk("r"));
    CHECK(error_has(h.run({"EVAL", "return redis.call('set','x','1')", "0"}), "NOREPLICAS Not enough good replicas"));
    h.run({"CONFIG", "SET", "min-replicas-to-write", "0"});
    // Inside MULTI.
    h.run({"MULTI"});
    CHECK(h.run({"FCALL", "r", "0"}) == simple("QUEUED"));
    CHECK(h.run({"FCALL", "w", "0"}) == simple("QUEUED"));
    CHECK(h.run({"EXEC"}) == array({bulk("r"), ok()}));
  }

  TEST_CASE("functions: the load-time sandbox and register_function's errors") {
    LuaHarness h;
    auto load = [&h](std::string body) { return h.run({"FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\n" + body}); };
    CHECK(load("redis.register_function()") ==
          error("ERR Error registering functions: ERR wrong number of arguments to redis.register_function"));
    CHECK(load("return math.random()") ==
          error("ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global "
                "variable 'math'"));
    CHECK(error_has(load("return redis.call('ping')"), "nonexistent global variable 'call'"));
    CHECK(error_has(load("return redis.setresp(3)"), "nonexistent global variable 'setresp'"));
    CHECK(error_has(load("a = 1"), "Attempt to modify a readonly table"));
    CHECK(error_has(load("mt = getmetatable(_G)"), "nonexistent global variable 'getmetatable'"));
    CHECK(error_has(load("redis.register_function('f1')"),
                    "calling redis.register_function with a single argument is only applicable to Lua table"));
    CHECK(error_has(load("redis.register_function(nil, function() end)"),
                    "first argument to redis.register_function must be a string"));
    CHECK(error_has(load("redis.register_function('f', 'x')"),
                    "second argument to redis.register_function must be a function"));
    CHECK(error_has(load("redis.register_function('', function() end)"), "Library names can only contain letters"));
    CHECK(error_has(load("redis.register_function('f', function() end) redis.register_function('f', function() end)"),
                    "Function already exists in the library"));
    CHECK(error_has(load("redis.register_function{function_name=function() end, callback=function() end}"),
                    "function_name argument given to redis.register_function must be a string"));
    CHECK(error_has(load("redis.register_function{function_name='f', callback='x'}"),
                    "callback argument given to redis.register_function must be a function"));
    CHECK(error_has(load("redis.register_function{function_name='f', callback=function() end, description=function() end}"),
                    "description argument given to redis.register_function must be a string"));
    CHECK(error_has(load("redis.register_function{function_name='f', callback=function() end, some_unknown='x'}"),
                    "unknown argument given to redis.register_function"));
    CHECK(error_has(load("redis.register_function{callback=function() end}"),
                    "redis.register_function must get a function name argument"));
    CHECK(error_has(load("redis.register_function{function_name='f'}"),
                    "redis.register_function must get a callback argument"));
    CHECK(error_has(load("redis.register_function{function_name='f', callback=function() end, flags='no-writes'}"),
                    "flags argument to redis.register_function must be a table representing function flags"));
    CHECK(error_has(load("redis.register_function{function_name='f', callback=function() end, flags={'bad'}}"),
                    "unknown flag given"));
    // A failed load registers nothing.
    CHECK(h.run({"FUNCTION", "LIST"}) == array({}));
    // The load-time API cannot be used later, even when smuggled out.
    CHECK(load("local lib = redis\nredis.register_function('f2', function() lib.register_function('f3', function() end) "
               "end)") == bulk("lib"));
    CHECK(error_has(h.run({"FCALL", "f2", "0"}), "redis.register_function can only be called on FUNCTION LOAD command"));
    CHECK(load("redis.log(redis.LOG_NOTICE, 'loading') redis.register_function('v', function() return "
               "redis.REDIS_VERSION end)") == bulk("lib"));
    CHECK(h.run({"FCALL", "v", "0"}) == bulk(MICROREDIS_REDIS_COMPAT_VERSION));
  }

  TEST_CASE("functions: DUMP and RESTORE, images") {
    LuaHarness h;
    h.run({"FUNCTION", "LOAD",
           "#!lua name=lib1\nlocal function add1(a) return a + 1 end\n"
           "redis.register_function('f1', function() return add1(1) end)\n"
           "redis.register_function('f2', function() return add1(2) end)"});
    const Reply dump = h.run({"FUNCTION", "DUMP"});
    REQUIRE(dump.type == Reply::Type::bulk);
    CHECK(static_cast<unsigned char>(dump.str[0]) == 245);  // RDB_OPCODE_FUNCTION2
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str}) == error("ERR Library lib1 already exists"));
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str, "REPLACE"}) == ok());
    CHECK(h.run({"FUNCTION", "FLUSH"}) == ok());
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str}) == ok());
    CHECK(h.run({"FCALL", "f2", "0"}) == integer(3));
    h.run({"FUNCTION", "LOAD", lib_code("lib2", "f9", "return 9")});
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str, "FLUSH"}) == ok());
    CHECK(h.run({"FCALL", "f9", "0"}) == error("ERR Function not found"));
    // A collision of function names fails the whole restore.
    h.run({"FUNCTION", "FLUSH"});
    h.run({"FUNCTION", "LOAD", lib_code("lib3", "f1", "return 7")});
    CHECK(h.run({"FUNCTION", "RESTORE", dump.str, "REPLACE"}) == error("ERR Function f1 already exists"));
    CHECK(h.run({"FCALL", "f1", "0"}) == integer(7));
    std::string bad = dump.str;
    bad[3] = static_cast<char>(bad[3] ^ 1);
    CHECK(h.run({"FUNCTION", "RESTORE", bad}) == error("ERR DUMP payload version or checksum are wrong"));
    CHECK(h.run({"FUNCTION", "RESTORE", "x", "y", "z"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."));
    // DEBUG RELOAD keeps the libraries (through the image's FUNCTION2 records).
    h.run({"SET", "k", "v"});
    CHECK(h.run({"DEBUG", "RELOAD"}) == ok());
    CHECK(h.run({"FCALL", "f1", "0"}) == integer(7));
    CHECK(h.run({"GET", "k"}) == bulk("v"));
    const Reply stats = h.run({"FUNCTION", "STATS"});
    REQUIRE(stats.elements.size() == 4);
    CHECK(stats.elements[3].elements[1].elements[1] == integer(1));
  }

  TEST_CASE("functions: FUNCTION KILL stops a busy function, SCRIPT KILL does not") {
    LuaHarness h;
    h.add_clock_advance_command();
    Session* other = h.engine.open_session();
    struct Probe {
      Session* other;
      int calls = 0;
      std::vector<Reply> replies;
    } probe;
    probe.other = other;
    h.engine.set_busy_handler(
        [](void* ctx, Session&) {
          auto* p = static_cast<Probe*>(ctx);
          ++p->calls;
          if (p->calls == 1) p->replies.push_back(p->other->execute({"GET", "x"}));
          if (p->calls == 2) p->replies.push_back(p->other->execute({"SCRIPT", "KILL"}));
          if (p->calls == 3) p->replies.push_back(p->other->execute({"FUNCTION", "STATS"}));
          if (p->calls == 4) p->replies.push_back(p->other->execute({"FUNCTION", "KILL"}));
        },
        &probe);
    h.run({"CONFIG", "SET", "busy-reply-threshold", "100"});
    h.run({"FUNCTION", "LOAD", lib_code("test", "spin", "redis.call('advance', 200) while true do end")});
    const Reply r = h.run({"FCALL", "spin", "0"});
    CHECK(error_has(r, "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:"));
    REQUIRE(probe.replies.size() == 4);
    const Reply busy = error("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");
    CHECK(probe.replies[0] == busy);
    CHECK(probe.replies[1] == busy);
    const Reply& stats = probe.replies[2];
    REQUIRE(stats.elements.size() == 4);
    REQUIRE(stats.elements[1].elements.size() == 6);
    CHECK(stats.elements[1].elements[1] == bulk("spin"));
    CHECK(stats.elements[1].elements[3] == bulks({"FCALL", "spin", "0"}));
    CHECK(probe.replies[3] == ok());
    CHECK(h.engine.busy_session() == nullptr);
    // FUNCTION KILL does not stop an EVAL script.
    probe.calls = 0;
    probe.replies.clear();
    h.engine.set_busy_handler(
        [](void* ctx, Session&) {
          auto* p = static_cast<Probe*>(ctx);
          ++p->calls;
          if (p->calls == 1) p->replies.push_back(p->other->execute({"FUNCTION", "KILL"}));
          if (p->calls == 2) p->replies.push_back(p->other->execute({"FUNCTION", "STATS"}));
          if (p->calls == 3) p->replies.push_back(p->other->execute({"SCRIPT", "KILL"}));
        },
        &probe);
    CHECK(error_has(h.run({"EVAL", "redis.call('advance', 200) while true do end", "0"}), "Script killed by user"));
    REQUIRE(probe.replies.size() == 3);
    const Reply busy_eval = error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    CHECK(probe.replies[0] == busy_eval);
    CHECK(probe.replies[1] == busy_eval);
    CHECK(probe.replies[2] == ok());
    h.engine.set_busy_handler(nullptr, nullptr);
    h.engine.close_session(other);
  }

  TEST_CASE("functions: no-writes functions pass CLIENT PAUSE WRITE") {
    LuaHarness h;
    h.run({"FUNCTION", "LOAD",
           "#!lua name=f1\nredis.register_function{function_name='ro', callback=function() return 'hello' end, "
           "flags={'no-writes'}}\nredis.register_function('rw', function() return 'rw' end)"});
    Session* c = h.engine.open_session();
    h.run({"CLIENT", "PAUSE", "100000", "WRITE"});
    c->feed(multibulk({"FCALL", "ro", "0"}));
    CHECK(c->pending_output() == "$5\r\nhello\r\n");
    c->consume_output(c->pending_output().size());
    c->feed(multibulk({"FCALL", "rw", "0"}));
    CHECK(c->blocked());
    h.run({"CLIENT", "UNPAUSE"});
    CHECK(c->pending_output() == "$2\r\nrw\r\n");
    h.engine.close_session(c);
  }
#endif
}
