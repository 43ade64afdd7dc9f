#pragma once
// Norwegian identifiers the model checks: kommunenummer (municipality number), organisasjonsnummer (organisation
// number) and fødselsnummer (national identity number, which must never enter the gateway: recipients are
// pseudonymous, and a national id in a door note would leak to a grocer).

#include <optional>
#include <string_view>

namespace gw::model {

// Four ASCII digits, not "0000" (e.g. "3201" Bærum, "0301" Oslo). The register changes with reforms, so the model
// checks the shape and leaves "is this a municipality we serve" to routing config.
bool is_valid_municipality_number(std::string_view number) noexcept;

// Nine digits whose last is the mod-11 check digit (weights 3 2 7 6 5 4 3 2), e.g. "974760673".
bool is_valid_organisation_number(std::string_view number) noexcept;

// Eleven digits passing both fødselsnummer mod-11 check digits (k1 weights 3 7 6 1 8 9 4 5 2, k2 weights
// 5 4 3 2 7 6 5 4 3 2). The date part is deliberately not checked: D-numbers (day + 40), H-numbers (month + 40) and
// synthetic test numbers (month + 80) pass too, and for privacy a false alarm is cheaper than a missed id.
bool is_fodselsnummer(std::string_view eleven_digits) noexcept;

// Byte offset of the first thing in free text that looks like a fødselsnummer: a run of exactly 11 digits, or 6
// digits + one separator (' ', '-' or '.') + 5 digits, not adjacent to further digits, passing is_fodselsnummer.
// Longer digit runs (GTINs, account numbers) are not searched inside.
std::optional<std::size_t> find_fodselsnummer(std::string_view text) noexcept;

inline bool contains_fodselsnummer(std::string_view text) noexcept {
    return find_fodselsnummer(text).has_value();
}

}  // namespace gw::model
