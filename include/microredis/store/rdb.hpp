// Redis's RDB value serialization (format version 10, Redis 7.0), without I/O: DUMP/RESTORE
// payloads and the in-memory image DEBUG RELOAD saves and loads back.
//
// Saving writes what Redis 7.0 writes for each value: strings (integer-encoded when short, LZF
// compressed when longer than 20 bytes and it saves at least 4 bytes), lists as QUICKLIST_2 of
// listpacks, sets as SET_INTSET or SET, hashes as HASH_LISTPACK or HASH, sorted sets as
// ZSET_LISTPACK (scores as text, as Redis keeps them) or ZSET_2. Our listpacks use Redis's element
// encoding, so a list or hash listpack goes out as its bytes plus Redis's end byte.
//
// Loading accepts every value type Redis 7.0 loads from a DUMP payload, including the encodings
// of older versions (zipmap and ziplist hashes, ziplist lists and sorted sets, QUICKLIST v1,
// linked LIST, ZSET with text scores), and validates all of it: every length against the bytes
// left, every blob's inner structure (listpack, ziplist, intset, zipmap), duplicates, NaN scores,
// empty collections. A payload that fails any check is "bad format"; nothing it contains can make
// the loader read out of bounds or allocate more than the payload can justify. The loaded value
// takes the encoding Redis 7.0 would give it under the current limits (a shrunken hashtable hash
// comes back as a listpack, as after Redis's DEBUG RELOAD).
//
// Streams save as RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0): the blocks (already Redis's listpack
// layout) keyed by master ID, the metadata, and the consumer groups with their pending lists.
// Both stream types load (STREAM_LISTPACKS of Redis 5/6 too) with Redis's deep sanitization and
// more: every block's entries, counts and IDs, IDs increasing across blocks and not above the
// last ID, the length, and pending lists that agree between a group and its consumers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "hash.hpp"
#include "keyspace.hpp"
#include "object.hpp"
#include "quicklist.hpp"
#include "set.hpp"
#include "stream.hpp"
#include "zset.hpp"

namespace microredis {
namespace rdb {

inline constexpr unsigned kVersion = 10;  // RDB_VERSION of Redis 7.0

// Value types (RDB_TYPE_*).
enum Type : std::uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZset = 3,
  kTypeHash = 4,
  kTypeZset2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZsetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZsetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
};

// Opcodes of an RDB image (RDB_OPCODE_*).
enum Opcode : std::uint8_t {
  kOpFunction2 = 245,
  kOpFunction = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// CRC-64/Jones as Redis's crc64() (reflected, polynomial 0xad93d23594c935a9, no final xor).
std::uint64_t crc64(std::uint64_t crc, const void* data, std::size_t len);

// LZF (liblzf's format). compress returns the compressed size, or 0 when the output would not fit
// in out_len bytes; scratch is a table of kLzfTableSize entries. decompress returns the size
// written, or 0 when the input is malformed or does not fit out_len exactly.
inline constexpr std::size_t kLzfTableSize = 1u << 13;
std::size_t lzf_compress(const std::uint8_t* in, std::size_t in_len, std::uint8_t* out, std::size_t out_len,
                         std::uint32_t* scratch);
std::size_t lzf_decompress(const std::uint8_t* in, std::size_t in_len, std::uint8_t* out, std::size_t out_len);

// Appends RDB items to a Buffer.
class Saver {
 public:
  Saver(Memory& mem, Buffer& out, bool compress = true) : mem_(mem), out_(out), compress_(compress) {}
  ~Saver();
  Saver(const Saver&) = delete;
  Saver& operator=(const Saver&) = delete;

  bool byte(std::uint8_t b) { return out_.append(&b, 1); }
  bool raw(const void* p, std::size_t n) { return out_.append(p, n); }
  bool len(std::uint64_t v);                // rdbSaveLen
  bool string(std::string_view s);          // rdbSaveRawString (int / LZF / plain)
  bool integer_string(std::int64_t v);      // rdbSaveLongLongAsStringObject
  bool binary_double(double d);             // rdbSaveBinaryDoubleValue
  bool u64_le(std::uint64_t v);
  // The type byte and the value of e (rdbSaveObjectType + rdbSaveObject).
  bool value(const Entry& e);
  // The RDB type of e's value (-1 for a type this codec cannot save), and the value without it.
  static int type_of(const Entry& e);
  bool body(const Entry& e);
  Buffer& out() { return out_; }

 private:
  bool listpack_blob(const std::uint8_t* lp);
  bool zset_listpack_blob(const std::uint8_t* lp);
  bool intset_blob(const Intset* is);
  bool stream_body(Stream& st);

