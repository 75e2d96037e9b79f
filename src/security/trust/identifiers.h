// Machine identities the trust centre records (TC-2), validated before anything is stored:
//   IMEI  — 15 digits, the 15th a Luhn check digit over the first 14 (3GPP TS 23.003 §6.2.1);
//           a 14-digit IMEI without its check digit gets one appended.
//   ICCID — the SIM's serial (ITU-T E.118): 19 or 20 digits starting "89", the last a Luhn
//           check digit over the others.
//   IMSI  — 6 to 15 digits (TS 23.003 §2.2): MCC (3 digits, 200–799, or 001 for test
//           networks), MNC (2 or 3 digits), MSIN.
//   EID   — the eUICC's identifier (GSMA SGP.02): 32 digits, the whole number 1 modulo 97.
// Validators return the normalised form or 4000 with a message that says what is wrong.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace trustcse::security::trust {

// True if the last digit of `digits` (all ASCII digits, at least 2) is the Luhn check digit of
// the ones before it.
bool LuhnValid(std::string_view digits);
// The Luhn check digit of `digits` (all ASCII digits).
char LuhnDigit(std::string_view digits);

Result<std::string> ValidateImei(std::string_view imei);
Result<std::string> ValidateIccid(std::string_view iccid);

struct Imsi {
  std::string imsi;
  std::string mcc;
  std::string mnc;
};
// `mnc_digits`: 2 or 3; 0 lets the MCC decide (3 for the North American and a few other
// MCCs whose networks use three-digit MNCs, else 2).
Result<Imsi> ValidateImsi(std::string_view imsi, int mnc_digits = 0);
Result<std::string> ValidateEid(std::string_view eid);

}  // namespace trustcse::security::trust
