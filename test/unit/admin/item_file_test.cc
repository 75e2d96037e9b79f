// Tests of the bulk files (admin/item_file.h): CSV with its header, quoting, list and number
// fields and JSON profiles; JSON Lines with blank lines; a JSON array; IDs in each form; and
// the errors, which name the item and its cause.
#include "admin/item_file.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

namespace trustcse::admin {
namespace {

namespace bj = boost::json;
using Format = ItemFile::Format;
using Items = ItemFile::Items;

// Every item of `text` serialized, or "error: <message>" for the first error.
std::vector<std::string> Read(const std::string& text, Format format, Items items) {
  std::istringstream in(text);
  auto file = ItemFile::FromStream(in, format, items);
  std::vector<std::string> out;
  while (true) {
    auto item = file->Next();
    if (!item) {
      out.push_back("error: " + item.error().message());
      break;
    }
    if (!*item) break;
    out.push_back(bj::serialize(**item));
  }
  return out;
}

TEST(ItemFile, FormatByExtension) {
  EXPECT_EQ(*ItemFile::FormatOf("a/b.csv"), Format::kCsv);
  EXPECT_EQ(*ItemFile::FormatOf("b.jsonl"), Format::kJsonLines);
  EXPECT_EQ(*ItemFile::FormatOf("b.ndjson"), Format::kJsonLines);
  EXPECT_EQ(*ItemFile::FormatOf("b.json"), Format::kJsonArray);
  auto none = ItemFile::FormatOf("b.txt");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message().find(".csv, .jsonl"), std::string::npos);
  EXPECT_FALSE(ItemFile::Open("/nonexistent/x.csv", Items::kRecords).has_value());
}

TEST(ItemFile, CsvRecords) {
  const std::string csv =
      "id,app,entities,mnc_digits,profile,purpose\r\n"
      "m1,A,C1; C2 ;,3,\"{\"\"rate\"\":5}\",\"metering, hall 1\"\r\n"
      "m2,A,,,,\"two\nlines\"\n";
  auto items = Read(csv, Format::kCsv, Items::kRecords);
  ASSERT_EQ(items.size(), 2u) << items.back();
  EXPECT_EQ(items[0],
            R"({"id":"m1","app":"A","entities":["C1","C2"],"mnc_digits":3,"profile":{"rate":5},)"
            R"("purpose":"metering, hall 1"})");
  EXPECT_EQ(items[1], R"({"id":"m2","app":"A","purpose":"two\nlines"})");  // empty = absent
}

TEST(ItemFile, CsvErrorsNameTheItem) {
  EXPECT_EQ(Read("id,app\nm1,A\nm2,A,x\n", Format::kCsv, Items::kRecords).back(),
            "error: item 2: 3 cells, the header names 2");
  EXPECT_EQ(Read("id,mnc_digits\nm1,two\n", Format::kCsv, Items::kRecords).back(),
            "error: item 1: mnc_digits is a number");
  EXPECT_EQ(Read("id,profile\nm1,[1]\n", Format::kCsv, Items::kRecords).back(),
            "error: item 1: profile is a JSON object");
  EXPECT_NE(
      Read("id,app\nm1,\"A\n", Format::kCsv, Items::kRecords).back().find("error: item 1: CSV"),
      std::string::npos);  // an unterminated quote
  EXPECT_NE(Read("id,id\n", Format::kCsv, Items::kRecords).back().find("column id twice"),
            std::string::npos);
  EXPECT_NE(Read("app\nA\n", Format::kCsv, Items::kIds).back().find("no id column"),
            std::string::npos);
  const std::string big = "id\n" + std::string(ItemFile::kMaxItemBytes + 1, 'x') + "\n";
  EXPECT_NE(Read(big, Format::kCsv, Items::kIds).back().find("longer than"), std::string::npos);
  // Bounded however the item is made: many empty cells, a field that never ends.
  const std::string commas = "id\n" + std::string(100000, ',') + "\n";
  EXPECT_NE(Read(commas, Format::kCsv, Items::kIds).back().find("error: item 1: more than"),
            std::string::npos);
  const std::string endless = "id\n\"" + std::string(3 * ItemFile::kMaxItemBytes, 'x');
  EXPECT_NE(Read(endless, Format::kCsv, Items::kIds).back().find("longer than"), std::string::npos);
}

TEST(ItemFile, Ids) {
  EXPECT_EQ(Read("state,id\nx,s1\ny,s2\n", Format::kCsv, Items::kIds),
            (std::vector<std::string>{R"("s1")", R"("s2")"}));
  EXPECT_EQ(Read("\"s1\"\n\n{\"id\":\"s2\",\"note\":1}\n", Format::kJsonLines, Items::kIds),
            (std::vector<std::string>{R"("s1")", R"("s2")"}));
  EXPECT_EQ(Read(R"(["s1",{"id":"s2"}])", Format::kJsonArray, Items::kIds),
            (std::vector<std::string>{R"("s1")", R"("s2")"}));
  EXPECT_EQ(Read("state,id\nx,s1\ny,\n", Format::kCsv, Items::kIds).back(), "error: item 2: no id");
  EXPECT_EQ(Read(R"(["s1",5])", Format::kJsonArray, Items::kIds).back(),
            "error: item 2: an ID: a string, or an object with id");
}

TEST(ItemFile, JsonRecords) {
  EXPECT_EQ(Read("{\"id\":\"m1\"}\n   \n{\"id\":\"m2\"}", Format::kJsonLines, Items::kRecords),
            (std::vector<std::string>{R"({"id":"m1"})", R"({"id":"m2"})"}));
  EXPECT_EQ(
      Read("{\"id\":\"m1\"}\n{\"id\":", Format::kJsonLines, Items::kRecords).back().substr(0, 20),
      "error: item 2: not J");
  const std::string line = "{\"id\":\"" + std::string(ItemFile::kMaxItemBytes, 'x') + "\"}\n";
  EXPECT_NE(Read(line, Format::kJsonLines, Items::kRecords).back().find("item 1: longer than"),
            std::string::npos);
  EXPECT_NE(Read("[" + line + "]", Format::kJsonArray, Items::kRecords).back().find("longer than"),
            std::string::npos);
  EXPECT_EQ(Read("[\"m1\"]", Format::kJsonLines, Items::kRecords).back(),
            "error: item 1: a JSON object of fields");
  EXPECT_EQ(Read(R"({"a":1})", Format::kJsonArray, Items::kRecords).back(),
            "error: a .json file holds one array of items");
  // Two members of one name are refused, as in every request (RFC 8259 §4).
  EXPECT_NE(
      Read(R"({"id":"a","id":"b"})", Format::kJsonLines, Items::kRecords).back().find("error"),
      std::string::npos);
}

}  // namespace
}  // namespace trustcse::admin
