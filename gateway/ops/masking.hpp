#pragma once
// Personal data in what the admin API shows, masked for callers without the phi-reader role. Masking keeps the
// shape ("Ingrid Johansen" -> "I*** J***", "+4791234567" -> "+*********67") so operators can still tell records
// apart, and works by allow-list where the format allows it: in HL7 only the fields known to be free of personal
// data stay readable, so a care system that puts a name somewhere unexpected is masked too.
//
// What is personal: the CareOrder's recipient (name, address, phone, access notes — not the pseudonymous
// reference), delivery instructions, line notes and the ordering staff member's name; in raw HL7 everything in PID
// except PID-1 and PID-3 (the pseudonym), NTE-3 (free text) and every segment the gateway does not know to be
// free of it (NK1, PD1, GT1, IN1, Z-segments, ...).

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace gw::ops {

// The canonical CareOrder JSON with personal fields masked (a copy; anything that is not an object is returned
// unchanged).
boost::json::value mask_care_order(const boost::json::value& order);

// Raw inbound bytes: HL7 ER7 (segments by allow-list), HL7 v2.xml or other XML (text inside known-safe fields
// kept, everything else masked), JSON (as an outbound payload). Anything unrecognised is withheld completely.
std::string mask_raw_message(std::string_view raw);

// An outbox payload: JSON (CareOrder-shaped or a vendor body: personal keys masked wherever they appear), HL7, XML.
std::string mask_payload(std::string_view payload);

// Free text that may quote input values (mapping errors: `... (input PID-5.1 = "Hansen")`): the quoted parts are
// masked.
std::string mask_quoted(std::string_view text);

// ER7 with the allow-list applied; exposed for tests.
std::string mask_hl7_er7(std::string_view er7);

}  // namespace gw::ops
