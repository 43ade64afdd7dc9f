// Parses arbitrary bytes as HL7 v2.xml: must never crash, hang or leak, and whatever it accepts must be a valid ER7
// message that re-parses to the same values.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/hl7/message.hpp"
#include "gateway/hl7/xml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto m = gw::hl7::parse_xml(input);
    if (!m) return 0;
    // The rendering is UTF-8 whatever MSH-18 says (see xml.hpp), so it must be re-read as UTF-8.
    const auto again = gw::hl7::parse(m->encode(), gw::hl7::ParseOptions{true, gw::hl7::Charset::utf8});
    if (!again || again->segment_count() != m->segment_count()) std::abort();
    for (const char* p : {"MSH-9.1", "MSH-10", "PID-3.1", "PID-5.1.1", "OBX-5"}) {
        if (again->get(p) != m->get(p)) std::abort();
    }
    return 0;
}
