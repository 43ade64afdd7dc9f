#pragma once
// HL7 v2.xml reading (HL7 Version 2: XML Encoding Syntax). The document is converted into the same Message model as
// ER7 input, so paths read the same value from either encoding: `MSH-9.1` is `MSH/MSH.9/*.1`. Group elements
// (`OMD_O03.PATIENT`) are flattened; repeated field elements become repetitions.
//
// Security: the reader never fetches anything. A document that declares an entity (`<!ENTITY`, external or not: XXE
// and entity-expansion bombs) or carries an internal DTD subset is refused. A DOCTYPE that only names an external
// DTD (`<!DOCTYPE X SYSTEM "http://...">`, as older HAPI output does) is accepted and the DTD is ignored: pugixml
// has no DTD processing at all, and the DTD adds no values a path could read.

#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/hl7/message.hpp"

namespace gw::hl7 {

// Parses an HL7 v2.xml document. The Message owns an ER7 rendering of it (values decoded from XML, then escaped
// with the document's own MSH-1/MSH-2), with Charset::utf8 whatever MSH-18 says, since XML text is already Unicode:
// encode() therefore yields UTF-8 bytes, and a reader of that ER7 must be told so (ParseOptions::charset).
// Errors name the byte offset in `xml` and what was expected there.
Result<Message> parse_xml(std::string_view xml);

// True when the first non-blank byte is '<': the CLI and the intake use it to pick the decoder.
bool looks_like_xml(std::string_view bytes) noexcept;

}  // namespace gw::hl7
