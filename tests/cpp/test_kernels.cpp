// C++ unit tests of the kernels in src_cpp/, without Python; `make test-cpp` builds them with
// AddressSanitizer and UBSan. Each check compares with a plain reference written here.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "encode.hpp"
#include "fasta.hpp"

using namespace deepomics;

static int passed = 0, failed = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (cond) {                                                        \
      ++passed;                                                        \
    } else {                                                           \
      ++failed;                                                        \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                  \
  } while (0)

static std::vector<SeqView> views(const std::vector<std::string>& seqs) {
  std::vector<SeqView> v;
  for (const auto& s : seqs) v.push_back({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
  return v;
}

static std::string random_seq(std::mt19937& rng, std::size_t n, const std::string& letters) {
  std::string s(n, 'A');
  std::uniform_int_distribution<std::size_t> pick(0, letters.size() - 1);
  for (auto& c : s) c = letters[pick(rng)];
  return s;
}

// Reference: channel c is 1 where the placed letter is "ACGT"[c] (either case).
static float reference_one_hot(const std::string& s, std::size_t length, Pad pad, std::size_t c,
                               std::size_t j) {
  const Placement pl = place(s.size(), length, pad);
  if (j < pl.dst_start || j >= pl.dst_start + pl.count) return 0.0f;
  const char letter = s[pl.src_start + j - pl.dst_start];
  return (letter == "ACGT"[c] || letter == "acgt"[c]) ? 1.0f : 0.0f;
}

static void test_place() {
  const Placement r = place(3, 7, Pad::Right), l = place(3, 7, Pad::Left),
                  c = place(3, 8, Pad::Center), t = place(9, 4, Pad::Center);
  CHECK(r.src_start == 0 && r.dst_start == 0 && r.count == 3);
  CHECK(l.src_start == 0 && l.dst_start == 4 && l.count == 3);
  CHECK(c.dst_start == 2 && c.count == 3);  // 5 pads: 2 left, 3 right
  CHECK(t.src_start == 2 && t.dst_start == 0 && t.count == 4);  // 5 trimmed: 2 left, 3 right
}

static void test_one_hot(int threads) {
  std::mt19937 rng(7);
  // Plain table (comparison kernel) and a table with a fraction (gather kernel).
  std::vector<float> plain(4 * 256, 0.0f), fractional(4 * 256, 0.0f);
  for (int c = 0; c < 4; ++c) {
    plain[c * 256 + "ACGT"[c]] = plain[c * 256 + "acgt"[c]] = 1.0f;
    fractional[c * 256 + "ACGT"[c]] = fractional[c * 256 + "acgt"[c]] = 1.0f;
    fractional[c * 256 + 'N'] = 0.25f;
  }
  const Pad pads[3] = {Pad::Right, Pad::Left, Pad::Center};
  for (Pad pad : pads) {
    std::vector<std::string> seqs;
    for (int i = 0; i < 300; ++i) seqs.push_back(random_seq(rng, 1 + rng() % 90, "ACGTacgtXN"));
    seqs.push_back(random_seq(rng, 70000, "ACGTacgt"));  // spans three 32768-position pieces
    const std::size_t length = 50000;
    std::vector<float> out(seqs.size() * 4 * length, -1.0f);
    encode_table<float>(views(seqs), plain.data(), 4, length, pad, out.data(), threads);
    bool same = true;
    for (std::size_t n = 0; n < seqs.size(); ++n)
      for (std::size_t c = 0; c < 4; ++c)
        for (std::size_t j = 0; j < length; ++j)
          same &= out[(n * 4 + c) * length + j] == reference_one_hot(seqs[n], length, pad, c, j);
    CHECK(same);

    encode_table<float>(views(seqs), fractional.data(), 4, length, pad, out.data(), threads);
    bool quarter = true;
    for (std::size_t n = 0; n < seqs.size(); ++n) {
      const Placement pl = place(seqs[n].size(), length, pad);
      for (std::size_t j = 0; j < pl.count; ++j)
        if (seqs[n][pl.src_start + j] == 'N')
          for (std::size_t c = 0; c < 4; ++c)
            quarter &= out[(n * 4 + c) * length + pl.dst_start + j] == 0.25f;
    }
    CHECK(quarter);
  }
}

static void test_tokens() {
  std::vector<int64_t> table(256, 5);
  for (int i = 0; i < 4; ++i) table["ACGT"[i]] = table["acgt"[i]] = i + 1;
  const std::vector<std::string> seqs = {"ACGTN", "tg"};
  std::vector<int64_t> out(2 * 6, -1);
  encode_table<int64_t>(views(seqs), table.data(), 1, 6, Pad::Left, out.data(), 1);
  const std::vector<int64_t> want = {0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 4, 3};
  CHECK(out == want);
}

static void test_bad_byte(int threads) {
  bool allowed[256] = {};
  for (char c : std::string("ACGT")) allowed[static_cast<unsigned char>(c)] = true;
  std::vector<std::string> seqs(50, "ACGTACGT");
  CHECK(!find_bad_byte(views(seqs), allowed, threads).found);
  seqs[31][5] = 'x';
  seqs[40][1] = 'y';
  const BadByte bad = find_bad_byte(views(seqs), allowed, threads);
  CHECK(bad.found && bad.seq == 31 && bad.pos == 5 && bad.byte == 'x');
  std::string longer(std::size_t{4} << 20, 'A');
  longer[3000000] = 'Q';
  const BadByte one = find_bad_byte(views({longer}), allowed, threads);
  CHECK(one.found && one.seq == 0 && one.pos == 3000000);
}

// Against a plain loop: every byte value, alone and in random sequences, short and long.
static void test_non_sequence_byte(int threads) {
  auto reference = [](unsigned char c) {
    return !(std::isalpha(c) && c < 128) && c != '-' && c != '+' && c != '.' && c != '*';
  };
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    CHECK(find_non_sequence_byte(views({"ACGT", one}), threads).found ==
          reference(static_cast<unsigned char>(b)));
  }
  std::mt19937 rng(5);
  const std::string letters = "ACGTNacgtnRYXZ-+.*";
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> seqs;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) seqs.push_back(random_seq(rng, 1 + rng() % 300, letters));
    if (round % 2) {  // a few bad bytes at random places; the first one must be found
      for (int k = 0; k < 3; ++k) {
        std::string& s = seqs[rng() % seqs.size()];
        s[rng() % s.size()] = " \t\r\n09!\x01\x7f"[rng() % 10];
      }
    }
    BadByte want;
    for (std::size_t i = 0; i < seqs.size() && !want.found; ++i)
      for (std::size_t p = 0; p < seqs[i].size(); ++p)
        if (reference(static_cast<unsigned char>(seqs[i][p]))) {
          want = {true, i, p, static_cast<unsigned char>(seqs[i][p])};
          break;
        }
    const BadByte got = find_non_sequence_byte(views(seqs), threads);
    CHECK(got.found == want.found);
    if (want.found) CHECK(got.seq == want.seq && got.pos == want.pos && got.byte == want.byte);
  }
  std::string longer(std::size_t{5} << 20, 'a');  // several stretches of a long sequence
  CHECK(!find_non_sequence_byte(views({longer}), threads).found);
  {  // encode_table's check in the encoding pass: the byte placed, or trimmed off either end
    std::vector<float> plain(4 * 256, 0.0f), gather(4 * 256, 0.5f);
    for (int c = 0; c < 4; ++c) plain[c * 256 + "ACGT"[c]] = 1.0f;
    const std::size_t length = std::size_t{3} << 20;  // 5 Mbp trimmed to 3 (center: 1 off each)
    std::vector<float> out(2 * 4 * length);  // (room for two sequences)
    const std::size_t ends[3] = {10, 2500000, (std::size_t{5} << 20) - 3};
    for (const std::size_t at : ends) {
      std::string one = longer;
      for (const Pad pad : {Pad::Right, Pad::Left, Pad::Center}) {
        for (const std::vector<float>* table : {&plain, &gather}) {
          CHECK(!encode_table<float>(views({one}), table->data(), 4, length, pad, out.data(),
                                     threads, true));
          one[at] = '\r';
          CHECK(encode_table<float>(views({"ACGT", one}), table->data(), 4, length, pad,
                                    out.data(), threads, true));
          CHECK(!encode_table<float>(views({one}), table->data(), 4, length, pad, out.data(),
                                     threads, false));  // (unchecked)
          one[at] = 'a';
        }
      }
    }
  }
  longer[4500000] = ' ';
  longer[4600000] = '\r';
  const BadByte one = find_non_sequence_byte(views({longer}), threads);
  CHECK(one.found && one.seq == 0 && one.pos == 4500000 && one.byte == ' ');
}

