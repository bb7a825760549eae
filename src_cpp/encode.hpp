// Sequence encoding kernels: one-hot, tokens, reverse complement, k-mer counts.
//
// Plain C++17, no Python objects: the pybind11 layer (module.cpp) collects pointers to the
// sequences' bytes while it holds the GIL, releases it, and calls these functions, which write
// into outputs the caller has already allocated. Every kernel takes `threads` and splits its
// work into contiguous blocks, one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parallel.hpp"

namespace deepomics {

// The bytes of one sequence; not owned.
struct SeqView {
  const unsigned char* data;
  std::size_t size;
};

// How a sequence shorter than the output length is padded, and so also which end a longer one
// keeps: Right pads at the end and keeps the start, Left pads at the start and keeps the end,
// Center splits the padding (or the trimming) between both ends, the extra one on the right.
enum class Pad { Right, Left, Center };

// Where a sequence of `seq_len` bytes lands in an output row of `length` positions: bytes
// [src_start, src_start + count) go to positions [dst_start, dst_start + count).
struct Placement {
  std::size_t src_start;
  std::size_t dst_start;
  std::size_t count;
};
Placement place(std::size_t seq_len, std::size_t length, Pad pad);

// The first byte (in sequence order, then position order) for which allowed[byte] is false.
struct BadByte {
  bool found = false;
  std::size_t seq = 0;
  std::size_t pos = 0;
  unsigned char byte = 0;
};
BadByte find_bad_byte(const std::vector<SeqView>& seqs, const bool allowed[256], int threads);

// The first byte that no sequence holds: not an ASCII letter, '-', '+', '.' or '*' (whitespace,
// a line end, a digit, a control byte).
BadByte find_non_sequence_byte(const std::vector<SeqView>& seqs, int threads);

// Encodes every sequence into out[n, c, j] = table[c * 256 + byte] for the byte placed at
// position j, and zero at padded positions. `out` holds N * C * length values (channels
// first). When every channel is 1 for at most two bytes and 0 otherwise (a plain one-hot, case
// insensitive) a comparison kernel the compiler vectorises runs instead of the table lookup.
// T is float, uint8_t, uint16_t (float16 bit patterns) or int64_t (tokens, with C = 1).
// With check_bytes it returns whether any byte of the sequences (trimmed-off ones included) is
// one that find_non_sequence_byte finds, checked in the same pass as the encoding; else false.
template <class T>
bool encode_table(const std::vector<SeqView>& seqs, const T* table, int channels,
                  std::size_t length, Pad pad, T* out, int threads, bool check_bytes = false);

// Writes the reverse complement of each sequence: out[i][k] = complement[seq[i][size - 1 - k]].
// out[i] must have room for seqs[i].size bytes.
void reverse_complement(const std::vector<SeqView>& seqs, const unsigned char complement[256],
                        const std::vector<unsigned char*>& out, int threads);

// k-mer counts over the alphabet A, C, G, T (case-insensitive, U read as T); a k-mer that
// contains any other byte is skipped. Column of a k-mer: base-4 number, A = 0 ... T = 3, first
// base most significant (so columns are in lexicographic order). With `canonical` a k-mer and its
// reverse complement are both counted in the smaller of their two columns.
constexpr int kMaxK = 12;

// Dense: out holds N * 4^k counts and must be zeroed.
void kmer_counts_dense(const std::vector<SeqView>& seqs, int k, bool canonical, int32_t* out,
                       int threads);

// Sparse (CSR): row n's nonzero columns, ascending, and their counts.
struct KmerCsr {
  std::vector<int64_t> indptr;   // N + 1
  std::vector<int32_t> indices;  // nnz
  std::vector<int32_t> counts;   // nnz
};
KmerCsr kmer_counts_sparse(const std::vector<SeqView>& seqs, int k, bool canonical, int threads);
}  // namespace deepomics
