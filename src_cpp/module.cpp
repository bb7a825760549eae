// deepomics._core: the pybind11 boundary over the C++ kernels.
//
// Each function collects pointers to the sequences' bytes while it holds the GIL (checking
// types, missing values, non-ASCII text and empty sequences once, here), allocates its output,
// then releases the GIL for the kernel. The Python layer (deepomics.seq) builds the lookup
// tables and is the public API; these functions are not.
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "encode.hpp"
#include "fasta.hpp"
#include "letters.hpp"

namespace py = pybind11;
using namespace deepomics;

namespace {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

// Views of a list of str / bytes, with a reference held on each item so that nothing the views
// point into can be freed while the GIL is released. The vectors' memory is reused from call to
// call on the same thread: fresh memory for 200,000 sequences costs more page faults than the
// rest of collecting them. Destroyed with the GIL held.
struct Sequences {
  std::vector<SeqView> views;
  std::vector<PyObject*> items;

  Sequences() {
    views.swap(spare_views());
    items.swap(spare_items());
    views.clear();
    items.clear();
  }
  ~Sequences() {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i + 16 < items.size()) __builtin_prefetch(items[i + 16], 1);
      Py_DECREF(items[i]);
    }
    items.clear();
    if (views.capacity() <= kKeep) views.swap(spare_views());
    if (items.capacity() <= kKeep) items.swap(spare_items());
  }
  Sequences(const Sequences&) = delete;
  Sequences& operator=(const Sequences&) = delete;

 private:
  static constexpr std::size_t kKeep = std::size_t{1} << 22;  // sequences' worth kept for reuse
  static std::vector<SeqView>& spare_views() {
    thread_local std::vector<SeqView> spare;
    return spare;
  }
  static std::vector<PyObject*>& spare_items() {
    thread_local std::vector<PyObject*> spare;
    return spare;
  }
};

std::string type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }

// A 0-based index as the user counts it in messages: plus deepomics.messages.INDEX_BASE (0 in
// Python, 1 when the R package loaded deepomics). Only called on the way to an error.
std::string nth(std::size_t i) {
  py::gil_scoped_acquire gil;
  long base = 0;
  try {  // never let the numbering replace the error it is part of
    base = py::module_::import("deepomics.messages").attr("INDEX_BASE").cast<long>();
  } catch (const py::error_already_set&) {
  } catch (const py::cast_error&) {
  }
  return std::to_string(static_cast<long long>(i) + base);
}

void collect(const py::list& seqs, Sequences& out) {
  const std::size_t n = static_cast<std::size_t>(PyList_GET_SIZE(seqs.ptr()));
  if (n == 0) throw py::value_error("no sequences given: pass at least one sequence");
  out.items.reserve(n);
  out.views.reserve(n);
  constexpr std::size_t kAhead = 16;  // the items are scattered: ask for their headers early
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(PyList_GET_ITEM(seqs.ptr(), static_cast<Py_ssize_t>(i + kAhead)));
    PyObject* o = PyList_GET_ITEM(seqs.ptr(), static_cast<Py_ssize_t>(i));
    SeqView v{};
    if (PyUnicode_Check(o)) {
      if (!PyUnicode_IS_ASCII(o)) {
        Py_ssize_t pos = 0;
        while (PyUnicode_READ_CHAR(o, pos) < 128) ++pos;
        PyObject* ch = PyUnicode_Substring(o, pos, pos + 1);
        const std::string shown = ch ? py::reinterpret_steal<py::str>(ch).cast<std::string>() : "?";
        throw py::value_error("sequence " + nth(i) + ", position " +
                              nth(static_cast<std::size_t>(pos)) + ": '" + shown +
                              "' is a non-ASCII character; sequences are ASCII letters such as A, C, G, T");
      }
      v.data = static_cast<const unsigned char*>(PyUnicode_DATA(o));
      v.size = static_cast<std::size_t>(PyUnicode_GET_LENGTH(o));
    } else if (PyBytes_Check(o)) {
      v.data = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(o));
      v.size = static_cast<std::size_t>(PyBytes_GET_SIZE(o));
    } else if (o == Py_None || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o))) ||
               type_name(o) == "NAType") {  // None, NaN (pandas' missing text), pandas.NA
      throw py::value_error("sequence " + nth(i) +
                            " is missing (None, NaN or NA); remove it or fill it in");
    } else {
      const std::string type = type_name(o);
      const bool biopython = type == "SeqRecord" || type == "Seq";
      throw py::type_error("sequence " + nth(i) + " is a " + type + ", expected str or bytes" +
                           (biopython ? "; for Biopython records pass str(record.seq)" : ""));
    }
    if (v.size == 0)
      throw py::value_error("sequence " + nth(i) +
                            " is empty; remove empty sequences first");
    Py_INCREF(o);
    out.items.push_back(o);
    out.views.push_back(v);
  }
}

