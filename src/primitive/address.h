// Parsing of oneM2M resource addresses (TS-0001 §9.3.1; digest §3.1), independent of bindings.
//
// A `to` parameter or a resource reference arrives in one of three scopes — CSE-relative
// ("cse-in/ae1", "cin123"), SP-relative ("/id-in/cse-in/ae1") or absolute
// ("//sp.com/id-in/cse-in/ae1") — and in structured (a path of resource names starting with the
// CSEBase name, "-" standing for it) or unstructured form (a resource ID, optionally followed by
// a structured tail, "cnt123/la"). ParseAddress reduces all of them to what this CSE can look up.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace trustcse {

struct CseIdentity {
  std::string cse_id;    // "/id-in"
  std::string cse_name;  // resourceName of the CSEBase, "cse-in"
  std::string sp_id;     // "//trustcse.example" (lowercase), may be empty
};

struct LocalAddress {
  enum class Kind { kStructured, kUnstructured, kRemote };
  Kind kind = Kind::kStructured;
  // kStructured: the full path "cse-in/ae1/cnt1". kUnstructured: the resource ID in `ri` and an
  // optional structured tail in `path` ("la" for "cnt123/la"). kRemote: the target CSE-ID.
  std::string ri;
  std::string path;
};

Result<LocalAddress> ParseAddress(std::string_view to, const CseIdentity& self);

}  // namespace trustcse
