#include "microredis/store/geohash.hpp"

#include <cmath>

namespace microredis {
namespace geo {
namespace geohash_detail {

// Spreads the 32 bits of v over the even bit positions of the result.
inline std::uint64_t spread_bits(std::uint32_t v) {
  std::uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bit positions of v into 32 bits.
inline std::uint32_t gather_bits(std::uint64_t v) {
  std::uint64_t x = v & 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<std::uint32_t>(x);
}

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;  // Redis's D_R (M_PI / 180)
inline double deg_rad(double a) { return a * kDegToRad; }
inline double rad_deg(double a) { return a / kDegToRad; }
// Redis's MERCATOR_MAX: half the equator's length in Web Mercator meters.
constexpr double kMercatorMax = 20037726.37;

inline bool range_zero(const Range& r) { return r.max == 0 && r.min == 0; }

constexpr Range kLongRange{kLongMin, kLongMax};
constexpr Range kLatRange{kLatMin, kLatMax};

// Moves a hash one box east (d > 0) or west (d < 0): longitude bits are the odd positions.
inline void move_x(HashBits& h, int d) {
  if (d == 0) return;
  std::uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  const std::uint64_t y = h.bits & 0x5555555555555555ULL;
  const std::uint64_t zz = 0x5555555555555555ULL >> (64 - h.step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2));
  h.bits = x | y;
}

// Moves a hash one box north (d > 0) or south (d < 0): latitude bits are the even positions.
inline void move_y(HashBits& h, int d) {
  if (d == 0) return;
  const std::uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  std::uint64_t y = h.bits & 0x5555555555555555ULL;
  const std::uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - h.step * 2));
  h.bits = x | y;
}

inline HashBits moved(HashBits h, int dx, int dy) {
  move_x(h, dx);
  move_y(h, dy);
  return h;
}

// Redis's geohashEstimateStepsByRadius: the precision whose boxes are about as wide as the
// radius, one or two steps coarser near the poles.
inline int estimate_steps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

// The shape's bounding box: min longitude, min latitude, max longitude, max latitude. The box is
// widest on the side nearer the equator.
inline void bounding_box(const Shape& s, double (&b)[4]) {
  const bool circle = s.type == Shape::Type::circle;
  const double height = s.conversion * (circle ? s.radius : s.height / 2);
  const double width = s.conversion * (circle ? s.radius : s.width / 2);
  const double lat_delta = rad_deg(height / kEarthRadiusMeters);
  const double long_delta_top = rad_deg(width / kEarthRadiusMeters / std::cos(deg_rad(s.latitude + lat_delta)));
  const double long_delta_bottom = rad_deg(width / kEarthRadiusMeters / std::cos(deg_rad(s.latitude - lat_delta)));
  const bool southern = s.latitude < 0;
  b[0] = southern ? s.longitude - long_delta_bottom : s.longitude - long_delta_top;
  b[2] = southern ? s.longitude + long_delta_bottom : s.longitude + long_delta_top;
  b[1] = s.latitude - lat_delta;
  b[3] = s.latitude + lat_delta;
}

}  // namespace geohash_detail

MICROREDIS_INLINE bool encode(const Range& long_range, const Range& lat_range, double longitude, double latitude,
                              int step, HashBits& out) {
  using namespace geohash_detail;
  if (step > 32 || step == 0 || range_zero(lat_range) || range_zero(long_range)) return false;
  if (!valid_position(longitude, latitude)) return false;
  out.bits = 0;
  out.step = static_cast<std::uint8_t>(step);
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  // Truncation to an integer, as Redis's implicit conversion: a coordinate on the upper limit
  // gives 2^step, one past the last box (kept, as there).
  out.bits = spread_bits(static_cast<std::uint32_t>(lat_offset)) |
             (spread_bits(static_cast<std::uint32_t>(long_offset)) << 1);
  return true;
}

MICROREDIS_INLINE bool encode_wgs84(double longitude, double latitude, int step, HashBits& out) {
  return encode(geohash_detail::kLongRange, geohash_detail::kLatRange, longitude, latitude, step, out);
}

MICROREDIS_INLINE bool decode(const Range& long_range, const Range& lat_range, HashBits hash, Area& out) {
  using namespace geohash_detail;
  if (hash.is_zero() || range_zero(lat_range) || range_zero(long_range)) return false;
  out.hash = hash;
  const std::uint32_t ilat = gather_bits(hash.bits);
  const std::uint32_t ilong = gather_bits(hash.bits >> 1);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = long_range.max - long_range.min;
  const auto boxes = static_cast<double>(1ULL << hash.step);
  // The same operations in the same order as Redis, so that the boxes are bit-identical.
  out.latitude.min = lat_range.min + (ilat * 1.0 / boxes) * lat_scale;
  out.latitude.max = lat_range.min + ((ilat + 1.0) * 1.0 / boxes) * lat_scale;
  out.longitude.min = long_range.min + (ilong * 1.0 / boxes) * long_scale;
  out.longitude.max = long_range.min + ((ilong + 1.0) * 1.0 / boxes) * long_scale;
  return true;
}

MICROREDIS_INLINE bool decode_wgs84(HashBits hash, Area& out) {
  return decode(geohash_detail::kLongRange, geohash_detail::kLatRange, hash, out);
}

