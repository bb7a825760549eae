#include "fasta.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "letters.hpp"
#include "parallel.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace deepomics {

namespace {

enum Kind : unsigned char { kSeq, kSkip, kText, kBinary, kNonAscii, kCarriageReturn };

// What each byte is inside a sequence line.
struct SeqClasses {
  Kind kind[256];
  SeqClasses() {
    for (int b = 0; b < 256; ++b)
      kind[b] = b >= 0x80 ? kNonAscii : (b < 0x20 || b == 0x7f) ? kBinary : kText;
    for (int b = 0; b < 256; ++b)
      if (!not_sequence(static_cast<unsigned char>(b))) kind[b] = kSeq;
    kind[static_cast<unsigned char>(' ')] = kind[static_cast<unsigned char>('\t')] = kSkip;
    kind[static_cast<unsigned char>('\r')] = kCarriageReturn;
  }
};
const SeqClasses kClasses;

// True when every byte is a sequence letter (letters.hpp); written as one branch-free
// reduction so that the compiler vectorises it.
__attribute__((target_clones("avx2", "default"))) bool all_letters(const unsigned char* p,
                                                                    std::size_t n) {
  unsigned char bad = 0;
  for (std::size_t i = 0; i < n; ++i) bad |= not_sequence(p[i]);
  return bad == 0;
}

// Scans the sequence lines between two headers at once: true when they hold only letters and
// line ends, with every '\r' right before a '\n'; then `newlines` and `letters` are set.
// SSE2 (every x86-64) does 16 bytes a step; other machines take the scalar loop.
bool scan_block(const unsigned char* p, std::size_t n, std::size_t& newlines,
                std::size_t& letters) {
  std::size_t nl = 0, cr = 0, i = 0;
  bool ok = true;
#ifdef __SSE2__
  const __m128i lower = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'), z = _mm_set1_epi8(25);
  const __m128i lf = _mm_set1_epi8('\n'), cret = _mm_set1_epi8('\r');
  const __m128i star = _mm_set1_epi8('*'), dash = _mm_set1_epi8('-'), dot = _mm_set1_epi8('.');
  const __m128i plus = _mm_set1_epi8('+');
  // Line ends are counted in byte lanes (each match subtracts -1), summed every 255 steps.
  auto lane_sum = [](__m128i counts) {
    const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    return static_cast<std::size_t>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
  };
  while (i + 16 <= n) {
    __m128i lf_count = _mm_setzero_si128(), cr_count = _mm_setzero_si128();
    for (int step = 0; step < 255 && i + 16 <= n; ++step, i += 16) {
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const __m128i x = _mm_sub_epi8(_mm_or_si128(c, lower), a);
      const __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(x, z), x);  // x <= 25, unsigned
      const __m128i is_lf = _mm_cmpeq_epi8(c, lf), is_cr = _mm_cmpeq_epi8(c, cret);
      const __m128i other =  // the symbols of letters.hpp
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, star), _mm_cmpeq_epi8(c, dash)),
                       _mm_or_si128(_mm_cmpeq_epi8(c, dot), _mm_cmpeq_epi8(c, plus)));
      const __m128i good = _mm_or_si128(_mm_or_si128(letter, other), _mm_or_si128(is_lf, is_cr));
      if (_mm_movemask_epi8(good) != 0xFFFF) return false;
      lf_count = _mm_sub_epi8(lf_count, is_lf);
      cr_count = _mm_sub_epi8(cr_count, is_cr);
    }
    nl += lane_sum(lf_count);
    cr += lane_sum(cr_count);
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = p[i];
    ok &= !not_sequence(c) || c == '\n' || c == '\r';
    nl += c == '\n';
    cr += c == '\r';
  }
  if (!ok) return false;
  for (std::size_t j = 0; cr > 0 && j < n; ++j)  // CRLF files: each '\r' must end a line
    if (p[j] == '\r' && (j + 1 == n || p[j + 1] != '\n')) return false;
  newlines = nl;
  letters = n - nl - cr;
  return true;
}

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
std::string printable(const unsigned char* p, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      out.push_back(static_cast<char>(p[i]));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", p[i]);
      out += buf;
    }
  }
  return out;
}

const char* kCarriageReturnHelp =
    "carriage return inside a line: the file seems to use old Mac (CR-only) line ends; convert "
    "them, e.g. tr '\\r' '\\n' < in.fa > out.fa";

