// Incremental request parser: RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// commands ("GET k\r\n"), resumable at any byte boundary, with Redis's limits and error texts.
//
// The parser reads a window that starts at the first byte of the current command. When the window
// holds a whole command it reports its length and the arguments as views into the window (or into
// the parser's scratch buffer for unescaped inline arguments). When it does not, the caller keeps the
// window's bytes, appends more, and calls again: progress (arguments already found, where to resume
// the search for a line end) is kept, so a command that arrives one byte at a time costs O(length).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "../status.hpp"

namespace microredis {

struct ParserLimits {
  std::size_t max_bulk_len = 512ull * 1024 * 1024;  // proto-max-bulk-len
  std::size_t max_multibulk_len = INT_MAX;          // arguments per command
  std::size_t max_inline_len = 64 * 1024;           // PROTO_INLINE_MAX_SIZE
  // Before AUTH succeeds Redis accepts at most 10 arguments of at most 16 KiB each.
  std::size_t unauth_max_multibulk_len = 10;
  std::size_t unauth_max_bulk_len = 16384;
};

// Complete commands parsed ahead in one pass (the fast path of pipelined input). Only plain,
// complete, well-formed multibulk commands within the limits of an authenticated client are taken;
// the first anything else (incomplete, inline, "*0", a malformed or oversized length) ends the batch,
// and RequestParser then handles it, with its exact errors. For such commands both give the same
// arguments and lengths.
struct ParsedBatch {
  static constexpr std::size_t kMaxCommands = 32;
  static constexpr std::size_t kMaxArgs = 128;
  ParsedBatch() {}  // nothing zeroed: parse_ahead fills what it reports (this runs for every read)
  std::size_t count = 0;                   // commands parsed
  std::size_t first_arg[kMaxCommands];     // index in args of each command's first argument
  std::size_t argc[kMaxCommands];
  std::size_t end[kMaxCommands];           // offset just past each command
  union {
    std::string_view args[kMaxArgs];
  };
};
// Fills batch from data[0..len) and returns batch.count.
std::size_t parse_ahead(const char* data, std::size_t len, const ParserLimits& limits, ParsedBatch& batch);

class RequestParser {
 public:
  enum class Result : std::uint8_t { incomplete, command, error };

  explicit RequestParser(Memory& mem) : args_(mem), refs_(mem), scratch_(mem) {}

  // Parses the command that starts at data[0]. On `command`, consumed() is its length in bytes and
  // args() its arguments (possibly none: an empty line or "*0\r\n" is a command of no arguments that
  // the caller skips). On `error`, error() tells which protocol error; the connection must close.
  Result parse(const char* data, std::size_t len, const ParserLimits& limits, bool authenticated);

  std::size_t consumed() const { return consumed_; }
  const std::string_view* args() const { return args_.data(); }
  std::size_t argc() const { return args_.size(); }
  Status error() const { return error_; }
  char error_char() const { return error_char_; }
  // Total bytes the current (incomplete) command needs, when known: lets the caller reserve room
  // for a big bulk argument once instead of growing its buffer step by step.
  std::size_t bytes_needed() const { return needed_; }
  // Bytes the parser holds (its argument arrays and unescaped inline arguments).
  std::size_t memory() const {
    return args_.capacity() * sizeof(std::string_view) + refs_.capacity() * sizeof(ArgRef) + scratch_.capacity();
  }
  // True while in the middle of a command (some of its bytes have been seen).
  bool in_command() const { return started_; }
  // Forgets all progress.
  void reset();
  // Frees buffers that grew past `keep` bytes for one big request.
  void trim(std::size_t keep);

 private:
  struct ArgRef {
    std::size_t offset;
    std::size_t length;
  };

  Result parse_inline(const char* data, std::size_t len, const ParserLimits& limits);
  Result parse_multibulk(const char* data, std::size_t len, const ParserLimits& limits, bool authenticated);
  Result fail(Status s, char c = 0);
  Result done(const char* data, std::size_t consumed);
  bool split_inline(const char* line, std::size_t len);
  std::size_t find_line_end(const char* data, std::size_t len, char stop);

  Vec<std::string_view> args_;
  Vec<ArgRef> refs_;   // arguments found so far, as offsets from the start of the command
  Buffer scratch_;     // unescaped inline arguments
  std::size_t consumed_ = 0;
  std::size_t needed_ = 0;
  std::size_t pos_ = 0;          // where parsing resumes (offset from the command start)
  std::size_t search_from_ = 0;  // where the search for the current line's end resumes
  std::int64_t remaining_ = -1;  // arguments still expected; -1 before the "*N" line is read
  std::int64_t bulk_len_ = -1;   // length of the bulk being read; -1 before its "$N" line
  Status error_ = Status::ok;
  char error_char_ = 0;
  bool started_ = false;
  bool stalled_ = false;  // a NUL byte came before the line end: Redis never finds that line's end
};

}  // namespace microredis