MICROREDIS_INLINE bool decode_to_long_lat(HashBits hash, double& longitude, double& latitude) {
  Area area;
  if (!decode_wgs84(hash, area)) return false;
  longitude = (area.longitude.min + area.longitude.max) / 2;
  if (longitude > kLongMax) longitude = kLongMax;
  if (longitude < kLongMin) longitude = kLongMin;
  latitude = (area.latitude.min + area.latitude.max) / 2;
  if (latitude > kLatMax) latitude = kLatMax;
  if (latitude < kLatMin) latitude = kLatMin;
  return true;
}

MICROREDIS_INLINE bool decode_score(double score, double& longitude, double& latitude) {
  // Redis converts the score to uint64_t; a score that no GEOADD wrote may be out of that range,
  // where C leaves the conversion undefined: saturate instead.
  std::uint64_t bits = 0;
  if (score >= 18446744073709551616.0) {
    bits = UINT64_MAX;
  } else if (score > 0) {
    bits = static_cast<std::uint64_t>(score);
  } else if (score <= -9223372036854775808.0) {
    bits = static_cast<std::uint64_t>(INT64_MIN);
  } else if (score < 0) {
    bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(score));
  }
  return decode_to_long_lat(HashBits{bits, kStepMax}, longitude, latitude);
}

MICROREDIS_INLINE double latitude_distance(double lat1, double lat2) {
  using geohash_detail::deg_rad;
  return kEarthRadiusMeters * std::fabs(deg_rad(lat2) - deg_rad(lat1));
}

MICROREDIS_INLINE double distance(double lon1, double lat1, double lon2, double lat2) {
  using geohash_detail::deg_rad;
  const double lon1r = deg_rad(lon1);
  const double lon2r = deg_rad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Same longitude: the haversine reduces to the latitude difference.
  if (v == 0.0) return latitude_distance(lat1, lat2);
  const double lat1r = deg_rad(lat1);
  const double lat2r = deg_rad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

MICROREDIS_INLINE bool within(const Shape& s, double longitude, double latitude, double& distance_out) {
  if (s.type == Shape::Type::circle) {
    distance_out = distance(s.longitude, s.latitude, longitude, latitude);
    return distance_out <= s.radius * s.conversion;
  }
  // The cheaper latitude test first, then the east-west distance along the point's parallel.
  const double width = s.width * s.conversion;
  const double height = s.height * s.conversion;
  if (latitude_distance(latitude, s.latitude) > height / 2) return false;
  if (distance(longitude, latitude, s.longitude, latitude) > width / 2) return false;
  distance_out = distance(s.longitude, s.latitude, longitude, latitude);
  return true;
}

MICROREDIS_INLINE SearchBoxes search_boxes(const Shape& shape) {
  using namespace geohash_detail;
  double bounds[4];
  bounding_box(shape, bounds);
  const double min_lon = bounds[0];
  const double min_lat = bounds[1];
  const double max_lon = bounds[2];
  const double max_lat = bounds[3];
  // A box search covers the circle through its corners.
  double radius_meters = shape.type == Shape::Type::circle
                             ? shape.radius
                             : std::sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.conversion;
  int steps = estimate_steps(radius_meters, shape.latitude);

  HashBits hash;
  Area area;
  HashBits n[8];  // north, south, east, west, north-east, north-west, south-east, south-west
  auto compute = [&] {
    encode_wgs84(shape.longitude, shape.latitude, steps, hash);
    n[0] = moved(hash, 0, 1);
    n[1] = moved(hash, 0, -1);
    n[2] = moved(hash, 1, 0);
    n[3] = moved(hash, -1, 0);
    n[4] = moved(hash, 1, 1);
    n[5] = moved(hash, -1, 1);
    n[6] = moved(hash, 1, -1);
    n[7] = moved(hash, -1, -1);
    decode_wgs84(hash, area);
  };
  compute();

  // The estimate can leave part of the area outside the neighbours when the centre lies near the
  // edge of its box: then use boxes twice as large.
  Area north;
  Area south;
  Area east;
  Area west;
  decode_wgs84(n[0], north);
  decode_wgs84(n[1], south);
  decode_wgs84(n[2], east);
  decode_wgs84(n[3], west);
  const bool decrease = north.latitude.max < max_lat || south.latitude.min > min_lat ||
                        east.longitude.max < max_lon || west.longitude.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    compute();
  }

  // Neighbours on a side the area does not reach are not scanned.
  if (steps >= 2) {
    if (area.latitude.min < min_lat) n[1] = n[7] = n[6] = HashBits{};
    if (area.latitude.max > max_lat) n[0] = n[4] = n[5] = HashBits{};
    if (area.longitude.min < min_lon) n[3] = n[7] = n[5] = HashBits{};
    if (area.longitude.max > max_lon) n[2] = n[6] = n[4] = HashBits{};
  }
  SearchBoxes out;
  out.boxes[0] = hash;
  for (int i = 0; i < 8; ++i) out.boxes[i + 1] = n[i];
  return out;
}

MICROREDIS_INLINE bool standard_geohash(double score, char (&out)[11]) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!decode_score(score, xy[0], xy[1])) return false;
  HashBits h;
  encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], kStepMax, h);
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  // 52 bits make 10 characters and 2 bits; the 11th character assumes zeros, as Redis's.
  out[10] = kAlphabet[0];
  return true;
}

}  // namespace geo
}  // namespace microredis
