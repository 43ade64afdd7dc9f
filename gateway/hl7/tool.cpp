#include "gateway/hl7/tool.hpp"

#include <ostream>

#include "gateway/hl7/xml.hpp"

namespace gw::hl7 {
namespace {

void report(std::string_view name, const Error& error, std::ostream& err) {
    err << name << ": " << error.to_string() << '\n';
}

}  // namespace

Result<Message> parse_any(std::string_view bytes) {
    if (looks_like_xml(bytes)) return parse_xml(bytes);
    return parse(std::string(bytes));
}

int run_get(std::string_view name, std::string_view bytes, const std::vector<std::string>& paths, std::ostream& out,
            std::ostream& err) {
    std::vector<Path> compiled;
    compiled.reserve(paths.size());
    for (const auto& p : paths) {
        auto path = compile_path(p);
        if (!path) {
            report(name, path.error(), err);
            return 1;
        }
        compiled.push_back(*path);
    }
    const auto message = parse_any(bytes);
    if (!message) {
        report(name, message.error(), err);
        return 1;
    }
    std::string value;
    for (const auto& path : compiled) {
        message->get_into(path, value);
        out << value << '\n';
    }
    return 0;
}

int run_roundtrip(std::string_view name, std::string_view bytes, std::ostream& out, std::ostream& err) {
    const auto message = parse_any(bytes);
    if (!message) {
        report(name, message.error(), err);
        return 1;
    }
    const auto encoded = message->encode();
    out.write(encoded.data(), static_cast<std::streamsize>(encoded.size()));
    return 0;
}

}  // namespace gw::hl7
