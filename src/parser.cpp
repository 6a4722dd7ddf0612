#include "microredis/resp/parser.hpp"

#include <cstring>

#include "microredis/util/strconv.hpp"

namespace microredis {

MICROREDIS_INLINE void RequestParser::reset() {
  args_.clear();
  refs_.clear();
  consumed_ = needed_ = pos_ = search_from_ = 0;
  remaining_ = bulk_len_ = -1;
  error_ = Status::ok;
  error_char_ = 0;
  started_ = false;
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
  started_ = false;
  return Result::command;
}

MICROREDIS_INLINE RequestParser::Result RequestParser::parse(const char* data, std::size_t len,
                                                             const ParserLimits& limits, bool authenticated) {
  args_.clear();
  if (len == 0) return Result::incomplete;
  started_ = true;
  return data[0] == '*' ? parse_multibulk(data, len, limits, authenticated) : parse_inline(data, len, limits);
}

MICROREDIS_INLINE RequestParser::Result RequestParser::parse_multibulk(const char* data, std::size_t len,
                                                                       const ParserLimits& limits,
                                                                       bool authenticated) {
  // Finds the "\r\n" ending the line at pos_; returns its offset or 0 when the line is not all here.
  auto line_end = [&](Status too_big, std::size_t& cr) -> Result {
    std::size_t from = search_from_ > pos_ ? search_from_ : pos_;
    const void* hit = from < len ? std::memchr(data + from, '\r', len - from) : nullptr;
    if (hit == nullptr) {
      if (len - pos_ > limits.max_inline_len) return fail(too_big);
      search_from_ = len;
      return Result::incomplete;
    }
    cr = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    search_from_ = cr;
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
    if (count <= 0) return done(data, pos_);
    remaining_ = count;
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
  std::size_t from = search_from_;
  const void* hit = from < len ? std::memchr(data + from, '\n', len - from) : nullptr;
  if (hit == nullptr) {
    if (len > limits.max_inline_len) return fail(Status::proto_too_big_inline);
    search_from_ = len;
    return Result::incomplete;
  }
  auto nl = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
  std::size_t line_len = (nl > 0 && data[nl - 1] == '\r') ? nl - 1 : nl;
  if (!split_inline(data, line_len)) return Result::error;
  // Arguments live in scratch_, not in the window: build the views here.
  if (!args_.resize(refs_.size())) return fail(Status::oom);
  for (std::size_t i = 0; i < refs_.size(); ++i) args_[i] = {scratch_.data() + refs_[i].offset, refs_[i].length};
  consumed_ = nl + 1;
  refs_.clear();
  pos_ = search_from_ = needed_ = 0;
  remaining_ = bulk_len_ = -1;
  started_ = false;
  return Result::command;
}

namespace detail {
inline bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
inline bool is_blank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }
}  // namespace detail

// Splits an inline line into arguments with the rules of Redis's sdssplitargs: blanks separate
// arguments; "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' take \';
// a closing quote must be followed by a blank or the end of the line.
MICROREDIS_INLINE bool RequestParser::split_inline(const char* line, std::size_t len) {
  using detail::is_blank;
  refs_.clear();
  scratch_.clear();
  if (!scratch_.reserve(len)) return fail(Status::oom), false;
  std::size_t i = 0;
  for (;;) {
    while (i < len && is_blank(line[i])) ++i;
    if (i >= len) return true;
    std::size_t start = scratch_.size();
    bool in_double = false, in_single = false, closed = false;
    while (!closed) {
      char c = i < len ? line[i] : '\0';
      bool at_end = i >= len;
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
          if (i + 1 < len && !is_blank(line[i + 1])) return fail(Status::proto_unbalanced_quotes), false;
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
          if (i + 1 < len && !is_blank(line[i + 1])) return fail(Status::proto_unbalanced_quotes), false;
          closed = true;
        } else {
          (void)scratch_.append(&c, 1);
        }
      } else {
        if (at_end || is_blank(c)) {
          closed = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          (void)scratch_.append(&c, 1);
        }
      }
      if (!at_end) ++i;
    }
    if (!refs_.push_back({start, scratch_.size() - start})) return fail(Status::oom), false;
  }
}

}  // namespace microredis