static void test_reverse_complement(int threads) {
  unsigned char comp[256];
  for (int b = 0; b < 256; ++b) comp[b] = static_cast<unsigned char>(b);
  comp['A'] = 'T'; comp['T'] = 'A'; comp['C'] = 'G'; comp['G'] = 'C';
  std::mt19937 rng(3);
  const std::vector<std::string> seqs = {random_seq(rng, 3000000, "ACGT"), "AACG", "G"};
  std::vector<std::string> out;
  for (const auto& s : seqs) out.emplace_back(s.size(), '?');
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    std::vector<unsigned char*> dst = {reinterpret_cast<unsigned char*>(&out[i][0])};
    reverse_complement(views({seqs[i]}), comp, dst, threads);
  }
  CHECK(out[1] == "CGTT");
  CHECK(out[2] == "C");
  bool ok = true;
  for (std::size_t k = 0; k < seqs[0].size(); ++k)
    ok &= out[0][k] == comp[static_cast<unsigned char>(seqs[0][seqs[0].size() - 1 - k])];
  CHECK(ok);
}

static void test_kmers(int threads) {
  std::mt19937 rng(11);
  std::vector<std::string> seqs;
  for (int i = 0; i < 200; ++i) seqs.push_back(random_seq(rng, 1 + rng() % 300, "ACGTNacgu"));
  for (int k : {1, 3, 5}) {
    for (bool canonical : {false, true}) {
      const std::size_t width = std::size_t{1} << (2 * k);
      std::vector<int32_t> dense(seqs.size() * width, 0);
      kmer_counts_dense(views(seqs), k, canonical, dense.data(), threads);
      const KmerCsr csr = kmer_counts_sparse(views(seqs), k, canonical, threads);
      bool same = csr.indptr.size() == seqs.size() + 1;
      bool reference = true;
      for (std::size_t n = 0; n < seqs.size() && same; ++n) {
        std::vector<int32_t> row(width, 0);
        for (int64_t e = csr.indptr[n]; e < csr.indptr[n + 1]; ++e) row[csr.indices[e]] = csr.counts[e];
        same &= std::equal(row.begin(), row.end(), dense.begin() + n * width);
        // Reference count by string search, forward strand only.
        if (!canonical) {
          std::map<std::size_t, int> want;
          const std::string& s = seqs[n];
          for (std::size_t p = 0; p + k <= s.size(); ++p) {
            std::size_t col = 0;
            bool valid = true;
            for (int q = 0; q < k; ++q) {
              const std::size_t v = std::string("ACGT").find(static_cast<char>(
                  std::toupper(s[p + q] == 'u' ? 't' : s[p + q])));
              valid &= v != std::string::npos;
              col = col * 4 + (valid ? v : 0);
            }
            if (valid) ++want[col];
          }
          for (std::size_t col = 0; col < width; ++col)
            reference &= row[col] == (want.count(col) ? want[col] : 0);
        }
      }
      CHECK(same);
      CHECK(reference);
    }
  }
}

