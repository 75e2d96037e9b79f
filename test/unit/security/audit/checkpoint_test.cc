// Tests of signed checkpoints: the C2SP tlog-checkpoint body, C2SP signed notes with Ed25519, and
// verifier keys, against the examples of the C2SP specifications and of Go's
// golang.org/x/mod/sumdb/note (whose Ed25519 signature we reproduce byte for byte).
#include "security/audit/checkpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "security/audit/merkle_tree.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

const std::string kDash = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

// The example of the C2SP tlog-checkpoint specification.
const std::string kSofaText =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const std::string kSofaNote =
    kSofaText + "\n" + kDash +
    "example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

// The example of golang.org/x/mod/sumdb/note (package documentation).
const std::string kGoSeed = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";  // 0x01 || seed
const std::string kGoVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kGoNote =
    kGoText + "\n" + kDash +
    "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
    "KE6RyyBwJnAM=\n";

NoteKeyPair Key(std::string_view name) { return std::move(*GenerateNoteKeyPair(name)); }

Checkpoint TreeCheckpoint(std::string origin, uint64_t size) {
  MerkleTree tree;
  for (uint64_t i = 0; i < size; ++i) tree.Append("event " + std::to_string(i));
  return Checkpoint{std::move(origin), size, *tree.RootHash(), {}};
}

std::string Reason(const Status& s) { return s.message(); }

::testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << haystack << "\" lacks \"" << needle << "\"";
}

TEST(Checkpoint, FormatsAndParsesTheC2spExampleBody) {
  Checkpoint c{"example.com/behind-the-sofa",
               20852163,
               *crypto::FromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="),
               {}};
  EXPECT_EQ(*FormatCheckpoint(c), kSofaText);
  auto parsed = ParseCheckpoint(kSofaText);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->origin, c.origin);
  EXPECT_EQ(parsed->tree_size, c.tree_size);
  EXPECT_EQ(parsed->root_hash, c.root_hash);
  EXPECT_TRUE(parsed->extensions.empty());
}

TEST(Checkpoint, EmptyTreesAndExtensionLinesRoundTrip) {
  Checkpoint c{"log.example/a", 0, EmptyTreeHash(), {"ext one", "ext-two"}};
  auto text = FormatCheckpoint(c);
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(Contains(*text, "\n0\n"));
  auto parsed = ParseCheckpoint(*text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->tree_size, 0u);
  EXPECT_EQ(parsed->extensions, c.extensions);
  EXPECT_EQ(
      ParseCheckpoint("o\n18446744073709551615\n" + crypto::Base64(c.root_hash) + "\n")->tree_size,
      UINT64_MAX);
}