// Refuses sequences holding a byte that is no sequence letter (whitespace, a line end, a
// digit, a control byte): encoded, it would be an unknown position, silently (a '\r' left by a
// Windows line end shifts a left-padded sequence by one).
void check_sequence_bytes(const Sequences& s, int threads) {
  BadByte bad;
  {
    py::gil_scoped_release release;
    bad = find_non_sequence_byte(s.views, threads);
  }
  if (!bad.found) return;
  const unsigned char c = bad.byte;
  std::string shown;
  if (c == ' ') shown = "' ' (a space)";
  else if (c == '\t') shown = "'\\t' (a tab)";
  else if (c == '\r') shown = "'\\r' (a carriage return: a Windows line end?)";
  else if (c == '\n') shown = "'\\n' (a line break)";
  else if (c > 0x20 && c < 0x7f) shown = std::string("'") + static_cast<char>(c) + "'";
  else {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", c);
    shown = std::string("byte ") + hex;
  }
  throw py::value_error("sequence " + nth(bad.seq) + ", position " + nth(bad.pos) + ": " + shown +
                        " is not a sequence letter; sequences hold letters only (and '-', '+', "
                        "'.', '*'): strip spaces and line ends from them (read FASTA files "
                        "with read_fasta)");
}

// The output length: `length` when given (> 0), else the common length of all sequences.
std::size_t resolve_length(const std::vector<SeqView>& views, long long length) {
  if (length > 0) return static_cast<std::size_t>(length);
  if (length == 0) throw py::value_error("length must be a positive number of positions");
  const std::size_t first = views[0].size;
  for (std::size_t i = 1; i < views.size(); ++i)
    if (views[i].size != first)
      throw py::value_error("sequences differ in length: sequence " + nth(0) + " has " +
                            std::to_string(first) + " letters but sequence " + nth(i) +
                            " has " + std::to_string(views[i].size) +
                            "; pass length= to pad or trim them all to one length");
  return first;
}

Pad parse_pad(const std::string& pad) {
  if (pad == "right") return Pad::Right;
  if (pad == "left") return Pad::Left;
  if (pad == "center") return Pad::Center;
  throw py::value_error("pad must be 'right', 'left' or 'center', not '" + pad + "'");
}

template <class T>
py::array encode_as(const Sequences& s, const py::array& table, std::size_t length, Pad pad,
                    int threads, const py::object& into) {
  auto tab = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(table);
  if (!tab || tab.ndim() != 2 || tab.shape(1) != 256)
    throw py::value_error("table must be a (channels, 256) array");
  const int channels = static_cast<int>(tab.shape(0));
  const std::vector<py::ssize_t> shape = {static_cast<py::ssize_t>(s.views.size()),
                                           static_cast<py::ssize_t>(channels),
                                           static_cast<py::ssize_t>(length)};
  py::array_t<T> out;
  if (into.is_none()) {
    out = py::array_t<T>(shape);
  } else {
    out = py::array_t<T>::ensure(into);
    if (!out || !py::isinstance<py::array_t<T, py::array::c_style>>(into) || out.ndim() != 3 ||
        std::vector<py::ssize_t>(out.shape(), out.shape() + 3) != shape)
      throw py::value_error("out must be a C-contiguous array of shape (" +
                            std::to_string(shape[0]) + ", " + std::to_string(shape[1]) + ", " +
                            std::to_string(shape[2]) + ") and the result's dtype");
  }
  const T* t = tab.data();
  T* o = out.mutable_data();
  // The caller's own `out` is left as it was when a byte is refused (checked first, a second
  // pass); a new array is checked in the encoding pass and dropped.
  const bool own = into.is_none();
  if (!own) check_sequence_bytes(s, threads);
  bool saw_non_sequence;
  {
    py::gil_scoped_release release;
    saw_non_sequence = encode_table<T>(s.views, t, channels, length, pad, o, threads, own);
  }
  if (saw_non_sequence) check_sequence_bytes(s, threads);  // names the first and raises
  return out;
}

