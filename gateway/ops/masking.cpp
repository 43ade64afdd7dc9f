#include "gateway/ops/masking.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "gateway/log/log.hpp"

namespace gw::ops {

namespace json = boost::json;

namespace {

void mask_member(json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    if (v && v->is_string()) *v = log::mask_always(v->as_string());
}

// Every string (and number) under v, masked in place.
void mask_all(json::value& v) {
    if (v.is_string()) {
        v = log::mask_always(v.as_string());
    } else if (v.is_int64() || v.is_uint64() || v.is_double()) {
        v = log::mask_always(json::serialize(v));
    } else if (v.is_object()) {
        for (auto& member : v.as_object()) mask_all(member.value());
    } else if (v.is_array()) {
        for (auto& element : v.as_array()) mask_all(element);
    }
}

// Keys that hold personal data in CareOrder-like and vendor JSON bodies, wherever they appear.
bool personal_key(std::string_view key) {
    static constexpr std::array<std::string_view, 34> keys{
        "name",          "given",        "family",         "street",         "address",
        "postal_code",   "postalCode",   "postcode",       "zip",            "city",
        "phone",         "phone_number", "phoneNumber",    "mobile",         "email",
        "access_notes",  "accessNotes",  "instructions",   "note",           "notes",
        "first_name",    "firstName",    "last_name",      "lastName",       "full_name",
        "fullName",      "line1",        "line2",          "address_line1",  "addressLine1",
        "address_line2", "addressLine2", "delivery_instructions", "deliveryInstructions"};
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void mask_by_key(json::value& v) {
    if (v.is_object()) {
        for (auto& member : v.as_object()) {
            if (personal_key(member.key())) {
                mask_all(member.value());
            } else {
                mask_by_key(member.value());
            }
        }
    } else if (v.is_array()) {
        for (auto& element : v.as_array()) mask_by_key(element);
    }
}

bool looks_like_care_order(const json::value& v) {
    const auto* o = v.if_object();
    return o && o->contains("recipient") && o->contains("lines");
}

// ---- HL7 ER7 -----------------------------------------------------------------------------------------------

struct Delimiters {
    char field = '|';
    char component = '^';
    char repetition = '~';
    char escape = '\\';
    char subcomponent = '&';
};

// Which fields of a segment may be shown unmasked. Field 0 is the segment name.
bool field_allowed(std::string_view segment, std::size_t field) {
    static constexpr std::array<std::string_view, 13> open_segments{
        "MSH", "MSA", "ERR", "EVN", "ORC", "RQD", "RQ1", "OBR", "TQ1", "TQ2", "SFT", "UAC", "BHS"};
    if (field == 0) return true;
    if (segment == "PID") return field == 1 || field == 3;
    if (segment == "NTE") return field == 1 || field == 2 || field == 4;
    if (segment == "PV1") return field <= 3;  // set id, class, location (district); 7+ name care staff
    return std::find(open_segments.begin(), open_segments.end(), segment) != open_segments.end();
}

// ORC-10/11/12 (entered by, verified by, ordering provider) are XCN: keep the id component, mask the names.
bool keeps_first_component_only(std::string_view segment, std::size_t field) {
    return segment == "ORC" && (field == 10 || field == 11 || field == 12);
}

std::string mask_field(std::string_view value, const Delimiters& d, bool keep_first_component) {
    std::string out;
    out.reserve(value.size());
    std::size_t start = 0;
    bool first_component = true;
    auto flush = [&](std::size_t end) {
        const auto piece = value.substr(start, end - start);
        out += keep_first_component && first_component ? std::string(piece) : log::mask_always(piece);
    };
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == d.component || c == d.repetition || c == d.subcomponent) {
            flush(i);
            out += c;
            start = i + 1;
            if (c == d.component) first_component = false;
            if (c == d.repetition) first_component = true;
        }
    }
    flush(value.size());
    return out;
}

std::string mask_segment(std::string_view segment, const Delimiters& d) {
    if (segment.size() < 3) return log::mask_always(segment);
    const auto name = segment.substr(0, 3);
    const bool msh = name == "MSH" || name == "BHS" || name == "FHS";
    if (msh) return std::string(segment);  // header: ids, routing, no personal data
    std::string out;
    out.reserve(segment.size());
    std::size_t field = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= segment.size(); ++i) {
        if (i < segment.size() && segment[i] != d.field) continue;
        const auto value = segment.substr(start, i - start);
        const bool ids_only = keeps_first_component_only(name, field);
        if (field_allowed(name, field) && !ids_only) {
            out += value;
        } else {
            out += mask_field(value, d, ids_only);
        }
        if (i < segment.size()) out += d.field;
        ++field;
        start = i + 1;
    }
    return out;
}

