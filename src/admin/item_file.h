// ItemFile: the items of a bulk operation read from an operator's file (security/trust/
// bulk_job.h; the CLI's `device import`, `subscription import`, `subscription bulk`), one at a
// time, so that a file of millions of lines is never held whole in memory (a .json array is).
//
// Formats, by the file name's extension:
//   .csv          RFC 4180 (libcsv): a header row naming the fields, then one item per row.
//                 An empty cell is an absent field; the list fields (entities, credentials,
//                 allowed_imeis) are split on ';'; mnc_digits is a number; profile is JSON.
//   .jsonl .ndjson one JSON value per line (JSON Lines); blank lines are skipped.
//   .json         one JSON array of the items.
// Items are records (JSON objects: device.add's or subscription.add's fields) or IDs (strings;
// a CSV's "id" column, a record's "id" member, or a bare JSON string).
//
// Errors (4000) name the item: "item 12: …" (the 12th item, counted from 1 as bulk jobs count
// them). An item is at most kMaxItemBytes. Not thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace trustcse::admin {

class ItemFile {
 public:
  enum class Format { kCsv, kJsonLines, kJsonArray };
  enum class Items { kRecords, kIds };
  static constexpr size_t kMaxItemBytes = 64 * 1024;

  // The format a file name's extension gives; 4000 naming the extensions otherwise.
  static Result<Format> FormatOf(const std::string& path);
  // Reads the file at `path` (4000 if it cannot be opened).
  static Result<std::unique_ptr<ItemFile>> Open(const std::string& path, Items items);
  // Reads `in`, which must outlive the reader (tests, fuzzing).
  static std::unique_ptr<ItemFile> FromStream(std::istream& in, Format format, Items items);

  virtual ~ItemFile() = default;
  // The next item (a JSON object, or a string for kIds); nullopt at the end.
  virtual Result<std::optional<boost::json::value>> Next() = 0;
  // Items returned so far.
  uint64_t count() const { return count_; }

 protected:
  explicit ItemFile(Items items) : items_(items) {}
  // `v` as an item of the kind asked for, counted; 4000 "item N: …" otherwise.
  Result<std::optional<boost::json::value>> Accept(boost::json::value v);
  Status Bad(const std::string& why) const;  // "item <count+1>: why"

  Items items_;
  uint64_t count_ = 0;
};

// The hex SHA-256 of the file at `path` (a bulk job's name: the same file, the same job).
Result<std::string> FileDigest(const std::string& path);

}  // namespace trustcse::admin
