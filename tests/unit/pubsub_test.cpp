#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

Reply message(std::string_view channel, std::string_view text) { return bulks({"message", channel, text}); }

Reply sub_reply(std::string_view verb, std::string_view name, std::int64_t count) {
  return array({bulk(verb), bulk(name), integer(count)});
}

}  // namespace

TEST_SUITE("pubsub") {
  TEST_CASE("SUBSCRIBE, PUBLISH and UNSUBSCRIBE between sessions") {
    Harness h;
    Session* sub = h.engine.open_session();
    Session* pub = h.engine.open_session();
    sub->feed("*3\r\n$9\r\nSUBSCRIBE\r\n$2\r\nc1\r\n$2\r\nc2\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{sub_reply("subscribe", "c1", 1), sub_reply("subscribe", "c2", 2)});
    CHECK(pub->execute({"PUBLISH", "c1", "hello"}) == integer(1));
    CHECK(pub->execute({"PUBLISH", "nobody", "x"}) == integer(0));
    CHECK(drain(*sub) == std::vector<Reply>{message("c1", "hello")});
    CHECK(pub->execute({"PUBSUB", "NUMSUB", "c1", "c3"}) == array({bulk("c1"), integer(1), bulk("c3"), integer(0)}));
    CHECK(sorted_strings(pub->execute({"PUBSUB", "CHANNELS"})) == std::vector<std::string>{"c1", "c2"});
    CHECK(pub->execute({"PUBSUB", "CHANNELS", "*2"}) == bulks({"c2"}));
    sub->feed("*2\r\n$11\r\nUNSUBSCRIBE\r\n$2\r\nc1\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{sub_reply("unsubscribe", "c1", 1)});
    sub->feed("*1\r\n$11\r\nUNSUBSCRIBE\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{sub_reply("unsubscribe", "c2", 0)});
    sub->feed("*1\r\n$11\r\nUNSUBSCRIBE\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{array({bulk("unsubscribe"), nil(), integer(0)})});
    CHECK(pub->execute({"PUBLISH", "c2", "gone"}) == integer(0));
    h.engine.close_session(sub);
    h.engine.close_session(pub);
  }

  TEST_CASE("patterns receive pmessage, and a channel and a pattern both count") {
    Harness h;
    Session* sub = h.engine.open_session();
    sub->feed("*2\r\n$10\r\nPSUBSCRIBE\r\n$4\r\nnews\r\n");
    sub->feed("*2\r\n$10\r\nPSUBSCRIBE\r\n$6\r\nnews.*\r\n");
    sub->feed("*2\r\n$9\r\nSUBSCRIBE\r\n$8\r\nnews.art\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{sub_reply("psubscribe", "news", 1), sub_reply("psubscribe", "news.*", 2),
                                            sub_reply("subscribe", "news.art", 3)});
    CHECK(h.run({"PUBLISH", "news.art", "m"}) == integer(2));
    CHECK(drain(*sub) == std::vector<Reply>{message("news.art", "m"), bulks({"pmessage", "news.*", "news.art", "m"})});
    CHECK(h.run({"PUBSUB", "NUMPAT"}) == integer(2));
    sub->feed("*1\r\n$12\r\nPUNSUBSCRIBE\r\n");
    auto r = drain(*sub);
    REQUIRE(r.size() == 2);
    CHECK(r[1][2] == integer(1));  // the plain channel subscription remains
    h.engine.close_session(sub);
    CHECK(h.run({"PUBSUB", "NUMPAT"}) == integer(0));
    CHECK(h.run({"PUBSUB", "CHANNELS"}) == array({}));
  }

  TEST_CASE("RESP2 subscribed context allows only the subscription commands, PING and QUIT") {
    Harness h;
    Session* sub = h.engine.open_session();
    SUBCASE("RESP3 lifts the restriction and uses push messages") {
      CHECK(sub->execute({"HELLO", "3"}).type == Reply::Type::map);
      sub->feed("*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n");
      auto confirm = drain(*sub);
      REQUIRE(confirm.size() == 1);
      CHECK(confirm[0].type == Reply::Type::push);
      CHECK(sub->execute({"SET", "k", "v"}) == ok());
      CHECK(sub->execute({"PING"}) == simple("PONG"));
      CHECK(h.run({"PUBLISH", "c", "hi"}) == integer(1));
      auto pushed = drain(*sub);
      REQUIRE(pushed.size() == 1);
      CHECK(pushed[0].type == Reply::Type::push);
      CHECK(pushed[0].elements == message("c", "hi").elements);
      h.engine.close_session(sub);
      return;
    }
    sub->feed("*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n");
    (void)drain(*sub);
    CHECK(sub->execute({"GET", "k"}) ==
          error("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                "allowed in this context"));
    CHECK(sub->execute({"PING"}) == bulks({"pong", ""}));
    CHECK(sub->execute({"PING", "x"}) == bulks({"pong", "x"}));
    CHECK(sub->execute({"HELLO", "3"}).is_error());  // HELLO is not among the allowed commands
    h.engine.close_session(sub);
  }

  TEST_CASE("sharded channels are separate from plain ones") {
    Harness h;
    Session* sub = h.engine.open_session();
    sub->feed("*2\r\n$10\r\nSSUBSCRIBE\r\n$2\r\nsc\r\n");
    CHECK(drain(*sub) == std::vector<Reply>{sub_reply("ssubscribe", "sc", 1)});
    CHECK(h.run({"PUBLISH", "sc", "plain"}) == integer(0));
    CHECK(h.run({"SPUBLISH", "sc", "shard"}) == integer(1));
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"smessage", "sc", "shard"})});
    CHECK(h.run({"PUBSUB", "SHARDCHANNELS"}) == bulks({"sc"}));
    CHECK(h.run({"PUBSUB", "SHARDNUMSUB", "sc"}) == array({bulk("sc"), integer(1)}));
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SSUBSCRIBE", "x"}) == simple("QUEUED"));
    CHECK(h.run({"EXEC"}) == array({error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")}));
    h.engine.close_session(sub);
  }

  TEST_CASE("a subscriber that does not read is cut off by client-output-buffer-limit pubsub") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1024 0 0"}) == ok());
    Session* sub = h.engine.open_session();
    sub->feed("*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n");
    std::string payload(300, 'x');
    for (int i = 0; i < 5; ++i) (void)h.run({"PUBLISH", "c", payload});
    CHECK(sub->want_close());
    CHECK(h.run({"INFO", "stats"}).str.find("client_output_buffer_limit_disconnections:1") != std::string::npos);
    h.engine.close_session(sub);
  }

  TEST_CASE("keyspace notifications") {
    Harness h;
    Session* sub = h.engine.open_session();
    sub->feed("*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n");
    (void)drain(*sub);
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(drain(*sub).empty());  // off by default
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "notify-keyspace-events"}) == bulks({"notify-keyspace-events", "AKE"}));
    CHECK(h.run({"SET", "k", "v2"}) == ok());
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"pmessage", "*", "__keyspace@0__:k", "set"}),
                                            bulks({"pmessage", "*", "__keyevent@0__:set", "k"})});
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Ex"}) == ok());
    CHECK(h.run({"SET", "t", "v", "PX", "10"}) == ok());
    (void)drain(*sub);
    h.clock.advance_ms(50);
    CHECK(h.run({"GET", "t"}) == nil());
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"pmessage", "*", "__keyevent@0__:expired", "t"})});
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Kn"}) == ok());
    CHECK(h.run({"SET", "fresh", "1"}) == ok());
    CHECK(h.run({"SET", "fresh", "2"}) == ok());  // not new the second time
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"pmessage", "*", "__keyspace@0__:fresh", "new"})});
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Em"}) == ok());
    CHECK(h.run({"GET", "nothere"}) == nil());
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"pmessage", "*", "__keyevent@0__:keymiss", "nothere"})});
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Q"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event "
                "class character. Use 'Ag$lshzxeKEtmdn'."));
    h.engine.close_session(sub);
  }

  TEST_CASE("closing a subscriber releases its subscriptions") {
    Harness h;
    CHECK(h.run({"PUBLISH", "a", "x"}) == integer(0));  // the engine's own session exists from here on
    const std::size_t baseline = h.engine.memory().used();
    Session* sub = h.engine.open_session();
    sub->feed("*4\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    sub->feed("*2\r\n$10\r\nPSUBSCRIBE\r\n$2\r\np*\r\n");
    h.engine.close_session(sub);
    CHECK(h.run({"PUBLISH", "a", "x"}) == integer(0));
    CHECK(h.engine.memory().used() == baseline);
  }
}
