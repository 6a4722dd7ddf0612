#include "microredis/resp/writer.hpp"

#include <cmath>

#include "microredis/util/float_text.hpp"

namespace microredis {

MICROREDIS_INLINE void Writer::dbl(double v) {
  char buf[64];
  std::size_t n;
  if (std::isinf(v)) {
    n = v > 0 ? 3 : 4;
    std::memcpy(buf, v > 0 ? "inf" : "-inf", n);
  } else {
    // Redis 7.0 prints doubles with "%.17g" in both protocols.
    n = print_double(buf, sizeof buf, v, 'g', 17);
  }
  if (resp_ >= 3) {
    line(',', {buf, n});
  } else {
    bulk({buf, n});
  }
}

MICROREDIS_INLINE void Writer::verbatim(std::string_view text, std::string_view format) {
  if (resp_ < 3) {
    bulk(text);
    return;
  }
  // The format is exactly three characters, as Redis's addReplyVerbatim: longer ones are cut,
  // shorter ones padded with spaces.
  char fmt[4] = {' ', ' ', ' ', ':'};
  for (std::size_t i = 0; i < 3 && i < format.size(); ++i) fmt[i] = format[i];
  if (!reserve(text.size() + kLongLongChars + 9)) return;
  put_header('=', text.size() + 4);
  put(fmt, 4);
  put(text.data(), text.size());
  put("\r\n", 2);
}

MICROREDIS_INLINE void Writer::error_text(std::string_view text) {
  // As Redis's addReplyErrorFormat: line breaks at either end are trimmed and the ones inside
  // become spaces, so that user-supplied text cannot break the reply line.
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  ++errors_;
  const std::string_view code = error_code(text);
  std::memcpy(last_code_, code.data(), code.size());
  last_code_len_ = static_cast<std::uint8_t>(code.size());
  if (!reserve(text.size() + 3)) return;
  std::size_t start = out_->size();
  put("-", 1);
  put(text.data(), text.size());
  char* p = out_->data() + start + 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (p[i] == '\r' || p[i] == '\n') p[i] = ' ';
  }
  put("\r\n", 2);
}

MICROREDIS_INLINE void Writer::error_format(std::string_view fmt, const ErrorArg* const* args, std::size_t n) {
  // Errors are rare: compose on the stack. Callers shorten user-supplied arguments as Redis does.
  char buf[1024];
  std::size_t len = 0;
  std::size_t next = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '{' && i + 1 < fmt.size() && fmt[i + 1] == '}' && next < n) {
      std::string_view a = args[next++]->text();
      std::size_t room = sizeof buf - len;
      std::size_t take = a.size() < room ? a.size() : room;
      std::memcpy(buf + len, a.data(), take);
      len += take;
      ++i;
    } else if (len < sizeof buf) {
      buf[len++] = fmt[i];
    }
  }
  error_text({buf, len});
}

MICROREDIS_INLINE void Writer::insert_header(Deferred d, char type, std::uint64_t n) {
  char hdr[kLongLongChars + 3];
  hdr[0] = type;
  std::size_t len = 1 + format_uint64(hdr + 1, n);
  hdr[len++] = '\r';
  hdr[len++] = '\n';
  if (!reserve(len)) return;
  char* base = out_->data();
  std::size_t tail = out_->size() - d.pos;
  std::memmove(base + d.pos + len, base + d.pos, tail);
  std::memcpy(base + d.pos, hdr, len);
  (void)out_->resize(out_->size() + len);
}

}  // namespace microredis
