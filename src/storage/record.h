// ResourceRecord: how one oneM2M resource is stored.
//
// The storage layer knows nothing about JSON or resource semantics. A record carries the
// attributes that queries filter and sort on as typed columns, plus `body`: the resource's full
// attribute set as a JSON object text (short names), which storage keeps verbatim and returns
// verbatim. The columns are always a copy of what is in `body`; the resources layer keeps them in
// step. Value type, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trustcse::storage {

struct ResourceRecord {
  std::string ri;    // resourceID, unique per CSE (the primary key)
  std::string pi;    // parentID ("" for the CSEBase)
  std::string rn;    // resourceName, unique among siblings
  std::string path;  // structured CSE-relative path "cse-in/ae1/cnt1"; unique
  int ty = 0;        // resourceType
  std::string ct;    // creationTime, "YYYYMMDDThhmmss,ffffff" (sorts in time order)
  std::string lt;    // lastModifiedTime
  std::string et;    // expirationTime ("" = never expires)
  uint64_t st = 0;   // stateTag (0 where the type has none)
  std::string cr;    // creator ("" if none)
  uint64_t cs = 0;   // contentSize in bytes (cin, tsi; 0 otherwise)
  std::string cty;   // content type used by the cty filter (cin cnf without encoding; "" if none)
  std::vector<std::string> lbl;  // labels
  std::string body;  // JSON object text holding every attribute of the resource
};

}  // namespace trustcse::storage
