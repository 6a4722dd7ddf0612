#include "microredis/resp/parser.hpp"

#include <cstring>

#include "microredis/util/strconv.hpp"

namespace microredis {

namespace detail {
// Argument arrays that grew past this for one huge command are freed before the next one.
constexpr std::size_t kKeepParserBytes = 64 * 1024;
}  // namespace detail

namespace detail {
// Reads "<digits>\r?" at data[pos] into n and moves pos past the two line-end bytes (the second is
// skipped unchecked, as Redis does). False unless the line is complete and a canonical decimal
// (no sign, no leading zero) small enough for any limit: then RequestParser decides.
inline bool ahead_count(const char* data, std::size_t len, std::size_t& pos, std::size_t& n) {
  std::size_t p = pos;
  std::size_t v = 0;
  while (p < len && static_cast<unsigned char>(data[p] - '0') <= 9) {
    v = v * 10 + static_cast<std::size_t>(data[p] - '0');
    ++p;
  }
  const std::size_t digits = p - pos;
  if (digits == 0 || digits > 9 || (digits > 1 && data[pos] == '0') || p + 1 >= len || data[p] != '\r') return false;
  n = v;
  pos = p + 2;
  return true;
}
}  // namespace detail

MICROREDIS_INLINE std::size_t parse_ahead(const char* data, std::size_t len, const ParserLimits& limits,
                                          ParsedBatch& batch) {
  std::size_t count = 0;
  std::size_t nargs = 0;
  std::size_t pos = 0;
  while (count < ParsedBatch::kMaxCommands && pos < len && data[pos] == '*') {
    std::size_t p = pos + 1;
    std::size_t argc = 0;
    if (!detail::ahead_count(data, len, p, argc) || argc == 0 || argc > limits.max_multibulk_len ||
        argc > ParsedBatch::kMaxArgs - nargs) {
      break;
    }
    std::size_t a = 0;
    for (; a < argc; ++a) {
      std::size_t n = 0;
      if (p >= len || data[p] != '$') break;
      ++p;
      if (!detail::ahead_count(data, len, p, n) || n > limits.max_bulk_len || len - p < n + 2) break;
      batch.args[nargs + a] = {data + p, n};
      p += n + 2;
    }
    if (a != argc) break;
    batch.first_arg[count] = nargs;
    batch.argc[count] = argc;
    batch.end[count] = p;
    nargs += argc;
    pos = p;
    ++count;
  }
  batch.count = count;
  return count;
}

MICROREDIS_INLINE void RequestParser::reset() {
  args_.clear();
  refs_.clear();
  consumed_ = needed_ = pos_ = search_from_ = 0;
  remaining_ = bulk_len_ = -1;
  error_ = Status::ok;
  error_char_ = 0;
  started_ = stalled_ = false;
}

MICROREDIS_INLINE void RequestParser::trim(std::size_t keep) {
  if (args_.capacity() * sizeof(std::string_view) > keep) args_.release();
  if (refs_.capacity() * sizeof(ArgRef) > keep) refs_.release();
  if (scratch_.capacity() > keep) scratch_.release();
}

MICROREDIS_INLINE RequestParser::Result RequestParser::fail(Status s, char c) {
  error_ = s;
  error_char_ = c;
  return Result::error;
}

MICROREDIS_INLINE RequestParser::Result RequestParser::done(const char* data, std::size_t consumed) {
  if (!args_.resize(refs_.size())) return fail(Status::oom);
  for (std::size_t i = 0; i < refs_.size(); ++i) args_[i] = {data + refs_[i].offset, refs_[i].length};
  consumed_ = consumed;
  refs_.clear();
  pos_ = search_from_ = needed_ = 0;
  remaining_ = bulk_len_ = -1;
  started_ = stalled_ = false;
  return Result::command;
}

MICROREDIS_INLINE RequestParser::Result RequestParser::parse(const char* data, std::size_t len,
                                                             const ParserLimits& limits, bool authenticated) {
  args_.clear();
  if (len == 0) return Result::incomplete;
  if (!started_) {
    // A new command: the argument arrays of a huge previous one need not stay allocated.
    trim(detail::kKeepParserBytes);
    started_ = true;
  }
  return data[0] == '*' ? parse_multibulk(data, len, limits, authenticated) : parse_inline(data, len, limits);
}

// Finds the first `stop` byte at or after search_from_ the way Redis's strchr() over its
// NUL-terminated query buffer does: a NUL byte before it hides it, so the line never ends and the
// request waits until it is too big. Returns its offset, or len when it is not (or never) there.
MICROREDIS_INLINE std::size_t RequestParser::find_line_end(const char* data, std::size_t len, char stop) {
  if (stalled_ || search_from_ >= len) return len;
  const char* from = data + search_from_;
  std::size_t span = len - search_from_;
  const void* hit = std::memchr(from, stop, span);
  std::size_t end = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - from) : span;
  if (std::memchr(from, '\0', end) != nullptr) {
    stalled_ = true;
    return len;
  }
  search_from_ += end;
  return hit ? search_from_ : len;
}

