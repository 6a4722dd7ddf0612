// Geohash arithmetic for the GEO commands, as Redis 7.0's geohash.c and geohash_helper.c define
// it (re-implemented here): a position is a 52-bit interleaved geohash (26 bits of latitude in the
// even bit positions, 26 of longitude in the odd ones) over the Web Mercator limits
// [-180, 180] x [-85.05112878, 85.05112878], and that integer is the member's sorted set score.
// A radius or box search covers its area with the geohash box holding the centre plus its eight
// neighbours, at a precision estimated from the radius (the same boxes Redis scans, so that COUNT
// ANY returns the same members), then filters every candidate by its exact distance.
//
// No RESP, no keyspace: the commands live in src/commands/geo.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../config.hpp"

namespace microredis {
namespace geo {

constexpr int kStepMax = 26;  // 26 bits per coordinate: 52-bit scores
constexpr double kLatMin = -85.05112878;
constexpr double kLatMax = 85.05112878;
constexpr double kLongMin = -180;
constexpr double kLongMax = 180;
// Redis's EARTH_RADIUS_IN_METERS (the quadratic mean radius of WGS-84): distances match Redis's.
constexpr double kEarthRadiusMeters = 6372797.560856;

// A geohash of `step` bits per coordinate (bits holds 2 * step bits). step 0 with bits 0 is "no
// box" (a neighbour the search leaves out).
struct HashBits {
  std::uint64_t bits = 0;
  std::uint8_t step = 0;
  bool is_zero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits&) const = default;
};

struct Range {
  double min = 0;
  double max = 0;
};

struct Area {
  HashBits hash;
  Range longitude;
  Range latitude;
};

// Whether (longitude, latitude) may be indexed (Redis's GEOADD check).
inline bool valid_position(double longitude, double latitude) {
  return !(longitude < kLongMin || longitude > kLongMax || latitude < kLatMin || latitude > kLatMax);
}

// Redis's geohashEncode over explicit ranges (GEOHASH re-encodes over [-90, 90] latitudes). false
// for a position outside the ranges or the Mercator limits, or a step outside 1..32.
bool encode(const Range& long_range, const Range& lat_range, double longitude, double latitude, int step,
            HashBits& out);
// Encoding over the Mercator limits (geohashEncodeWGS84).
bool encode_wgs84(double longitude, double latitude, int step, HashBits& out);
// The box a hash covers (geohashDecode). false for a zero hash.
bool decode(const Range& long_range, const Range& lat_range, HashBits hash, Area& out);
bool decode_wgs84(HashBits hash, Area& out);
// A 52-bit hash's centre, clamped to the limits (geohashDecodeToLongLatWGS84).
bool decode_to_long_lat(HashBits hash, double& longitude, double& latitude);
// A sorted set score as a position (Redis's decodeGeohash: the score's integer part is the hash).
bool decode_score(double score, double& longitude, double& latitude);
// The hash shifted to 52 bits: the score of a full-precision hash, or the first score of a box.
inline std::uint64_t align52(HashBits h) { return h.bits << (52 - h.step * 2); }
// The score a position gets (GEOADD).
inline std::uint64_t score_of(double longitude, double latitude) {
  HashBits h;
  encode_wgs84(longitude, latitude, kStepMax, h);
  return align52(h);
}

// Haversine great-circle distance in meters (geohashGetDistance), the latitude-only shortcut
// included.
double distance(double lon1, double lat1, double lon2, double lat2);
double latitude_distance(double lat1, double lat2);

// What a search covers: a circle of `radius` or an axis-aligned box of width x height (in the unit
// `conversion` converts to meters) around (longitude, latitude).
struct Shape {
  enum class Type : std::uint8_t { circle, box };
  Type type = Type::circle;
  double longitude = 0;
  double latitude = 0;
  double conversion = 1;  // meters per unit
  double radius = 0;
  double width = 0;
  double height = 0;
};

// Whether a position is inside the shape; distance receives its distance from the centre (in
// meters) when it is.
bool within(const Shape& shape, double longitude, double latitude, double& distance_out);

// The nine boxes (centre, N, S, E, W, NE, NW, SE, SW) to scan for a shape; zero hashes are
// boxes to skip (geohashCalculateAreasByShapeWGS84).
struct SearchBoxes {
  HashBits boxes[9];
};
SearchBoxes search_boxes(const Shape& shape);

// The [min, max) score interval of a box.
inline void box_scores(HashBits h, std::uint64_t& min, std::uint64_t& max) {
  min = align52(h);
  ++h.bits;
  max = align52(h);
}

// The 11-character standard geohash of a score's position (GEOHASH), re-encoded over the
// [-90, 90] latitude range the standard uses. false when the score does not decode.
bool standard_geohash(double score, char (&out)[11]);

}  // namespace geo
}  // namespace microredis
