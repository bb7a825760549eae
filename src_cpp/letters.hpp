// Which bytes are sequence letters: the ASCII letters and '-', '+', '.', '*' (the symbols of
// Biostrings' DNA, RNA and amino-acid alphabets). The one place that rule lives: the FASTA
// reader keeps these bytes, the encoders refuse every other byte, and Python reads the rule as
// _core.sequence_bytes.
#pragma once

namespace deepomics {

// 1 for a byte that is no sequence letter, else 0; byte arithmetic only, without a branch, so
// that a loop over a block of bytes vectorises.
inline unsigned char not_sequence(unsigned char c) {
  const unsigned char offset = static_cast<unsigned char>((c | 0x20) - 'a');
  return static_cast<unsigned char>((offset > 25) & (c != '-') & (c != '+') & (c != '.') &
                                    (c != '*'));
}

}  // namespace deepomics
