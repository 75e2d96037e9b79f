#include "security/trust/identifiers.h"

#include <algorithm>

namespace trustcse::security::trust {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Sum of the Luhn weights over `digits`, counting from the right; `check_present`: the last
// digit is the check digit (weight 1), else the next digit to the right will be.
int LuhnSum(std::string_view digits, bool check_present) {
  int sum = 0;
  bool twice = !check_present;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum;
}

// MCCs whose networks use three-digit MNCs (ITU-T E.212 list; the common cases).
bool ThreeDigitMnc(std::string_view mcc) {
  static constexpr std::string_view kMccs[] = {
      "302", "310", "311", "312", "313", "314", "315", "316", "334", "338", "342", "344",
      "346", "348", "354", "356", "358", "360", "365", "376", "405", "708", "722", "732"};
  return std::find(std::begin(kMccs), std::end(kMccs), mcc) != std::end(kMccs);
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  return digits.size() >= 2 && AllDigits(digits) && LuhnSum(digits, true) % 10 == 0;
}

char LuhnDigit(std::string_view digits) {
  return static_cast<char>('0' + (10 - LuhnSum(digits, false) % 10) % 10);
}

Result<std::string> ValidateImei(std::string_view imei) {
  if (!AllDigits(imei) || (imei.size() != 14 && imei.size() != 15)) {
    return Err(Status::BadRequest("an IMEI has 15 digits (14 and a check digit)"));
  }
  if (imei.size() == 14) return std::string(imei) + LuhnDigit(imei);
  if (!LuhnValid(imei)) {
    return Err(Status::BadRequest("IMEI " + std::string(imei) +
                                  ": wrong check digit (the Luhn digit of the first 14 is " +
                                  LuhnDigit(imei.substr(0, 14)) + ")"));
  }
  return std::string(imei);
}

Result<std::string> ValidateIccid(std::string_view iccid) {
  if (!AllDigits(iccid) || iccid.size() < 19 || iccid.size() > 20 || !iccid.starts_with("89")) {
    return Err(Status::BadRequest("an ICCID has 19 or 20 digits and starts with 89"));
  }
  if (!LuhnValid(iccid)) {
    return Err(Status::BadRequest("ICCID " + std::string(iccid) + ": wrong check digit"));
  }
  return std::string(iccid);
}

Result<Imsi> ValidateImsi(std::string_view imsi, int mnc_digits) {
  if (!AllDigits(imsi) || imsi.size() < 6 || imsi.size() > 15) {
    return Err(Status::BadRequest("an IMSI has 6 to 15 digits (MCC, MNC, MSIN)"));
  }
  std::string_view mcc = imsi.substr(0, 3);
  if (mcc != "001" && (mcc < "200" || mcc > "799")) {
    return Err(Status::BadRequest("IMSI " + std::string(imsi) + ": " + std::string(mcc) +
                                  " is not a mobile country code"));
  }
  if (mnc_digits == 0) mnc_digits = ThreeDigitMnc(mcc) ? 3 : 2;
  if (mnc_digits != 2 && mnc_digits != 3) {
    return Err(Status::BadRequest("an MNC has 2 or 3 digits"));
  }
  return Imsi{std::string(imsi), std::string(mcc),
              std::string(imsi.substr(3, static_cast<size_t>(mnc_digits)))};
}

Result<std::string> ValidateEid(std::string_view eid) {
  if (!AllDigits(eid) || eid.size() != 32) {
    return Err(Status::BadRequest("an EID has 32 digits"));
  }
  // The last two digits make the whole number 1 modulo 97 (ISO/IEC 7064 MOD 97-10).
  int rest = 0;
  for (char c : eid) rest = (rest * 10 + (c - '0')) % 97;
  if (rest != 1) return Err(Status::BadRequest("EID " + std::string(eid) + ": wrong check digits"));
  return std::string(eid);
}

}  // namespace trustcse::security::trust
