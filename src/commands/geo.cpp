// The geo family: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER
// GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE, as Redis 7.0's geo.c.
//
// A geo set is a sorted set whose scores are 52-bit geohashes (store/geohash.hpp). GEOADD turns
// coordinates into scores and runs ZADD's own handler on the rewritten arguments, as Redis does,
// so that options, encodings and events are ZADD's. Searches scan the score ranges of the nine
// geohash boxes covering the area, in Redis's order (which decides what COUNT n ANY returns),
// keep the members inside the shape, then sort by distance when asked.
//
// Replies follow Redis's formats: distances with exactly 4 decimals (a bulk string even in
// RESP3), coordinates as "%.17Lf" with the trailing zeros removed (addReplyHumanLongDouble: a
// bulk string in RESP2, a double in RESP3).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/geohash.hpp"
#include "microredis/store/zset.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/stable_sort.hpp"

namespace microredis {
namespace geo_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Argument and reply helpers

// Two arguments from `index` on as longitude and latitude (Redis's extractLongLatOrReply).
inline bool parse_long_lat(Context& c, std::size_t index, double& longitude, double& latitude) {
  if (!parse_double(c.arg(index), longitude) || !parse_double(c.arg(index + 1), latitude)) {
    c.out.error(Status::not_float);
    return false;
  }
  if (!geo::valid_position(longitude, latitude)) {
    char lon[340], lat[340];  // "%f" of any double fits
    char text[sizeof lon + sizeof lat + 40];
    print_double(lon, sizeof lon, longitude, 'f', 6);
    print_double(lat, sizeof lat, latitude, 'f', 6);
    std::snprintf(text, sizeof text, "ERR invalid longitude,latitude pair %s,%s", lon, lat);
    c.out.error_text(text);
    return false;
  }
  return true;
}

// Meters per unit (Redis's extractUnitOrReply); negative after replying the error.
inline double parse_unit(Context& c, std::string_view unit) {
  if (iequals(unit, "m")) return 1;
  if (iequals(unit, "km")) return 1000;
  if (iequals(unit, "ft")) return 0.3048;
  if (iequals(unit, "mi")) return 1609.34;
  c.out.error(Status::geo_unit);
  return -1;
}

// "<radius> <unit>" from `index` on.
inline bool parse_radius(Context& c, std::size_t index, geo::Shape& shape) {
  double radius = 0;
  if (!parse_double(c.arg(index), radius)) {
    c.out.error(Status::geo_radius_not_numeric);
    return false;
  }
  if (radius < 0) {
    c.out.error(Status::geo_radius_negative);
    return false;
  }
  const double to_meters = parse_unit(c, c.arg(index + 1));
  if (to_meters < 0) return false;
  shape.type = geo::Shape::Type::circle;
  shape.radius = radius;
  shape.conversion = to_meters;
  return true;
}

// "<width> <height> <unit>" from `index` on.
inline bool parse_box(Context& c, std::size_t index, geo::Shape& shape) {
  double width = 0;
  double height = 0;
  if (!parse_double(c.arg(index), width)) {
    c.out.error(Status::geo_width_not_numeric);
    return false;
  }
  if (!parse_double(c.arg(index + 1), height)) {
    c.out.error(Status::geo_height_not_numeric);
    return false;
  }
  if (width < 0 || height < 0) {
    c.out.error(Status::geo_box_negative);
    return false;
  }
  const double to_meters = parse_unit(c, c.arg(index + 2));
  if (to_meters < 0) return false;
  shape.type = geo::Shape::Type::box;
  shape.width = width;
  shape.height = height;
  shape.conversion = to_meters;
  return true;
}

// Redis's fixedpoint_d2string with 4 decimals: the value rounded (llrint) to 1/10000.
inline std::size_t format_distance(char (&buf)[64], double d) {
  if (d == 0) {
    std::memcpy(buf, "0.0000", 6);
    return 6;
  }
  const long long scaled = std::llrint(d * 10000.0);
  unsigned long long v = scaled < 0 ? 0ULL - static_cast<unsigned long long>(scaled)
                                    : static_cast<unsigned long long>(scaled);
  char digits[32];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < 5) digits[n++] = '0';  // at least one integer digit before the 4 decimals
  std::size_t len = 0;
  if (scaled < 0) buf[len++] = '-';
  for (std::size_t i = n; i > 0; --i) {
    if (i == 4) buf[len++] = '.';
    buf[len++] = digits[i - 1];
  }
  return len;
}