// Parses text with index_fasta + copy_sequences; names, descriptions and sequences as strings.
struct Parsed {
  bool ok;
  FastaError error;
  std::vector<std::string> names, descriptions, sequences;
};

static Parsed parse(const std::string& text, int threads = 2) {
  Parsed out;
  std::vector<FastaRecord> records;
  out.ok = index_fasta(text.data(), text.size(), records, out.error);
  if (!out.ok) return out;
  std::vector<char*> dst;
  for (const auto& r : records) {
    out.names.push_back(text.substr(r.name_begin, r.name_end - r.name_begin));
    out.descriptions.push_back(text.substr(r.desc_begin, r.desc_end - r.desc_begin));
    out.sequences.emplace_back(r.seq_len, '?');
  }
  for (auto& s : out.sequences) dst.push_back(&s[0]);
  copy_sequences(text.data(), records, dst, threads);
  return out;
}

static void test_fasta() {
  const Parsed good = parse("\n>one first record\r\nACGT\r\nac\r\n\n;comment\n>two\nNN NN\n\n>three\nA\n\nC");
  CHECK(good.ok && good.names.size() == 3);
  CHECK(good.names[0] == "one" && good.descriptions[0] == "first record");
  CHECK(good.sequences[0] == "ACGTac" && good.sequences[1] == "NNNN" && good.sequences[2] == "AC");

  // every sequence letter of letters.hpp is kept, through the vectorised scan and line by line
  const Parsed symbols = parse(">s\nAC-+.*gt\n>t\nA+C*\t-.\n");
  CHECK(symbols.ok && symbols.sequences[0] == "AC-+.*gt" && symbols.sequences[1] == "A+C*-.");

  const Parsed bom = parse("\xEF\xBB\xBF>a\nAC\n");
  CHECK(bom.ok && bom.names.size() == 1 && bom.names[0] == "a");

  // Many records of many lines, copied on several threads, equal a line-by-line reference.
  std::mt19937 rng(5);
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    want.push_back(random_seq(rng, 1 + rng() % 500, "ACGTNacgtn"));
    text += ">r" + std::to_string(i) + (i % 7 ? "\n" : " some description\r\n");
    const std::size_t width = 1 + rng() % 80;
    for (std::size_t p = 0; p < want.back().size(); p += width)
      text += want.back().substr(p, width) + (i % 5 ? "\n" : "\r\n");
  }
  const Parsed many = parse(text, 3);
  CHECK(many.ok && many.sequences == want);

  struct Bad {
    std::string text;
    std::size_t line;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"ACGT\n>x\nA\n", 1, "before the first header"},
      {">x\nAC\n>\nAC\n", 3, "no name"},
      {">x\n>y\nAC\n", 1, "has no sequence"},
      {">x\nAC\n>y\n", 3, "has no sequence"},
      {">x\nA\x01GT\n", 2, "binary data"},
      {">x\nAC7T\n", 2, "unexpected character '7'"},
      {">x\nAC\xc3\xa9T\n", 2, "non-ASCII character"},
      {">x\rACGT\r", 1, "CR-only"},
  };
  for (const auto& b : bad) {
    const Parsed r = parse(b.text);
    CHECK(!r.ok && r.error.line == b.line && r.error.message.find(b.says) != std::string::npos);
  }
}