TEST(Checkpoint, ParseRejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  auto body = [&](std::string size, std::string hash) { return "o\n" + size + "\n" + hash + "\n"; };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no final newline", "o\n1\n" + root},
      {"two lines", "o\n1\n"},
      {"empty origin", body("1", root).substr(1)},
      {"empty extension line", body("1", root) + "\n"},
      {"leading zero", body("01", root)},
      {"sign", body("+1", root)},
      {"negative", body("-1", root)},
      {"space", body("1 ", root)},
      {"hex", body("0x10", root)},
      {"empty size", body("", root)},
      {"overflow", body("18446744073709551616", root)},
      {"short hash", body("1", crypto::Base64(std::string(31, 'x')))},
      {"long hash", body("1", crypto::Base64(std::string(33, 'x')))},
      {"unpadded", body("1", root.substr(0, 43))},
      {"stray bits", body("1", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=")},
      {"base64url", body("1", "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=")},
      {"control character", "o\t\n1\n" + root + "\n"},
  };
  for (const auto& [what, text] : bad) {
    EXPECT_FALSE(ParseCheckpoint(text).has_value()) << what;
  }
  EXPECT_TRUE(ParseCheckpoint(body("1", root)).has_value());
}

TEST(Checkpoint, FormatRejectsWhatCouldNotBeParsedBack) {
  std::string root(32, 'r');
  EXPECT_FALSE(FormatCheckpoint({"", 1, root, {}}).has_value());
  EXPECT_FALSE(FormatCheckpoint({"two\nlines", 1, root, {}}).has_value());
  EXPECT_FALSE(FormatCheckpoint({"o", 1, "short", {}}).has_value());
  EXPECT_FALSE(FormatCheckpoint({"o", 1, root, {""}}).has_value());
  EXPECT_FALSE(FormatCheckpoint({"o", 1, root, {"a\nb"}}).has_value());
  EXPECT_FALSE(FormatCheckpoint({"\xFF", 1, root, {}}).has_value());
}

TEST(Checkpoint, KeyIdIsTheTruncatedHashOfNameNewlineTypeAndKey) {
  std::string pub(32, '\x42');
  std::string h = crypto::Sha256(std::string("log.example/x\n\x01", 15) + pub);
  uint32_t want = static_cast<uint32_t>(static_cast<unsigned char>(h[0])) << 24 |
                  static_cast<uint32_t>(static_cast<unsigned char>(h[1])) << 16 |
                  static_cast<uint32_t>(static_cast<unsigned char>(h[2])) << 8 |
                  static_cast<unsigned char>(h[3]);
  EXPECT_EQ(NoteKeyId("log.example/x", pub), want);
  // Go's example key: the ID in its verifier key string is this hash.
  std::string go_pub = crypto::FromBase64(kGoVerifierKey.substr(22))->substr(1);
  EXPECT_EQ(NoteKeyId("PeterNeumann", go_pub), 0xc74f20a3u);
}

TEST(Checkpoint, VerifierKeysRoundTrip) {
  NoteKeyPair key = Key("audit.trustcse.example/log");
  NoteVerifierKey v = key.verifier_key();
  std::string encoded = FormatVerifierKey(v);
  EXPECT_EQ(encoded.rfind("audit.trustcse.example/log+", 0), 0u);
  auto parsed = ParseVerifierKey(encoded);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->name, v.name);
  EXPECT_EQ(parsed->key_id, v.key_id);
  EXPECT_EQ(parsed->public_key, v.public_key);

  auto go = ParseVerifierKey(kGoVerifierKey);
  ASSERT_TRUE(go.has_value());
  EXPECT_EQ(go->name, "PeterNeumann");
  EXPECT_EQ(go->key_id, 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey(*go), kGoVerifierKey);
}

TEST(Checkpoint, ParseVerifierKeyRejectsMalformedKeys) {
  NoteVerifierKey v = Key("log.example").verifier_key();
  std::string b64 = crypto::Base64("\x01" + v.public_key);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no parts", "log.example"},
      {"two parts", "log.example+" + crypto::Hex(std::string(4, '\0'))},
      {"wrong ID", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"},
      {"short ID", "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"},
      {"upper-case ID", "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"},
      {"empty name", "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"},
      {"space in name", "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"},
      {"not base64", "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T"},
      {"algorithm 2", "log.example+" +
                          [&] {
                            std::string k = "\x02" + v.public_key;
                            char id[9];
                            std::snprintf(id, sizeof id, "%08x", v.key_id);
                            return std::string(id) + "+" + crypto::Base64(k);
                          }()},
      {"short key", "log.example+00000000+" + crypto::Base64("\x01" + v.public_key.substr(1))},
      {"empty key", "log.example+00000000+"},
  };
  for (const auto& [what, encoded] : bad) {
    EXPECT_FALSE(ParseVerifierKey(encoded).has_value()) << what;
  }
  EXPECT_TRUE(ParseVerifierKey(FormatVerifierKey(v)).has_value());
}

TEST(Checkpoint, SignsExactlyAsGoSumdbNoteDoes) {
  std::string seed = crypto::FromBase64(kGoSeed)->substr(1);
  auto key = NoteKeyPairFromSeed("PeterNeumann", crypto::Secret(seed));
  ASSERT_TRUE(key.has_value()) << key.error().message();
  EXPECT_EQ(key->key_id, 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey(key->verifier_key()), kGoVerifierKey);
  EXPECT_EQ(*SignNote(kGoText, *key), kGoNote);

  std::vector<NoteVerifierKey> trusted = {*ParseVerifierKey(kGoVerifierKey)};
  auto text = OpenNote(kGoNote, trusted);
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(*text, kGoText);
}

TEST(Checkpoint, SignedCheckpointOpensWithTheLogKey) {
  NoteKeyPair key = Key("audit.trustcse.example/log");
  Checkpoint c = TreeCheckpoint(key.name, 1234);
  auto note = SignCheckpoint(c, key);
  ASSERT_TRUE(note.has_value()) << note.error().message();
  EXPECT_EQ(note->find(*FormatCheckpoint(c)), 0u);
  EXPECT_TRUE(Contains(*note, "\n\n" + kDash + key.name + " "));
  EXPECT_EQ(note->back(), '\n');

  auto verifier = ParseVerifierKey(FormatVerifierKey(key.verifier_key()));
  auto opened = OpenCheckpoint(*note, *verifier);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  EXPECT_EQ(opened->origin, c.origin);
  EXPECT_EQ(opened->tree_size, 1234u);
  EXPECT_EQ(opened->root_hash, c.root_hash);
}

