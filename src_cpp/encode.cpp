#include "encode.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "letters.hpp"

namespace deepomics {

namespace {

// Output positions handled by one unit of work: long rows are cut into pieces so that one
// long sequence still spreads over every thread and its bytes stay in cache across channels.
constexpr std::size_t kPiece = std::size_t{1} << 15;
// The placed bytes of a piece are encoded this many positions at a time, every channel in turn:
// the block's bytes are read once from L1 and the channels' rows are written side by side
// (about 10% faster than one channel's whole piece after another on a new output).
constexpr std::size_t kBlock = 256;
// Below this many bytes per thread a thread costs more than it saves (starting one costs tens
// of microseconds, in which one thread encodes about a megabyte).
constexpr std::size_t kMinBytesPerThread = std::size_t{1} << 20;

// Per channel: the (at most two) bytes that encode to `value`; every other byte encodes to 0.
template <class T>
struct MatchChannel {
  unsigned char b0, b1;
  T value;
};

// True when the table is a plain one-hot: each channel is `value` for one or two bytes, else 0.
template <class T>
bool as_match_table(const T* table, int channels, std::vector<MatchChannel<T>>& match) {
  match.clear();
  for (int c = 0; c < channels; ++c) {
    const T* tab = table + static_cast<std::size_t>(c) * 256;
    int hits[2];
    int n_hits = 0;
    for (int b = 0; b < 256; ++b) {
      if (tab[b] == T(0)) continue;
      if (n_hits == 2) return false;
      hits[n_hits++] = b;
    }
    if (n_hits == 0) return false;
    if (n_hits == 2 && tab[hits[0]] != tab[hits[1]]) return false;
    const int second = n_hits == 2 ? hits[1] : hits[0];
    match.push_back({static_cast<unsigned char>(hits[0]), static_cast<unsigned char>(second),
                     tab[hits[0]]});
  }
  return true;
}

// Fills rows[c][j] for every channel c and j in [a, b): zero outside the placed bytes, and
// body(c, dst, src, n) over them (dst = rows[c] + position, src = the byte offset in the
// sequence), kBlock positions at a time with every channel in turn.
template <class T, class Body>
inline void fill_rows(T* const* rows, std::size_t channels, std::size_t a, std::size_t b,
                      const Placement& pl, Body body) {
  const std::size_t d0 = pl.dst_start;
  const std::size_t d1 = pl.dst_start + pl.count;
  const std::size_t z0 = std::min(b, d0);
  const std::size_t lo = std::max(a, d0);
  const std::size_t hi = std::min(b, d1);
  for (std::size_t c = 0; c < channels; ++c) {
    T* row = rows[c];
    for (std::size_t j = a; j < z0; ++j) row[j] = T(0);
    for (std::size_t j = std::max(a, d1); j < b; ++j) row[j] = T(0);
  }
  for (std::size_t p = lo; p < hi; p += kBlock) {
    const std::size_t n = std::min(kBlock, hi - p);
    for (std::size_t c = 0; c < channels; ++c) body(c, rows[c] + p, p - d0 + pl.src_start, n);
  }
}

// The span kernels write dst[j] for the n bytes at src; with Check they also return whether
// any of those bytes is no sequence letter (in the same pass, while the bytes are loaded).
template <bool Check, class T>
__attribute__((target_clones("avx2", "default"))) unsigned char match_span(
    T* __restrict dst, const unsigned char* __restrict src, std::size_t n, unsigned char b0,
    unsigned char b1, T value) {
  unsigned char bad = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const unsigned char s = src[j];
    dst[j] = (s == b0) | (s == b1) ? value : T(0);
    if (Check) bad |= not_sequence(s);
  }
  return bad;
}

template <bool Check, class T>
unsigned char gather_span(T* __restrict dst, const unsigned char* __restrict src, std::size_t n,
                          const T* __restrict tab) {
  unsigned char bad = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const unsigned char s = src[j];
    dst[j] = tab[s];
    if (Check) bad |= not_sequence(s);
  }
  return bad;
}

