// The GEO family. Expected replies were taken from redis-server 7.0.15 running the same commands.
#include <string>

#include "harness.hpp"
#include "microredis/session.hpp"
#include "microredis/store/geohash.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

std::string raw_reply(Harness& h, int proto, std::initializer_list<std::string_view> args) {
  Session* s = h.engine.open_session();
  s->set_protocol(proto);
  s->feed(multibulk(args));
  std::string out = take_output(*s);
  h.engine.close_session(s);
  return out;
}

void add_sicily(Harness& h) {
  REQUIRE(h.run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}) ==
          integer(2));
}

}  // namespace

TEST_SUITE("geo") {
  TEST_CASE("geohash arithmetic matches Redis's scores") {
    namespace geo = microredis::geo;
    CHECK(geo::score_of(13.361389, 38.115556) == 3479099956230698ULL);
    CHECK(geo::score_of(15.087269, 37.502669) == 3479447370796909ULL);
    double lon = 0;
    double lat = 0;
    REQUIRE(geo::decode_score(3479099956230698.0, lon, lat));
    CHECK(lon == doctest::Approx(13.361389).epsilon(1e-6));
    CHECK(lat == doctest::Approx(38.115556).epsilon(1e-6));
    CHECK_FALSE(geo::valid_position(180.5, 0));
    CHECK_FALSE(geo::valid_position(0, 85.06));
    CHECK(geo::valid_position(-180, -85.05112878));
  }

  TEST_CASE("GEOADD stores geohash scores through ZADD") {
    Harness h;
    add_sicily(h);
    CHECK(h.run({"ZSCORE", "Sicily", "Palermo"}) == bulk("3479099956230698"));
    CHECK(h.run({"TYPE", "Sicily"}) == simple("zset"));
    SUBCASE("options") {
      CHECK(h.run({"GEOADD", "Sicily", "NX", "13.361389", "38.115556", "Palermo", "1", "1", "x"}) == integer(1));
      CHECK(h.run({"GEOADD", "Sicily", "XX", "CH", "1", "2", "Palermo", "1", "1", "y"}) == integer(1));
      CHECK(h.run({"ZCARD", "Sicily"}) == integer(3));
      CHECK(h.run({"GEOADD", "Sicily", "CH", "1", "2", "Palermo", "3", "4", "Catania"}) == integer(1));
      CHECK(h.run({"GEOADD", "nokey", "XX", "1", "2", "a"}) == integer(0));
      CHECK(h.run({"EXISTS", "nokey"}) == integer(0));
    }
    SUBCASE("errors") {
      CHECK(h.run({"GEOADD", "k", "NX", "XX", "1", "2", "a"}) == error(Status::syntax));
      CHECK(h.run({"GEOADD", "k", "1", "2", "a", "3"}) == error(Status::syntax));
      CHECK(h.run({"GEOADD", "k", "CH", "CH", "CH"}) == error(Status::syntax));
      CHECK(h.run({"GEOADD", "k", "GT", "1", "2", "a", "b", "c"}) == error(Status::not_float));
      CHECK(h.run({"GEOADD", "k", "200", "1", "a"}) == error("ERR invalid longitude,latitude pair 200.000000,1.000000"));
      CHECK(h.run({"GEOADD", "k", "1", "2", "a", "1", "86", "b"}) ==
            error("ERR invalid longitude,latitude pair 1.000000,86.000000"));
      CHECK(h.run({"EXISTS", "k"}) == integer(0));  // nothing added when one pair is invalid
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"GEOADD", "s", "1", "2", "a"}) == error(Status::wrong_type));
    }
  }

  TEST_CASE("GEODIST GEOHASH GEOPOS") {
    Harness h;
    add_sicily(h);
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania"}) == bulk("166274.1516"));
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "km"}) == bulk("166.2742"));
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "MI"}) == bulk("103.3182"));
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Palermo"}) == bulk("0.0000"));
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "nope"}) == nil());
    CHECK(h.run({"GEODIST", "nokey", "a", "b"}) == nil());
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "parsec"}) ==
          error("ERR unsupported unit provided. please use M, KM, FT, MI"));
    CHECK(h.run({"GEODIST", "Sicily", "Palermo", "Catania", "km", "x"}) == error(Status::syntax));

    CHECK(h.run({"GEOHASH", "Sicily", "Palermo", "Catania", "nope"}) ==
          array({bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), nil()}));
    CHECK(h.run({"GEOHASH", "nokey", "a"}) == array({nil()}));

    CHECK(raw_reply(h, 2, {"GEOPOS", "Sicily", "Palermo", "nope"}) ==
          "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n");
    // RESP3: coordinates are doubles, a missing member is a null.
    CHECK(raw_reply(h, 3, {"GEOPOS", "Sicily", "Palermo", "nope"}) ==
          "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n");
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"GEOPOS", "s", "a"}) == error(Status::wrong_type));
    CHECK(h.run({"GEOHASH", "s", "a"}) == error(Status::wrong_type));
  }

  TEST_CASE("GEORADIUS and GEOSEARCH replies") {
    Harness h;
    add_sicily(h);
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC"}) ==
          array({array({bulk("Catania"), bulk("56.4413"), integer(3479447370796909),
                        bulks({"15.08726745843887329", "37.50266842333162032"})}),
                 array({bulk("Palermo"), bulk("190.4424"), integer(3479099956230698),
                        bulks({"13.36138933897018433", "38.11555639549629859"})})}));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "DESC", "WITHDIST"}) ==
          array({array({bulk("Palermo"), bulk("190.4424")}), array({bulk("Catania"), bulk("56.4413")})}));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "100", "km"}) == bulks({"Catania"}));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1"}) == bulks({"Catania"}));
    CHECK(h.run({"GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "DESC"}) == bulks({"Catania", "Palermo"}));
    CHECK(h.run({"GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "10", "km"}) == bulks({"Palermo"}));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"}) == bulks({"Palermo"}));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}) == array({}));
    CHECK(h.run({"GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"}) == array({}));
    CHECK(h.run({"GEORADIUSBYMEMBER", "nokey", "x", "-1", "km"}) == array({}));
  }

  TEST_CASE("STORE, STOREDIST and GEOSEARCHSTORE") {
    Harness h;
    add_sicily(h);
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"}) == integer(2));
    CHECK(h.run({"ZSCORE", "dst", "Palermo"}) == bulk("3479099956230698"));
    CHECK(h.run({"GEOSEARCHSTORE", "dst2", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"}) ==
          integer(2));
    CHECK(h.run({"ZRANGE", "dst2", "0", "-1", "WITHSCORES"}) ==
          bulks({"Palermo", "0", "Catania", "166.27415156960032"}));
    CHECK(h.run({"OBJECT", "ENCODING", "dst2"}) == bulk("listpack"));
    // Nothing found: the destination is deleted.
    CHECK(h.run({"GEOSEARCHSTORE", "dst2", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}) == integer(0));
    CHECK(h.run({"EXISTS", "dst2"}) == integer(0));
    CHECK(h.run({"GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "dst"}) == integer(0));
    CHECK(h.run({"EXISTS", "dst"}) == integer(0));
    // COUNT keeps the nearest.
    CHECK(h.run({"GEOSEARCHSTORE", "dst3", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "1"}) ==
          integer(1));
    CHECK(h.run({"ZRANGE", "dst3", "0", "-1"}) == bulks({"Catania"}));
  }

  TEST_CASE("search errors, word for word") {
    Harness h;
    add_sicily(h);
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "-1", "km"}) == error("ERR radius cannot be negative"));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "x", "km"}) == error("ERR need numeric radius"));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "au"}) ==
          error("ERR unsupported unit provided. please use M, KM, FT, MI"));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"}) == error("ERR COUNT must be > 0"));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"}) ==
          error("ERR the ANY argument requires COUNT argument"));
    CHECK(h.run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHDIST"}) ==
          error("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
    CHECK(h.run({"GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"}) == error(Status::syntax));
    CHECK(h.run({"GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"}) ==
          error("ERR could not decode requested zset member"));
    CHECK(h.run({"geoSearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST"}) ==
          error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geoSearch"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "COUNT", "1"}) ==
          error("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYBOX", "1", "-1", "km"}) ==
          error("ERR height or width cannot be negative"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYBOX", "a", "1", "km"}) ==
          error("ERR need numeric width"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYBOX", "1", "b", "km"}) ==
          error("ERR need numeric height"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STORE", "x"}) ==
          error(Status::syntax));
    CHECK(h.run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "WITHCOORD"}) ==
          error("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
    CHECK(h.run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"}) ==
          error(Status::syntax));
  }

  TEST_CASE("COUNT ANY stops at the first members found") {
    Harness h;
    // Points along the equator: ANY returns the first found in box order, not the nearest.
    CHECK(h.run({"GEOADD", "k", "0", "0", "a", "0.01", "0", "b", "0.02", "0", "c"}) == integer(3));
    const auto all = h.run({"GEOSEARCH", "k", "FROMLONLAT", "0.02", "0", "BYRADIUS", "10", "km", "ASC"});
    CHECK(all == bulks({"c", "b", "a"}));
    CHECK(h.run({"GEOSEARCH", "k", "FROMLONLAT", "0.02", "0", "BYRADIUS", "10", "km", "COUNT", "1", "ANY"}) ==
          bulks({"a"}));
  }
}
