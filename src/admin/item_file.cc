#include "admin/item_file.h"

#include <csv.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <vector>

#include "primitive/json_util.h"
#include "security/crypto/crypto.h"

namespace trustcse::admin {

namespace bj = boost::json;

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMaxColumns = 256;

// libcsv's buffer of the field being read: refused past twice an item's bound, so that a field
// with no end does not take the memory (libcsv then reports CSV_ENOMEM).
void* BoundedRealloc(void* p, size_t n) {
  return n > 2 * ItemFile::kMaxItemBytes ? nullptr : std::realloc(p, n);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsListField(std::string_view k) {
  return k == "entities" || k == "credentials" || k == "allowed_imeis";
}

// A stream the reader owns (a file) or borrows (tests).
struct Source {
  std::unique_ptr<std::istream> owned;
  std::istream* in;
};

class CsvFile final : public ItemFile {
 public:
  CsvFile(Source src, Items items) : ItemFile(items), src_(std::move(src)) {
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&parser_, BoundedRealloc);
  }
  ~CsvFile() override { csv_free(&parser_); }

  Result<std::optional<bj::value>> Next() override {
    while (true) {
      if (!ready_.empty()) {
        std::vector<std::string> row = std::move(ready_.front());
        ready_.pop_front();
        if (header_.empty()) {
          if (Status s = TakeHeader(std::move(row)); !s.ok()) return Err(s);
          continue;
        }
        auto item = Convert(row);
        if (!item) return Err(item.error());
        return Accept(std::move(*item));
      }
      if (!error_.empty()) return Err(Bad(error_));
      if (eof_) return std::optional<bj::value>();
      char buf[kChunk];
      src_.in->read(buf, sizeof buf);
      const size_t n = static_cast<size_t>(src_.in->gcount());
      if (n == 0) {
        eof_ = true;
        if (csv_fini(&parser_, OnField, OnRow, this) != 0 && error_.empty()) error_ = CsvError();
        continue;
      }
      if (csv_parse(&parser_, buf, n, OnField, OnRow, this) != n && error_.empty()) {
        error_ = CsvError();
      }
    }
  }

 private:
  std::string CsvError() {
    const int e = csv_error(&parser_);
    if (e == CSV_ENOMEM) return "longer than " + std::to_string(kMaxItemBytes) + " bytes";
    return std::string("CSV: ") + csv_strerror(e);
  }
  static void OnField(void* s, size_t len, void* data) {
    auto* self = static_cast<CsvFile*>(data);
    self->row_bytes_ += len + 1;  // an empty cell costs too
    if (self->row_.size() >= kMaxColumns && self->error_.empty()) {
      self->error_ = "more than " + std::to_string(kMaxColumns) + " cells";
    }
    if (self->row_bytes_ > kMaxItemBytes || !self->error_.empty()) {
      if (self->error_.empty()) {
        self->error_ = "longer than " + std::to_string(kMaxItemBytes) + " bytes";
      }
      return;
    }
    self->row_.emplace_back(static_cast<const char*>(s), s == nullptr ? 0 : len);
  }
  static void OnRow(int, void* data) {
    auto* self = static_cast<CsvFile*>(data);
    if (self->error_.empty()) self->ready_.push_back(std::move(self->row_));
    self->row_.clear();
    self->row_bytes_ = 0;
  }

  Status TakeHeader(std::vector<std::string> row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i].empty())
        return Status::BadRequest("CSV header: column " + std::to_string(i + 1) + " has no name");
      if (std::find(row.begin(), row.begin() + i, row[i]) != row.begin() + i) {
        return Status::BadRequest("CSV header: column " + row[i] + " twice");
      }
    }
    if (items_ == Items::kIds && std::find(row.begin(), row.end(), "id") == row.end()) {
      return Status::BadRequest("CSV header: no id column (the subscription IDs)");
    }
    header_ = std::move(row);
    return Status::Ok();
  }

  Result<bj::value> Convert(const std::vector<std::string>& row) const {
    if (row.size() != header_.size()) {
      return Err(Bad(std::to_string(row.size()) + " cells, the header names " +
                     std::to_string(header_.size())));
    }
    bj::object o;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& k = header_[i];
      const std::string& v = row[i];
      if (v.empty()) continue;
      if (IsListField(k)) {
        bj::array a;
        size_t start = 0;
        while (start <= v.size()) {
          size_t end = std::min(v.find(';', start), v.size());
          std::string part = v.substr(start, end - start);
          part.erase(0, part.find_first_not_of(' '));
          part.erase(part.find_last_not_of(' ') + 1);
          if (!part.empty()) a.emplace_back(part);
          start = end + 1;
        }
        o[k] = std::move(a);
      } else if (k == "mnc_digits") {
        int64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size()) return Err(Bad(k + " is a number"));
        o[k] = n;
      } else if (k == "profile") {
        auto p = json::ParseUntrusted(v);
        if (!p || !p->is_object()) return Err(Bad("profile is a JSON object"));
        o[k] = std::move(*p);
      } else {
        o[k] = v;
      }
    }
    if (items_ == Items::kIds) {
      const bj::value* id = o.if_contains("id");
      if (id == nullptr) return Err(Bad("no id"));
      return bj::value(id->get_string());
    }
    return bj::value(std::move(o));
  }

  Source src_;
  csv_parser parser_{};
  std::vector<std::string> header_;
  std::vector<std::string> row_;
  size_t row_bytes_ = 0;
  std::deque<std::vector<std::string>> ready_;
  std::string error_;
  bool eof_ = false;
};