  Memory& mem_;
  Buffer& out_;
  bool compress_;
  std::uint32_t* lzf_table_ = nullptr;  // allocated on first compression
  Buffer* scratch_ = nullptr;           // blobs being built (Redis-format listpacks, intsets)
};

// DUMP: the value of e, Redis's version footer and CRC64 (createDumpPayload). false when out of
// memory.
bool create_dump_payload(Memory& mem, const Entry& e, Buffer& out);
// verifyDumpPayload: at least the footer, a version not above ours, and a matching CRC64.
bool verify_dump_payload(std::string_view payload);

// The limits that choose the encoding of loaded values, as the settings say.
struct LoadLimits {
  HashLimits hash;
  SetLimits set;
  ZsetLimits zset;
  QuicklistLimits list;
  std::uint64_t seed = 0;                                 // for new hash tables
  std::size_t max_string = std::size_t{512} * 1024 * 1024;  // proto-max-bulk-len
};

enum class LoadResult : std::uint8_t { ok, bad_format, oom };

// Bounds-checked reading of RDB items from a byte range.
class Reader {
 public:
  Reader(const void* data, std::size_t n)
      : p_(static_cast<const std::uint8_t*>(data)), end_(static_cast<const std::uint8_t*>(data) + n) {}
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  bool byte(std::uint8_t& b);
  bool bytes(std::size_t n, const std::uint8_t*& out);
  // rdbLoadLen: a length, or (encoded set) a string's special encoding 0..3.
  bool len(std::uint64_t& v, bool* encoded = nullptr);
  bool len(std::uint64_t& v, bool* encoded, std::size_t max) { return len(v, encoded) && v <= max; }
  // A string; the view is into the input, or into scratch (integer and LZF encodings), valid until
  // scratch changes.
  LoadResult string(Buffer& scratch, std::size_t max, std::string_view& out);
  bool binary_double(double& d);
  bool text_double(double& d);  // rdbLoadDoubleValue
  bool u64_le(std::uint64_t& v);

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// A loaded value, ready for Db::put (the layout's views point into the payload or into scratch).
struct LoadedValue {
  explicit LoadedValue(Memory& mem) : scratch(mem), scratch2(mem) {}
  Entry::Layout layout;
  Buffer scratch;
  Buffer scratch2;
};

// Reads a value of the given type; on anything but ok nothing is left allocated.
LoadResult load_value(Memory& mem, const LoadLimits& limits, Reader& in, std::uint8_t type, LoadedValue& out);
// RESTORE's parsing of a payload that passed verify_dump_payload: the type, the value, and
// nothing after it but the footer.
LoadResult load_dump_payload(Memory& mem, const LoadLimits& limits, std::string_view payload, LoadedValue& out);

// --- Images (DEBUG RELOAD) -------------------------------------------------------------------

// Access-time data saved with each key, as Redis saves it under an LRU or LFU policy.
enum class SaveLru : std::uint8_t { none, idle, freq };

// "REDIS0010", a few AUX fields, the function libraries (`functions`: FUNCTION2 records, as
// FunctionHost::save writes them), every database (SELECTDB, RESIZEDB, then each key with its
// expire time and, per `lru`, its idle time or frequency), EOF and the CRC64. false when out of
// memory.
bool save_image(Memory& mem, Db* const* dbs, int db_count, SaveLru lru, Buffer& out,
                std::string_view functions = {});

struct ImageLoad {
  bool merge = false;        // a key already present is replaced (else the load fails)
  std::int64_t now_ms = 0;   // keys expired by then are skipped, as a master does
  bool lfu = false;          // FREQ data applies (else IDLE data does)
  // Where function libraries go (FunctionHost::load; replace = merge); without it an image that
  // holds any does not load.
  bool (*function)(void* ctx, std::string_view code, bool replace) = nullptr;
  void* function_ctx = nullptr;
};
// Loads an image into dbs; on failure the keys loaded before the failure stay.
LoadResult load_image(Memory& mem, const LoadLimits& limits, std::string_view image, Db* const* dbs, int db_count,
                      const ImageLoad& how);

// The LRU/LFU field RESTORE's IDLETIME/FREQ and an image's IDLE/FREQ set (objectSetLRUOrLFU):
// returns false when the option does not apply under the current policy.
bool lru_field_for(bool lfu, std::int64_t freq, std::int64_t idle_s, std::int64_t now_ms, std::uint32_t& out);

}  // namespace rdb
}  // namespace microredis