// Copies the letters of one record's sequence lines to dst.
void copy_record(const unsigned char* buf, const FastaRecord& r, char* dst) {
  const unsigned char* p = buf + r.seq_begin;
  const unsigned char* end = buf + r.seq_end;
  while (p < end) {
    const unsigned char* nl =
        static_cast<const unsigned char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const unsigned char* eol = nl ? nl : end;
    const unsigned char* stop = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
    if (r.clean) {
      std::memcpy(dst, p, static_cast<std::size_t>(stop - p));
      dst += stop - p;
    } else if (stop > p && *p != ';') {
      for (const unsigned char* q = p; q < stop; ++q)
        if (kClasses.kind[*q] == kSeq) *dst++ = static_cast<char>(*q);
    }
    p = eol + 1;
  }
}

}  // namespace

namespace {

// index_fasta over buf[begin, end), which starts at the text's start or at a header: offsets
// are from buf, lines are counted from the range's start and `lines` gets how many it holds.
bool index_range(const unsigned char* buf, std::size_t begin, std::size_t stop_at,
                 std::vector<FastaRecord>& records, FastaError& error, std::size_t& lines) {
  const unsigned char* p = buf + begin;
  const unsigned char* end = buf + stop_at;
  std::size_t line = 0;
  FastaRecord* open = nullptr;  // the record whose sequence lines are being read
  bool gap = false;             // a blank or comment line since its last sequence line
  auto fail = [&](std::size_t ln, std::size_t col, std::string msg) {
    error.line = ln;
    error.column = col;
    error.message = std::move(msg);
    return false;
  };
  auto close_record = [&]() {
    if (open == nullptr || open->seq_len > 0) return true;
    return fail(open->header_line, 0,
                "record '" + printable(buf + open->name_begin, open->name_end - open->name_begin) +
                    "' has no sequence; remove its header line or add the sequence below it");
  };
  auto offset = [&](const unsigned char* q) { return static_cast<std::size_t>(q - buf); };

  const unsigned char* slow_until = p;  // lines before this are read one at a time
  if (begin == 0 && stop_at >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    p += 3;  // UTF-8 byte order mark
  while (p < end) {
    // Fast path: all the sequence lines up to the next header in one vectorised scan.
    if (open != nullptr && *p != '>' && p >= slow_until) {
      const unsigned char* gt = static_cast<const unsigned char*>(
          std::memchr(p, '>', static_cast<std::size_t>(end - p)));
      const unsigned char* block_end = gt ? gt : end;
      std::size_t newlines = 0, letters = 0;
      if ((gt == nullptr || gt[-1] == '\n') &&
          scan_block(p, static_cast<std::size_t>(block_end - p), newlines, letters)) {
        if (letters > 0) {
          if (gap) open->clean = false;
          if (open->seq_len == 0) open->seq_begin = offset(p);
          open->seq_end = offset(block_end);
          open->seq_len += letters;
        }
        line += newlines + (block_end == end && block_end > p && block_end[-1] != '\n');
        p = block_end;
        continue;
      }
      slow_until = block_end;
    }
    ++line;
    const unsigned char* nl =
        static_cast<const unsigned char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const unsigned char* eol = nl ? nl : end;
    const unsigned char* next = nl ? nl + 1 : end;
    const unsigned char* stop = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;

    if (stop == p || *p == ';') {  // blank or comment line
      gap = open != nullptr && open->seq_len > 0;
      p = next;
      continue;
    }
    if (*p == '>') {
      if (!close_record()) return false;
      for (const unsigned char* q = p + 1; q < stop; ++q) {
        if (*q == '\r') return fail(line, offset(q) - offset(p) + 1, kCarriageReturnHelp);
        if ((*q < 0x20 && *q != '\t') || *q == 0x7f)
          return fail(line, offset(q) - offset(p) + 1,
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
      FastaRecord r;
      r.header_line = line;
      r.name_begin = offset(a);
      r.name_end = offset(b);
      r.desc_begin = offset(d);
      r.desc_end = offset(de);
      records.push_back(r);
      open = &records.back();
      gap = false;
      p = next;
      continue;
    }
    // A sequence line.
    std::size_t letters = static_cast<std::size_t>(stop - p);
    if (!all_letters(p, letters)) {
      letters = 0;
      for (const unsigned char* q = p; q < stop; ++q) {
        const Kind kind = kClasses.kind[*q];
        const std::size_t col = offset(q) - offset(p) + 1;
        if (kind == kCarriageReturn) return fail(line, col, kCarriageReturnHelp);
        if (kind == kNonAscii)
          return fail(line, col,
                      "non-ASCII character (" + byte_repr(*q) +
                          ") in a sequence line; sequences hold ASCII letters, '-', '+', '.' "
                          "and '*' only");
        if (kind == kBinary)
          return fail(line, col,
                      "binary data (" + byte_repr(*q) +
                          "); this does not look like a FASTA text file (a BAM, 2bit or "
                          "otherwise compressed file?)");
        if (kind == kText)
          return fail(line, col,
                      "unexpected character " + byte_repr(*q) +
                          " in a sequence line; sequences hold letters, '-', '+', '.' and '*' "
                          "only");
        letters += kind == kSeq;
      }
      if (letters == 0) {  // spaces and tabs only: a blank line
        gap = open != nullptr && open->seq_len > 0;
        p = next;
        continue;
      }
      if (open) open->clean = false;  // spaces or tabs to drop
    }
    if (open == nullptr)
      return fail(line, 1,
                  "sequence data before the first header; every record must start with a line "
                  "'>name'");
    if (gap) open->clean = false;  // lines to skip inside the sequence
    gap = false;
    if (open->seq_len == 0) open->seq_begin = offset(p);
    open->seq_end = offset(eol);
    open->seq_len += letters;
    p = next;
  }
  lines = line;
  return close_record();
}

}  // namespace

bool index_fasta(const char* text, std::size_t n, std::vector<FastaRecord>& records,
                 FastaError& error, int threads, std::size_t min_chunk) {
  const unsigned char* buf = reinterpret_cast<const unsigned char*>(text);
  // Cut the text into chunks at headers (a '>' after a line end), one per thread; each is read
  // on its own, then records and lines are joined in order, and the first chunk's error wins.
  std::vector<std::size_t> cuts = {0};
  const std::size_t most = std::max<std::size_t>(1, n / std::max<std::size_t>(min_chunk, 1));
  const std::size_t t = std::min(static_cast<std::size_t>(std::max(threads, 1)), most);
  for (std::size_t k = 1; k < t; ++k) {
    std::size_t at = std::max(n * k / t, cuts.back() + 1);
    while (at < n) {
      const void* gt = std::memchr(buf + at, '>', n - at);
      if (gt == nullptr) {
        at = n;
        break;
      }
      at = static_cast<std::size_t>(static_cast<const unsigned char*>(gt) - buf);
      if (buf[at - 1] == '\n') break;
      ++at;
    }
    if (at >= n) break;
    cuts.push_back(at);
  }
  cuts.push_back(n);
  const std::size_t chunks = cuts.size() - 1;
  std::vector<std::vector<FastaRecord>> found(chunks);
  std::vector<FastaError> errors(chunks);
  std::vector<std::size_t> lines(chunks, 0);
  std::vector<unsigned char> ok(chunks, 0);
  parallel_for(chunks, static_cast<int>(chunks), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k)
      ok[k] = index_range(buf, cuts[k], cuts[k + 1], found[k], errors[k], lines[k]);
  });
  std::size_t line_offset = 0;
  for (std::size_t k = 0; k < chunks; ++k) {
    if (!ok[k]) {
      error = errors[k];
      error.line += line_offset;
      return false;
    }
    for (FastaRecord& r : found[k]) {
      r.header_line += line_offset;
      records.push_back(r);
    }
    line_offset += lines[k];
  }
  return true;
}

void copy_sequences(const char* text, const std::vector<FastaRecord>& records,
                    const std::vector<char*>& dst, int threads) {
  const unsigned char* buf = reinterpret_cast<const unsigned char*>(text);
  std::size_t total = 0;
  for (const auto& r : records) total += r.seq_len;
  const std::size_t most = std::max<std::size_t>(1, total >> 22);  // a thread per 4 MB at most
  const int t = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), most));
  parallel_for(records.size(), t, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) copy_record(buf, records[i], dst[i]);
  });
}

}  // namespace deepomics