// No more threads than the input has blocks of kMinBytesPerThread bytes (at least one).
int threads_for(const std::vector<SeqView>& seqs, int threads) {
  std::size_t total = 0;
  for (const auto& s : seqs) total += s.size;
  const std::size_t most = std::max<std::size_t>(1, total / kMinBytesPerThread);
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), most));
}

}  // namespace

Placement place(std::size_t seq_len, std::size_t length, Pad pad) {
  if (seq_len >= length) {
    const std::size_t extra = seq_len - length;
    const std::size_t src = pad == Pad::Right ? 0 : pad == Pad::Left ? extra : extra / 2;
    return {src, 0, length};
  }
  const std::size_t gap = length - seq_len;
  const std::size_t dst = pad == Pad::Right ? 0 : pad == Pad::Left ? gap : gap / 2;
  return {0, dst, seq_len};
}

namespace {

// The first byte of `seqs` for which ok(byte) is false, in sequence then position order.
template <class Ok>
BadByte find_first_not(const std::vector<SeqView>& seqs, Ok ok, int threads) {
  threads = threads_for(seqs, threads);
  auto scan = [&](std::size_t i, std::size_t from, std::size_t to) -> BadByte {
    const unsigned char* s = seqs[i].data;
    std::size_t p = from;
    // Blocks without a branch per byte (most input is clean; an arithmetic `ok` vectorises),
    // then byte by byte from the block that holds the first bad one.
    constexpr std::size_t kBlock = 32;
    for (; p + kBlock <= to; p += kBlock) {
      unsigned char bad = 0;
      for (std::size_t q = 0; q < kBlock; ++q) bad |= static_cast<unsigned char>(!ok(s[p + q]));
      if (bad) break;
    }
    for (; p < to; ++p)
      if (!ok(s[p])) return {true, i, p, s[p]};
    return {};
  };
  if (seqs.size() == 1) {  // one long sequence: split its positions
    const std::size_t n = seqs[0].size;
    const std::size_t t = static_cast<std::size_t>(std::max(threads, 1));
    std::vector<BadByte> found(t);
    parallel_for(t, threads, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) found[i] = scan(0, n * i / t, n * (i + 1) / t);
    });
    for (const auto& f : found)
      if (f.found) return f;
    return {};
  }
  const std::size_t blocks =
      std::min(seqs.size(), 4 * static_cast<std::size_t>(std::max(threads, 1)));
  std::vector<BadByte> found(blocks);
  parallel_for(blocks, threads, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) {
      const std::size_t first = seqs.size() * k / blocks, last = seqs.size() * (k + 1) / blocks;
      for (std::size_t i = first; i < last && !found[k].found; ++i)
        found[k] = scan(i, 0, seqs[i].size);
    }
  });
  for (const auto& f : found)
    if (f.found) return f;
  return {};
}

}  // namespace

BadByte find_bad_byte(const std::vector<SeqView>& seqs, const bool allowed[256], int threads) {
  return find_first_not(seqs, [allowed](unsigned char c) { return allowed[c]; }, threads);
}

namespace {

// Whether any of the n bytes at s is no sequence letter: whole blocks without a branch.
bool any_not_sequence(const unsigned char* s, std::size_t n) {
  constexpr std::size_t kBlock = 64;
  std::size_t p = 0;
  for (; p + kBlock <= n; p += kBlock) {
    unsigned char bad = 0;
    for (std::size_t q = 0; q < kBlock; ++q) bad |= not_sequence(s[p + q]);
    if (bad) return true;
  }
  unsigned char bad = 0;
  for (; p < n; ++p) bad |= not_sequence(s[p]);
  return bad != 0;
}

}  // namespace

BadByte find_non_sequence_byte(const std::vector<SeqView>& seqs, int threads) {
  // A fast yes / no per sequence (and per stretch of a long one); only a sequence that holds
  // such a byte is searched again, byte by byte, for where.
  std::vector<SeqView> pieces;
  const std::size_t kPiece = std::size_t{1} << 20;
  for (const SeqView& v : seqs) {
    for (std::size_t p = 0; p < v.size; p += kPiece)
      pieces.push_back({v.data + p, std::min(kPiece, v.size - p)});
  }
  std::vector<unsigned char> dirty(pieces.size(), 0);
  parallel_for(pieces.size(), threads_for(pieces, threads), 1,
               [&](std::size_t b, std::size_t e) {
                 for (std::size_t i = b; i < e; ++i)
                   dirty[i] = any_not_sequence(pieces[i].data, pieces[i].size);
               });
  if (std::find(dirty.begin(), dirty.end(), 1) == dirty.end()) return {};
  return find_first_not(seqs, [](unsigned char c) { return not_sequence(c) == 0; }, 1);
}