py::array encode(const py::list& seqs, const py::array& table, long long length,
                 const std::string& pad, int threads, const py::object& out) {
  const Pad p = parse_pad(pad);
  Sequences s;
  collect(seqs, s);
  threads = resolve_threads(threads);
  std::size_t len;
  try {
    len = resolve_length(s.views, length);
  } catch (const py::value_error&) {
    check_sequence_bytes(s, threads);  // a '\r' is named as such, not as a length that differs
    throw;
  }
  const py::dtype dt = table.dtype();
  if (dt.is(py::dtype::of<float>())) return encode_as<float>(s, table, len, p, threads, out);
  if (dt.is(py::dtype::of<uint8_t>())) return encode_as<uint8_t>(s, table, len, p, threads, out);
  if (dt.is(py::dtype::of<uint16_t>())) return encode_as<uint16_t>(s, table, len, p, threads, out);
  if (dt.is(py::dtype::of<int64_t>())) return encode_as<int64_t>(s, table, len, p, threads, out);
  throw py::type_error("table dtype must be float32, uint8, uint16 (float16 bits) or int64");
}

py::object first_bad_byte(const py::list& seqs, const py::array_t<bool>& allowed, int threads) {
  if (allowed.ndim() != 1 || allowed.shape(0) != 256)
    throw py::value_error("allowed must be a boolean array of 256 entries");
  Sequences s;
  collect(seqs, s);
  bool ok[256];
  for (int b = 0; b < 256; ++b) ok[b] = allowed.at(b);
  BadByte bad;
  {
    py::gil_scoped_release release;
    bad = find_bad_byte(s.views, ok, resolve_threads(threads));
  }
  if (!bad.found) return py::none();
  return py::make_tuple(bad.seq, bad.pos, static_cast<int>(bad.byte));
}

py::array_t<int64_t> lengths(const py::list& seqs) {
  Sequences s;
  collect(seqs, s);
  py::array_t<int64_t> out(static_cast<py::ssize_t>(s.views.size()));
  auto o = out.mutable_unchecked<1>();
  for (std::size_t i = 0; i < s.views.size(); ++i)
    o(static_cast<py::ssize_t>(i)) = static_cast<int64_t>(s.views[i].size);
  return out;
}

py::list reverse_complement_py(const py::list& seqs, const py::array_t<uint8_t>& complement,
                               int threads) {
  if (complement.ndim() != 1 || complement.shape(0) != 256)
    throw py::value_error("complement must be a uint8 array of 256 entries");
  Sequences s;
  collect(seqs, s);
  unsigned char table[256];
  for (int b = 0; b < 256; ++b) table[b] = complement.at(b);
  py::list out(s.views.size());
  std::vector<unsigned char*> dst(s.views.size());
  for (std::size_t i = 0; i < s.views.size(); ++i) {
    const Py_ssize_t n = static_cast<Py_ssize_t>(s.views[i].size);
    PyObject* o = PyUnicode_Check(s.items[i]) ? PyUnicode_New(n, 127)
                                                   : PyBytes_FromStringAndSize(nullptr, n);
    if (!o) throw py::error_already_set();
    dst[i] = PyUnicode_Check(o) ? static_cast<unsigned char*>(PyUnicode_DATA(o))
                                : reinterpret_cast<unsigned char*>(PyBytes_AS_STRING(o));
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), o);  // steals o
  }
  {
    py::gil_scoped_release release;
    reverse_complement(s.views, table, dst, resolve_threads(threads));
  }
  return out;
}

py::object kmer_counts_py(const py::list& seqs, int k, bool canonical, bool sparse, int threads) {
  if (k < 1 || k > kMaxK)
    throw py::value_error("k must be between 1 and " + std::to_string(kMaxK) + ", not " +
                          std::to_string(k));
  Sequences s;
  collect(seqs, s);
  threads = resolve_threads(threads);
  check_sequence_bytes(s, threads);
  const py::ssize_t width = py::ssize_t{1} << (2 * k);
  if (!sparse) {
    py::array_t<int32_t> out({static_cast<py::ssize_t>(s.views.size()), width});
    int32_t* o = out.mutable_data();
    {
      py::gil_scoped_release release;
      std::fill(o, o + out.size(), 0);
      kmer_counts_dense(s.views, k, canonical, o, threads);
    }
    return out;
  }
  KmerCsr csr;
  {
    py::gil_scoped_release release;
    csr = kmer_counts_sparse(s.views, k, canonical, threads);
  }
  auto to_array = [](const auto& v) {
    using V = typename std::decay_t<decltype(v)>::value_type;
    py::array_t<V> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  };
  return py::make_tuple(to_array(csr.indptr), to_array(csr.indices), to_array(csr.counts));
}

