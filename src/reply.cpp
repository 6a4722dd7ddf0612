#include "microredis/resp/reply.hpp"

#include <cstdio>
#include <cstring>

#include "microredis/util/float_text.hpp"
#include "microredis/util/strconv.hpp"

namespace microredis {

MICROREDIS_INLINE bool operator==(const Reply& a, const Reply& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Reply::Type::integer:
    case Reply::Type::boolean:
      return a.integer == b.integer;
    case Reply::Type::dbl:
      return a.dbl == b.dbl || (a.dbl != a.dbl && b.dbl != b.dbl);
    case Reply::Type::null:
      return true;
    case Reply::Type::array:
    case Reply::Type::map:
    case Reply::Type::set:
    case Reply::Type::push:
      return a.elements == b.elements;
    default:
      return a.str == b.str;
  }
}

MICROREDIS_INLINE std::string Reply::to_string() const {
  switch (type) {
    case Type::simple: return str;
    case Type::error: return "(error) " + str;
    case Type::integer: return "(integer) " + std::to_string(integer);
    case Type::bulk: return "\"" + str + "\"";
    case Type::null: return "(nil)";
    case Type::dbl: {
      char buf[64];
      std::memcpy(buf, "(double) ", 9);
      print_double(buf + 9, sizeof buf - 9, dbl, 'g', 17);
      return buf;
    }
    case Type::boolean: return integer ? "(true)" : "(false)";
    case Type::verbatim: return "(verbatim) \"" + str + "\"";
    case Type::big_number: return "(big number) " + str;
    default: break;
  }
  const char* open = type == Type::map ? "{" : type == Type::set ? "~[" : type == Type::push ? ">[" : "[";
  std::string s = open;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i) s += type == Type::map && i % 2 ? ": " : ", ";
    s += elements[i].to_string();
  }
  s += type == Type::map ? "}" : "]";
  return s;
}

namespace detail {

// Returns the offset just past the "\r\n" ending the line at pos, or 0.
inline std::size_t reply_line_end(std::string_view b, std::size_t pos) {
  for (std::size_t i = pos; i + 1 < b.size(); ++i) {
    if (b[i] == '\r' && b[i + 1] == '\n') return i + 2;
  }
  return 0;
}

inline std::size_t parse_reply_at(std::string_view b, std::size_t pos, Reply& out, int depth) {
  if (pos >= b.size() || depth > 64) return 0;
  std::size_t end = reply_line_end(b, pos);
  if (end == 0) return 0;
  char t = b[pos];
  std::string_view line = b.substr(pos + 1, end - pos - 3);
  out = Reply{};
  std::int64_t n = 0;
  switch (t) {
    case '+': out.type = Reply::Type::simple; out.str.assign(line); return end;
    case '-': out.type = Reply::Type::error; out.str.assign(line); return end;
    case '(': out.type = Reply::Type::big_number; out.str.assign(line); return end;
    case ':':
      out.type = Reply::Type::integer;
      return parse_int64(line, out.integer) ? end : 0;
    case '_': out.type = Reply::Type::null; return end;
    case '#':
      out.type = Reply::Type::boolean;
      out.integer = line == "t";
      return end;
    case ',': {
      out.type = Reply::Type::dbl;
      if (line == "inf") out.dbl = __builtin_huge_val();
      else if (line == "-inf") out.dbl = -__builtin_huge_val();
      else if (line == "nan" || line == "-nan") out.dbl = __builtin_nan("");
      else if (!parse_double(line, out.dbl)) return 0;
      return end;
    }
    case '$':
    case '=':
    case '!': {
      if (!parse_int64(line, n)) return 0;
      if (n < 0) {
        out.type = Reply::Type::null;
        return end;
      }
      if (b.size() - end < static_cast<std::size_t>(n) + 2) return 0;
      out.type = t == '$' ? Reply::Type::bulk : t == '=' ? Reply::Type::verbatim : Reply::Type::error;
      std::string_view payload = b.substr(end, static_cast<std::size_t>(n));
      if (t == '=' && payload.size() >= 4) payload.remove_prefix(4);  // "txt:"
      out.str.assign(payload);
      return end + static_cast<std::size_t>(n) + 2;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      if (!parse_int64(line, n)) return 0;
      if (n < 0) {
        out.type = Reply::Type::null;
        return end;
      }
      out.type = t == '*' ? Reply::Type::array : t == '~' ? Reply::Type::set
                 : t == '>' ? Reply::Type::push : Reply::Type::map;
      // Every element takes at least three bytes ("_\r\n"): a count the input cannot hold is
      // refused before anything is allocated for it.
      if (static_cast<std::uint64_t>(n) > (b.size() - end) / 3) return 0;
      std::size_t count = static_cast<std::size_t>(n) * (t == '%' ? 2 : 1);
      if (count > (b.size() - end) / 3) return 0;
      out.elements.resize(count);
      std::size_t p = end;
      for (auto& e : out.elements) {
        p = parse_reply_at(b, p, e, depth + 1);
        if (p == 0) return 0;
      }
      return p;
    }
    case '|': {
      // Attributes precede the reply they describe; skip them.
      if (!parse_int64(line, n) || n < 0 || static_cast<std::uint64_t>(n) > b.size()) return 0;
      std::size_t p = end;
      Reply skip;
      for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(n) * 2; ++i) {
        p = parse_reply_at(b, p, skip, depth + 1);
        if (p == 0) return 0;
      }
      return parse_reply_at(b, p, out, depth + 1);
    }
    default:
      return 0;
  }
}

}  // namespace detail

MICROREDIS_INLINE std::size_t parse_reply(std::string_view bytes, Reply& out) {
  return detail::parse_reply_at(bytes, 0, out, 0);
}

}  // namespace microredis
