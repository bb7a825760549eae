// FASTA parsing from a buffer already in memory (the Python layer reads and un-gzips the file).
//
// Accepts multi-line records, CRLF line ends, blank lines, ';' comment lines, a UTF-8 byte order
// mark and spaces or tabs inside sequence lines (dropped). Rejects, naming the line and column: sequence data before the
// first header, a header with no name, a record with no sequence, binary data (control bytes or
// non-ASCII bytes in a sequence) and characters that are not sequence letters.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace deepomics {

struct FastaRecords {
  // Record i's name is names[name_off[i] .. name_off[i + 1]); likewise its description (the
  // rest of the header line after the name's whitespace) and its sequence.
  std::string names, descriptions, sequences;
  std::vector<std::size_t> name_off{0}, description_off{0}, sequence_off{0};
  std::vector<std::size_t> header_line;  // 1-based line of each record's header
  std::size_t size() const { return name_off.size() - 1; }
};

struct FastaError {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based; 0 when the whole line is at fault
  std::string message;     // what is wrong and how to fix it, without the file name
};

// Parses buf[0, n). Returns false and fills `error` on malformed input.
bool parse_fasta(const char* buf, std::size_t n, FastaRecords& out, FastaError& error);

}  // namespace deepomics
