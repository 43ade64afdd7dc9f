#pragma once
// The separators a message declares in MSH-1 and MSH-2. HL7 lets every sender pick its own, so the codec never
// assumes `|^~\&`; these defaults are only what the gateway writes in messages it builds itself.

#include <string>

namespace gw::hl7 {

struct Delimiters {
    char field = '|';
    char component = '^';
    char repetition = '~';
    char escape = '\\';
    char subcomponent = '&';  // '\0' when MSH-2 has only 3 characters
    char truncation = '\0';   // '\0' unless MSH-2 has a 5th character (v2.7+, usually '#')

    bool has_subcomponent() const noexcept { return subcomponent != '\0'; }
    bool has_truncation() const noexcept { return truncation != '\0'; }

    // True for any character that splits a field into parts or starts an escape: such a character can never
    // appear literally in a value.
    bool is_structural(char c) const noexcept {
        return c == field || c == component || c == repetition || c == escape ||
               (subcomponent != '\0' && c == subcomponent);
    }

    // MSH-2 as it would be written for these delimiters.
    std::string encoding_characters() const {
        std::string s{component, repetition, escape};
        if (has_subcomponent()) s.push_back(subcomponent);
        if (has_subcomponent() && has_truncation()) s.push_back(truncation);
        return s;
    }
};

}  // namespace gw::hl7
