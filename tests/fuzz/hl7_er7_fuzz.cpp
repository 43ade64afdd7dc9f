// Parses arbitrary bytes as ER7 (strict and lenient), reads paths at every level, re-encodes, and checks the codec's
// invariants: an unmodified message re-encodes to its input; a value set through set() reads back unchanged (after
// charset repair); building an ACK for anything never fails.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/hl7/ack.hpp"
#include "gateway/hl7/message.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

const gw::hl7::Path kPaths[] = {
    gw::hl7::make_path("MSH", 1),       gw::hl7::make_path("MSH", 2),  gw::hl7::make_path("MSH", 9, 2),
    gw::hl7::make_path("MSH", 10),      gw::hl7::make_path("MSH", 18), gw::hl7::make_path("PID", 3, 1, 0, 2),
    gw::hl7::make_path("PID", 5, 1, 1), gw::hl7::make_path("PID", 5),  gw::hl7::make_path("OBX", 5, 0, 0, 1, 2),
    gw::hl7::make_path("NTE", 3),       gw::hl7::make_path("BHS", 2),  gw::hl7::make_path("ZZZ", 99999, 7, 7, 9),
};

void exercise(gw::hl7::Message& m, std::string_view input) {
    check(m.encode() == input);
    std::string value;
    for (const auto& p : kPaths) m.get_into(p, value);
    for (std::size_t i = 0; i < m.segment_count(); ++i) (void)m.segment_name(i);
    for (const auto& part : m.messages()) (void)part.encode();

    const gw::hl7::AckContext ctx{"GW", "GW", "GW1", {}};
    const auto ack = gw::hl7::build_accept_ack(m, gw::hl7::Outcome::rejected, {}, ctx);
    check(gw::hl7::parse(ack.encode(), gw::hl7::ParseOptions{false, std::nullopt}).ok());

    // Any value, including one made of delimiters, must survive set() + get().
    const std::string probe = "a|b^c~d\\e&f#\r\n" + std::string(input.substr(0, 16));
    const auto path = gw::hl7::make_path("NTE", 3, 2);
    if (m.set(path, probe)) {
        std::string expected;
        std::string wire;
        gw::hl7::append_from_utf8(probe, m.charset(), wire);
        gw::hl7::append_utf8(wire, m.charset(), expected);
        check(m.get(path) == expected);
        const auto reparsed = gw::hl7::parse(m.encode(), gw::hl7::ParseOptions{false, std::nullopt});
        check(reparsed.ok());
        check(reparsed->get(path) == expected);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const bool strict : {true, false}) {
        auto m = gw::hl7::parse_view(input, gw::hl7::ParseOptions{strict, std::nullopt});
        if (m) exercise(*m, input);
    }
    (void)gw::hl7::build_reject_for_unparsed(input, {}, gw::hl7::AckContext{});
    return 0;
}
