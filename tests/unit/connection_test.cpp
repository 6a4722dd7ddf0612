#include "harness.hpp"

using namespace mrtest;

TEST_SUITE("connection") {
  TEST_CASE("PING and ECHO") {
    Harness h;
    CHECK(h.run({"PING"}) == simple("PONG"));
    CHECK(h.run({"ping", "hi"}) == bulk("hi"));
    CHECK(h.run({"PING", "a", "b"}) == error("ERR wrong number of arguments for 'ping' command"));
    CHECK(h.run({"ECHO", "x y"}) == bulk("x y"));
    CHECK(h.run({"ECHO"}) == error("ERR wrong number of arguments for 'echo' command"));
  }

  TEST_CASE("unknown command") {
    Harness h;
    CHECK(h.run({"FOO", "a", "b"}) == error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "));
    CHECK(h.run({"foo"}) == error("ERR unknown command 'foo', with args beginning with: "));
  }

  TEST_CASE("standalone: the cluster commands answer as redis-server without cluster mode") {
    Harness h;
    const Reply disabled = error("ERR This instance has cluster support disabled");
    for (const auto& args : std::vector<std::vector<std::string_view>>{
             {"CLUSTER", "INFO"}, {"CLUSTER", "HELP"}, {"CLUSTER", "NODES"}, {"CLUSTER", "SLOTS"},
             {"CLUSTER", "SHARDS"}, {"CLUSTER", "MYID"}, {"cluster", "keyslot", "k"},
             {"CLUSTER", "GETKEYSINSLOT", "1", "10"}, {"CLUSTER", "SETSLOT", "1", "NODE", "x"},
             {"CLUSTER", "RESET"}, {"CLUSTER", "FAILOVER", "FORCE"}, {"ASKING"}, {"READONLY"}, {"READWRITE"}}) {
      CAPTURE(args[0]);
      CHECK(h.run(std::vector<std::string>(args.begin(), args.end())) == disabled);
    }
    // Arity and subcommand names are checked first, as in Redis.
    CHECK(h.run({"CLUSTER"}) == error("ERR wrong number of arguments for 'cluster' command"));
    CHECK(h.run({"CLUSTER", "KEYSLOT"}) == error("ERR wrong number of arguments for 'cluster|keyslot' command"));
    CHECK(h.run({"CLUSTER", "NOSUCH"}) == error("ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP."));
    CHECK(h.run({"READONLY", "x"}) == error("ERR wrong number of arguments for 'readonly' command"));
    // COMMAND knows them, with Redis's flags.
    Reply info = h.run({"COMMAND", "INFO", "cluster|reset", "asking"});
    REQUIRE(info.elements.size() == 2);
    CHECK(info.elements[0].elements[1] == integer(-2));
    CHECK(info.elements[0].elements[2] == array({simple("admin"), simple("noscript"), simple("stale")}));
    CHECK(info.elements[1].elements[2] == array({simple("fast")}));
    Reply listed = h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*help"});
    CHECK(listed == array({bulk("client|help"), bulk("cluster|help")}));
  }

  TEST_CASE("SELECT") {
    Harness h;
    CHECK(h.run({"SELECT", "15"}) == ok());
    CHECK(h.run({"SELECT", "16"}) == error("ERR DB index is out of range"));
    CHECK(h.run({"SELECT", "x"}) == error("ERR invalid DB index"));
    CHECK(h.run({"SELECT", "-1"}) == error("ERR DB index is out of range"));
  }

  TEST_CASE("HELLO switches protocol and reports the server") {
    Harness h;
    Reply r = h.run({"HELLO", "3"});
    REQUIRE(r.type == Reply::Type::map);
    CHECK(r[0] == bulk("server"));
    CHECK(r[1] == bulk("redis"));
    CHECK(r[4] == bulk("proto"));
    CHECK(r[5] == integer(3));
    CHECK(h.run({"HELLO", "4"}) == error("NOPROTO unsupported protocol version"));
    CHECK(h.run({"HELLO", "x"}) == error("ERR Protocol version is not an integer or out of range"));
    CHECK(h.run({"HELLO", "2", "FOO"}) == error("ERR Syntax error in HELLO option 'FOO'"));
    r = h.run({"HELLO", "2", "SETNAME", "me"});
    CHECK(r.type == Reply::Type::array);
  }

  TEST_CASE("AUTH with requirepass") {
    Harness h;
    CHECK(h.run({"AUTH", "x"}).str.rfind("ERR AUTH <password> called without", 0) == 0);
    microredis::Session* s = h.engine.open_session();
    h.engine.settings().requirepass_set = true;
    (void)h.engine.settings().requirepass.append("secret");
    microredis::Session* locked = h.engine.open_session();
    CHECK(locked->execute({"ECHO", "k"}) == error("NOAUTH Authentication required."));
    CHECK(locked->execute({"AUTH", "wrong"}) ==
          error("WRONGPASS invalid username-password pair or user is disabled."));
    CHECK(locked->execute({"AUTH", "secret"}) == ok());
    CHECK(locked->execute({"PING"}) == simple("PONG"));
    h.engine.close_session(locked);
    h.engine.close_session(s);
  }
}