// ---- XML ------------------------------------------------------------------------------------------------------

// "PID.5" -> ("PID", 5); anything else nullopt.
std::optional<std::pair<std::string, std::size_t>> hl7_field_element(std::string_view name) {
    if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if (name.size() < 5 || name[3] != '.') return std::nullopt;
    std::size_t n = 0;
    for (char c : name.substr(4)) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return std::pair{std::string(name.substr(0, 3)), n};
}

bool text_allowed(const std::vector<std::string>& open) {
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
        if (auto f = hl7_field_element(*it)) return field_allowed(f->first, f->second) && f->first != "PID";
        std::string_view local = *it;
        if (auto colon = local.find(':'); colon != std::string_view::npos) local.remove_prefix(colon + 1);
        if (local == "MSH") return true;
    }
    return false;
}

std::string mask_text(std::string_view text) {
    const bool blank = std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\n' || c == '\r' ||
                                                                              c == '\t'; });
    return blank ? std::string(text) : log::mask_always(text);
}

// Attribute values inside one tag are masked unless the element is known to be safe; namespace declarations stay.
std::string mask_tag(std::string_view tag, bool allowed) {
    if (allowed) return std::string(tag);
    std::string out;
    std::size_t i = 0;
    while (i < tag.size()) {
        const char c = tag[i];
        if ((c == '"' || c == '\'') && i > 0) {
            const auto end = tag.find(c, i + 1);
            if (end == std::string_view::npos) break;
            // The attribute name before '=': xmlns declarations are not data.
            auto eq = tag.rfind('=', i);
            auto name_start = tag.rfind(' ', eq == std::string_view::npos ? 0 : eq);
            const auto attr = tag.substr(name_start == std::string_view::npos ? 0 : name_start + 1,
                                         eq == std::string_view::npos ? 0 : eq - name_start - 1);
            out += c;
            const auto value = tag.substr(i + 1, end - i - 1);
            out += attr.starts_with("xmlns") ? std::string(value) : log::mask_always(value);
            out += c;
            i = end + 1;
            continue;
        }
        out += c;
        ++i;
    }
    out += tag.substr(std::min(i, tag.size()));
    return out;
}

std::string mask_xml(std::string_view xml) {
    std::string out;
    out.reserve(xml.size());
    std::vector<std::string> open;
    std::size_t i = 0;
    while (i < xml.size()) {
        if (xml[i] != '<') {
            const auto next = std::min(xml.find('<', i), xml.size());
            const auto text = xml.substr(i, next - i);
            out += text_allowed(open) ? std::string(text) : mask_text(text);
            i = next;
            continue;
        }
        if (xml.substr(i).starts_with("<![CDATA[")) {
            const auto end = xml.find("]]>", i);
            const auto stop = end == std::string_view::npos ? xml.size() : end;
            out += "<![CDATA[";
            const auto text = xml.substr(i + 9, stop - std::min(stop, i + 9));
            out += text_allowed(open) ? std::string(text) : mask_text(text);
            if (end != std::string_view::npos) out += "]]>";
            i = end == std::string_view::npos ? xml.size() : end + 3;
            continue;
        }
        const auto close = xml.find('>', i);
        if (close == std::string_view::npos) {
            out += mask_text(xml.substr(i));  // a cut-off tag: nothing of it is trusted
            break;
        }
        const auto tag = xml.substr(i, close - i + 1);
        if (tag.starts_with("<?") || tag.starts_with("<!")) {
            out += tag.starts_with("<!--") ? std::string("<!-- -->") : std::string(tag);
        } else if (tag.starts_with("</")) {
            out += tag;
            if (!open.empty()) open.pop_back();
        } else {
            std::size_t name_end = 1;
            while (name_end < tag.size() && tag[name_end] != ' ' && tag[name_end] != '>' && tag[name_end] != '/' &&
                   tag[name_end] != '\n' && tag[name_end] != '\t' && tag[name_end] != '\r') {
                ++name_end;
            }
            std::string name(tag.substr(1, name_end - 1));
            auto with = open;
            with.push_back(name);
            out += mask_tag(tag, text_allowed(with));
            if (!tag.ends_with("/>")) open.push_back(std::move(name));
        }
        i = close + 1;
    }
    return out;
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t' ||
                          s.front() == '\xEF' || s.front() == '\xBB' || s.front() == '\xBF')) {
        s.remove_prefix(1);
    }
    return s;
}

