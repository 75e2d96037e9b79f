// Fuzz target: the bulk files of the operator (admin/item_file.h) — CSV through libcsv, JSON
// Lines, a JSON array — read as records and as IDs. The first byte picks the format (bits 0-1:
// CSV, JSON Lines, array) and bit 2 the kind of item; every item returned is of that kind, and
// reading ends (an item count bounded by the input) with the end or an error, never a crash.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "admin/item_file.h"

using trustcse::admin::ItemFile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto format = static_cast<ItemFile::Format>(std::min(data[0] & 3, 2));
  const auto items = (data[0] & 4) != 0 ? ItemFile::Items::kIds : ItemFile::Items::kRecords;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  auto file = ItemFile::FromStream(in, format, items);
  for (size_t n = 0;; ++n) {
    if (n > size) std::abort();  // more items than bytes: it does not advance
    auto item = file->Next();
    if (!item || !*item) break;
    const bool right_kind =
        items == ItemFile::Items::kIds ? (*item)->is_string() : (*item)->is_object();
    if (!right_kind || file->count() != n + 1) std::abort();
  }
  return 0;
}