template <class T>
bool encode_table(const std::vector<SeqView>& seqs, const T* table, int channels,
                  std::size_t length, Pad pad, T* out, int threads, bool check_bytes) {
  if (seqs.empty() || length == 0 || channels <= 0) return false;
  std::vector<MatchChannel<T>> match;
  const bool plain = as_match_table(table, channels, match);
  const std::size_t C = static_cast<std::size_t>(channels);
  const std::size_t pieces = (length + kPiece - 1) / kPiece;  // per sequence
  const std::size_t units = seqs.size() * pieces;
  const std::size_t min_units = std::max<std::size_t>(1, kMinBytesPerThread / std::min(length, kPiece));
  std::atomic<bool> saw_non_sequence{false};
  parallel_for(units, threads, min_units, [&](std::size_t first, std::size_t last) {
    unsigned char bad = 0;
    std::vector<T*> rows(C);
    for (std::size_t u = first; u < last; ++u) {
      const std::size_t n = u / pieces;
      const std::size_t a = (u % pieces) * kPiece;
      const std::size_t b = std::min(length, a + kPiece);
      const Placement pl = place(seqs[n].size, length, pad);
      const unsigned char* s = seqs[n].data;
      if (check_bytes && a == 0 && pl.count < seqs[n].size)  // bytes trimmed off, once
        bad |= any_not_sequence(s, pl.src_start) |
               any_not_sequence(s + pl.src_start + pl.count,
                                seqs[n].size - pl.src_start - pl.count);
      for (std::size_t c = 0; c < C; ++c) rows[c] = out + (n * C + c) * length;
      // (every channel reads the same bytes: the first one checks them)
      if (plain) {
        fill_rows(rows.data(), C, a, b, pl, [&](std::size_t c, T* dst, std::size_t src,
                                                std::size_t cnt) {
          const MatchChannel<T>& m = match[c];
          bad |= check_bytes && c == 0
                     ? match_span<true>(dst, s + src, cnt, m.b0, m.b1, m.value)
                     : match_span<false>(dst, s + src, cnt, m.b0, m.b1, m.value);
        });
      } else {
        fill_rows(rows.data(), C, a, b, pl, [&](std::size_t c, T* dst, std::size_t src,
                                                std::size_t cnt) {
          const T* tab = table + c * 256;
          bad |= check_bytes && c == 0 ? gather_span<true>(dst, s + src, cnt, tab)
                                       : gather_span<false>(dst, s + src, cnt, tab);
        });
      }
    }
    if (bad) saw_non_sequence.store(true, std::memory_order_relaxed);
  });
  return saw_non_sequence.load();
}

template bool encode_table<float>(const std::vector<SeqView>&, const float*, int, std::size_t,
                                  Pad, float*, int, bool);
template bool encode_table<uint8_t>(const std::vector<SeqView>&, const uint8_t*, int,
                                    std::size_t, Pad, uint8_t*, int, bool);
template bool encode_table<uint16_t>(const std::vector<SeqView>&, const uint16_t*, int,
                                     std::size_t, Pad, uint16_t*, int, bool);
template bool encode_table<int64_t>(const std::vector<SeqView>&, const int64_t*, int,
                                    std::size_t, Pad, int64_t*, int, bool);

void reverse_complement(const std::vector<SeqView>& seqs, const unsigned char complement[256],
                        const std::vector<unsigned char*>& out, int threads) {
  auto span = [&](std::size_t i, std::size_t from, std::size_t to) {
    const unsigned char* s = seqs[i].data;
    unsigned char* d = out[i];
    const std::size_t n = seqs[i].size;
    for (std::size_t k = from; k < to; ++k) d[k] = complement[s[n - 1 - k]];
  };
  if (seqs.size() == 1) {
    const std::size_t n = seqs[0].size;
    parallel_for(n, threads, kMinBytesPerThread,
                 [&](std::size_t b, std::size_t e) { span(0, b, e); });
    return;
  }
  parallel_for(seqs.size(), threads_for(seqs, threads), 1, [&](std::size_t b, std::size_t e) {
                 for (std::size_t i = b; i < e; ++i) span(i, 0, seqs[i].size);
               });
}

