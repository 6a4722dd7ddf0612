#include "harness.hpp"

#include <map>
#include <random>

using namespace mrtest;
using microredis::Session;

namespace {

// A reply as text ("[\"1-1\", [\"f\", \"v\"]]"): stream replies are nested arrays, easier to read
// this way than built from Reply values.
std::string text(const Reply& r) { return r.to_string(); }

// The value of a field in a flat field/value array reply (XINFO STREAM in RESP2).
const Reply& field(const Reply& r, std::string_view name) {
  for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
    if (r[i].str == name) return r[i + 1];
  }
  static const Reply missing = Reply::error("missing field");
  return missing;
}

}  // namespace

TEST_SUITE("streams") {
  TEST_CASE("XADD: explicit, partial and automatic IDs") {
    Harness h;
    h.clock.set_ms(1000);
    CHECK(h.run({"XADD", "s", "1-1", "f", "v"}) == bulk("1-1"));
    CHECK(h.run({"XADD", "s", "1-*", "f", "v"}) == bulk("1-2"));
    CHECK(h.run({"XADD", "s", "5", "f", "v"}) == bulk("5-0"));
    CHECK(h.run({"XADD", "s", "*", "f", "v"}) == bulk("1000-0"));
    CHECK(h.run({"XADD", "s", "*", "f", "v"}) == bulk("1000-1"));
    // The clock going back does not make IDs go back.
    h.clock.set_ms(500);
    CHECK(h.run({"XADD", "s", "*", "f", "v"}) == bulk("1000-2"));
    CHECK(h.run({"XADD", "s", "1000-2", "f", "v"}) == error(Status::stream_id_too_small));
    CHECK(h.run({"XADD", "s", "999-*", "f", "v"}) == error(Status::stream_id_too_small));
    CHECK(h.run({"XADD", "t", "0-0", "f", "v"}) == error(Status::stream_id_zero));
    CHECK(h.run({"XADD", "t", "0-*", "f", "v"}) == bulk("0-1"));
    CHECK(h.run({"XADD", "t", "abc", "f", "v"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XADD", "t", "1-x", "f", "v"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XADD", "t", "*", "f"}) == error("ERR wrong number of arguments for 'xadd' command"));
    CHECK(h.run({"XADD", "u", "18446744073709551615-18446744073709551615", "f", "v"}) ==
          bulk("18446744073709551615-18446744073709551615"));
    CHECK(h.run({"XADD", "u", "*", "f", "v"}) == error(Status::stream_exhausted));
    CHECK(h.run({"XADD", "v", "18446744073709551615-*", "f", "v"}) == bulk("18446744073709551615-0"));
    CHECK(h.run({"XADD", "v", "18446744073709551615-*", "f", "v"}) == bulk("18446744073709551615-1"));
    CHECK(h.run({"XLEN", "s"}) == integer(6));
    CHECK(h.run({"XLEN", "nosuch"}) == integer(0));
    CHECK(h.run({"TYPE", "s"}) == simple("stream"));
    CHECK(h.run({"OBJECT", "ENCODING", "s"}) == bulk("stream"));
    CHECK(h.run({"SET", "str", "x"}) == ok());
    CHECK(h.run({"XADD", "str", "*", "f", "v"}) == error(Status::wrong_type));
    CHECK(h.run({"XLEN", "str"}) == error(Status::wrong_type));
  }

  TEST_CASE("XADD NOMKSTREAM, MAXLEN, MINID, ~ and LIMIT") {
    Harness h;
    CHECK(h.run({"XADD", "s", "NOMKSTREAM", "*", "f", "v"}) == nil());
    CHECK(h.run({"EXISTS", "s"}) == integer(0));
    for (int i = 1; i <= 10; ++i) {
      std::string id = std::to_string(i);
      CHECK(h.run({"XADD", "s", id, "f", "v"}) == bulk(id + "-0"));
    }
    CHECK(h.run({"XADD", "s", "NOMKSTREAM", "MAXLEN", "5", "11", "f", "v"}) == bulk("11-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(5));
    CHECK(text(h.run({"XRANGE", "s", "-", "+", "COUNT", "1"})) == R"([["7-0", ["f", "v"]]])");
    CHECK(h.run({"XADD", "s", "MINID", "=", "9", "12", "f", "v"}) == bulk("12-0"));
    CHECK(text(h.run({"XRANGE", "s", "-", "+", "COUNT", "1"})) == R"([["9-0", ["f", "v"]]])");
    CHECK(h.run({"XADD", "s", "MAXLEN", "0", "13", "f", "v"}) == bulk("13-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(0));
    CHECK(h.run({"EXISTS", "s"}) == integer(1));
    // ~ removes whole blocks only: with 100 entries a block, nothing goes.
    for (int i = 14; i < 64; ++i) (void)h.run({"XADD", "s", std::to_string(i), "f", "v"});
    CHECK(h.run({"XADD", "s", "MAXLEN", "~", "10", "64", "f", "v"}) == bulk("64-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(51));
    CHECK(h.run({"CONFIG", "SET", "stream-node-max-entries", "10"}) == ok());
    CHECK(h.run({"DEL", "s"}) == integer(1));
    for (int i = 1; i <= 100; ++i) (void)h.run({"XADD", "s", std::to_string(i), "f", "v"});
    CHECK(h.run({"XADD", "s", "MAXLEN", "~", "55", "LIMIT", "30", "101", "f", "v"}) == bulk("101-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(71));
    CHECK(h.run({"XADD", "s", "MAXLEN", "~", "55", "102", "f", "v"}) == bulk("102-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(62));
    // LIMIT 0 means no limit.
    CHECK(h.run({"XADD", "s", "MINID", "~", "90", "LIMIT", "0", "103", "f", "v"}) == bulk("103-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(23));
    // Errors.
    CHECK(h.run({"XADD", "s", "MAXLEN", "-1", "*", "f", "v"}) == error(Status::stream_maxlen_negative));
    CHECK(h.run({"XADD", "s", "MAXLEN", "x", "*", "f", "v"}) == error(Status::not_integer));
    CHECK(h.run({"XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "f", "v"}) ==
          error(Status::stream_limit_without_approx));
    CHECK(h.run({"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v"}) ==
          error(Status::stream_limit_negative));
    CHECK(h.run({"XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v"}) == error(Status::stream_maxlen_and_minid));
    CHECK(h.run({"XADD", "s", "MINID", "abc", "*", "f", "v"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XADD", "s", "LIMIT", "10", "*", "f", "v"}) == error(Status::stream_limit_without_strategy));
  }

  TEST_CASE("XRANGE and XREVRANGE: inclusive, exclusive, partial IDs, COUNT") {
    Harness h;
    for (const char* id : {"1-1", "1-2", "2-0", "3-5"}) (void)h.run({"XADD", "s", id, "f", id});
    CHECK(text(h.run({"XRANGE", "s", "-", "+"})) ==
          R"([["1-1", ["f", "1-1"]], ["1-2", ["f", "1-2"]], ["2-0", ["f", "2-0"]], ["3-5", ["f", "3-5"]]])");
    CHECK(text(h.run({"XRANGE", "s", "1", "1"})) == R"([["1-1", ["f", "1-1"]], ["1-2", ["f", "1-2"]]])");
    CHECK(text(h.run({"XRANGE", "s", "(1-1", "(3-5"})) == R"([["1-2", ["f", "1-2"]], ["2-0", ["f", "2-0"]]])");
    CHECK(text(h.run({"XRANGE", "s", "(2", "+"})) == R"([["3-5", ["f", "3-5"]]])");
    CHECK(text(h.run({"XRANGE", "s", "-", "+", "COUNT", "2"})) == R"([["1-1", ["f", "1-1"]], ["1-2", ["f", "1-2"]]])");
    CHECK(h.run({"XRANGE", "s", "-", "+", "COUNT", "0"}) == nil());
    CHECK(h.run({"XRANGE", "s", "-", "+", "COUNT", "-1"}) == nil());
    CHECK(text(h.run({"XRANGE", "s", "3", "2"})) == "[]");
    CHECK(text(h.run({"XRANGE", "nosuch", "-", "+"})) == "[]");
    CHECK(text(h.run({"XREVRANGE", "s", "+", "-", "COUNT", "2"})) ==
          R"([["3-5", ["f", "3-5"]], ["2-0", ["f", "2-0"]]])");
    CHECK(text(h.run({"XREVRANGE", "s", "(2-0", "(1-1"})) == R"([["1-2", ["f", "1-2"]]])");
    CHECK(h.run({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}) ==
          error(Status::stream_invalid_start));
    CHECK(h.run({"XRANGE", "s", "-", "(0-0"}) == error(Status::stream_invalid_end));
    CHECK(h.run({"XRANGE", "s", "x", "+"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XRANGE", "s", "-", "+", "LIMIT", "1"}) == error(Status::syntax));
    CHECK(h.run({"XRANGE", "s", "-", "+", "COUNT", "x"}) == error(Status::not_integer));
    // RESP3: each entry's fields are still an array, as in Redis.
    CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(text(h.run({"XRANGE", "s", "3", "+"})) == R"([["3-5", ["f", "3-5"]]])");
  }

  TEST_CASE("XDEL, XTRIM, XSETID and the stream's counters") {
    Harness h;
    for (const char* id : {"1", "2", "3", "4", "5"}) (void)h.run({"XADD", "s", id, "f", "v"});
    CHECK(h.run({"XDEL", "s", "2", "2-0", "9"}) == integer(1));
    CHECK(h.run({"XDEL", "s", "x"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XDEL", "nosuch", "1"}) == integer(0));
    Reply info = h.run({"XINFO", "STREAM", "s"});
    CHECK(field(info, "length") == integer(4));
    CHECK(field(info, "max-deleted-entry-id") == bulk("2-0"));
    CHECK(field(info, "entries-added") == integer(5));
    CHECK(field(info, "recorded-first-entry-id") == bulk("1-0"));
    CHECK(text(field(info, "first-entry")) == R"(["1-0", ["f", "v"]])");
    CHECK(text(field(info, "last-entry")) == R"(["5-0", ["f", "v"]])");
    CHECK(h.run({"XTRIM", "s", "MAXLEN", "2"}) == integer(2));
    CHECK(h.run({"XTRIM", "s", "MINID", "=", "5"}) == integer(1));
    CHECK(h.run({"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0"}) == integer(1));  // LIMIT 0: no limit
    CHECK(h.run({"XTRIM", "nosuch", "MAXLEN", "0"}) == integer(0));
    CHECK(h.run({"XTRIM", "s"}) == error("ERR wrong number of arguments for 'xtrim' command"));
    CHECK(h.run({"XTRIM", "s", "FOO", "1"}) == error(Status::syntax));
    CHECK(h.run({"XTRIM", "s", "LIMIT", "1"}) == error(Status::stream_limit_without_strategy));
    CHECK(h.run({"XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"}) == error(Status::stream_limit_without_approx));
    CHECK(h.run({"XLEN", "s"}) == integer(0));
    CHECK(field(h.run({"XINFO", "STREAM", "s"}), "recorded-first-entry-id") == bulk("0-0"));

    // An empty stream may go below its last ID (not below its max deleted ID); one with entries may not.
    CHECK(h.run({"XSETID", "s", "4"}) == ok());
    CHECK(h.run({"XADD", "s", "10", "f", "v"}) == bulk("10-0"));
    CHECK(h.run({"XSETID", "s", "9"}) == error(Status::xsetid_too_small));
    CHECK(h.run({"XSETID", "s", "20"}) == ok());
    CHECK(h.run({"XADD", "s", "20-*", "f", "v"}) == bulk("20-1"));
    CHECK(h.run({"XSETID", "nosuch", "1"}) == error("ERR no such key"));
    CHECK(h.run({"XSETID", "s", "1-1", "0"}) == error(Status::syntax));
    CHECK(h.run({"XSETID", "s", "1-1", "ENTRIESADDED", "-1", "MAXDELETEDID", "0"}) ==
          error(Status::xsetid_entries_added_negative));
    (void)h.run({"XADD", "x", "1-0", "a", "b"});
    CHECK(h.run({"XSETID", "x", "1-0", "ENTRIESADDED", "1", "MAXDELETEDID", "2-0"}) ==
          error(Status::xsetid_below_max_deleted));
    CHECK(h.run({"XSETID", "x", "1-0", "ENTRIESADDED", "0", "MAXDELETEDID", "0-0"}) ==
          error(Status::xsetid_entries_added_small));
    CHECK(h.run({"XSETID", "x", "7-0", "ENTRIESADDED", "9", "MAXDELETEDID", "3-0"}) == ok());
    info = h.run({"XINFO", "STREAM", "x"});
    CHECK(field(info, "last-generated-id") == bulk("7-0"));
    CHECK(field(info, "entries-added") == integer(9));
    CHECK(field(info, "max-deleted-entry-id") == bulk("3-0"));
    // An empty stream can be given any ID at or above its top.
    CHECK(h.run({"XADD", "e", "MAXLEN", "0", "5-0", "a", "b"}) == bulk("5-0"));
    CHECK(h.run({"XSETID", "e", "5-0"}) == ok());
  }

  TEST_CASE("XREAD: IDs, $, COUNT, several streams, errors") {
    Harness h;
    (void)h.run({"XADD", "a", "1", "f", "1"});
    (void)h.run({"XADD", "a", "2", "f", "2"});
    (void)h.run({"XADD", "b", "3", "f", "3"});
    CHECK(text(h.run({"XREAD", "STREAMS", "a", "b", "1", "0"})) ==
          R"([["a", [["2-0", ["f", "2"]]]], ["b", [["3-0", ["f", "3"]]]]])");
    CHECK(text(h.run({"XREAD", "COUNT", "1", "STREAMS", "a", "0"})) == R"([["a", [["1-0", ["f", "1"]]]]])");
    CHECK(h.run({"XREAD", "STREAMS", "a", "$"}) == nil());
    CHECK(h.run({"XREAD", "STREAMS", "nosuch", "0"}) == nil());
    CHECK(h.run({"XREAD", "STREAMS", "a"}) == error("ERR wrong number of arguments for 'xread' command"));
    CHECK(h.run({"XREAD", "STREAMS", "a", "b", "0"}) == error(Status::xread_unbalanced));
    CHECK(h.run({"XREAD", "STREAMS", "a", ">"}) == error(Status::xread_greater_id));
    CHECK(h.run({"XREAD", "BLOCK", "-1", "STREAMS", "a", "0"}) == error("ERR timeout is negative"));
    CHECK(h.run({"XREAD", "BLOCK", "x", "STREAMS", "a", "0"}) == error(Status::xread_timeout_not_integer));
    CHECK(h.run({"XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"}) == error(Status::xread_group_option));
    CHECK(h.run({"XREAD", "NOACK", "STREAMS", "a", "0"}) == error(Status::xread_noack_option));
    CHECK(h.run({"XREAD", "FOO", "STREAMS", "a", "0"}) == error(Status::syntax));
    CHECK(h.run({"SET", "str", "x"}) == ok());
    CHECK(h.run({"XREAD", "STREAMS", "str", "0"}) == error(Status::wrong_type));
    // RESP3: the streams are a map.
    CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(text(h.run({"XREAD", "STREAMS", "a", "1"})) == R"({"a": [["2-0", ["f", "2"]]]})");
    CHECK(h.run({"XREAD", "STREAMS", "a", "$"}).type == Reply::Type::null);
  }

  TEST_CASE("XREAD BLOCK: served by XADD from another session, timeouts on the manual clock") {
    Harness h;
    Session* reader = h.engine.open_session();
    Session* other = h.engine.open_session();
    (void)h.run({"XADD", "s", "1", "f", "old"});
    reader->feed(multibulk({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}));
    CHECK(reader->blocked());
    other->feed(multibulk({"XADD", "s", "2", "f", "new"}));
    CHECK(drain(*other) == std::vector<Reply>{bulk("2-0")});
    CHECK(!reader->blocked());
    auto got = drain(*reader);
    REQUIRE(got.size() == 1);
    CHECK(text(got[0]) == R"([["s", [["2-0", ["f", "new"]]]]])");

    // A timeout in milliseconds.
    reader->feed(multibulk({"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}));
    CHECK(reader->blocked());
    h.clock.advance_ms(99);
    h.engine.tick();
    CHECK(reader->blocked());
    h.clock.advance_ms(2);
    h.engine.tick();
    CHECK(!reader->blocked());
    CHECK(drain(*reader) == std::vector<Reply>{nil()});

    // Deleting the key or writing another type does not wake XREAD; data already there serves at once.
    reader->feed(multibulk({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}));
    CHECK(h.run({"DEL", "s"}) == integer(1));
    CHECK(h.run({"LPUSH", "s", "x"}) == integer(1));
    CHECK(reader->blocked());
    CHECK(h.run({"DEL", "s"}) == integer(1));
    CHECK(h.run({"XADD", "s", "5", "f", "v"}) == bulk("5-0"));
    CHECK(text(drain(*reader).at(0)) == R"([["s", [["5-0", ["f", "v"]]]]])");
    reader->feed(multibulk({"XREAD", "BLOCK", "0", "STREAMS", "s", "0"}));
    CHECK(!reader->blocked());
    CHECK(text(drain(*reader).at(0)) == R"([["s", [["5-0", ["f", "v"]]]]])");

    // Inside MULTI a blocking XREAD answers as if it timed out.
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}) == simple("QUEUED"));
    CHECK(text(h.run({"EXEC"})) == "[(nil)]");
    h.engine.close_session(reader);
    h.engine.close_session(other);
  }

  TEST_CASE("XGROUP: CREATE SETID DESTROY CREATECONSUMER DELCONSUMER") {
    Harness h;
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$"}) == error(Status::xgroup_no_key));
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == ok());
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$"}) == error(Status::stream_busy_group));
    CHECK(h.run({"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"}) == error(Status::xgroup_entries_read));
    CHECK(h.run({"XGROUP", "CREATE", "s", "g2", "x"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "3"}) == ok());
    CHECK(h.run({"XGROUP", "CREATECONSUMER", "s", "g", "alice"}) == integer(1));
    CHECK(h.run({"XGROUP", "CREATECONSUMER", "s", "g", "alice"}) == integer(0));
    CHECK(h.run({"XGROUP", "CREATECONSUMER", "s", "nog", "alice"}) ==
          error("NOGROUP No such consumer group 'nog' for key name 's'"));
    CHECK(h.run({"XGROUP", "DELCONSUMER", "s", "g", "bob"}) == integer(0));
    CHECK(h.run({"XGROUP", "DELCONSUMER", "s", "g", "alice"}) == integer(0));
    CHECK(h.run({"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"}) == ok());
    CHECK(h.run({"XGROUP", "SETID", "s", "nog", "0"}) == error("NOGROUP No such consumer group 'nog' for key name 's'"));
    CHECK(h.run({"XGROUP", "DESTROY", "s", "g2"}) == integer(1));
    CHECK(h.run({"XGROUP", "DESTROY", "s", "g2"}) == integer(0));
    CHECK(h.run({"XGROUP", "FOO", "s"}) ==
          error("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
    CHECK(h.run({"XGROUP", "HELP", "x"}) == error("ERR wrong number of arguments for 'xgroup|help' command"));
    CHECK(h.run({"XGROUP", "HELP"}).size() > 10);
    CHECK(h.run({"SET", "str", "x"}) == ok());
    CHECK(h.run({"XGROUP", "CREATE", "str", "g", "$"}) == error(Status::wrong_type));
    Reply groups = h.run({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.size() == 1);
    CHECK(text(groups[0]) ==
          R"(["name", "g", "consumers", (integer) 0, "pending", (integer) 0, "last-delivered-id", "0-0", "entries-read", (integer) 0, "lag", (integer) 0])");
  }

  TEST_CASE("XREADGROUP, XACK, XPENDING: delivery, history, NOACK, counters and lag") {
    Harness h;
    h.clock.set_ms(10'000);
    for (const char* id : {"1", "2", "3"}) (void)h.run({"XADD", "s", id, "f", id});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "0"}) == ok());
    CHECK(text(h.run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"})) ==
          R"([["s", [["1-0", ["f", "1"]], ["2-0", ["f", "2"]]]]])");
    // History: the consumer's own pending entries, from an ID.
    CHECK(text(h.run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"})) ==
          R"([["s", [["1-0", ["f", "1"]], ["2-0", ["f", "2"]]]]])");
    CHECK(text(h.run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0"})) == R"([["s", []]])");
    h.clock.advance_ms(50);
    CHECK(text(h.run({"XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"})) ==
          R"([["s", [["3-0", ["f", "3"]]]]])");
    CHECK(h.run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}) == nil());
    CHECK(h.run({"XREADGROUP", "GROUP", "nog", "bob", "STREAMS", "s", ">"}) ==
          error("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"));
    CHECK(h.run({"XREADGROUP", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">"}) == error(Status::xreadgroup_missing_group));
    CHECK(h.run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "$"}) == error(Status::xreadgroup_dollar));

    CHECK(text(h.run({"XPENDING", "s", "g"})) == R"([(integer) 2, "1-0", "2-0", [["alice", "2"]]])");
    CHECK(text(h.run({"XPENDING", "s", "g", "-", "+", "10"})) ==
          R"([["1-0", "alice", (integer) 50, (integer) 2], ["2-0", "alice", (integer) 50, (integer) 2]])");
    CHECK(text(h.run({"XPENDING", "s", "g", "IDLE", "60", "-", "+", "10"})) == "[]");
    CHECK(text(h.run({"XPENDING", "s", "g", "(1", "+", "10", "alice"})) ==
          R"([["2-0", "alice", (integer) 50, (integer) 2]])");
    CHECK(text(h.run({"XPENDING", "s", "g", "-", "+", "10", "bob"})) == "[]");
    CHECK(h.run({"XPENDING", "s", "nog"}) == error("NOGROUP No such key 's' or consumer group 'nog'"));
    CHECK(h.run({"XPENDING", "s", "g", "-", "+"}) == error(Status::syntax));
    CHECK(h.run({"XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"}) == error(Status::not_integer));

    Reply group = h.run({"XINFO", "GROUPS", "s"}).elements.at(0);
    CHECK(field(group, "entries-read") == integer(3));
    CHECK(field(group, "lag") == integer(0));
    CHECK(field(group, "pending") == integer(2));
    CHECK(field(group, "consumers") == integer(2));
    Reply consumers = h.run({"XINFO", "CONSUMERS", "s", "g"});
    REQUIRE(consumers.size() == 2);
    CHECK(text(consumers[0]) == R"(["name", "alice", "pending", (integer) 2, "idle", (integer) 50])");
    CHECK(h.run({"XINFO", "CONSUMERS", "s", "nog"}) == error("NOGROUP No such consumer group 'nog' for key name 's'"));

    CHECK(h.run({"XACK", "s", "g", "1", "1", "9"}) == integer(1));
    CHECK(h.run({"XACK", "s", "g", "x"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XACK", "nosuch", "g", "1"}) == integer(0));
    CHECK(text(h.run({"XPENDING", "s", "g"})) == R"([(integer) 1, "2-0", "2-0", [["alice", "1"]]])");
    CHECK(h.run({"XGROUP", "DELCONSUMER", "s", "g", "alice"}) == integer(1));
    CHECK(text(h.run({"XPENDING", "s", "g"})) == "[(integer) 0, (nil), (nil), (nil)]");
  }

  TEST_CASE("XCLAIM: IDLE TIME RETRYCOUNT FORCE JUSTID LASTID, deleted entries") {
    Harness h;
    h.clock.set_ms(10'000);
    for (const char* id : {"1", "2", "3"}) (void)h.run({"XADD", "s", id, "f", id});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "0"}) == ok());
    (void)h.run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    h.clock.advance_ms(100);
    CHECK(text(h.run({"XCLAIM", "s", "g", "bob", "200", "1"})) == "[]");
    CHECK(text(h.run({"XCLAIM", "s", "g", "bob", "50", "1"})) == R"([["1-0", ["f", "1"]]])");
    CHECK(text(h.run({"XPENDING", "s", "g", "1", "1", "1"})) == R"([["1-0", "bob", (integer) 0, (integer) 2]])");
    // JUSTID does not count a delivery.
    CHECK(text(h.run({"XCLAIM", "s", "g", "carol", "0", "1", "JUSTID"})) == R"(["1-0"])");
    CHECK(text(h.run({"XPENDING", "s", "g", "1", "1", "1"})) == R"([["1-0", "carol", (integer) 0, (integer) 2]])");
    CHECK(text(h.run({"XCLAIM", "s", "g", "carol", "0", "2", "IDLE", "500", "RETRYCOUNT", "7", "JUSTID"})) ==
          R"(["2-0"])");
    CHECK(text(h.run({"XPENDING", "s", "g", "2", "2", "1"})) == R"([["2-0", "carol", (integer) 500, (integer) 7]])");
    CHECK(text(h.run({"XCLAIM", "s", "g", "carol", "0", "2", "TIME", "9000", "JUSTID"})) == R"(["2-0"])");
    CHECK(text(h.run({"XPENDING", "s", "g", "2", "2", "1"})) == R"([["2-0", "carol", (integer) 1100, (integer) 7]])");
    // FORCE creates a pending entry for an entry nobody read; LASTID moves the group forward.
    CHECK(h.run({"XGROUP", "CREATE", "s", "g2", "0"}) == ok());
    CHECK(text(h.run({"XCLAIM", "s", "g2", "dave", "0", "3", "FORCE", "LASTID", "3", "JUSTID"})) == R"(["3-0"])");
    CHECK(field(h.run({"XINFO", "GROUPS", "s"}).elements.at(1), "last-delivered-id") == bulk("3-0"));
    CHECK(text(h.run({"XCLAIM", "s", "g2", "dave", "0", "9", "FORCE"})) == "[]");
    // A pending entry deleted from the stream is dropped from the PEL when claimed.
    CHECK(h.run({"XDEL", "s", "3"}) == integer(1));
    CHECK(text(h.run({"XCLAIM", "s", "g", "carol", "0", "3"})) == "[]");
    CHECK(h.run({"XPENDING", "s", "g"}).elements.at(0) == integer(2));
    // Errors.
    CHECK(h.run({"XCLAIM", "s", "g", "c", "x", "1"}) == error(Status::xclaim_min_idle));
    CHECK(h.run({"XCLAIM", "s", "g", "c", "0", "1", "IDLE", "x"}) == error(Status::xclaim_idle));
    CHECK(h.run({"XCLAIM", "s", "g", "c", "0", "1", "TIME", "x"}) == error(Status::xclaim_time));
    CHECK(h.run({"XCLAIM", "s", "g", "c", "0", "1", "RETRYCOUNT", "x"}) == error(Status::xclaim_retrycount));
    CHECK(h.run({"XCLAIM", "s", "g", "c", "0", "1", "FOO"}) == error("ERR Unrecognized XCLAIM option 'FOO'"));
    CHECK(h.run({"XCLAIM", "s", "nog", "c", "0", "1"}) == error("NOGROUP No such key 's' or consumer group 'nog'"));
    // The first argument that is not an ID starts the options, as in Redis.
    CHECK(h.run({"XCLAIM", "s", "g", "c", "0", "x"}) == error("ERR Unrecognized XCLAIM option 'x'"));
  }

  TEST_CASE("XAUTOCLAIM: iteration, COUNT, JUSTID, deleted entries") {
    Harness h;
    h.clock.set_ms(10'000);
    for (const char* id : {"1", "2", "3", "4"}) (void)h.run({"XADD", "s", id, "f", id});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "0"}) == ok());
    (void)h.run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    h.clock.advance_ms(10);
    CHECK(text(h.run({"XAUTOCLAIM", "s", "g", "bob", "5", "0", "COUNT", "2"})) ==
          R"(["3-0", [["1-0", ["f", "1"]], ["2-0", ["f", "2"]]], []])");
    CHECK(text(h.run({"XAUTOCLAIM", "s", "g", "bob", "5", "3", "COUNT", "2", "JUSTID"})) == R"(["0-0", ["3-0", "4-0"], []])");
    CHECK(h.run({"XDEL", "s", "2"}) == integer(1));
    CHECK(text(h.run({"XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "2"})) ==
          R"(["3-0", [["1-0", ["f", "1"]]], ["2-0"]])");
    CHECK(h.run({"XPENDING", "s", "g"}).elements.at(0) == integer(3));
    CHECK(h.run({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"}) == error(Status::xautoclaim_count));
    CHECK(h.run({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "9223372036854775807"}) ==
          error(Status::xautoclaim_count));
    CHECK(h.run({"XAUTOCLAIM", "s", "g", "c", "x", "0"}) == error(Status::xautoclaim_min_idle));
    CHECK(h.run({"XAUTOCLAIM", "s", "g", "c", "0", "x"}) == error(Status::stream_invalid_id));
    CHECK(h.run({"XAUTOCLAIM", "s", "nog", "c", "0", "0"}) == error("NOGROUP No such key 's' or consumer group 'nog'"));
    CHECK(h.run({"XAUTOCLAIM", "nosuch", "g", "c", "0", "0"}) ==
          error("NOGROUP No such key 'nosuch' or consumer group 'g'"));
  }

  TEST_CASE("XREADGROUP BLOCK: served by XADD, woken with an error when the key or group goes") {
    Harness h;
    CHECK(h.run({"CONFIG", "RESETSTAT"}) == ok());
    Session* reader = h.engine.open_session();
    Session* other = h.engine.open_session();
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == ok());
    reader->feed(multibulk({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}));
    CHECK(reader->blocked());
    other->feed(multibulk({"XADD", "s", "1", "f", "v"}));
    (void)drain(*other);
    CHECK(text(drain(*reader).at(0)) == R"([["s", [["1-0", ["f", "v"]]]]])");
    CHECK(h.run({"XPENDING", "s", "g"}).elements.at(0) == integer(1));

    // Timeout.
    reader->feed(multibulk({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "20", "STREAMS", "s", ">"}));
    h.clock.advance_ms(21);
    h.engine.tick();
    CHECK(drain(*reader) == std::vector<Reply>{nil()});

    // The group destroyed, the key deleted, the key turned into another type.
    reader->feed(multibulk({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}));
    CHECK(h.run({"XGROUP", "DESTROY", "s", "g"}) == integer(1));
    CHECK(drain(*reader) == std::vector<Reply>{error(Status::xreadgroup_group_gone)});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$"}) == ok());
    reader->feed(multibulk({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}));
    CHECK(h.run({"DEL", "s"}) == integer(1));
    CHECK(drain(*reader) == std::vector<Reply>{error(Status::xreadgroup_key_gone)});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == ok());
    reader->feed(multibulk({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}));
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(drain(*reader) == std::vector<Reply>{error(Status::xreadgroup_key_gone)});
    // The served call was counted once, when it blocked.
    const std::string stats = h.run({"INFO", "commandstats"}).str;
    CHECK(stats.find("cmdstat_xreadgroup:calls=5,") != std::string::npos);
    CHECK(stats.find("failed_calls=3") != std::string::npos);
    h.engine.close_session(reader);
    h.engine.close_session(other);
  }

  TEST_CASE("XINFO STREAM FULL, HELP and errors") {
    Harness h;
    h.clock.set_ms(1000);
    (void)h.run({"XADD", "s", "1", "a", "1"});
    (void)h.run({"XADD", "s", "2", "b", "2"});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "0"}) == ok());
    (void)h.run({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"});
    Reply full = h.run({"XINFO", "STREAM", "s", "FULL"});
    CHECK(field(full, "length") == integer(2));
    CHECK(text(field(full, "entries")) == R"([["1-0", ["a", "1"]], ["2-0", ["b", "2"]]])");
    const Reply& g = field(full, "groups").elements.at(0);
    CHECK(field(g, "name") == bulk("g"));
    CHECK(field(g, "entries-read") == integer(1));
    CHECK(field(g, "lag") == integer(1));
    CHECK(text(field(g, "pending")) == R"([["1-0", "c", (integer) 1000, (integer) 1]])");
    CHECK(text(field(field(g, "consumers").elements.at(0), "pending")) == R"([["1-0", (integer) 1000, (integer) 1]])");
    CHECK(text(field(h.run({"XINFO", "STREAM", "s", "FULL", "COUNT", "1"}), "entries")) == R"([["1-0", ["a", "1"]]])");
    CHECK(h.run({"XINFO", "STREAM", "s", "FULL", "COUNT", "x"}) == error(Status::not_integer));
    CHECK(h.run({"XINFO", "STREAM", "s", "FOO"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."));
    CHECK(h.run({"XINFO", "STREAM", "nosuch"}) == error("ERR no such key"));
    CHECK(h.run({"XINFO", "GROUPS", "nosuch"}) == error("ERR no such key"));
    CHECK(h.run({"XINFO", "HELP"}).size() > 5);
    // RESP3: maps.
    CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(h.run({"XINFO", "STREAM", "s"}).type == Reply::Type::map);
    CHECK(h.run({"XINFO", "GROUPS", "s"}).elements.at(0).type == Reply::Type::map);
  }

  TEST_CASE("keyspace events, COPY, RENAME, SORT and MEMORY USAGE over streams") {
    Harness h;
    Session* sub = h.engine.open_session();
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Kt"}) == ok());
    sub->feed(multibulk({"PSUBSCRIBE", "*"}));
    (void)drain(*sub);
    (void)h.run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    (void)h.run({"XGROUP", "CREATECONSUMER", "s", "g", "Bob"});
    (void)h.run({"XADD", "s", "1", "f", "v"});
    (void)h.run({"XREADGROUP", "GROUP", "g", "Alice", "STREAMS", "s", ">"});
    (void)h.run({"XGROUP", "DELCONSUMER", "s", "g", "Lee"});
    (void)h.run({"XGROUP", "DELCONSUMER", "s", "g", "Bob"});
    (void)h.run({"XTRIM", "s", "MAXLEN", "0"});
    (void)h.run({"XSETID", "s", "5"});
    (void)h.run({"XGROUP", "SETID", "s", "g", "0"});
    (void)h.run({"XGROUP", "DESTROY", "s", "g"});
    std::vector<std::string> events;
    for (const Reply& r : drain(*sub)) events.push_back(r.elements.at(3).str);
    CHECK(events == std::vector<std::string>{"xgroup-create", "xgroup-createconsumer", "xadd", "xgroup-createconsumer",
                                             "xgroup-delconsumer", "xtrim", "xsetid", "xgroup-setid",
                                             "xgroup-destroy"});
    h.engine.close_session(sub);

    (void)h.run({"XADD", "s", "6", "f", "v"});
    CHECK(h.run({"XGROUP", "CREATE", "s", "g", "0"}) == ok());
    CHECK(h.run({"COPY", "s", "c"}) == integer(1));
    CHECK(h.run({"XADD", "c", "7", "f", "w"}) == bulk("7-0"));
    CHECK(h.run({"XLEN", "s"}) == integer(1));
    CHECK(h.run({"XINFO", "GROUPS", "c"}).size() == 1);
    CHECK(h.run({"RENAME", "c", "d"}) == ok());
    CHECK(h.run({"XLEN", "d"}) == integer(2));
    CHECK(h.run({"MEMORY", "USAGE", "d"}).integer > 0);
    CHECK(h.run({"DEBUG", "DIGEST-VALUE", "s"}) != h.run({"DEBUG", "DIGEST-VALUE", "d"}));
  }
  TEST_CASE("many small blocks: XADD XDEL XTRIM XRANGE XREVRANGE agree with a model") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "stream-node-max-entries", "4"}) == ok());
    std::map<std::uint64_t, std::string> model;  // ms -> value (sequence 0)
    std::mt19937 rng(7);
    std::uint64_t next = 1;
    for (int step = 0; step < 600; ++step) {
      const unsigned op = rng() % 10;
      if (op < 6) {
        std::string v = std::string(rng() % 3 == 0 ? 40 : 3, static_cast<char>('a' + step % 26));
        std::string id = std::to_string(next);
        REQUIRE(h.run({"XADD", "s", id, "f", v}) == bulk(id + "-0"));
        model[next++] = v;
      } else if (op < 9 && !model.empty()) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        REQUIRE(h.run({"XDEL", "s", std::to_string(it->first)}) == integer(1));
        model.erase(it);
      } else if (model.size() > 20) {
        REQUIRE(h.run({"XTRIM", "s", "MAXLEN", "20"}) == integer(static_cast<std::int64_t>(model.size() - 20)));
        while (model.size() > 20) model.erase(model.begin());
      }
      if (step % 25 != 0) continue;
      REQUIRE(h.run({"XLEN", "s"}) == integer(static_cast<std::int64_t>(model.size())));
      const std::uint64_t lo = rng() % next, hi = lo + rng() % 40;
      Reply fwd = h.run({"XRANGE", "s", std::to_string(lo), std::to_string(hi)});
      Reply rev = h.run({"XREVRANGE", "s", std::to_string(hi), std::to_string(lo)});
      std::vector<std::string> want;
      for (auto it = model.lower_bound(lo); it != model.end() && it->first <= hi; ++it) {
        want.push_back(std::to_string(it->first) + "-0=" + it->second);
      }
      REQUIRE(fwd.size() == want.size());
      REQUIRE(rev.size() == want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        CHECK(fwd[i][0].str + "=" + fwd[i][1][1].str == want[i]);
        CHECK(rev[want.size() - 1 - i][0].str + "=" + rev[want.size() - 1 - i][1][1].str == want[i]);
      }
    }
  }
}
