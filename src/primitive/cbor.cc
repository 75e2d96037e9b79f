#include "primitive/cbor.h"

#include <cbor.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <boost/json.hpp>

namespace trustcse::cbor {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxDepth = 64;
constexpr size_t kIndefinite = std::numeric_limits<size_t>::max();

struct Frame {
  enum class Kind { kArray, kMap, kString };
  Frame(Kind k, bj::value v, size_t n) : kind(k), value(std::move(v)), remaining(n) {}
  Kind kind;
  bj::value value;         // the array or object being filled
  size_t remaining;        // items (array) or entries (map) still to come; kIndefinite
  bool has_key = false;    // map: a key is waiting for its value
  std::string key;
  std::string text;        // indefinite text string chunks
};

struct Builder {
  std::vector<Frame> stack;
  bj::value root;
  bool done = false;
  const char* error = nullptr;
  size_t pending_tags = 0;

  void Fail(const char* why) {
    if (!error) error = why;
  }

  // Completes definite containers whose last item has arrived.
  void Settle() {
    while (!stack.empty() && stack.back().kind != Frame::Kind::kString &&
           stack.back().remaining == 0) {
      Frame f = std::move(stack.back());
      stack.pop_back();
      Emit(std::move(f.value));
      if (error) return;
    }
  }

  void Emit(bj::value v) {
    if (error) return;
    pending_tags = 0;
    if (stack.empty()) {
      if (done) return Fail("trailing data after the CBOR item");
      root = std::move(v);
      done = true;
      return;
    }
    Frame& top = stack.back();
    switch (top.kind) {
      case Frame::Kind::kString:
        return Fail("malformed indefinite-length string");
      case Frame::Kind::kArray:
        top.value.get_array().push_back(std::move(v));
        break;
      case Frame::Kind::kMap:
        if (!top.has_key) {
          if (!v.is_string()) return Fail("CBOR map keys must be text strings");
          top.key = std::string(v.get_string());
          top.has_key = true;
          return;  // the entry is complete with its value
        }
        if (top.value.get_object().contains(top.key)) return Fail("duplicate CBOR map key");
        top.value.get_object().emplace(top.key, std::move(v));
        top.has_key = false;
        break;
    }
    if (top.remaining != kIndefinite) --top.remaining;
    Settle();
  }

  void Open(Frame::Kind kind, size_t n) {
    if (error) return;
    if (done) return Fail("trailing data after the CBOR item");
    if (stack.size() >= kMaxDepth) return Fail("CBOR nesting is too deep");
    pending_tags = 0;
    stack.emplace_back(kind, kind == Frame::Kind::kMap ? bj::value(bj::object()) : bj::value(bj::array()), n);
    Settle();  // an empty definite container is complete at once
  }

  static Builder& Of(void* ctx) { return *static_cast<Builder*>(ctx); }
};

void OnUint(void* c, uint64_t v) {
  if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    Builder::Of(c).Emit(bj::value(static_cast<int64_t>(v)));
  } else {
    Builder::Of(c).Emit(bj::value(v));
  }
}
void OnUint8(void* c, uint8_t v) { OnUint(c, v); }
void OnUint16(void* c, uint16_t v) { OnUint(c, v); }
void OnUint32(void* c, uint32_t v) { OnUint(c, v); }
void OnUint64(void* c, uint64_t v) { OnUint(c, v); }

void OnNegint(void* c, uint64_t v) {  // the value is -1 - v
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Builder::Of(c).Fail("CBOR integer out of range");
  }
  Builder::Of(c).Emit(bj::value(-1 - static_cast<int64_t>(v)));
}
void OnNegint8(void* c, uint8_t v) { OnNegint(c, v); }
void OnNegint16(void* c, uint16_t v) { OnNegint(c, v); }
void OnNegint32(void* c, uint32_t v) { OnNegint(c, v); }
void OnNegint64(void* c, uint64_t v) { OnNegint(c, v); }

void OnBytes(void* c, cbor_data, size_t) { Builder::Of(c).Fail("CBOR byte strings are not supported"); }
void OnBytesStart(void* c) { Builder::Of(c).Fail("CBOR byte strings are not supported"); }

void OnString(void* c, cbor_data p, size_t n) {
  Builder& b = Builder::Of(c);
  if (!b.stack.empty() && b.stack.back().kind == Frame::Kind::kString) {
    b.stack.back().text.append(reinterpret_cast<const char*>(p), n);
    return;
  }
  b.Emit(bj::value(bj::string_view(reinterpret_cast<const char*>(p), n)));
}
void OnStringStart(void* c) {
  Builder& b = Builder::Of(c);
  if (b.error) return;
  if (!b.stack.empty() && b.stack.back().kind == Frame::Kind::kString) {
    return b.Fail("malformed indefinite-length string");
  }
  if (b.stack.size() >= kMaxDepth) return b.Fail("CBOR nesting is too deep");
  b.stack.emplace_back(Frame::Kind::kString, bj::value(), kIndefinite);
}

void OnArray(void* c, size_t n) { Builder::Of(c).Open(Frame::Kind::kArray, n); }
void OnIndefArray(void* c) { Builder::Of(c).Open(Frame::Kind::kArray, kIndefinite); }
void OnMap(void* c, size_t n) { Builder::Of(c).Open(Frame::Kind::kMap, n); }
void OnIndefMap(void* c) { Builder::Of(c).Open(Frame::Kind::kMap, kIndefinite); }