MICROREDIS_INLINE RequestParser::Result RequestParser::parse_multibulk(const char* data, std::size_t len,
                                                                       const ParserLimits& limits,
                                                                       bool authenticated) {
  // Finds the "\r\n" ending the header line at pos_. Like Redis, a line whose '\r' is not within
  // max_inline_len bytes is an error; checking where the '\r' is (not how many bytes happen to be
  // buffered) gives the same verdict for every split of the stream. The byte after '\r' is not
  // checked: Redis skips two bytes whatever they are.
  auto line_end = [&](Status too_big, std::size_t& cr) -> Result {
    if (search_from_ < pos_) search_from_ = pos_;
    cr = find_line_end(data, len, '\r');
    if (cr == len) return len - pos_ > limits.max_inline_len ? fail(too_big) : Result::incomplete;
    if (cr - pos_ > limits.max_inline_len) return fail(too_big);
    if (cr + 1 >= len) return Result::incomplete;  // the '\n' has not arrived yet
    return Result::command;
  };

  if (remaining_ < 0) {
    std::size_t cr = 0;
    Result r = line_end(Status::proto_too_big_mbulk_count, cr);
    if (r != Result::command) return r;
    std::int64_t count = 0;
    if (!parse_int64({data + 1, cr - 1}, count) || count > static_cast<std::int64_t>(limits.max_multibulk_len)) {
      return fail(Status::proto_invalid_mbulk_length);
    }
    if (!authenticated && count > static_cast<std::int64_t>(limits.unauth_max_multibulk_len)) {
      return fail(Status::proto_unauth_mbulk_length);
    }
    pos_ = cr + 2;
    if (count <= 0) return done(data, pos_);  // "*0" and "*-1" are skipped, as in Redis
    remaining_ = count;
    // Room for at most 1024 arguments up front (as Redis): a declared count costs nothing until
    // the arguments arrive.
    if (!refs_.reserve(count < 1024 ? static_cast<std::size_t>(count) : 1024)) return fail(Status::oom);
  }

  while (remaining_ > 0) {
    if (bulk_len_ < 0) {
      std::size_t cr = 0;
      Result r = line_end(Status::proto_too_big_bulk_count, cr);
      if (r != Result::command) return r;
      if (data[pos_] != '$') return fail(Status::proto_expected_dollar, data[pos_]);
      std::int64_t n = 0;
      if (!parse_int64({data + pos_ + 1, cr - pos_ - 1}, n) || n < 0 ||
          static_cast<std::uint64_t>(n) > limits.max_bulk_len) {
        return fail(Status::proto_invalid_bulk_length);
      }
      if (!authenticated && static_cast<std::uint64_t>(n) > limits.unauth_max_bulk_len) {
        return fail(Status::proto_unauth_bulk_length);
      }
      pos_ = cr + 2;
      bulk_len_ = n;
    }
    auto need = static_cast<std::size_t>(bulk_len_) + 2;
    if (len - pos_ < need) {
      needed_ = pos_ + need;
      return Result::incomplete;
    }
    // Like Redis, the two bytes after the payload are skipped without checking for "\r\n".
    if (!refs_.push_back({pos_, static_cast<std::size_t>(bulk_len_)})) return fail(Status::oom);
    pos_ += need;
    bulk_len_ = -1;
    --remaining_;
  }
  return done(data, pos_);
}

