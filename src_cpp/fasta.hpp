// FASTA parsing from a buffer in memory (the Python layer maps the file, or un-gzips it), in two
// passes so that each sequence is copied once, straight into its final string:
//   index_fasta     checks the whole text and records where each record's parts lie and how
//                   long its sequence is;
//   copy_sequences  writes every record's sequence, line ends and blanks removed, on threads.
//
// Accepts multi-line records, CRLF line ends, blank lines, ';' comment lines, a UTF-8 byte order
// mark and spaces or tabs inside sequence lines (dropped). Rejects, naming the line and column:
// sequence data before the first header, a header with no name, a record with no sequence,
// binary data (control bytes), non-ASCII bytes in a sequence, carriage returns inside a line
// (CR-only line ends) and characters that are not sequence letters.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace deepomics {

struct FastaRecord {
  std::size_t header_line = 0;            // 1-based line of the header
  std::size_t name_begin = 0, name_end = 0;  // byte offsets into the buffer
  std::size_t desc_begin = 0, desc_end = 0;  // the rest of the header, trimmed
  std::size_t seq_begin = 0, seq_end = 0;    // from the first sequence line to the end of the last
  std::size_t seq_len = 0;                   // letters, line ends and blanks removed
  bool clean = true;  // the sequence lines are letters only, each ended by "\n" or "\r\n"
};

struct FastaError {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based; 0 when the whole line is at fault
  std::string message;     // what is wrong and how to fix it, without the file name
};

// Checks buf[0, n) and appends its records; false with `error` filled on malformed input.
// With threads > 1 a text of at least 2 * min_chunk bytes is read in chunks on threads (cut
// at headers); the records and the error are the same as on one thread.
constexpr std::size_t kFastaMinChunk = std::size_t{4} << 20;
bool index_fasta(const char* buf, std::size_t n, std::vector<FastaRecord>& records,
                 FastaError& error, int threads = 1, std::size_t min_chunk = kFastaMinChunk);

// Writes record i's sequence (records[i].seq_len bytes) to dst[i].
void copy_sequences(const char* buf, const std::vector<FastaRecord>& records,
                    const std::vector<char*>& dst, int threads);

}  // namespace deepomics