// index_fasta in chunks on threads gives what one pass gives: the same records (offsets, lines,
// lengths) or the same error, on random texts with headers, blank and comment lines, CRLF and
// now and then a fault.
static void test_fasta_chunks() {
  std::mt19937 rng(11);
  const std::vector<std::string> faults = {"A7", "\x01", ">", "\xc3\xa9", "\r", "\n>\n"};
  int faulty = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = round % 10 == 0 ? "\xEF\xBB\xBF" : "";
    const int records = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < records; ++i) {
      text += ">r" + std::to_string(i) + (rng() % 3 ? "" : " a description") +
              (rng() % 4 ? "\n" : "\r\n");
      const int lines = rng() % 200 ? 2 + static_cast<int>(rng() % 5) : 0;  // 0: no sequence
      text += random_seq(rng, 1 + rng() % 70, "ACGTNacgt") + "\n";
      for (int l = 0; l < lines; ++l) {
        const int kind = static_cast<int>(rng() % 10);
        if (kind == 0) text += "\n";
        else if (kind == 1) text += ";comment\n";
        else
          text += random_seq(rng, 1 + rng() % 70, "ACGTNacgt -+") + (rng() % 4 ? "\n" : "\r\n");
      }
    }
    if (round % 3 == 0) text.insert(rng() % text.size(), faults[rng() % faults.size()]);
    std::vector<FastaRecord> one, many;
    FastaError one_error, many_error;
    const bool one_ok = index_fasta(text.data(), text.size(), one, one_error, 1);
    const bool many_ok = index_fasta(text.data(), text.size(), many, many_error, 1 + rng() % 4, 16);
    faulty += !one_ok;
    CHECK(one_ok == many_ok);
    if (!one_ok) {
      CHECK(one_error.line == many_error.line && one_error.column == many_error.column &&
            one_error.message == many_error.message);
      continue;
    }
    bool same = one.size() == many.size();
    for (std::size_t i = 0; same && i < one.size(); ++i)
      same = one[i].header_line == many[i].header_line &&
             one[i].name_begin == many[i].name_begin &&
             one[i].name_end == many[i].name_end && one[i].desc_begin == many[i].desc_begin &&
             one[i].desc_end == many[i].desc_end && one[i].seq_begin == many[i].seq_begin &&
             one[i].seq_end == many[i].seq_end && one[i].seq_len == many[i].seq_len &&
             one[i].clean == many[i].clean;
    CHECK(same);
  }
  CHECK(faulty > 50 && faulty < 250);  // both kinds of text were met
}

int main() {
  test_place();
  for (int threads : {1, 2, 3}) {
    test_one_hot(threads);
    test_bad_byte(threads);
    test_non_sequence_byte(threads);
    test_reverse_complement(threads);
    test_kmers(threads);
  }
  test_tokens();
  test_fasta();
  test_fasta_chunks();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