inline void reply_distance(Context& c, double d) {
  char buf[64];
  c.out.bulk({buf, format_distance(buf, d)});
}

// addReplyHumanLongDouble.
inline void reply_coordinate(Context& c, double v) {
  char buf[400];
  const std::size_t n = format_long_double_human(buf, sizeof buf, static_cast<long double>(v));
  if (c.out.protocol() < 3) return c.out.bulk({buf, n});
  c.out.raw(",");
  c.out.raw({buf, n});
  c.out.raw("\r\n");
}

inline void reply_position(Context& c, double score) {
  double longitude = 0;
  double latitude = 0;
  if (!geo::decode_score(score, longitude, latitude)) return c.out.null_array();
  c.out.array(2);
  reply_coordinate(c, longitude);
  reply_coordinate(c, latitude);
}

// ---------------------------------------------------------------------------------------------
// GEOADD GEODIST GEOHASH GEOPOS

// GEOADD key [NX | XX] [CH] longitude latitude member [...]: ZADD key [NX | XX] [CH] score member
// with each position turned into its score, through ZADD's handler.
inline void geoadd(Context& c) {
  bool nx = false;
  bool xx = false;
  std::size_t longidx = 2;
  for (; longidx < c.argc; ++longidx) {
    const std::string_view opt = c.arg(longidx);
    if (iequals(opt, "nx")) {
      nx = true;
    } else if (iequals(opt, "xx")) {
      xx = true;
    } else if (!iequals(opt, "ch")) {
      break;
    }
  }
  if ((c.argc - longidx) % 3 != 0 || (nx && xx)) return c.out.error(Status::syntax);
  const std::size_t elements = (c.argc - longidx) / 3;
  const std::size_t argc = longidx + elements * 2;
  Vec<std::string_view> argv(c.mem());
  Vec<char> scores(c.mem());
  if (!argv.resize(argc) || !scores.resize(elements * 24 + 1)) return c.out.error(Status::oom);
  argv[0] = "zadd";
  for (std::size_t i = 1; i < longidx; ++i) argv[i] = c.arg(i);
  for (std::size_t i = 0; i < elements; ++i) {
    double longitude = 0;
    double latitude = 0;
    if (!parse_long_lat(c, longidx + i * 3, longitude, latitude)) return;
    char* text = scores.data() + i * 24;
    const std::size_t n = format_uint64(text, geo::score_of(longitude, latitude));
    argv[longidx + i * 2] = {text, n};
    argv[longidx + i * 2 + 1] = c.arg(longidx + i * 3 + 2);
  }
  const CommandRef zadd = c.engine.commands().find("zadd");
  if (!zadd) return c.out.error(Status::unknown_command, "zadd", "");
  Context inner{c.engine, c.session, c.db, c.out, argv.data(), argc, c.cmd};
  zadd.spec->handler(inner);
}

inline void geodist(Context& c) {
  double to_meters = 1;
  if (c.argc == 5) {
    to_meters = parse_unit(c, c.arg(4));
    if (to_meters < 0) return;
  } else if (c.argc > 5) {
    return c.out.error(Status::syntax);
  }
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::zset)) return;
  const ZsetObject obj = ZsetObject::of(*e);
  double score1 = 0;
  double score2 = 0;
  if (!obj.score(c.arg(2), score1) || !obj.score(c.arg(3), score2)) return c.out.null();
  double xy[4];
  if (!geo::decode_score(score1, xy[0], xy[1]) || !geo::decode_score(score2, xy[2], xy[3])) return c.out.null();
  reply_distance(c, geo::distance(xy[0], xy[1], xy[2], xy[3]) / to_meters);
}

inline void geohash(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.array(c.argc - 2);
  for (std::size_t j = 2; j < c.argc; ++j) {
    double score = 0;
    char hash[11];
    if (e == nullptr || !ZsetObject::of(*e).score(c.arg(j), score) || !geo::standard_geohash(score, hash)) {
      c.out.null();
    } else {
      c.out.bulk({hash, sizeof hash});
    }
  }
}

