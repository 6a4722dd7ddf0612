// The one reply writer. Handlers describe a reply (an integer, a map of n pairs, a double...) and the
// writer renders it in the session's protocol: RESP2 or RESP3 is the writer's business, never a
// handler's. Output goes to a Buffer owned by the session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"
#include "../status.hpp"
#include "../util/strconv.hpp"

namespace microredis {

// An argument for a "{}" placeholder of an error text.
class ErrorArg {
 public:
  ErrorArg(std::string_view s) : text_(s) {}  // NOLINT(google-explicit-constructor)
  ErrorArg(const char* s) : text_(s) {}       // NOLINT(google-explicit-constructor)
  ErrorArg(std::int64_t v) : text_(buf_, format_int64(buf_, v)) {}  // NOLINT
  ErrorArg(const ErrorArg&) = delete;
  std::string_view text() const { return text_; }

 private:
  char buf_[kLongLongChars];
  std::string_view text_;
};

// The code INFO errorstats counts for an error text (without its '-'): the first word when a
// space ends it within the first 31 bytes (Redis looks at 32 bytes including the '-'), otherwise
// "ERR".
inline std::string_view error_code(std::string_view text) {
  const std::size_t space = text.substr(0, 31).find(' ');
  return space != std::string_view::npos ? text.substr(0, space) : std::string_view("ERR");
}

class Writer {
 public:
  Writer(Buffer& out, int protocol = 2) : out_(&out), resp_(protocol) {}

  int protocol() const { return resp_; }
  void set_protocol(int p) { resp_ = p; }
  Buffer& buffer() { return *out_; }
  // False once the output buffer could not grow (out of memory): the session closes.
  bool ok_state() const { return !failed_; }

  void simple(std::string_view s) { line('+', s); }
  void ok() { raw("+OK\r\n"); }
  void integer(std::int64_t v) { number_line(':', v); }
  void bulk(std::string_view s) {
    if (!reserve(s.size() + kLongLongChars + 5)) return;
    const std::size_t n = s.size();
    if (n >= 100 || n == 0) {
      put_header('$', n);
      put(s.data(), n);
      put("\r\n", 2);
      return;
    }
    // A short value (most replies' elements): the header's one or two digits and the bytes are
    // written in place, without the general formatter or a call to memcpy.
    char* o = out_->data() + out_->size();
    *o++ = '$';
    if (n >= 10) *o++ = static_cast<char>('0' + n / 10);
    *o++ = static_cast<char>('0' + n % 10);
    *o++ = '\r';
    *o++ = '\n';
    copy_short(o, s.data(), n);
    o += n;
    *o++ = '\r';
    *o++ = '\n';
    (void)out_->resize(static_cast<std::size_t>(o - out_->data()));
  }
  void bulk_int(std::int64_t v) {
    char buf[kLongLongChars];
    bulk({buf, format_int64(buf, v)});
  }
  // The null bulk string (RESP2 "$-1") and the null array (RESP2 "*-1"); RESP3 has one null.
  void null() { raw(resp_ >= 3 ? "_\r\n" : "$-1\r\n"); }
  void null_array() { raw(resp_ >= 3 ? "_\r\n" : "*-1\r\n"); }

  void array(std::size_t n) { header('*', n); }
  void map(std::size_t pairs) { resp_ >= 3 ? header('%', pairs) : header('*', pairs * 2); }
  void set(std::size_t n) { header(resp_ >= 3 ? '~' : '*', n); }
  void push(std::size_t n) { header(resp_ >= 3 ? '>' : '*', n); }
  void attribute(std::size_t pairs) { header('|', pairs); }

  void dbl(double v);
  void boolean(bool v) {
    if (resp_ >= 3) {
      raw(v ? "#t\r\n" : "#f\r\n");
    } else {
      raw(v ? ":1\r\n" : ":0\r\n");
    }
  }
  void big_number(std::string_view digits) {
    if (resp_ >= 3) {
      line('(', digits);
    } else {
      bulk(digits);
    }
  }
  // A verbatim string (RESP3 "=len\r\ntxt:..."); a bulk string in RESP2.
  void verbatim(std::string_view text, std::string_view format = "txt");

  void error(Status s) { error_text(status_text(s)); }
  // Fills the "{}" placeholders of the status text in order.
  void error(Status s, const ErrorArg& a) { error_format(status_text(s), &a, 1); }
  void error(Status s, const ErrorArg& a, const ErrorArg& b) {
    const ErrorArg* args[] = {&a, &b};
    error_format(status_text(s), args, 2);
  }
  // An error whose full text (code first, e.g. "ERR ...") was composed elsewhere; newlines are
  // replaced with spaces so that the reply stays one line.
  void error_text(std::string_view text);
  // An error INFO errorstats does not count again (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE): a
  // script's error that a command the script ran replied, counted when that command replied.
  // The command that writes it still counts as failed.
  void error_text_no_stats(std::string_view text) {
    error_text(text);
    ++no_stats_errors_;
  }