void OnBreak(void* c) {
  Builder& b = Builder::Of(c);
  if (b.error) return;
  if (b.stack.empty() || b.stack.back().remaining != kIndefinite) {
    return b.Fail("unexpected CBOR break");
  }
  Frame f = std::move(b.stack.back());
  b.stack.pop_back();
  if (f.kind == Frame::Kind::kMap && f.has_key) return b.Fail("CBOR map key without a value");
  if (f.kind == Frame::Kind::kString) return b.Emit(bj::value(bj::string_view(f.text)));
  b.Emit(std::move(f.value));
}

void OnTag(void* c, uint64_t) {
  Builder& b = Builder::Of(c);
  if (++b.pending_tags > kMaxDepth) b.Fail("too many CBOR tags");
}

void OnDouble(void* c, double v) {
  if (!std::isfinite(v)) return Builder::Of(c).Fail("CBOR NaN and infinities have no JSON form");
  Builder::Of(c).Emit(bj::value(v));
}
void OnFloatChecked(void* c, float v) { OnDouble(c, static_cast<double>(v)); }
void OnNull(void* c) { Builder::Of(c).Emit(bj::value(nullptr)); }
void OnBool(void* c, bool v) { Builder::Of(c).Emit(bj::value(v)); }

const cbor_callbacks kCallbacks = [] {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = OnUint8;
  cb.uint16 = OnUint16;
  cb.uint32 = OnUint32;
  cb.uint64 = OnUint64;
  cb.negint8 = OnNegint8;
  cb.negint16 = OnNegint16;
  cb.negint32 = OnNegint32;
  cb.negint64 = OnNegint64;
  cb.byte_string = OnBytes;
  cb.byte_string_start = OnBytesStart;
  cb.string = OnString;
  cb.string_start = OnStringStart;
  cb.array_start = OnArray;
  cb.indef_array_start = OnIndefArray;
  cb.map_start = OnMap;
  cb.indef_map_start = OnIndefMap;
  cb.tag = OnTag;
  cb.float2 = OnFloatChecked;
  cb.float4 = OnFloatChecked;
  cb.float8 = OnDouble;
  cb.undefined = OnNull;
  cb.null = OnNull;
  cb.boolean = OnBool;
  cb.indef_break = OnBreak;
  return cb;
}();

// --- encoding ---

void Head(std::string& out, uint8_t major, uint64_t n) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<char>(m | n));
  } else if (n <= 0xff) {
    out.push_back(static_cast<char>(m | 24));
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(m | 25));
    for (int s = 8; s >= 0; s -= 8) out.push_back(static_cast<char>(n >> s));
  } else if (n <= 0xffffffffULL) {
    out.push_back(static_cast<char>(m | 26));
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(n >> s));
  } else {
    out.push_back(static_cast<char>(m | 27));
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(n >> s));
  }
}

void Text(std::string& out, std::string_view s) {
  Head(out, 3, s.size());
  out.append(s);
}

void EncodeInto(std::string& out, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: out.push_back(static_cast<char>(0xf6)); break;
    case bj::kind::bool_: out.push_back(static_cast<char>(v.get_bool() ? 0xf5 : 0xf4)); break;
    case bj::kind::int64: {
      int64_t i = v.get_int64();
      if (i >= 0) Head(out, 0, static_cast<uint64_t>(i));
      else Head(out, 1, static_cast<uint64_t>(-1 - i));
      break;
    }
    case bj::kind::uint64: Head(out, 0, v.get_uint64()); break;
    case bj::kind::double_: {
      double d = v.get_double();
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out.push_back(static_cast<char>(0xfb));
      for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(bits >> s));
      break;
    }
    case bj::kind::string: Text(out, v.get_string()); break;
    case bj::kind::array:
      Head(out, 4, v.get_array().size());
      for (const auto& e : v.get_array()) EncodeInto(out, e);
      break;
    case bj::kind::object:
      Head(out, 5, v.get_object().size());
      for (const auto& [k, e] : v.get_object()) {
        Text(out, k);
        EncodeInto(out, e);
      }
      break;
  }
}

}  // namespace

Result<bj::value> Decode(std::string_view bytes) {
  Builder b;
  const auto* p = reinterpret_cast<cbor_data>(bytes.data());
  size_t left = bytes.size();
  if (left == 0) return Err(Status::BadRequest("empty CBOR content"));
  while (left > 0 && !b.error) {
    if (b.done) {
      b.Fail("trailing data after the CBOR item");
      break;
    }
    cbor_decoder_result r = cbor_stream_decode(p, left, &kCallbacks, &b);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) {
      b.Fail(r.status == CBOR_DECODER_NEDATA ? "truncated CBOR content" : "malformed CBOR content");
      break;
    }
    p += r.read;
    left -= r.read;
  }
  if (!b.error && (!b.done || !b.stack.empty() || b.pending_tags > 0)) {
    b.Fail("truncated CBOR content");
  }
  if (b.error) return Err(Status::BadRequest(b.error));
  return std::move(b.root);
}

std::string Encode(const bj::value& v) {
  std::string out;
  EncodeInto(out, v);
  return out;
}

}  // namespace trustcse::cbor
