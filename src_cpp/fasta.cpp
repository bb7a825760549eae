#include "fasta.hpp"

#include <cstdio>
#include <cstring>

namespace deepomics {

namespace {

enum Kind : unsigned char { kSeq, kSkip, kText, kBinary, kNonAscii, kCarriageReturn };

// What each byte is inside a sequence line.
struct SeqClasses {
  Kind kind[256];
  SeqClasses() {
    for (int b = 0; b < 256; ++b) kind[b] = b >= 0x80 ? kNonAscii : (b < 0x20 || b == 0x7f) ? kBinary : kText;
    for (int b = 'A'; b <= 'Z'; ++b) kind[b] = kind[b + 32] = kSeq;
    kind[static_cast<unsigned char>('*')] = kind[static_cast<unsigned char>('-')] = kSeq;
    kind[static_cast<unsigned char>('.')] = kSeq;
    kind[static_cast<unsigned char>(' ')] = kind[static_cast<unsigned char>('\t')] = kSkip;
    kind[static_cast<unsigned char>('\r')] = kCarriageReturn;
  }
};
const SeqClasses kClasses;

std::string byte_repr(unsigned char b) {
  char buf[32];
  if (b >= 0x20 && b < 0x7f)
    std::snprintf(buf, sizeof buf, "'%c'", b);
  else
    std::snprintf(buf, sizeof buf, "byte 0x%02X", b);
  return buf;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t'; }

// Text for an error message: printable ASCII as is, other bytes as \xNN.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

const char* kCarriageReturnHelp =
    "carriage return inside a line: the file seems to use old Mac (CR-only) line ends; convert "
    "them, e.g. tr '\\r' '\\n' < in.fa > out.fa";

}  // namespace

bool parse_fasta(const char* buf, std::size_t n, FastaRecords& out, FastaError& error) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(buf);
  const unsigned char* end = p + n;
  std::size_t line = 0;
  std::size_t header_line = 0;  // line of the open record's header; 0 when none is open
  auto fail = [&](std::size_t ln, std::size_t col, std::string msg) {
    error.line = ln;
    error.column = col;
    error.message = std::move(msg);
    return false;
  };
  auto close_record = [&]() {
    if (header_line == 0) return true;
    if (out.sequences.size() == out.sequence_off.back()) {
      const std::size_t i = out.size() - 1;
      std::string name = out.names.substr(out.name_off[i], out.name_off[i + 1] - out.name_off[i]);
      return fail(header_line, 0,
                  "record '" + printable(name) +
                      "' has no sequence; remove its header line or add the sequence below it");
    }
    out.sequence_off.push_back(out.sequences.size());
    return true;
  };

  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) p += 3;  // UTF-8 byte order mark
  while (p < end) {
    ++line;
    const unsigned char* nl =
        static_cast<const unsigned char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const unsigned char* eol = nl ? nl : end;
    const unsigned char* next = nl ? nl + 1 : end;
    const unsigned char* stop = eol;
    if (stop > p && stop[-1] == '\r') --stop;

    if (stop == p || *p == ';') {  // blank or comment line
      p = next;
      continue;
    }
    if (*p == '>') {
      if (!close_record()) return false;
      for (const unsigned char* q = p + 1; q < stop; ++q) {
        if (*q == '\r') return fail(line, static_cast<std::size_t>(q - p) + 1, kCarriageReturnHelp);
        if ((*q < 0x20 && *q != '\t') || *q == 0x7f)
          return fail(line, static_cast<std::size_t>(q - p) + 1,
                      "binary data (" + byte_repr(*q) +
                          ") in a header line; this does not look like a FASTA text file");
      }
      const unsigned char* a = p + 1;
      while (a < stop && is_space(*a)) ++a;
      const unsigned char* b = a;
      while (b < stop && !is_space(*b)) ++b;
      if (a == b)
        return fail(line, 0,
                    "header line '>' has no name; write a name right after '>', e.g. '>seq1'");
      const unsigned char* d = b;
      while (d < stop && is_space(*d)) ++d;
      const unsigned char* de = stop;
      while (de > d && is_space(de[-1])) --de;
      out.names.append(reinterpret_cast<const char*>(a), static_cast<std::size_t>(b - a));
      out.name_off.push_back(out.names.size());
      out.descriptions.append(reinterpret_cast<const char*>(d), static_cast<std::size_t>(de - d));
      out.description_off.push_back(out.descriptions.size());
      out.header_line.push_back(line);
      header_line = line;
      p = next;
      continue;
    }
    // A sequence line: copy it whole when every byte is a sequence letter.
    const unsigned char* q = p;
    while (q < stop && kClasses.kind[*q] == kSeq) ++q;
    if (q == stop) {
      if (header_line == 0)
        return fail(line, 1,
                    "sequence data before the first header; every record must start with a "
                    "line '>name'");
      out.sequences.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(stop - p));
      p = next;
      continue;
    }
    for (q = p; q < stop; ++q) {
      const Kind kind = kClasses.kind[*q];
      const std::size_t col = static_cast<std::size_t>(q - p) + 1;
      if (kind == kCarriageReturn) return fail(line, col, kCarriageReturnHelp);
      if (kind == kNonAscii)
        return fail(line, col,
                    "non-ASCII character (" + byte_repr(*q) +
                        ") in a sequence line; sequences hold ASCII letters, '*', '-' and '.' "
                        "only");
      if (kind == kBinary)
        return fail(line, col,
                    "binary data (" + byte_repr(*q) +
                        "); this does not look like a FASTA text file (a BAM, 2bit or "
                        "otherwise compressed file?)");
      if (kind == kText)
        return fail(line, col,
                    "unexpected character " + byte_repr(*q) +
                        " in a sequence line; sequences hold letters, '*', '-' and '.' only");
      if (kind == kSeq && header_line == 0)
        return fail(line, col,
                    "sequence data before the first header; every record must start with a "
                    "line '>name'");
      if (kind == kSeq) out.sequences.push_back(static_cast<char>(*q));
    }
    p = next;
  }
  return close_record();
}

}  // namespace deepomics