  // Errors written so far and the code ("ERR", "WRONGTYPE", ...) of the last one, for INFO.
  std::uint64_t errors() const { return errors_; }
  std::uint64_t no_stats_errors() const { return no_stats_errors_; }
  std::string_view last_error_code() const { return {last_code_, last_code_len_}; }

  // Aggregates whose length is known only at the end: remember the position, write the elements,
  // then insert the header.
  struct Deferred {
    std::size_t pos;
  };
  Deferred defer() const { return {out_->size()}; }
  void end_array(Deferred d, std::size_t n) { insert_header(d, '*', n); }
  void end_map(Deferred d, std::size_t pairs) {
    resp_ >= 3 ? insert_header(d, '%', pairs) : insert_header(d, '*', pairs * 2);
  }
  void end_set(Deferred d, std::size_t n) { insert_header(d, resp_ >= 3 ? '~' : '*', n); }

  // CLIENT REPLY OFF / SKIP: while muted nothing is written, except what an Unmuted scope writes
  // (push messages, which Redis delivers regardless).
  void set_muted(bool m) { muted_ = m; }
  bool muted() const { return muted_; }
  class Unmuted {
   public:
    explicit Unmuted(Writer& w) : w_(w), was_(w.muted_) { w.muted_ = false; }
    ~Unmuted() { w_.muted_ = was_; }
    Unmuted(const Unmuted&) = delete;
    Unmuted& operator=(const Unmuted&) = delete;

   private:
    Writer& w_;
    bool was_;
  };

  // Bytes already in RESP form.
  void raw(std::string_view s) {
    if (reserve(s.size())) put(s.data(), s.size());
  }

 private:
  bool reserve(std::size_t n) {
    if (MICROREDIS_UNLIKELY(muted_)) return false;
    if (MICROREDIS_LIKELY(out_->capacity() - out_->size() >= n)) return true;
    if (out_->grow_for(n)) return true;
    failed_ = true;
    return false;
  }
  // Copies 1..99 bytes with fixed-size moves: two overlapping ones cover any length of a range.
  static void copy_short(char* d, const char* s, std::size_t n) {
    if (n >= 32) {
      std::memcpy(d, s, n);
    } else if (n >= 16) {
      std::memcpy(d, s, 16);
      std::memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
      std::memcpy(d, s, 8);
      std::memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
      std::memcpy(d, s, 4);
      std::memcpy(d + n - 4, s + n - 4, 4);
    } else {
      d[0] = s[0];
      d[n / 2] = s[n / 2];
      d[n - 1] = s[n - 1];
    }
  }
  // Callers reserve first.
  void put(const char* p, std::size_t n) {
    if (n == 0) return;  // p may be null for an empty value
    std::memcpy(out_->data() + out_->size(), p, n);
    (void)out_->resize(out_->size() + n);
  }
  void put_header(char type, std::uint64_t n) {
    char buf[kLongLongChars + 3];
    buf[0] = type;
    std::size_t len = 1 + format_uint64(buf + 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    put(buf, len);
  }
  void header(char type, std::uint64_t n) {
    if (reserve(kLongLongChars + 3)) put_header(type, n);
  }
  void number_line(char type, std::int64_t v) {
    if (!reserve(kLongLongChars + 3)) return;
    char buf[kLongLongChars + 3];
    buf[0] = type;
    std::size_t len = 1 + format_int64(buf + 1, v);
    buf[len++] = '\r';
    buf[len++] = '\n';
    put(buf, len);
  }
  void line(char type, std::string_view s) {
    if (!reserve(s.size() + 3)) return;
    put(&type, 1);
    put(s.data(), s.size());
    put("\r\n", 2);
  }
  void error_format(std::string_view fmt, const ErrorArg* const* args, std::size_t n);
  void error_format(std::string_view fmt, const ErrorArg* arg, std::size_t n) {
    const ErrorArg* args[] = {arg};
    error_format(fmt, args, n);
  }
  void insert_header(Deferred d, char type, std::uint64_t n);

  Buffer* out_;
  int resp_;
  bool failed_ = false;
  bool muted_ = false;
  std::uint64_t errors_ = 0;
  std::uint64_t no_stats_errors_ = 0;
  char last_code_[32] = {};
  std::uint8_t last_code_len_ = 0;
};

}  // namespace microredis