// A header part as str; `where` names the file and line when it is not UTF-8.
PyObject* header_text(const char* p, std::size_t n, const std::string& source, std::size_t line) {
  PyObject* o = PyUnicode_DecodeUTF8(p, static_cast<Py_ssize_t>(n), "strict");
  if (!o) {
    PyErr_Clear();
    throw py::value_error("malformed FASTA (" + source + ", line " + std::to_string(line) +
                          "): the header is not UTF-8 text; save the file as UTF-8 or ASCII");
  }
  return o;
}

py::tuple parse_fasta_py(const py::buffer& data, const std::string& source) {
  const py::buffer_info info = data.request();
  const char* buf = static_cast<const char*>(info.ptr);
  const std::size_t n = static_cast<std::size_t>(info.size * info.itemsize);
  std::vector<FastaRecord> records;
  FastaError err;
  bool ok;
  {
    py::gil_scoped_release release;
    ok = index_fasta(buf, n, records, err, resolve_threads(0));
  }
  if (!ok) {
    std::string where = source + ", line " + std::to_string(err.line);
    if (err.column > 0) where += ", column " + std::to_string(err.column);
    throw py::value_error("malformed FASTA (" + where + "): " + err.message);
  }
  const std::size_t count = records.size();
  py::list names(count), descriptions(count), sequences(count);
  py::str empty("");
  std::vector<char*> dst(count);
  for (std::size_t i = 0; i < count; ++i) {
    const FastaRecord& r = records[i];
    const Py_ssize_t at = static_cast<Py_ssize_t>(i);
    PyList_SET_ITEM(names.ptr(), at,
                    header_text(buf + r.name_begin, r.name_end - r.name_begin, source, r.header_line));
    PyObject* desc = nullptr;
    if (r.desc_end == r.desc_begin) {
      desc = empty.inc_ref().ptr();
    } else {
      desc = header_text(buf + r.desc_begin, r.desc_end - r.desc_begin, source, r.header_line);
    }
    PyList_SET_ITEM(descriptions.ptr(), at, desc);
    PyObject* s = PyUnicode_New(static_cast<Py_ssize_t>(r.seq_len), 127);
    if (!s) throw py::error_already_set();
    dst[i] = static_cast<char*>(PyUnicode_DATA(s));
    PyList_SET_ITEM(sequences.ptr(), at, s);
  }
  {
    py::gil_scoped_release release;
    copy_sequences(buf, records, dst, resolve_threads(0));
  }
  return py::make_tuple(names, descriptions, sequences);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "deepomics C++ sequence kernels (private; use deepomics.seq)";
  m.def("encode", &encode, py::arg("seqs"), py::arg("table"), py::arg("length"), py::arg("pad"),
        py::arg("threads") = 0, py::arg("out") = py::none(),
        "(N, C, length) array: table[c, byte] per placed byte, zero where padded; into `out` "
        "when given");
  m.def("first_bad_byte", &first_bad_byte, py::arg("seqs"), py::arg("allowed"),
        py::arg("threads") = 0, "(sequence, position, byte) of the first disallowed byte, or None");
  m.def("lengths", &lengths, py::arg("seqs"), "int64 lengths, after checking every sequence");
  m.def("reverse_complement", &reverse_complement_py, py::arg("seqs"), py::arg("complement"),
        py::arg("threads") = 0);
  m.def("kmer_counts", &kmer_counts_py, py::arg("seqs"), py::arg("k"), py::arg("canonical"),
        py::arg("sparse"), py::arg("threads") = 0,
        "dense int32 (N, 4^k), or (indptr, indices, counts) when sparse");
  m.def("parse_fasta", &parse_fasta_py, py::arg("data"), py::arg("source"),
        "(names, descriptions, sequences) of the FASTA text in data");
  py::array_t<bool> sequence_bytes(256);
  for (int b = 0; b < 256; ++b)
    sequence_bytes.mutable_at(b) = !not_sequence(static_cast<unsigned char>(b));
  sequence_bytes.attr("flags").attr("writeable") = false;
  m.attr("sequence_bytes") = sequence_bytes;  // (256,) bool: the bytes that are sequence letters
  m.attr("max_k") = kMaxK;
}