std::string withheld(std::string_view raw) {
    return fmt::format("[{} bytes withheld: personal data; needs the phi-reader role]", raw.size());
}

}  // namespace

json::value mask_care_order(const json::value& order) {
    json::value copy = order;
    auto* o = copy.if_object();
    if (!o) return copy;
    if (auto* r = o->if_contains("recipient"); r && r->is_object()) {
        auto& recipient = r->as_object();
        for (const auto& key : {"name", "address"}) {
            if (auto* v = recipient.if_contains(key)) mask_all(*v);
        }
        mask_member(recipient, "phone");
        mask_member(recipient, "access_notes");
        // "reference" is the care system's pseudonym: shown, since operators search by it.
        if (auto* address = recipient.if_contains("address"); address && address->is_object()) {
            // The country says nothing about the person; keep it readable.
            if (auto* original = order.at("recipient").as_object().if_contains("address");
                original && original->is_object()) {
                if (auto* country = original->as_object().if_contains("country")) {
                    address->as_object()["country"] = *country;
                }
            }
        }
    }
    if (auto* d = o->if_contains("delivery"); d && d->is_object()) mask_member(d->as_object(), "instructions");
    if (auto* lines = o->if_contains("lines"); lines && lines->is_array()) {
        for (auto& line : lines->as_array()) {
            if (line.is_object()) mask_member(line.as_object(), "note");
        }
    }
    if (auto* by = o->if_contains("ordered_by"); by && by->is_object()) mask_member(by->as_object(), "name");
    return copy;
}

std::string mask_hl7_er7(std::string_view er7) {
    Delimiters d;
    const auto start = trim_left(er7);
    if (start.size() >= 8 && start.starts_with("MSH")) {
        d.field = start[3];
        d.component = start[4];
        d.repetition = start[5];
        d.escape = start[6];
        d.subcomponent = start[7];
    }
    std::string out;
    out.reserve(er7.size());
    std::size_t i = 0;
    while (i < er7.size()) {
        const auto end = std::min(er7.find_first_of("\r\n", i), er7.size());
        out += mask_segment(er7.substr(i, end - i), d);
        std::size_t next = end;
        while (next < er7.size() && (er7[next] == '\r' || er7[next] == '\n')) out += er7[next++];
        i = next;
    }
    return out;
}

std::string mask_raw_message(std::string_view raw) {
    const auto body = trim_left(raw);
    if (body.starts_with("MSH") || body.starts_with("FHS") || body.starts_with("BHS")) return mask_hl7_er7(raw);
    if (body.starts_with("<")) return mask_xml(raw);
    if (body.starts_with("{") || body.starts_with("[")) return mask_payload(raw);
    return withheld(raw);
}

std::string mask_payload(std::string_view payload) {
    const auto body = trim_left(payload);
    if (body.empty()) return std::string(payload);
    if (body.starts_with("{") || body.starts_with("[")) {
        boost::system::error_code ec;
        auto v = json::parse(payload, ec);
        if (ec) return withheld(payload);
        if (looks_like_care_order(v)) return json::serialize(mask_care_order(v));
        mask_by_key(v);
        return json::serialize(v);
    }
    if (body.starts_with("MSH")) return mask_hl7_er7(payload);
    if (body.starts_with("<")) return mask_xml(payload);
    return withheld(payload);
}

std::string mask_quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"' || c == '\'') {
            const auto end = text.find(c, i + 1);
            // An apostrophe inside a word ("vendor's") is not a quote.
            const bool word_apostrophe = c == '\'' && i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1]));
            if (end != std::string_view::npos && !word_apostrophe) {
                out += c;
                out += log::mask_always(text.substr(i + 1, end - i - 1));
                out += c;
                i = end + 1;
                continue;
            }
        }
        out += c;
        ++i;
    }
    return out;
}

}  // namespace gw::ops