inline void geopos(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.array(c.argc - 2);
  for (std::size_t j = 2; j < c.argc; ++j) {
    double score = 0;
    if (e == nullptr || !ZsetObject::of(*e).score(c.arg(j), score)) {
      c.out.null_array();
    } else {
      reply_position(c, score);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GEORADIUS GEORADIUSBYMEMBER GEOSEARCH GEOSEARCHSTORE (Redis's georadiusGeneric)

enum SearchFlag : unsigned {
  kFromCoords = 1u << 0,   // GEORADIUS: centre given as longitude latitude
  kFromMember = 1u << 1,   // GEORADIUSBYMEMBER: centre at a member
  kNoStore = 1u << 2,      // the _RO variants: no STORE / STOREDIST
  kSearch = 1u << 3,       // GEOSEARCH's grammar
  kSearchStore = 1u << 4,  // GEOSEARCHSTORE
};

struct Point {
  double longitude;
  double latitude;
  double dist;  // meters while searching, the reply's unit afterwards
  double score;
  Element member;  // a view into the sorted set, valid while it is not modified
};

// Appends the members of [min, max) inside the shape; stops once `limit` points (0: no limit)
// have been found (Redis's geoGetPointsInRange).
inline bool points_in_range(const ZsetObject& obj, std::uint64_t min, std::uint64_t max, const geo::Shape& shape,
                            Vec<Point>& out, std::size_t limit) {
  ScoreRange range;
  range.min = static_cast<double>(min);
  range.max = static_cast<double>(max);
  range.maxex = true;
  for (ZsetPos p = obj.first_in_range(range); p.valid(); p.next()) {
    const double score = p.score();
    if (!range.lte_max(score)) break;
    Point pt{};
    if (geo::decode_score(score, pt.longitude, pt.latitude) &&
        geo::within(shape, pt.longitude, pt.latitude, pt.dist)) {
      pt.score = score;
      pt.member = p.member();
      if (!out.push_back(pt)) return false;
    }
    if (!out.empty() && limit != 0 && out.size() >= limit) break;
  }
  return true;
}

// Scans the nine boxes in Redis's order, skipping a box equal to the one scanned just before it
// (huge radii make neighbours coincide), and stopping once `limit` points were found.
inline bool search(const ZsetObject& obj, const geo::Shape& shape, Vec<Point>& out, std::size_t limit) {
  const geo::SearchBoxes boxes = geo::search_boxes(shape);
  std::size_t last_processed = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    const geo::HashBits& box = boxes.boxes[i];
    if (box.is_zero()) continue;
    if (last_processed != 0 && box == boxes.boxes[last_processed]) continue;
    if (!out.empty() && limit != 0 && out.size() >= limit) break;
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    geo::box_scores(box, min, max);
    if (!points_in_range(obj, min, max, shape, out, limit)) return false;
    last_processed = i;
  }
  return true;
}

inline void search_generic(Context& c, std::size_t src_index, unsigned flags) {
  std::string_view storekey;
  bool has_store = false;
  bool storedist = false;
  const Entry* e = c.read_key(c.arg(src_index));
  if (!c.check_type(e, ValueType::zset)) return;
  const ZsetObject obj = e != nullptr ? ZsetObject::of(*e) : ZsetObject();

  geo::Shape shape;
  std::size_t base_args = 0;
  if ((flags & kFromCoords) != 0) {
    base_args = 6;
    if (!parse_long_lat(c, 2, shape.longitude, shape.latitude)) return;
    if (!parse_radius(c, base_args - 2, shape)) return;
  } else if ((flags & kFromMember) != 0 && e == nullptr) {
    // No key: parse the options anyway, to know whether the reply is STORE's.
    base_args = 5;
  } else if ((flags & kFromMember) != 0) {
    base_args = 5;
    double score = 0;
    if (!obj.score(c.arg(2), score) || !geo::decode_score(score, shape.longitude, shape.latitude)) {
      return c.out.error(Status::geo_member_not_decodable);
    }
    if (!parse_radius(c, base_args - 2, shape)) return;
  } else {
    base_args = 2;
    if ((flags & kSearchStore) != 0) {
      base_args = 3;
      storekey = c.arg(1);
      has_store = true;
    }
  }

  bool withdist = false;
  bool withhash = false;
  bool withcoords = false;
  bool frommember = false;
  bool fromloc = false;
  bool byradius = false;
  bool bybox = false;
  enum class Sort : std::uint8_t { none, asc, desc } sort = Sort::none;
  bool any = false;
  std::int64_t count = 0;
  const bool store_allowed = (flags & kNoStore) == 0 && (flags & kSearch) == 0;
  const bool search_grammar = (flags & kSearch) != 0;
  for (std::size_t i = base_args; i < c.argc; ++i) {
    const std::string_view arg = c.arg(i);
    const std::size_t after = c.argc - i - 1;  // arguments after this one
    if (iequals(arg, "withdist")) {
      withdist = true;
    } else if (iequals(arg, "withhash")) {
      withhash = true;
    } else if (iequals(arg, "withcoord")) {
      withcoords = true;
    } else if (iequals(arg, "any")) {
      any = true;
    } else if (iequals(arg, "asc")) {
      sort = Sort::asc;
    } else if (iequals(arg, "desc")) {
      sort = Sort::desc;
    } else if (iequals(arg, "count") && after >= 1) {
      if (!parse_int64(c.arg(i + 1), count)) return c.out.error(Status::not_integer);
      if (count <= 0) return c.out.error(Status::geo_count_not_positive);
      ++i;
    } else if (iequals(arg, "store") && after >= 1 && store_allowed) {
      storekey = c.arg(++i);
      has_store = true;
      storedist = false;
    } else if (iequals(arg, "storedist") && after >= 1 && store_allowed) {
      storekey = c.arg(++i);
      has_store = true;
      storedist = true;
    } else if (iequals(arg, "storedist") && search_grammar && (flags & kSearchStore) != 0) {
      storedist = true;
    } else if (iequals(arg, "frommember") && after >= 1 && search_grammar && !fromloc) {
      frommember = true;
      ++i;
      if (e == nullptr) continue;  // no source: finish parsing, the reply is the empty one
      double score = 0;
      if (!obj.score(c.arg(i), score) || !geo::decode_score(score, shape.longitude, shape.latitude)) {
        return c.out.error(Status::geo_member_not_decodable);
      }
    } else if (iequals(arg, "fromlonlat") && after >= 2 && search_grammar && !frommember) {
      if (!parse_long_lat(c, i + 1, shape.longitude, shape.latitude)) return;
      fromloc = true;
      i += 2;
    } else if (iequals(arg, "byradius") && after >= 2 && search_grammar && !bybox) {
      if (!parse_radius(c, i + 1, shape)) return;
      byradius = true;
      i += 2;
    } else if (iequals(arg, "bybox") && after >= 3 && search_grammar && !byradius) {
      if (!parse_box(c, i + 1, shape)) return;
      bybox = true;
      i += 3;
    } else {
      return c.out.error(Status::syntax);
    }
  }

  if (has_store && (withdist || withhash || withcoords)) {
    return c.out.error(Status::geo_store_with_options,
                       (flags & kSearchStore) != 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
  }
  if (search_grammar && !(frommember || fromloc)) return c.out.error(Status::geo_need_from, c.arg(0));
  if (search_grammar && !(byradius || bybox)) return c.out.error(Status::geo_need_by, c.arg(0));
  if (any && count == 0) return c.out.error(Status::geo_any_needs_count);

  if (e == nullptr) {
    if (!has_store) return c.out.array(0);
    if (c.db.remove(storekey)) {
      c.modified(storekey);
      c.notify(kNotifyGeneric, "del", storekey);
    }
    return c.out.integer(0);
  }

  // COUNT without an order returns the nearest members (not with ANY, which takes the first found).
  if (count != 0 && sort == Sort::none && !any) sort = Sort::asc;

  Vec<Point> points(c.mem());
  if (!search(obj, shape, points, any ? static_cast<std::size_t>(count) : 0)) return c.out.error(Status::oom);
  if (points.empty() && !has_store) return c.out.array(0);

  const std::size_t found = points.size();
  const std::size_t returned =
      count == 0 || found < static_cast<std::uint64_t>(count) ? found : static_cast<std::size_t>(count);
  // glibc's qsort, which Redis uses, is a merge sort: ties keep the order they were found in.
  if (sort != Sort::none) {
    const bool desc = sort == Sort::desc;
    const SortCompare by_distance = [](const void* a, const void* b, const void* ctx) {
      const double da = static_cast<const Point*>(a)->dist, db = static_cast<const Point*>(b)->dist;
      const int r = da < db ? -1 : (db < da ? 1 : 0);
      return *static_cast<const bool*>(ctx) ? -r : r;
    };
    if (!stable_sort(c.mem(), points.data(), points.size(), by_distance, &desc)) return c.out.error(Status::oom);
  }

  if (!has_store) {
    const std::size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    c.out.array(returned);
    for (std::size_t i = 0; i < returned; ++i) {
      const Point& p = points[i];
      if (options != 0) c.out.array(options + 1);
      reply_element(c.out, p.member);
      if (withdist) reply_distance(c, p.dist / shape.conversion);
      if (withhash) c.out.integer(static_cast<std::int64_t>(p.score));
      if (withcoords) {
        c.out.array(2);
        reply_coordinate(c, p.longitude);
        reply_coordinate(c, p.latitude);
      }
    }
    return;
  }

  if (returned == 0) {
    if (c.db.remove(storekey)) {
      c.modified(storekey);
      c.notify(kNotifyGeneric, "del", storekey);
    }
    return c.out.integer(0);
  }
  // The result is built as a skiplist and becomes a listpack when it fits, as Redis's
  // zsetConvertToListpackIfNeeded; it is complete before it replaces the destination (which may
  // be the source, whose members the points still point into).
  const Settings& s = c.engine.settings();
  ZsetLimits limits;
  limits.max_listpack_entries = setting_size(s.zset_max_listpack_entries);
  limits.max_listpack_value = setting_size(s.zset_max_listpack_value);
  ZsetObject result;
  if (!ZsetObject::create_big(c.mem(), c.engine.random().next(), result)) return c.out.error(Status::oom);
  for (std::size_t i = 0; i < returned; ++i) {
    const Point& p = points[i];
    ElementText buf;
    unsigned out = 0;
    double newscore = 0;
    const double score = storedist ? p.dist / shape.conversion : p.score;
    if (result.add(c.mem(), limits, score, p.member.text(buf), 0, out, newscore) != ZaddResult::ok) {
      result.destroy(c.mem());
      return c.out.error(Status::oom);
    }
  }
  if (result.fits_listpack(limits)) {
    ZsetObject lp;
    if (result.to_listpack(c.mem(), lp)) {
      result.destroy(c.mem());
      result = lp;
    }
  }
  const Entry* old = c.db.lookup_no_touch(storekey);
  const std::uint32_t lru = old != nullptr ? old->lru() : 0;
  const bool keep_lfu = old != nullptr && c.db.shared().lfu;
  Entry* stored = c.db.put(storekey, value_layout(ValueType::zset, result), -1);
  if (stored == nullptr) return c.out.error(Status::oom);
  if (keep_lfu) stored->set_lru(lru);
  c.modified(storekey);
  c.notify(kNotifyZset, search_grammar ? "geosearchstore" : "georadiusstore", storekey);
  c.out.integer(static_cast<std::int64_t>(returned));
}

inline void georadius(Context& c) { search_generic(c, 1, kFromCoords); }
inline void georadiusbymember(Context& c) { search_generic(c, 1, kFromMember); }
inline void georadius_ro(Context& c) { search_generic(c, 1, kFromCoords | kNoStore); }
inline void georadiusbymember_ro(Context& c) { search_generic(c, 1, kFromMember | kNoStore); }
inline void geosearch(Context& c) { search_generic(c, 1, kSearch); }
inline void geosearchstore(Context& c) { search_generic(c, 2, kSearch | kSearchStore); }

// GEORADIUS and GEORADIUSBYMEMBER keys: the source, and the key after STORE / STOREDIST (Redis's
// key specs search for those keywords from the end of the fixed arguments).
inline std::size_t radius_keys(const std::string_view* argv, std::size_t argc, std::size_t first_option,
                               std::size_t* out, std::size_t cap) {
  std::size_t n = 0;
  if (n < cap) out[n++] = 1;
  for (std::size_t i = first_option; i + 1 < argc; ++i) {
    if (iequals(argv[i], "store") || iequals(argv[i], "storedist")) {
      if (n < cap) out[n++] = i + 1;
      break;
    }
  }
  return n;
}
inline std::size_t georadius_keys(const std::string_view* argv, std::size_t argc, std::size_t* out,
                                  std::size_t cap) {
  return radius_keys(argv, argc, 6, out, cap);
}
inline std::size_t georadiusbymember_keys(const std::string_view* argv, std::size_t argc, std::size_t* out,
                                          std::size_t cap) {
  return radius_keys(argv, argc, 5, out, cap);
}

// GEORADIUS and its three variants share their complexity text.
constexpr char kRadiusComplexity[] =
    "O(N+log(M)) where N is the number of elements inside the bounding box of the searched area and M the "
    "number of items inside the index.";

inline const CommandSpec kCommands[] = {
    {"geoadd", -5, kWrite | kDenyOom, 1, 1, 1, geoadd, "geo",
     "Adds one or more members to a geospatial index, creating the key if needed.", "3.2.0",
     "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]", kAclGeo},
    {"geodist", -4, kReadonly, 1, 1, 1, geodist, "geo", "Returns the distance between two members of a geospatial index.",
     "3.2.0", "O(log(N))", "key member1 member2 [M | KM | FT | MI]", kAclGeo},
    {"geohash", -2, kReadonly, 1, 1, 1, geohash, "geo", "Returns members of a geospatial index as geohash strings.",
     "3.2.0", "O(log(N)) for each member requested", "key [member [member ...]]", kAclGeo},
    {"geopos", -2, kReadonly, 1, 1, 1, geopos, "geo", "Returns the longitude and latitude of members of a geospatial index.",
     "3.2.0", "O(log(N)) for each member requested", "key [member [member ...]]", kAclGeo},
    {"georadius", -6, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, georadius, "geo",
     "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.",
     "3.2.0", kRadiusComplexity,
     "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] "
     "[ASC | DESC] [STORE key | STOREDIST key]",
     kAclGeo, nullptr, 0, georadius_keys},
    {"georadius_ro", -6, kReadonly, 1, 1, 1, georadius_ro, "geo",
     "Returns members of a geospatial index that are within a distance from a coordinate.", "3.2.10",
     kRadiusComplexity,
     "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] "
     "[ASC | DESC]",
     kAclGeo},
    {"georadiusbymember", -5, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, georadiusbymember, "geo",
     "Queries a geospatial index for members within a distance from a member, optionally stores the result.",
     "3.2.0", kRadiusComplexity,
     "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] "
     "[STORE key | STOREDIST key]",
     kAclGeo, nullptr, 0, georadiusbymember_keys},
    {"georadiusbymember_ro", -5, kReadonly, 1, 1, 1, georadiusbymember_ro, "geo",
     "Returns members of a geospatial index that are within a distance from a member.", "3.2.10",
     kRadiusComplexity,
     "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
     kAclGeo},
    {"geosearch", -7, kReadonly, 1, 1, 1, geosearch, "geo",
     "Queries a geospatial index for members inside an area of a box or a circle.", "6.2.0",
     "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided "
     "as the filter and M is the number of items inside the shape",
     "key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width "
     "height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
     kAclGeo},
    {"geosearchstore", -8, kWrite | kDenyOom, 1, 2, 1, geosearchstore, "geo",
     "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.",
     "6.2.0",
     "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided "
     "as the filter and M is the number of items inside the shape",
     "destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | "
     "BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
     kAclGeo},
};

}  // namespace geo_cmds

MICROREDIS_INLINE bool register_geo_commands(CommandTable& table) { return table.add(geo_cmds::kCommands); }

}  // namespace microredis