namespace {

// 2-bit base codes: A 0, C 1, G 2, T/U 3; 4 for anything else.
struct BaseCodes {
  unsigned char code[256];
  BaseCodes() {
    std::memset(code, 4, sizeof code);
    const char* bases[4] = {"Aa", "Cc", "Gg", "TtUu"};
    for (int v = 0; v < 4; ++v)
      for (const char* p = bases[v]; *p; ++p) code[static_cast<unsigned char>(*p)] = v;
  }
};
const BaseCodes kBaseCodes;

// Calls hit(column) for every k-mer of the sequence that holds only A, C, G, T.
template <class Hit>
inline void for_each_kmer(const SeqView& seq, int k, bool canonical, Hit hit) {
  const uint32_t mask = (uint32_t{1} << (2 * k)) - 1;
  const int top = 2 * (k - 1);
  uint32_t fw = 0, rc = 0;
  int valid = 0;
  for (std::size_t p = 0; p < seq.size; ++p) {
    const uint32_t x = kBaseCodes.code[seq.data[p]];
    if (x > 3) {
      valid = 0;
      continue;
    }
    fw = ((fw << 2) | x) & mask;
    rc = (rc >> 2) | ((3u - x) << top);
    if (++valid >= k) hit(canonical ? std::min(fw, rc) : fw);
  }
}

}  // namespace

void kmer_counts_dense(const std::vector<SeqView>& seqs, int k, bool canonical, int32_t* out,
                       int threads) {
  const std::size_t width = std::size_t{1} << (2 * k);
  parallel_for(seqs.size(), threads_for(seqs, threads), 1, [&](std::size_t b, std::size_t e) {
                 for (std::size_t i = b; i < e; ++i) {
                   int32_t* row = out + i * width;
                   for_each_kmer(seqs[i], k, canonical, [&](uint32_t col) { ++row[col]; });
                 }
               });
}

KmerCsr kmer_counts_sparse(const std::vector<SeqView>& seqs, int k, bool canonical,
                           int threads) {
  const std::size_t width = std::size_t{1} << (2 * k);
  threads = threads_for(seqs, threads);  // each thread holds a 4^k counter
  const std::size_t t = static_cast<std::size_t>(std::max(threads, 1));
  std::vector<KmerCsr> parts(t);
  parallel_for(t, threads, 1, [&](std::size_t pb, std::size_t pe) {
    for (std::size_t part = pb; part < pe; ++part) {
      const std::size_t b = seqs.size() * part / t, e = seqs.size() * (part + 1) / t;
      KmerCsr& csr = parts[part];
      std::vector<int32_t> counts(width, 0);
      std::vector<uint32_t> touched;
      csr.indptr.push_back(0);
      for (std::size_t i = b; i < e; ++i) {
        for_each_kmer(seqs[i], k, canonical, [&](uint32_t col) {
          if (counts[col]++ == 0) touched.push_back(col);
        });
        std::sort(touched.begin(), touched.end());
        for (uint32_t col : touched) {
          csr.indices.push_back(static_cast<int32_t>(col));
          csr.counts.push_back(counts[col]);
          counts[col] = 0;
        }
        touched.clear();
        csr.indptr.push_back(static_cast<int64_t>(csr.indices.size()));
      }
    }
  });
  KmerCsr all;
  all.indptr.reserve(seqs.size() + 1);
  all.indptr.push_back(0);
  for (const auto& part : parts) {
    const int64_t offset = static_cast<int64_t>(all.indices.size());
    for (std::size_t r = 1; r < part.indptr.size(); ++r)
      all.indptr.push_back(offset + part.indptr[r]);
    all.indices.insert(all.indices.end(), part.indices.begin(), part.indices.end());
    all.counts.insert(all.counts.end(), part.counts.begin(), part.counts.end());
  }
  return all;
}

}  // namespace deepomics