TEST(Checkpoint, KeyPairRebuildsFromItsSeed) {
  NoteKeyPair key = Key("log.example");
  auto again = NoteKeyPairFromSeed("log.example", crypto::Secret(std::string(key.seed.view())));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->public_key, key.public_key);
  EXPECT_EQ(again->key_id, key.key_id);
  EXPECT_NE(Key("log.example").public_key, key.public_key);
  EXPECT_FALSE(NoteKeyPairFromSeed("log.example", crypto::Secret("short")).has_value());
  EXPECT_FALSE(GenerateNoteKeyPair("bad name").has_value());
  EXPECT_FALSE(GenerateNoteKeyPair("bad+name").has_value());
  EXPECT_FALSE(GenerateNoteKeyPair("").has_value());
}

TEST(Checkpoint, NoteSignedByAnotherKeyIsRejected) {
  NoteKeyPair log = Key("log.example");
  NoteKeyPair impostor = Key("log.example");  // same name, different key
  NoteKeyPair other = Key("other.example");
  auto forged = SignCheckpoint(TreeCheckpoint("log.example", 7), impostor);
  auto opened = OpenCheckpoint(*forged, log.verifier_key());
  ASSERT_FALSE(opened.has_value());
  EXPECT_TRUE(Contains(Reason(opened.error()), "no signature by a trusted key"));
  auto elsewhere = SignCheckpoint(TreeCheckpoint("other.example", 7), other);
  EXPECT_FALSE(OpenCheckpoint(*elsewhere, log.verifier_key()).has_value());
}

TEST(Checkpoint, NoteWithAnyByteChangedIsRejected) {
  NoteKeyPair key = Key("log.example");
  const std::string note = *SignCheckpoint(TreeCheckpoint("log.example", 42), key);
  const NoteVerifierKey v = key.verifier_key();
  ASSERT_TRUE(OpenCheckpoint(note, v).has_value());
  for (size_t pos = 0; pos < note.size(); ++pos) {
    for (unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string changed = note;
      changed[pos] = static_cast<char>(changed[pos] ^ mask);
      EXPECT_FALSE(OpenCheckpoint(changed, v).has_value())
          << "byte " << pos << " xor " << static_cast<int>(mask);
    }
  }
}

TEST(Checkpoint, TrustedKeysSignatureMustVerify) {
  NoteKeyPair key = Key("log.example");
  std::string good = *SignNote("hello\n", key);
  std::string other = *SignNote("goodbye\n", key);  // a valid signature, but of another text
  std::string spliced = "hello\n" + other.substr(other.find("\n\n") + 1);
  auto opened = OpenNote(spliced, std::vector<NoteVerifierKey>{key.verifier_key()});
  ASSERT_FALSE(opened.has_value());
  EXPECT_TRUE(Contains(Reason(opened.error()), "does not verify"));

  // The C2SP example, with a key that has its name and ID but not its public key: the signature
  // is found, checked and refused (not skipped as unknown, not rejected as malformed).
  std::string blob = *crypto::FromBase64(kSofaNote.substr(kSofaNote.rfind(' ') + 1, 92));
  NoteVerifierKey wrong{"example.com/behind-the-sofa", 0, key.public_key};
  for (int k = 0; k < 4; ++k)
    wrong.key_id = wrong.key_id << 8 | static_cast<unsigned char>(blob[k]);
  opened = OpenNote(kSofaNote, std::vector<NoteVerifierKey>{wrong});
  ASSERT_FALSE(opened.has_value());
  EXPECT_TRUE(Contains(Reason(opened.error()), "does not verify"));
}