class JsonLinesFile final : public ItemFile {
 public:
  JsonLinesFile(Source src, Items items) : ItemFile(items), src_(std::move(src)) {}
  Result<std::optional<bj::value>> Next() override {
    std::string line;
    while (ReadLine(line)) {
      if (line.size() > kMaxItemBytes) {
        return Err(Bad("longer than " + std::to_string(kMaxItemBytes) + " bytes"));
      }
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto v = json::ParseUntrusted(line);
      if (!v) return Err(Bad("not JSON: " + v.error().message()));
      return Accept(std::move(*v));
    }
    return std::optional<bj::value>();
  }

 private:
  // A line without its end, at most kMaxItemBytes + 1 characters kept (enough to say it is
  // too long); false at the end of the input.
  bool ReadLine(std::string& line) {
    line.clear();
    std::streambuf* buf = src_.in->rdbuf();
    bool any = false;
    for (int c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
      any = true;
      if (c == '\n') return true;
      if (line.size() <= kMaxItemBytes) line.push_back(static_cast<char>(c));
    }
    return any;
  }

  Source src_;
};

class JsonArrayFile final : public ItemFile {
 public:
  JsonArrayFile(Source src, Items items) : ItemFile(items), src_(std::move(src)) {}
  Result<std::optional<bj::value>> Next() override {
    if (!parsed_) {
      parsed_ = true;
      std::string text(std::istreambuf_iterator<char>(*src_.in), {});
      auto v = json::ParseUntrusted(text);
      if (!v) return Err(Status::BadRequest("not JSON: " + v.error().message()));
      if (!v->is_array()) return Err(Status::BadRequest("a .json file holds one array of items"));
      all_ = std::move(v->get_array());
    }
    if (next_ >= all_.size()) return std::optional<bj::value>();
    if (json::Serialize(all_[next_]).size() > kMaxItemBytes) {
      return Err(Bad("longer than " + std::to_string(kMaxItemBytes) + " bytes"));
    }
    return Accept(std::move(all_[next_++]));
  }

 private:
  Source src_;
  bool parsed_ = false;
  bj::array all_;
  size_t next_ = 0;
};

std::unique_ptr<ItemFile> Make(Source src, ItemFile::Format format, ItemFile::Items items) {
  switch (format) {
    case ItemFile::Format::kCsv:
      return std::make_unique<CsvFile>(std::move(src), items);
    case ItemFile::Format::kJsonLines:
      return std::make_unique<JsonLinesFile>(std::move(src), items);
    case ItemFile::Format::kJsonArray:
      break;
  }
  return std::make_unique<JsonArrayFile>(std::move(src), items);
}

}  // namespace

Result<ItemFile::Format> ItemFile::FormatOf(const std::string& path) {
  if (EndsWith(path, ".csv")) return Format::kCsv;
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson")) return Format::kJsonLines;
  if (EndsWith(path, ".json")) return Format::kJsonArray;
  return Err(Status::BadRequest(path + ": name the format by the extension: .csv, .jsonl (one "
                                       "JSON item per line) or .json (one array)"));
}

Result<std::unique_ptr<ItemFile>> ItemFile::Open(const std::string& path, Items items) {
  auto format = FormatOf(path);
  if (!format) return Err(format.error());
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return Err(Status::BadRequest("cannot read " + path));
  std::istream* raw = in.get();
  return Make(Source{std::move(in), raw}, *format, items);
}

std::unique_ptr<ItemFile> ItemFile::FromStream(std::istream& in, Format format, Items items) {
  return Make(Source{nullptr, &in}, format, items);
}

Status ItemFile::Bad(const std::string& why) const {
  return Status::BadRequest("item " + std::to_string(count_ + 1) + ": " + why);
}

Result<std::optional<bj::value>> ItemFile::Accept(bj::value v) {
  if (items_ == Items::kIds) {
    if (v.is_object()) {
      const bj::value* id = v.get_object().if_contains("id");
      if (id == nullptr || !id->is_string()) return Err(Bad("no id"));
      v = bj::value(id->get_string());
    }
    if (!v.is_string() || v.get_string().empty()) {
      return Err(Bad("an ID: a string, or an object with id"));
    }
  } else if (!v.is_object()) {
    return Err(Bad("a JSON object of fields"));
  }
  ++count_;
  return std::optional<bj::value>(std::move(v));
}

Result<std::string> FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(Status::BadRequest("cannot read " + path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Err(Status::Internal("SHA-256 unavailable"));
  }
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Err(Status::BadRequest("cannot read " + path + " to its end"));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) return Err(Status::Internal("SHA-256 failed"));
  return security::crypto::Hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace trustcse::admin