MICROREDIS_INLINE RequestParser::Result RequestParser::parse_inline(const char* data, std::size_t len,
                                                                    const ParserLimits& limits) {
  // Redis reports "too big inline request" once more than max_inline_len bytes have come without a
  // '\n'; deciding on the newline's position makes the verdict independent of how input is split.
  std::size_t nl = find_line_end(data, len, '\n');
  if (nl == len) return len > limits.max_inline_len ? fail(Status::proto_too_big_inline) : Result::incomplete;
  if (nl > limits.max_inline_len) return fail(Status::proto_too_big_inline);
  std::size_t line_len = (nl > 0 && data[nl - 1] == '\r') ? nl - 1 : nl;
  if (!split_inline(data, line_len)) return Result::error;
  // Arguments live in scratch_, not in the window: build the views here.
  if (!args_.resize(refs_.size())) return fail(Status::oom);
  for (std::size_t i = 0; i < refs_.size(); ++i) args_[i] = {scratch_.data() + refs_[i].offset, refs_[i].length};
  consumed_ = nl + 1;
  refs_.clear();
  pos_ = search_from_ = needed_ = 0;
  remaining_ = bulk_len_ = -1;
  started_ = stalled_ = false;
  return Result::command;
}

namespace detail {
inline bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
// isspace() in the C locale: skipped between arguments and allowed after a closing quote.
inline bool inline_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// What ends an unquoted argument: sdssplitargs lists these five, so '\v' and '\f' inside an
// argument are kept ("a\vb" is one argument) though they are skipped before one.
inline bool inline_separator(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }
}  // namespace detail

// Splits an inline line into arguments with the rules of Redis's sdssplitargs: blanks separate
// arguments; "double quotes" take \n \r \t \b \a \xHH escapes and \<any> for that character;
// 'single quotes' take \' only; a quote may open in the middle of an argument ("a"b"" is ab); a
// closing quote must be followed by a blank or the end of the line.
MICROREDIS_INLINE bool RequestParser::split_inline(const char* line, std::size_t len) {
  using detail::inline_separator;
  using detail::inline_space;
  refs_.clear();
  scratch_.clear();
  // Unescaping never lengthens: with this room the appends below cannot fail.
  if (!scratch_.reserve(len)) return fail(Status::oom), false;
  std::size_t i = 0;
  for (;;) {
    while (i < len && inline_space(line[i])) ++i;
    if (i >= len) return true;
    std::size_t start = scratch_.size();
    bool in_double = false, in_single = false, closed = false;
    while (!closed) {
      bool at_end = i >= len;
      char c = at_end ? '\0' : line[i];
      if (in_double) {
        if (at_end) return fail(Status::proto_unbalanced_quotes), false;
        if (c == '\\' && i + 3 < len && line[i + 1] == 'x' && detail::is_hex(line[i + 2]) &&
            detail::is_hex(line[i + 3])) {
          char b = static_cast<char>(detail::hex_value(line[i + 2]) * 16 + detail::hex_value(line[i + 3]));
          (void)scratch_.append(&b, 1);
          i += 3;
        } else if (c == '\\' && i + 1 < len) {
          char e = line[++i];
          switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;
          }
          (void)scratch_.append(&e, 1);
        } else if (c == '"') {
          if (i + 1 < len && !inline_space(line[i + 1])) return fail(Status::proto_unbalanced_quotes), false;
          closed = true;
        } else {
          (void)scratch_.append(&c, 1);
        }
      } else if (in_single) {
        if (at_end) return fail(Status::proto_unbalanced_quotes), false;
        if (c == '\\' && i + 1 < len && line[i + 1] == '\'') {
          ++i;
          (void)scratch_.append("'", 1);
        } else if (c == '\'') {
          if (i + 1 < len && !inline_space(line[i + 1])) return fail(Status::proto_unbalanced_quotes), false;
          closed = true;
        } else {
          (void)scratch_.append(&c, 1);
        }
      } else if (at_end || inline_separator(c)) {
        closed = true;
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        (void)scratch_.append(&c, 1);
      }
      if (!at_end) ++i;
    }
    if (!refs_.push_back({start, scratch_.size() - start})) return fail(Status::oom), false;
  }
}

}  // namespace microredis
