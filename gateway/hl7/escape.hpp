#pragma once
// HL7 v2 escape sequences (v2.5 section 2.7). Unescaping follows shared/data/hl7/README.md: the sequences
// \F\ \S\ \T\ \R\ \E\ become separator characters, \Xhh..\ the bytes, \.br\ a line feed, \P\ the truncation character
// (when MSH-2 declares one); highlighting (\H\ \N\), formatting (\.sp \.in \.ti \.sk \.ce \.fi \.nf) and character-set
// switches
// (\Cxxyy\ \Mxxyyzz\) are dropped because a grocer order has no use for them; anything else stays exactly as
// written, so nothing a sender meant is silently lost.

#include <string>
#include <string_view>

#include "gateway/hl7/delimiters.hpp"

namespace gw::hl7 {

// Appends the unescaped bytes of `encoded` to `out`. Bytes stay in the message's charset; see charset.hpp.
void append_unescaped(std::string_view encoded, const Delimiters& delimiters, std::string& out);
std::string unescape(std::string_view encoded, const Delimiters& delimiters);

// Appends `value` with every structural character escaped (and CR/LF as \X0D\ / \X0A\, which would otherwise end
// the segment). The truncation character is written as is: it only has a meaning to receivers that truncate.
void append_escaped(std::string_view value, const Delimiters& delimiters, std::string& out);
std::string escape(std::string_view value, const Delimiters& delimiters);

}  // namespace gw::hl7