TEST(Checkpoint, UnknownSignaturesAreIgnoredButOneTrustedSignatureIsNeeded) {
  NoteKeyPair a = Key("a.example"), b = Key("b.example"), c = Key("c.example");
  std::string by_a = *SignNote("text\n", a);
  std::string by_b = *SignNote("text\n", b);
  std::string both = by_a + by_b.substr(by_b.find("\n\n") + 2);
  EXPECT_EQ(*OpenNote(both, std::vector<NoteVerifierKey>{a.verifier_key()}), "text\n");
  EXPECT_EQ(*OpenNote(both, std::vector<NoteVerifierKey>{b.verifier_key()}), "text\n");
  EXPECT_TRUE(
      OpenNote(both, std::vector<NoteVerifierKey>{c.verifier_key(), a.verifier_key()}).has_value());
  EXPECT_FALSE(OpenNote(both, std::vector<NoteVerifierKey>{c.verifier_key()}).has_value());
  EXPECT_FALSE(OpenNote(both, std::vector<NoteVerifierKey>{}).has_value());
  // The specifications' own examples parse: they fail only for want of a trusted key.
  for (const std::string& note :
       {kSofaNote, std::string("Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di "
                               "sole:\n\ned \xC3\xA8 subito sera.\n\n") +
                       kDash +
                       "quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+"
                       "EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"}) {
    auto opened = OpenNote(note, std::vector<NoteVerifierKey>{a.verifier_key()});
    ASSERT_FALSE(opened.has_value());
    EXPECT_TRUE(Contains(Reason(opened.error()), "no signature by a trusted key"));
  }
}

TEST(Checkpoint, MalformedNotesAreRejected) {
  NoteKeyPair key = Key("log.example");
  std::vector<NoteVerifierKey> trusted = {key.verifier_key()};
  const std::string note = *SignNote("body\n", key);
  const std::string sig_line = note.substr(note.find("\n\n") + 2);
  const std::string sig_b64 = sig_line.substr(sig_line.find(' ', kDash.size()) + 1);
  auto with_sig_line = [&](const std::string& line) { return "body\n\n" + line + "\n"; };
  std::string many = note;
  for (int i = 0; i < 100; ++i) many += sig_line;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"missing final newline", note.substr(0, note.size() - 1)},
      {"no blank line", "body\n" + sig_line},
      {"no signature", "body\n\n"},
      {"hyphen for em dash", with_sig_line("- log.example " + sig_b64.substr(0, 92))},
      {"no space after dash", with_sig_line("\xE2\x80\x94log.example " + sig_b64.substr(0, 92))},
      {"no signature after name", with_sig_line(kDash + "log.example")},
      {"empty signature", with_sig_line(kDash + "log.example ")},
      {"signature too short", with_sig_line(kDash + "log.example " + crypto::Base64("abcd"))},
      {"two spaces", with_sig_line(kDash + "log.example  " + sig_b64.substr(0, 92))},
      {"blank line among signatures", note + "\n" + sig_line},
      {"control character", std::string("bo\x01") + "dy\n\n" + sig_line},
      {"invalid UTF-8", std::string("bo\xC0\xAF") + "dy\n\n" + sig_line},
      {"more than 100 signatures", many},
  };
  for (const auto& [what, text] : bad) {
    auto opened = OpenNote(text, trusted);
    EXPECT_FALSE(opened.has_value()) << what;
  }
  EXPECT_TRUE(OpenNote(note, trusted).has_value());
  EXPECT_FALSE(SignNote("no final newline", key).has_value());
  EXPECT_FALSE(SignNote("tab\there\n", key).has_value());
}

TEST(Checkpoint, LogSignsOnlyUnderItsOriginAndVerifiersCheckIt) {
  NoteKeyPair key = Key("log.example");
  EXPECT_FALSE(SignCheckpoint(TreeCheckpoint("elsewhere.example", 3), key).has_value());
  // A correctly signed note whose checkpoint names another origin.
  std::string note = *SignNote(*FormatCheckpoint(TreeCheckpoint("elsewhere.example", 3)), key);
  auto opened = OpenCheckpoint(note, key.verifier_key());
  ASSERT_FALSE(opened.has_value());
  EXPECT_TRUE(Contains(Reason(opened.error()), "origin"));
  // A correctly signed note whose text is not a checkpoint.
  EXPECT_FALSE(OpenCheckpoint(*SignNote("log.example\n3\n", key), key.verifier_key()).has_value());
}

TEST(Checkpoint, KeyNamesFollowTheSignedNoteRules) {
  EXPECT_TRUE(IsValidKeyName("example.com/log42"));
  EXPECT_TRUE(IsValidKeyName("caf\xC3\xA9"));
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\xC2\xA0z"));      // U+00A0 no-break space
  EXPECT_FALSE(IsValidKeyName("a\xE3\x80\x80z"));  // U+3000 ideographic space
  EXPECT_FALSE(IsValidKeyName("a\xFFz"));          // not UTF-8
  EXPECT_FALSE(IsValidKeyName("a\xED\xA0\x80z"));  // a surrogate
}

}  // namespace
}  // namespace trustcse::security::audit
