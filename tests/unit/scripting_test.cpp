// Lua scripting (adapters/lua): built only when Lua 5.1 is found (MICROREDIS_TEST_WITH_LUA).
#if MICROREDIS_TEST_WITH_LUA
#include "lua_harness.hpp"
#include "microredis/util/glob.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

// The error text a failing script replies: "<message> script: <sha>, on @user_script:<line>."
bool error_starts(const Reply& r, std::string_view prefix) {
  return r.is_error() && std::string_view(r.str).substr(0, prefix.size()) == prefix;
}

}  // namespace

TEST_SUITE("scripting") {
  TEST_CASE("scripting: Lua values to replies (RESP2)") {
    LuaHarness h;
    REQUIRE(h.scripting.ok());
    CHECK(h.run({"EVAL", "return 'hello'", "0"}) == bulk("hello"));
    CHECK(h.run({"EVAL", "return 100.5", "0"}) == integer(100));
    CHECK(h.run({"EVAL", "return true", "0"}) == integer(1));
    CHECK(h.run({"EVAL", "return false", "0"}) == nil());
    CHECK(h.run({"EVAL", "return nil", "0"}) == nil());
    CHECK(h.run({"EVAL", "return {ok='fine'}", "0"}) == simple("fine"));
    CHECK(h.run({"EVAL", "return {err='ERR this is an error'}", "0"}) == error("ERR this is an error"));
    CHECK(h.run({"EVAL", "return redis.error_reply('My Error')", "0"}) == error("My Error"));
    CHECK(h.run({"EVAL", "return redis.error_reply('-MYCODE x y')", "0"}) == error("MYCODE x y"));
    CHECK(h.run({"EVAL", "return redis.status_reply('done')", "0"}) == simple("done"));
    CHECK(h.run({"EVAL", "return {1,2,3,'ciao',{1,2}}", "0"}) ==
          array({integer(1), integer(2), integer(3), bulk("ciao"), array({integer(1), integer(2)})}));
    // An array stops at the first nil.
    CHECK(h.run({"EVAL", "return {1,2,nil,4}", "0"}) == array({integer(1), integer(2)}));
    CHECK(h.run({"EVAL", "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "2", "a", "b", "c", "d"}) ==
          bulks({"a", "b", "c", "d"}));
    // Doubles, maps and sets fall back to RESP2 shapes for a RESP2 caller.
    CHECK(h.run({"EVAL", "return {double=3.5}", "0"}) == bulk("3.5"));
    CHECK(h.run({"EVAL", "return {map={a=1}}", "0"}) == array({bulk("a"), integer(1)}));
    CHECK(h.run({"EVAL", "return {set={x=true}}", "0"}) == bulks({"x"}));
    CHECK(h.run({"EVAL", "return {big_number='123'}", "0"}) == bulk("123"));
  }

  TEST_CASE("scripting: Lua values to replies (RESP3)") {
    LuaHarness h;
    h.run({"HELLO", "3"});
    Reply r = h.run({"EVAL", "redis.setresp(3); return {map={a=1}}", "0"});
    CHECK(r.type == Reply::Type::map);
    CHECK(h.run({"EVAL", "return {double=3.5}", "0"}) == dbl(3.5));
    CHECK(h.run({"EVAL", "return {set={x=true}}", "0"}).type == Reply::Type::set);
    CHECK(h.run({"EVAL", "return {big_number='123'}", "0"}).type == Reply::Type::big_number);
    // Booleans: RESP2 rules unless the script switched to RESP3.
    CHECK(h.run({"EVAL", "return true", "0"}) == integer(1));
    CHECK(h.run({"EVAL", "return false", "0"}).is_null());
    CHECK(h.run({"EVAL", "redis.setresp(3); return true", "0"}).type == Reply::Type::boolean);
    CHECK(h.run({"EVAL", "redis.setresp(3); return {verbatim_string={format='txt',string='hi'}}", "0"}).type ==
          Reply::Type::verbatim);
  }

  TEST_CASE("scripting: replies to Lua values") {
    LuaHarness h;
    h.run({"SET", "s", "hello"});
    h.run({"RPUSH", "l", "a", "b"});
    CHECK(h.run({"EVAL", "return type(redis.call('incr','n'))", "0"}) == bulk("number"));
    CHECK(h.run({"EVAL", "return redis.call('get','s')", "0"}) == bulk("hello"));
    CHECK(h.run({"EVAL", "return redis.call('get','missing') == false", "0"}) == integer(1));
    CHECK(h.run({"EVAL", "return redis.call('lrange','l',0,-1)", "0"}) == bulks({"a", "b"}));
    CHECK(h.run({"EVAL", "return redis.call('set','k','v').ok", "0"}) == bulk("OK"));
    CHECK(h.run({"EVAL", "return redis.pcall('incr','s').err", "0"}) ==
          bulk("ERR value is not an integer or out of range"));
    // RESP3 replies inside the script.
    h.run({"HSET", "h", "f", "v"});
    CHECK(h.run({"EVAL", "redis.setresp(3); return redis.call('hgetall','h').map.f", "0"}) == bulk("v"));
    CHECK(h.run({"EVAL", "redis.setresp(3); return redis.call('get','missing') == nil", "0"}) == integer(1));
    CHECK(h.run({"EVAL", "redis.setresp(3); return tostring(redis.call('zscore','nz','m'))", "0"}) == bulk("nil"));
    h.run({"ZADD", "z", "1.5", "m"});
    CHECK(h.run({"EVAL", "redis.setresp(3); return redis.call('zscore','z','m').double", "0"}) == integer(1));
    // Numbers become arguments with %.17g.
    CHECK(h.run({"EVAL", "redis.call('set','f',0.1); return redis.call('get','f')", "0"}) ==
          bulk("0.10000000000000001"));
  }

  TEST_CASE("scripting: errors word for word") {
    LuaHarness h;
    CHECK(error_starts(h.run({"EVAL", "return redis.call('nosuch')", "0"}),
                       "ERR Unknown Redis command called from script script: "));
    CHECK(error_starts(h.run({"EVAL", "return redis.call('get')", "0"}),
                       "ERR Wrong number of args calling Redis command from script script: "));
    CHECK(error_starts(h.run({"EVAL", "return redis.call()", "0"}),
                       "ERR Please specify at least one argument for this redis lib call script: "));
    CHECK(error_starts(h.run({"EVAL", "return redis.call('get', {})", "0"}),
                       "ERR Lua redis lib command arguments must be strings or integers script: "));
    CHECK(h.run({"EVAL", "return redis.pcall('multi')", "0"}) == error("ERR This Redis command is not allowed from script"));
    // A subcommand's own flags (CLUSTER RESET is noscript, CLUSTER INFO is not).
    CHECK(h.run({"EVAL", "return redis.pcall('cluster', 'reset', 'hard')", "0"}) ==
          error("ERR This Redis command is not allowed from script"));
    CHECK(h.run({"EVAL", "return redis.pcall('cluster', 'info')", "0"}) ==
          error("ERR This instance has cluster support disabled"));
    CHECK(error_starts(h.run({"EVAL", "return a", "0"}),
                       "ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: "));
    CHECK(error_starts(h.run({"EVAL", "a = 1", "0"}), "ERR user_script:1: Attempt to modify a readonly table"));
    CHECK(error_starts(h.run({"EVAL", "setmetatable(_G, {})", "0"}), "ERR"));
    CHECK(error_starts(h.run({"EVAL", "redis.call = 1", "0"}), "ERR user_script:1: Attempt to modify a readonly table"));
    CHECK(error_starts(h.run({"EVAL", "cjson.encode = 1", "0"}), "ERR user_script:1: Attempt to modify a readonly table"));
    CHECK(error_starts(h.run({"EVAL", "print('x')", "0"}),
                       "ERR user_script:1: Script attempted to access nonexistent global variable 'print'"));
    CHECK(h.run({"EVAL", "syntax error", "0"}) ==
          error("ERR Error compiling script (new function): user_script:1: '=' expected near 'error'"));
    CHECK(h.run({"EVAL", "return 1", "-1"}) == error("ERR Number of keys can't be negative"));
    CHECK(h.run({"EVAL", "return 1", "2", "a"}) == error("ERR Number of keys can't be greater than number of args"));
    CHECK(h.run({"EVAL", "return 1", "x"}) == error(Status::not_integer));
    CHECK(h.run({"EVAL", "local t = redis.pcall('nosuch'); return t.err", "0"}) ==
          bulk("ERR Unknown Redis command called from script"));
    // redis.pcall() and pcall() catch; error tables become their message in pcall().
    CHECK(h.run({"EVAL", "local ok, e = pcall(function() return redis.call('nosuch') end); return e", "0"}) ==
          bulk("ERR Unknown Redis command called from script"));
  }

  TEST_CASE("scripting: EVALSHA and SCRIPT") {
    LuaHarness h;
    const std::string sha = h.run({"SCRIPT", "LOAD", "return 'loaded'"}).str;
    CHECK(sha.size() == 40);
    CHECK(h.run({"EVALSHA", sha, "0"}) == bulk("loaded"));
    std::string upper = sha;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(h.run({"EVALSHA", upper, "0"}) == bulk("loaded"));
    CHECK(h.run({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}) ==
          error("NOSCRIPT No matching script. Please use EVAL."));
    CHECK(h.run({"EVALSHA", "abc", "0"}) == error("NOSCRIPT No matching script. Please use EVAL."));
    CHECK(h.run({"SCRIPT", "EXISTS", sha, "ffffffffffffffffffffffffffffffffffffffff"}) ==
          array({integer(1), integer(0)}));
    // EVAL caches what it ran.
    h.run({"EVAL", "return 1", "0"});
    CHECK(h.run({"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"}) == array({integer(1)}));
    CHECK(h.run({"EVAL", "return redis.sha1hex('')", "0"}) == bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    CHECK(h.run({"SCRIPT", "FLUSH", "bad"}) == error("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
    CHECK(h.run({"SCRIPT", "FLUSH", "ASYNC"}) == ok());
    CHECK(h.run({"SCRIPT", "EXISTS", sha}) == array({integer(0)}));
    CHECK(h.run({"EVALSHA", sha, "0"}) == error("NOSCRIPT No matching script. Please use EVAL."));
    CHECK(h.run({"SCRIPT", "KILL"}) == error("NOTBUSY No scripts in execution right now."));
    CHECK(h.run({"SCRIPT", "HELP"}).elements.size() == 15);
    CHECK(h.run({"SCRIPT", "LOAD", "x x"}).is_error());
    // Keys for COMMAND GETKEYS and cluster clients.
    CHECK(h.run({"COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"}) == bulks({"a", "b"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "EVALSHA_RO", sha, "1", "k"}) == bulks({"k"}));
  }

  TEST_CASE("scripting: shebang flags, EVAL_RO and OOM") {
    LuaHarness h;
    CHECK(h.run({"EVAL", "#!lua flags=bad\nreturn 1", "0"}) == error("ERR Unexpected flag in script shebang: bad"));
    CHECK(h.run({"EVAL", "#!lua xx\nreturn 1", "0"}) == error("ERR Unknown lua shebang option: xx"));
    CHECK(h.run({"EVAL", "#!luax\nreturn 1", "0"}) == error("ERR Unexpected engine in script shebang: #!luax"));
    CHECK(h.run({"EVAL", "#!lua", "0"}) == error("ERR Invalid script shebang"));
    CHECK(h.run({"EVAL", "#!lua flags=no-writes,allow-oom\nreturn 1", "0"}) == integer(1));
    CHECK(error_starts(h.run({"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"}),
                       "ERR Write commands are not allowed from read-only scripts. script: "));
    CHECK(error_starts(h.run({"EVAL_RO", "return redis.call('set','a','b')", "0"}),
                       "ERR Write commands are not allowed from read-only scripts. script: "));
    CHECK(h.run({"EVAL_RO", "#!lua\nreturn 1", "0"}) ==
          error("ERR Can not execute a script with write flag using *_ro command."));
    h.run({"SET", "a", "1"});
    CHECK(h.run({"EVAL_RO", "return redis.call('get','a')", "0"}) == bulk("1"));
    // deny-oom: a script without allow-oom may not start over maxmemory; one without flags may
    // not run a deny-oom command first.
    h.run({"CONFIG", "SET", "maxmemory", "1"});
    // (its shebang makes EVAL deny-oom: refused before it runs, as Redis's getCommandFlags)
    CHECK(h.run({"EVAL", "#!lua\nreturn 1", "0"}) == error(Status::oom));
    CHECK(h.run({"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','x','1')", "0"}) == ok());
    CHECK(error_starts(h.run({"EVAL", "return redis.call('set','x','1')", "0"}),
                       "OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.run({"EVAL", "return redis.call('get','x')", "0"}) == bulk("1"));
    h.run({"CONFIG", "SET", "maxmemory", "0"});
  }

  TEST_CASE("scripting: the script session") {
    LuaHarness h;
    h.run({"SELECT", "1"});
    h.run({"SET", "k", "in1"});
    CHECK(h.run({"EVAL", "return redis.call('get','k')", "0"}) == bulk("in1"));
    // SELECT inside a script affects the script only.
    CHECK(h.run({"EVAL", "redis.call('select',0); return redis.call('set','k','in0')", "0"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("in1"));
    h.run({"SELECT", "0"});
    CHECK(h.run({"GET", "k"}) == bulk("in0"));
    // Blocking commands do not block inside scripts (the timeout reply at once).
    CHECK(h.run({"EVAL", "return redis.call('lpop','nolist')", "0"}) == nil());
    CHECK(h.run({"EVAL", "return redis.pcall('blpop','nolist',0)", "0"}).is_error());
    // The log API checks its arguments.
    CHECK(error_starts(h.run({"EVAL", "redis.log(redis.LOG_WARNING)", "0"}),
                       "ERR redis.log() requires two arguments or more."));
    CHECK(h.run({"EVAL", "redis.log(redis.LOG_NOTICE, 'hello', 1); return redis.REDIS_VERSION", "0"}) ==
          bulk("7.0.15"));
    CHECK(h.run({"EVAL", "return redis.replicate_commands()", "0"}) == integer(1));
    CHECK(h.run({"EVAL", "redis.set_repl(redis.REPL_ALL); return 1", "0"}) == integer(1));
    CHECK(error_starts(h.run({"EVAL", "redis.set_repl(12)", "0"}),
                       "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."));
    CHECK(h.run({"EVAL", "return cjson.decode('[1,2]')[2]", "0"}) == integer(2));
    CHECK(h.run({"EVAL", "return bit.band(7,3)", "0"}) == integer(3));
    // A script is one command: WATCH sees its writes.
    Session* other = h.engine.open_session();
    other->execute({"WATCH", "w"});
    other->execute({"MULTI"});
    h.run({"EVAL", "redis.call('set','w','1')", "0"});
    CHECK(other->execute({"EXEC"}).type == Reply::Type::null);
    h.engine.close_session(other);
  }

  TEST_CASE("scripting: busy scripts and SCRIPT KILL") {
    LuaHarness h;
    // The script advances the manual clock through a custom command, so it times out at once.
    h.add_clock_advance_command();
    Session* other = h.engine.open_session();
    BusyProbe probe(h.engine, other);
    probe.expect({{"GET", "x"}, {"PING"}, {"SCRIPT", "KILL"}});
    h.run({"CONFIG", "SET", "busy-reply-threshold", "100"});
    Reply r = h.run({"EVAL", "redis.call('advance', 200) while true do end", "0"});
    CHECK(error_starts(r, "ERR Script killed by user with SCRIPT KILL... script: "));
    REQUIRE(probe.replies.size() == 3);
    const Reply busy = error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    CHECK(probe.replies[0] == busy);
    CHECK(probe.replies[1] == busy);
    CHECK(probe.replies[2] == ok());
    CHECK(other->execute({"PING"}) == simple("PONG"));
    // A script that wrote cannot be killed.
    probe.expect({{"SCRIPT", "KILL"}});
    r = h.run({"EVAL", "redis.call('advance', 200) redis.call('set','x','1') for i=1,1000000 do end return 'done'", "0"});
    CHECK(r == bulk("done"));
    REQUIRE(probe.replies.size() == 1);
    CHECK(error_starts(probe.replies[0], "UNKILLABLE Sorry the script already executed write commands"));
    // pcall cannot keep a killed script alive.
    probe.expect({{"SCRIPT", "KILL"}});
    r = h.run({"EVAL", "redis.call('advance', 200) local f = function() while true do end end while true do pcall(f) end",
               "0"});
    CHECK(error_starts(r, "ERR Script killed by user with SCRIPT KILL..."));
    CHECK(h.engine.busy_session() == nullptr);
    h.engine.close_session(other);
  }

  TEST_CASE("scripting: shebang flags decide what CLIENT PAUSE WRITE holds") {
    LuaHarness h;
    Session* c = h.engine.open_session();
    h.run({"CLIENT", "PAUSE", "100000", "WRITE"});
    c->feed(multibulk({"EVAL", "#!lua flags=no-writes\nreturn 1", "0"}));
    CHECK(c->pending_output() == ":1\r\n");
    c->consume_output(c->pending_output().size());
    // Without flags a script may write: it waits for the pause to end.
    c->feed(multibulk({"EVAL", "#!lua\nreturn 2", "0"}));
    CHECK(c->blocked());
    h.run({"CLIENT", "UNPAUSE"});
    CHECK(c->pending_output() == ":2\r\n");
    c->consume_output(c->pending_output().size());
    // A transaction of no-writes scripts is not held either.
    h.run({"CLIENT", "PAUSE", "100000", "WRITE"});
    c->feed(multibulk({"MULTI"}));
    c->feed(multibulk({"EVAL", "#!lua flags=no-writes\nreturn 12", "0"}));
    c->feed(multibulk({"EXEC"}));
    CHECK(c->pending_output() == "+OK\r\n+QUEUED\r\n*1\r\n:12\r\n");
    h.run({"CLIENT", "UNPAUSE"});
    h.engine.close_session(c);
    // PUBLISH may replicate: refused in read-only scripts.
    CHECK(error_starts(h.run({"EVAL_RO", "return redis.call('publish','ch','msg')", "0"}),
                       "ERR Write commands are not allowed from read-only scripts."));
    CHECK(h.run({"EVAL", "return redis.call('publish','ch','msg')", "0"}) == integer(0));
  }

  TEST_CASE("scripting: RESP3 replies of every type reach Lua (DEBUG PROTOCOL, DEBUG SET-DISABLE-DENY-SCRIPTS)") {
    LuaHarness h;
    CHECK(h.run({"EVAL", "return redis.pcall('debug','protocol','bignum')", "0"}) ==
          error("ERR This Redis command is not allowed from script"));
    CHECK(h.run({"DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"}) == ok());
    auto lua = [&](const char* body) { return h.run({"EVAL", body, "0"}); };
    CHECK(lua("redis.setresp(3); return redis.call('debug','protocol','bignum').big_number") ==
          bulk("1234567999999999999999999999999999999"));
    CHECK(lua("redis.setresp(3); return redis.call('debug','protocol','double').double") == integer(3));
    CHECK(lua("redis.setresp(3); local m = redis.call('debug','protocol','map').map; return {m[0], m[1]}") ==
          array({integer(0), integer(1)}));  // a RESP3 script returns booleans as such: 0/1 to RESP2
    CHECK(lua("redis.setresp(3); return tostring(redis.call('debug','protocol','null'))") == bulk("nil"));
    CHECK(lua("redis.setresp(3); local v = redis.call('debug','protocol','verbatim').verbatim_string; "
              "return {v.format, v.string}") == bulks({"txt", "This is a verbatim\nstring"}));
    CHECK(lua("redis.setresp(3); return redis.call('debug','protocol','true') == true") == integer(1));
    CHECK(lua("redis.setresp(3); return redis.call('debug','protocol','attrib')") ==
          bulk("Some real reply following the attribute"));
    // RESP2 shapes of the same replies.
    CHECK(lua("return redis.call('debug','protocol','bignum')") == bulk("1234567999999999999999999999999999999"));
    CHECK(lua("return redis.call('debug','protocol','null') == false") == integer(1));
    CHECK(h.run({"DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"}) == ok());
  }

  TEST_CASE("scripting: precompiled chunks are refused") {
    LuaHarness h;
    CHECK(error_starts(h.run({"EVAL", "return loadstring(string.dump(function() return 1 end))()", "0"}),
                       "ERR user_script:1: attempt to call a nil value"));
    CHECK(h.run({"EVAL", "return loadstring('return 7')()", "0"}) == integer(7));
    CHECK(h.run({"EVAL", "local done = false; return load(function() if done then return nil end done = true "
                         "return 'return 8' end)()",
                 "0"}) == integer(8));
  }

  TEST_CASE("scripting: client-side caching tracks a script's declared keys when it reads") {
    LuaHarness h;
    Session* c = h.engine.open_session();
    Session* w = h.engine.open_session();
    c->execute({"HELLO", "3"});
    c->execute({"CLIENT", "TRACKING", "on"});
    c->execute({"EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2"});
    w->execute({"MSET", "k1", "1", "k2", "1"});
    CHECK(!c->has_output());
    c->execute({"EVAL_RO", "redis.call('ping')", "2", "k1", "k2"});
    w->execute({"MSET", "k1", "2", "k2", "2"});
    CHECK(!c->has_output());
    c->execute({"EVAL_RO", "redis.call('get', 'k3')", "1", "k1"});
    w->execute({"SET", "k1", "3"});
    CHECK(c->has_output());
    h.engine.close_session(c);
    h.engine.close_session(w);
  }

  TEST_CASE("scripting: a script's writes are propagated, wrapped in MULTI/EXEC; EVAL itself never") {
    LuaHarness h;
    REQUIRE(h.scripting.ok());
    Session* replica = h.engine.open_session();
    replica->feed("SYNC\r\n");
    (void)take_output(*replica);  // $<len> and the RDB payload
    auto names = [&] {
      std::vector<std::string> out;
      for (const Reply& cmd : drain(*replica)) {
        std::string name = cmd.elements.empty() ? "" : cmd.elements[0].str;
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        out.push_back(name);
      }
      return out;
    };
    CHECK(h.run({"EVAL", "redis.call('set', KEYS[1], 'a'); return redis.call('incr', KEYS[2])", "2", "k", "n"}) ==
          integer(1));
    CHECK(names() == std::vector<std::string>{"select", "multi", "set", "incr", "exec"});
    CHECK(h.run({"EVAL", "return redis.call('get', KEYS[1])", "1", "k"}) == bulk("a"));
    CHECK(names().empty());
    h.engine.close_session(replica);
  }

  TEST_CASE("scripting: a read-only replica refuses scripts that write (READONLY)") {
    LuaHarness h;
    int wanted = 0;
    h.engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
    h.run({"SET", "k", "v"});
    REQUIRE(h.run({"REPLICAOF", "master", "6379"}) == ok());
    // A shebang without no-writes makes EVAL a write command: refused before it runs, as Redis's
    // processCommand does (its flags come from the script, getCommandFlags).
    CHECK(h.run({"EVAL", "#!lua\nreturn 1", "0"}) == error("READONLY You can't write against a read only replica."));
    h.run({"REPLICAOF", "NO", "ONE"});
    REQUIRE(h.run({"FUNCTION", "LOAD",
                   "#!lua name=l\nredis.register_function('w', function() return 1 end)\n"
                   "redis.register_function{function_name='r', callback=function() return 2 end, flags={'no-writes'}}"}) ==
            bulk("l"));
    REQUIRE(h.run({"REPLICAOF", "master", "6379"}) == ok());
    CHECK(h.run({"FCALL", "w", "0"}) == error("READONLY You can't write against a read only replica."));
    CHECK(h.run({"FCALL", "r", "0"}) == integer(2));
    CHECK(h.run({"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"}) == bulk("v"));
    CHECK(error_starts(h.run({"EVAL", "return redis.call('set', 'k', 'x')", "0"}),
                       "READONLY You can't write against a read only replica."));
    CHECK(h.run({"EVAL", "return redis.call('get', 'k')", "0"}) == bulk("v"));
    CHECK(h.run({"REPLICAOF", "NO", "ONE"}) == ok());
    CHECK(h.run({"EVAL", "return redis.call('set', 'k', 'x')", "0"}) == ok());
  }
  TEST_CASE("scripting: cmsgpack packs and unpacks as Redis's lua-cmsgpack") {
    LuaHarness h;
    const std::string hex =
        "local function hex(s) local h='' for i=1,#s do h=h..string.format('%02x',string.byte(s,i)) end return h end ";
    // Smallest integer forms, float32 when exact, double otherwise, booleans and nil.
    CHECK(h.run({"EVAL",
                 hex + "return hex(cmsgpack.pack(0.1, 1.5, -1099511627776, 300, -33, 5000000000, true, false, nil))",
                 "0"}) == bulk("cb3fb999999999999aca3fc00000d3ffffff0000000000cd012cd0dfcf000000012a05f200c3c2c0"));
    // Keys 1..n make an array, others a map; an empty table is an empty array; str8 from 32 bytes.
    std::string forty_y;
    for (int i = 0; i < 40; ++i) forty_y += "79";
    CHECK(h.run({"EVAL", hex + "return hex(cmsgpack.pack({1,2,{a='x'}}, {}, string.rep('y',40)))", "0"}) ==
          bulk("93010281a161a17890d928" + forty_y));
    // A circular reference is copied 16 levels deep, then packed as nil.
    CHECK(h.run({"EVAL", "local a={y=5} a.x=a return #cmsgpack.pack(a)", "0"}) == integer(97));
    CHECK(h.run({"EVAL", "local o, v = cmsgpack.unpack_one(cmsgpack.pack('a', 'b'), 0) return {o, v}", "0"}) ==
          array({integer(2), bulk("a")}));
    CHECK(h.run({"EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}", "0"}) ==
          array({integer(-1), integer(2), integer(3)}));
    CHECK(h.run({"EVAL", "local t = cmsgpack.unpack(cmsgpack.pack({k={1,2}})) return t.k[2]", "0"}) == integer(2));
    CHECK(error_starts(h.run({"EVAL", "return cmsgpack.unpack(string.char(0xc1))", "0"}),
                       "ERR user_script:1: Bad data format in input. script: "));
    CHECK(error_starts(h.run({"EVAL", "return cmsgpack.unpack(string.char(0x92, 1))", "0"}),
                       "ERR user_script:1: Missing bytes in input. script: "));
    CHECK(error_starts(h.run({"EVAL", "return cmsgpack.pack()", "0"}),
                       "ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: "));
    CHECK(error_starts(h.run({"EVAL", "return cmsgpack.unpack_one('abc', 5)", "0"}),
                       "ERR user_script:1: Start offset 5 greater than input length 3. script: "));
    CHECK(error_starts(h.run({"EVAL", "cmsgpack.pack = 1", "0"}),
                       "ERR user_script:1: Attempt to modify a readonly table script: "));
    // Functions see it too.
    CHECK(h.run({"FUNCTION", "LOAD",
                 "#!lua name=mp\n"
                 "redis.register_function('mp', function() return cmsgpack.unpack(cmsgpack.pack(7)) end)"}) ==
          bulk("mp"));
    CHECK(h.run({"FCALL", "mp", "0"}) == integer(7));
  }
  TEST_CASE("scripting: commands that behave differently from a script (XREAD BLOCK, SORT BY <constant>)") {
    LuaHarness h;
    REQUIRE(h.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == ok());
    CHECK(h.run({"EVAL", "return redis.pcall('xread','STREAMS','s','$')", "1", "s"}).is_null());
    CHECK(h.run({"EVAL", "return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')", "1", "s"}) ==
          error("ERR xread command is not allowed with BLOCK option from scripts"));
    CHECK(h.run({"EVAL", "return redis.pcall('XREADGROUP','group','g','c','BLOCK',0,'STREAMS','s','>')", "1", "s"}) ==
          error("ERR XREADGROUP command is not allowed with BLOCK option from scripts"));
    // A set sorted BY a constant comes back in lexicographic order from a script (not from a client).
    h.run({"SADD", "myset", "q", "d", "o", "t", "aaa", "a", "c", "f", "p", "r", "u", "z", "azz", "v", "aa", "h", "b"});
    CHECK(h.run({"EVAL", "return redis.call('sort',KEYS[1],'by','_')", "1", "myset"}) ==
          bulks({"a", "aa", "aaa", "azz", "b", "c", "d", "f", "h", "o", "p", "q", "r", "t", "u", "v", "z"}));
    CHECK(h.run({"EVAL", "return redis.call('sort',KEYS[1],'by','_','desc','limit',1,3)", "1", "myset"}) ==
          bulks({"v", "u", "t"}));
    CHECK(h.run({"EVAL", "return redis.call('sort',KEYS[1],'by','_','get','#','get','_:*')", "1", "myset"})
              .elements.size() == 34);
  }
  TEST_CASE("scripting: INFO memory counts the cached scripts; SCRIPT FLUSH ASYNC empties the cache") {
    LuaHarness h;
    auto info_has = [&](const std::string& line) {
      return h.run({"INFO", "memory"}).str.find("\r\n" + line + "\r\n") != std::string::npos;
    };
    CHECK(info_has("number_of_cached_scripts:0"));
    CHECK(info_has("used_memory_scripts_eval:0"));
    for (int j = 0; j < 100; ++j) h.run({"SCRIPT", "LOAD", "return " + std::to_string(j)});
    CHECK(info_has("number_of_cached_scripts:100"));
    CHECK(!info_has("used_memory_scripts_eval:0"));
    CHECK(!info_has("used_memory_vm_eval:0"));
    CHECK(h.run({"SCRIPT", "FLUSH", "ASYNC"}) == ok());
    CHECK(info_has("number_of_cached_scripts:0"));
    CHECK(info_has("used_memory_scripts_eval:0"));
  }
  TEST_CASE("scripting: error statistics count an error once, refusals as the command's rejected calls") {
    LuaHarness h;
    auto has = [&](const char* section, const std::string& text) {
      return h.run({"INFO", section}).str.find(text) != std::string::npos;
    };
    // The command's line of INFO commandstats against a pattern, as the Redis suite's cmdrstat.
    auto stats = [&](const std::string& cmd, const std::string& pattern) {
      const std::string all = h.run({"INFO", "commandstats"}).str;
      const std::size_t at = all.find("cmdstat_" + cmd + ":");
      if (at == std::string::npos) return false;
      const std::string line = all.substr(at, all.find("\r\n", at) - at);
      return microredis::glob_match("cmdstat_" + cmd + ":calls=" + pattern + "*", line, false);
    };
    SUBCASE("a command the script may not run: rejected, its error counted once") {
      h.run({"CONFIG", "SET", "maxmemory", "1"});
      CHECK(error_starts(h.run({"EVAL", "return redis.call('set','x','y')", "1", "x"}),
                         "OOM command not allowed when used memory > 'maxmemory'. script: "));
      CHECK(has("errorstats", "errorstat_OOM:count=1\r\n"));
      CHECK(has("stats", "total_error_replies:1\r\n"));
      CHECK(stats("set", "0*rejected_calls=1,failed_calls=0"));
      CHECK(stats("eval", "1*rejected_calls=0,failed_calls=1"));
      h.run({"CONFIG", "RESETSTAT"});
      // redis.pcall: the table returned keeps the error counted once.
      CHECK(h.run({"EVAL", "return redis.pcall('set','x','y')", "1", "x"}) ==
            error("OOM command not allowed when used memory > 'maxmemory'."));
      CHECK(has("errorstats", "errorstat_OOM:count=1\r\n"));
      CHECK(stats("set", "0*rejected_calls=1,failed_calls=0"));
      CHECK(stats("eval", "1*rejected_calls=0,failed_calls=1"));
    }
    SUBCASE("a command that fails: failed, its error counted once; a copied error table counts again") {
      CHECK(error_starts(h.run({"EVAL", "return redis.call('select',99)", "0"}), "ERR DB index is out of range script: "));
      CHECK(has("errorstats", "errorstat_ERR:count=1\r\n"));
      CHECK(stats("select", "1*rejected_calls=0,failed_calls=1"));
      CHECK(stats("eval", "1*rejected_calls=0,failed_calls=1"));
      h.run({"CONFIG", "RESETSTAT"});
      CHECK(h.run({"EVAL", "local t = redis.pcall('select',99) return t['err']", "0"}) ==
            bulk("ERR DB index is out of range"));
      CHECK(has("errorstats", "errorstat_ERR:count=1\r\n"));
      CHECK(stats("eval", "1*rejected_calls=0,failed_calls=0"));
      h.run({"CONFIG", "RESETSTAT"});
      CHECK(h.run({"EVAL", "local t = redis.pcall('get') return {err=t.err}", "0"}) ==
            error("ERR Wrong number of args calling Redis command from script"));
      CHECK(has("errorstats", "errorstat_ERR:count=2\r\n"));
      CHECK(stats("get", "0*rejected_calls=1,failed_calls=0"));
      h.run({"CONFIG", "RESETSTAT"});
      CHECK(h.run({"EVAL", "return redis.error_reply('MY_ERR_CODE custom msg')", "0"}) ==
            error("MY_ERR_CODE custom msg"));
      CHECK(has("errorstats", "errorstat_MY_ERR_CODE:count=1\r\n"));
    }
  }
  TEST_CASE("scripting: a script's time stays frozen; DEBUG SLEEP in it waits through the adapter's sleep handler") {
    LuaHarness h;
    h.engine.set_sleep_handler(
        [](void* clock, std::int64_t us) { static_cast<microredis::ManualClock*>(clock)->advance_us(us); }, &h.clock);
    h.run({"DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"});  // DEBUG is a noscript command
    const auto before = h.clock.now_us();
    CHECK(h.run({"EVAL",
                 "redis.call('SET', 'key', 'value', 'PX', '1')\n"
                 "redis.call('DEBUG', 'SLEEP', 0.01)\n"
                 "return redis.call('EXISTS', 'key')",
                 "0"}) == integer(1));
    CHECK(h.clock.now_us() - before == 10000);
    CHECK(h.run({"EXISTS", "key"}) == integer(0));
    h.engine.set_sleep_handler(nullptr, nullptr);
  }
  TEST_CASE("scripting: struct packs and unpacks as the library Redis ships") {
    LuaHarness h;
    const std::string hex =
        "local function hex(s) local h='' for i=1,#s do h=h..string.format('%02x',string.byte(s,i)) end return h end ";
    CHECK(h.run({"EVAL", hex + "return hex(struct.pack('>iHb', 1, 2, -3))", "0"}) == bulk("000000010002fd"));
    // '!4' aligns the double at 4 bytes; 'l' is 8 bytes.
    CHECK(h.run({"EVAL", hex + "return hex(struct.pack('<i2 l !4 d', -2, 7, 1.5))", "0"}) ==
          bulk("feff07000000000000000000000000000000f83f"));
    CHECK(h.run({"EVAL", hex + "return hex(struct.pack('c0s', 'ab', 'cd'))", "0"}) == bulk("6162636400"));
    CHECK(h.run({"EVAL", hex + "return hex(struct.pack('>I9', 258))", "0"}) == bulk("000000000000000102"));
    CHECK(h.run({"EVAL", "return {struct.unpack('>iHb', struct.pack('>iHb', 1, 2, -3))}", "0"}) ==
          array({integer(1), integer(2), integer(-3), integer(8)}));
    CHECK(h.run({"EVAL", "return {struct.unpack('bc0', string.char(3) .. 'abcdef')}", "0"}) ==
          array({bulk("abc"), integer(5)}));
    CHECK(h.run({"EVAL", "return {struct.unpack('s', 'xy' .. string.char(0) .. 'z')}", "0"}) ==
          array({bulk("xy"), integer(4)}));
    CHECK(h.run({"EVAL", "return {struct.unpack('B', 'abc', 2)}", "0"}) == array({integer(98), integer(3)}));
    CHECK(h.run({"EVAL", "return struct.size('>!8bd')", "0"}) == integer(16));
    CHECK(error_starts(h.run({"EVAL", "return struct.pack('q', 1)", "0"}),
                       "ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'q') script: "));
    CHECK(error_starts(h.run({"EVAL", "return struct.pack('c5', 'ab')", "0"}),
                       "ERR user_script:1: bad argument #3 to 'pack' (string too short) script: "));
    CHECK(error_starts(h.run({"EVAL", "return struct.unpack('i', 'ab')", "0"}),
                       "ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: "));
    CHECK(error_starts(h.run({"EVAL", "return struct.unpack('c0', 'ab')", "0"}),
                       "ERR user_script:1: format 'c0' needs a previous size script: "));
    CHECK(error_starts(h.run({"EVAL", "return struct.size('s')", "0"}),
                       "ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size) script: "));
    CHECK(error_starts(h.run({"EVAL", "return struct.pack('i40', 1)", "0"}),
                       "ERR user_script:1: integral size 40 is larger than limit of 32 script: "));
    CHECK(error_starts(h.run({"EVAL", "struct.pack = 1", "0"}),
                       "ERR user_script:1: Attempt to modify a readonly table script: "));
  }
}
#endif  // MICROREDIS_TEST_WITH_LUA
