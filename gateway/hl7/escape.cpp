#include "gateway/hl7/escape.hpp"

#include <cstring>

namespace gw::hl7 {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool all_hex(std::string_view s) {
    for (const char c : s) {
        if (hex_value(c) < 0) return false;
    }
    return true;
}

// \.sp3\ \.in+4\ \.ti-2\ \.sk1\: a formatting command with an optional signed number.
bool is_formatting_with_number(std::string_view seq) {
    if (seq.size() < 3) return false;
    const auto cmd = seq.substr(0, 3);
    if (cmd != ".sp" && cmd != ".in" && cmd != ".ti" && cmd != ".sk") return false;
    auto rest = seq.substr(3);
    if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) rest.remove_prefix(1);
    for (const char c : rest) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

bool is_dropped(std::string_view seq) {
    if (seq == "H" || seq == "N" || seq == ".ce" || seq == ".fi" || seq == ".nf") return true;
    if (is_formatting_with_number(seq)) return true;
    if (seq.size() == 5 && seq.front() == 'C') return all_hex(seq.substr(1));
    if ((seq.size() == 5 || seq.size() == 7) && seq.front() == 'M') return all_hex(seq.substr(1));
    return false;
}

// Writes what one escape sequence (the text between the escape characters) stands for; false when it is unknown.
bool append_sequence(std::string_view seq, const Delimiters& d, std::string& out) {
    if (seq.size() == 1) {
        switch (seq[0]) {
            case 'F':
                out.push_back(d.field);
                return true;
            case 'S':
                out.push_back(d.component);
                return true;
            case 'R':
                out.push_back(d.repetition);
                return true;
            case 'E':
                out.push_back(d.escape);
                return true;
            case 'T':
                if (!d.has_subcomponent()) return false;
                out.push_back(d.subcomponent);
                return true;
            case 'P':
                if (!d.has_truncation()) return false;
                out.push_back(d.truncation);
                return true;
            default:
                break;
        }
    }
    if (seq.size() >= 3 && seq.size() % 2 == 1 && seq[0] == 'X' && all_hex(seq.substr(1))) {
        for (std::size_t i = 1; i < seq.size(); i += 2) {
            out.push_back(static_cast<char>(hex_value(seq[i]) * 16 + hex_value(seq[i + 1])));
        }
        return true;
    }
    if (seq == ".br") {
        out.push_back('\n');
        return true;
    }
    return is_dropped(seq);
}

}  // namespace

void append_unescaped(std::string_view encoded, const Delimiters& d, std::string& out) {
    const char esc = d.escape;
    std::size_t pos = 0;
    while (pos < encoded.size()) {
        const void* hit = std::memchr(encoded.data() + pos, esc, encoded.size() - pos);
        if (hit == nullptr) break;
        const auto start = static_cast<std::size_t>(static_cast<const char*>(hit) - encoded.data());
        out.append(encoded.substr(pos, start - pos));
        const auto end = encoded.find(esc, start + 1);
        if (end == std::string_view::npos) {
            pos = start;  // an escape character without its closing partner is literal text
            break;
        }
        const auto seq = encoded.substr(start + 1, end - start - 1);
        if (!append_sequence(seq, d, out)) out.append(encoded.substr(start, end - start + 1));
        pos = end + 1;
    }
    out.append(encoded.substr(pos));
}

std::string unescape(std::string_view encoded, const Delimiters& delimiters) {
    std::string out;
    out.reserve(encoded.size());
    append_unescaped(encoded, delimiters, out);
    return out;
}

void append_escaped(std::string_view value, const Delimiters& d, std::string& out) {
    for (const char c : value) {
        const auto wrap = [&](const char* seq) {
            out.push_back(d.escape);
            out.append(seq);
            out.push_back(d.escape);
        };
        if (c == d.escape) {
            wrap("E");
        } else if (c == d.field) {
            wrap("F");
        } else if (c == d.component) {
            wrap("S");
        } else if (c == d.repetition) {
            wrap("R");
        } else if (d.has_subcomponent() && c == d.subcomponent) {
            wrap("T");
        } else if (c == '\r') {
            wrap("X0D");
        } else if (c == '\n') {
            wrap("X0A");
        } else {
            out.push_back(c);
        }
    }
}

std::string escape(std::string_view value, const Delimiters& delimiters) {
    std::string out;
    out.reserve(value.size() + 8);
    append_escaped(value, delimiters, out);
    return out;
}

}  // namespace gw::hl7
