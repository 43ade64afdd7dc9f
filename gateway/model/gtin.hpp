#pragma once
// GTIN (GS1 Global Trade Item Number) helpers. The canonical model stores every GTIN as GTIN-14: 14 digits, left-
// padded with zeros, last digit a GS1 mod-10 check digit. GTIN-8 (EAN-8), GTIN-12 (UPC-A) and GTIN-13 (EAN-13) all
// embed into GTIN-14 by left-padding, which keeps the same check digit (the weights run from the right).
//   EAN-13 7038010069307 -> GTIN-14 07038010069307
//   UPC-A  036000291452  -> GTIN-14 00036000291452 -> "EAN-13 UPC" 0036000291452

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace gw::model {

inline constexpr std::size_t gtin14_length = 14;

// GS1 mod-10 check digit of `body` (the GTIN without its check digit): weights 3,1,3,... from the right.
// nullopt if body is empty, longer than 17 digits, or not all ASCII digits.
std::optional<int> gtin_check_digit(std::string_view body) noexcept;

// True if `gtin` is 8, 12, 13 or 14 digits and its last digit is the check digit of the rest.
bool is_valid_gtin(std::string_view gtin) noexcept;

// True if `gtin` is exactly 14 digits with a valid check digit: the canonical form.
bool is_valid_gtin14(std::string_view gtin) noexcept;

// The one message the model uses for a GTIN-14 that is not canonical, e.g.
//   check digit 3 does not match computed 7 for "07038010069303"
//   expected 14 digits (GTIN-14), got 13: normalise GTIN-8/12/13 with normalize_gtin
// nullopt when the GTIN is a valid GTIN-14.
std::optional<std::string> gtin14_problem(std::string_view gtin);

// GTIN-8/12/13/14 -> GTIN-14, check digit verified. Error (invalid_value) names the problem as above.
Result<std::string> normalize_gtin(std::string_view gtin);

// GTIN-14 (or any valid GTIN) -> GTIN-13/EAN-13. Fails unless the GTIN-14 starts with '0' (indicator digits 1-9
// mark trade-unit packaging levels that have no 13-digit form). This is the "13-digit UPC" some grocers want: a
// UPC-A becomes "0" + its 12 digits.
Result<std::string> to_gtin13(std::string_view gtin);

// GTIN -> UPC-A (12 digits). Fails unless the GTIN-14 starts with "00" (only US/Canada UPC items have a 12-digit
// form).
Result<std::string> to_upc_a(std::string_view gtin);

// UPC-A (12 digits) -> EAN-13 ("0" + UPC-A), and back (only an EAN-13 that starts with '0' is a UPC-A).
Result<std::string> upc_a_to_ean13(std::string_view upc_a);
Result<std::string> ean13_to_upc_a(std::string_view ean13);

}  // namespace gw::model
