#include "gateway/hl7/message.hpp"

#include <cstring>

#include <fmt/format.h>

#include "gateway/hl7/escape.hpp"

namespace gw::hl7 {
namespace {

constexpr std::size_t kMinHeaderBytes = 8;     // "MSH|^~\&"
constexpr std::size_t kMinMshSeparators = 11;  // MSH-1 .. MSH-12 (version ID) must be present

bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_line_end(char c) {
    return c == '\r' || c == '\n';
}

std::size_t find_char(std::string_view s, char c, std::size_t from = 0) {
    if (from >= s.size()) return std::string_view::npos;
    const void* hit = std::memchr(s.data() + from, c, s.size() - from);
    return hit == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
}

// The n-th (0-based) part of `s` split at `sep`, or nullopt when there are fewer parts.
std::optional<std::string_view> nth_part(std::string_view s, char sep, std::uint32_t n) {
    std::size_t start = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto p = find_char(s, sep, start);
        if (p == std::string_view::npos) return std::nullopt;
        start = p + 1;
    }
    const auto end = find_char(s, sep, start);
    return s.substr(start, end == std::string_view::npos ? s.size() - start : end - start);
}

std::size_t count_char(std::string_view s, char c) {
    std::size_t n = 0;
    for (std::size_t p = find_char(s, c); p != std::string_view::npos; p = find_char(s, c, p + 1)) ++n;
    return n;
}

// Range [b, e) of part n of s[b, e) split at sep; appends separators when the part does not exist yet.
std::pair<std::size_t, std::size_t> descend(std::string& s, std::size_t b, std::size_t e, char sep, std::uint32_t n) {
    std::size_t start = b;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto p = find_char(std::string_view(s.data(), e), sep, start);
        if (p == std::string_view::npos) {
            const std::size_t missing = n - i;
            s.insert(e, missing, sep);
            return {e + missing, e + missing};
        }
        start = p + 1;
    }
    const auto p = find_char(std::string_view(s.data(), e), sep, start);
    return {start, p == std::string_view::npos ? e : p};
}

Error parse_failure(std::size_t offset, std::string message, std::string hl7_path = {}) {
    SourceLocation where;
    where.byte_offset = offset;
    where.path = std::move(hl7_path);
    return make_error(ErrorCode::parse_error, std::move(message), std::move(where));
}

}  // namespace

bool is_header_segment_name(std::string_view name) noexcept {
    return name == "MSH" || name == "FHS" || name == "BHS";
}

// Turns bytes into a Message: finds the delimiters, then the segment boundaries; never looks inside fields except
// for MSH-18 and the strict checks.
class Parser {
  public:
    Parser(std::string_view text, const ParseOptions& options) : text_(text), options_(options) {}

    Result<Message> run(std::shared_ptr<const std::string> storage) {
        if (text_.size() >= Message::kAdded) {
            return make_error(ErrorCode::too_large, "HL7 input over 4 GiB");
        }
        std::size_t pos = 0;
        while (pos < text_.size() && is_line_end(text_[pos])) ++pos;
        if (pos == text_.size()) return parse_failure(0, "empty input: expected an MSH (or FHS/BHS) header");
        if (options_.strict) {
            if (const auto nul = find_char(text_, '\0'); nul != std::string_view::npos) {
                return parse_failure(nul, fmt::format("expected text, found a NUL byte at byte {}", nul));
            }
        }
        Message msg;
        msg.storage_ = std::move(storage);
        msg.text_ = text_;
        if (auto r = read_delimiters(pos, msg.delimiters_); !r) return std::move(r).error();
        if (auto r = split_segments(pos, msg); !r) return std::move(r).error();
        detect_charset(msg);
        return msg;
    }

  private:
    Result<void> read_delimiters(std::size_t pos, Delimiters& d) {
        const auto head = text_.substr(pos);
        if (head.size() < kMinHeaderBytes || !is_header_segment_name(head.substr(0, 3))) {
            return parse_failure(pos, fmt::format("expected a message to start with an MSH (or FHS/BHS) header of "
                                                  "at least 8 bytes such as 'MSH|^~\\&' at byte {}",
                                                  pos));
        }
        const char sep = head[3];
        if (is_alnum(sep) || is_line_end(sep) || sep == '\0') {
            return parse_failure(pos + 3,
                                 fmt::format("expected a non-alphanumeric field separator (MSH-1) at byte {}, found "
                                             "'{}': the field separator must be a non-alphanumeric character",
                                             pos + 3, printable(sep)),
                                 "MSH-1");
        }
        std::size_t end = 4;
        while (end < head.size() && head[end] != sep && !is_line_end(head[end])) ++end;
        const auto enc = head.substr(4, end - 4);
        if (auto r = check_encoding_characters(enc, sep, pos + 4); !r) {
            // Salvage mode guesses the standard set rather than give up on the ACK, unless the field separator
            // is one of them: then nothing can be split reliably.
            if (options_.strict || Delimiters{}.is_structural(sep)) return r;
            d = Delimiters{};
            d.field = sep;
            return {};
        }
        d.field = sep;
        d.component = enc[0];
        d.repetition = enc[1];
        d.escape = enc[2];
        d.subcomponent = enc.size() > 3 ? enc[3] : '\0';
        d.truncation = enc.size() > 4 ? enc[4] : '\0';
        encoding_ = enc;
        return {};
    }

    static std::string printable(char c) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7F) return std::string(1, c);
        return fmt::format("\\x{:02X}", b);
    }

    Result<void> check_encoding_characters(std::string_view enc, char sep, std::size_t offset) const {
        if (enc.size() < 3 || enc.size() > 5) {
            return parse_failure(offset,
                                 fmt::format("expected 3 to 5 encoding characters in MSH-2 (e.g. '^~\\&') at byte {}, "
                                             "found {}",
                                             offset, enc.size()),
                                 "MSH-2");
        }
        for (std::size_t i = 0; i < enc.size(); ++i) {
            const char c = enc[i];
            if (is_alnum(c) || c == '\0' || c == ' ' || c == sep || enc.find(c) != i) {
                return parse_failure(offset + i,
                                     fmt::format("expected a distinct non-alphanumeric encoding character in MSH-2 at "
                                                 "byte {}, found '{}'",
                                                 offset + i, printable(c)),
                                     "MSH-2");
            }
        }
        return {};
    }

    Result<void> split_segments(std::size_t pos, Message& msg) {
        msg.segments_.reserve(16);
        while (pos < text_.size()) {
            std::size_t end = pos;
            while (end < text_.size() && !is_line_end(text_[end])) ++end;
            if (end > pos) {
                if (options_.strict) {
                    if (auto r = check_segment(pos, end, msg.delimiters_); !r) return r;
                }
                msg.segments_.push_back({static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(end - pos), -1});
            }
            pos = end + 1;
        }
        return {};
    }

    Result<void> check_segment(std::size_t begin, std::size_t end, const Delimiters& d) const {
        const auto seg = text_.substr(begin, end - begin);
        const bool name_ok = seg.size() >= 3 && is_upper(seg[0]) && (is_upper(seg[1]) || is_digit(seg[1])) &&
                             (is_upper(seg[2]) || is_digit(seg[2])) && (seg.size() == 3 || seg[3] == d.field);
        if (!name_ok) {
            return parse_failure(begin, fmt::format("expected a segment name of 3 upper-case letters or digits "
                                                    "followed by '{}' at byte {}",
                                                    d.field, begin));
        }
        const auto name = seg.substr(0, 3);
        if (!is_header_segment_name(name)) return {};
        if (seg.size() < 4 + encoding_.size() || seg.substr(4, encoding_.size()) != encoding_ ||
            (seg.size() > 4 + encoding_.size() && seg[4 + encoding_.size()] != d.field)) {
            return parse_failure(begin + 4,
                                 fmt::format("expected the encoding characters '{}' of the first header "
                                             "in {}-2 at byte {}",
                                             encoding_, name, begin + 4),
                                 fmt::format("{}-2", name));
        }
        if (name == "MSH") {
            const auto separators = count_char(seg, d.field);
            if (separators < kMinMshSeparators) {
                return parse_failure(end,
                                     fmt::format("expected at least 12 fields in MSH (through MSH-12 version "
                                                 "ID), found {} at byte {}",
                                                 separators + 1, end),
                                     fmt::format("MSH-{}", separators + 2));
            }
        }
        return {};
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    void detect_charset(Message& msg) const {
        if (options_.charset) {
            msg.charset_ = *options_.charset;
            return;
        }
        static const Path msh18 = make_path("MSH", 18, 1);
        const auto name = msg.raw(msh18);
        const auto cs = charset_from_name(name);
        msg.charset_ = cs.value_or(Charset::utf8);
        msg.charset_known_ = cs.has_value();
    }

    std::string_view text_;
    const ParseOptions& options_;
    std::string_view encoding_;
};

Message::Message(Delimiters delimiters, Charset charset) : delimiters_(delimiters), charset_(charset) {}

std::string_view Message::segment(std::size_t index) const {
    const auto& s = segments_.at(index);
    if (s.edited >= 0) return edits_[static_cast<std::size_t>(s.edited)];
    return text_.substr(s.offset, s.length);
}

std::string_view Message::segment_name(std::size_t index) const {
    return segment(index).substr(0, 3);
}

std::size_t Message::segment_offset(std::size_t index) const {
    const auto& s = segments_.at(index);
    return s.offset == kAdded ? SourceLocation::npos : s.offset;
}

std::optional<std::size_t> Message::find_segment(std::string_view name, std::uint32_t occurrence) const {
    std::uint32_t seen = 0;
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const auto seg = segment(i);
        if (seg.size() >= 3 && seg.substr(0, 3) == name && (seg.size() == 3 || seg[3] == delimiters_.field) &&
            ++seen == occurrence) {
            return i;
        }
    }
    return std::nullopt;
}

bool Message::is_header(std::string_view seg) const noexcept {
    return seg.size() >= 4 && seg[3] == delimiters_.field && is_header_segment_name(seg.substr(0, 3));
}

std::optional<std::size_t> Message::locate(const Path& path) const {
    return find_segment(path.segment_name(), path.occurrence);
}

std::string_view Message::raw(const Path& path) const {
    const auto index = locate(path);
    if (!index || path.field == 0) return {};
    const auto seg = segment(*index);
    const bool header = is_header(seg);
    if (header && path.field <= 2) {
        if (path.repetition > 1 || path.component > 1 || path.subcomponent > 1) return {};
        if (path.field == 1) return seg.substr(3, 1);
        return nth_part(seg, delimiters_.field, 1).value_or(std::string_view{});
    }
    const auto d = delimiters_;
    auto v = nth_part(seg, d.field, header ? path.field - 1 : path.field);
    if (!v) return {};
    v = nth_part(*v, d.repetition, path.repetition - 1);
    if (v && path.component > 0) v = nth_part(*v, d.component, path.component - 1);
    if (v && path.subcomponent > 0) {
        if (d.has_subcomponent()) {
            v = nth_part(*v, d.subcomponent, path.subcomponent - 1);
        } else if (path.subcomponent > 1) {
            v.reset();
        }
    }
    return v.value_or(std::string_view{});
}

void Message::get_into(const Path& path, std::string& out) const {
    out.clear();
    const auto v = raw(path);
    if (v.empty()) return;
    const auto& d = delimiters_;
    bool leaf = true;
    const bool header_delimiters = path.field <= 2 && is_header_segment_name(path.segment_name());
    if (header_delimiters) {
        leaf = false;  // MSH-1 and MSH-2 are returned exactly as written
    } else if (path.subcomponent == 0) {
        const bool has_sub = d.has_subcomponent() && find_char(v, d.subcomponent) != std::string_view::npos;
        leaf = path.component > 0 ? !has_sub : !has_sub && find_char(v, d.component) == std::string_view::npos;
    }
    if (!leaf || find_char(v, d.escape) == std::string_view::npos) {
        append_utf8(v, charset_, out);
        return;
    }
    std::string bytes;
    bytes.reserve(v.size());
    append_unescaped(v, d, bytes);
    append_utf8(bytes, charset_, out);
}

std::string Message::get(const Path& path) const {
    std::string out;
    get_into(path, out);
    return out;
}

std::string Message::get(std::string_view path) const {
    const auto p = compile_path(path);
    return p ? get(*p) : std::string{};
}

std::string& Message::editable_segment(std::size_t index) {
    auto& s = segments_[index];
    if (s.edited < 0) {
        edits_.emplace_back(text_.substr(s.offset, s.length));
        s.edited = static_cast<std::int32_t>(edits_.size() - 1);
    }
    modified_ = true;
    return edits_[static_cast<std::size_t>(s.edited)];
}

std::size_t Message::add_segment(std::string_view name) {
    std::string content(name);
    if (is_header_segment_name(name)) {
        content.push_back(delimiters_.field);
        content += delimiters_.encoding_characters();
    }
    edits_.push_back(std::move(content));
    segments_.push_back({kAdded, 0, static_cast<std::int32_t>(edits_.size() - 1)});
    modified_ = true;
    return segments_.size() - 1;
}

Result<void> Message::set_encoded(const Path& path, std::string_view encoded) {
    if (path.field == 0 || path.repetition == 0 || path.occurrence == 0) {
        return make_error(ErrorCode::invalid_argument, fmt::format("cannot set '{}'", path.to_string()));
    }
    auto index = locate(path);
    if (!index) {
        const auto count = find_segment(path.segment_name(), path.occurrence - 1);
        if (path.occurrence > 1 && !count) {
            return make_error(ErrorCode::invalid_argument,
                              fmt::format("cannot set '{}': segment occurrence {} does not exist and is not the next",
                                          path.to_string(), path.occurrence));
        }
        index = add_segment(path.segment_name());
    }
    std::string& seg = editable_segment(*index);
    const bool header = is_header(seg);
    if (header && path.field <= 2) {
        return make_error(
            ErrorCode::invalid_argument,
            fmt::format("cannot set '{}': MSH-1 and MSH-2 are the message's delimiters", path.to_string()));
    }
    const auto& d = delimiters_;
    auto [b, e] = descend(seg, 0, seg.size(), d.field, header ? path.field - 1 : path.field);
    std::tie(b, e) = descend(seg, b, e, d.repetition, path.repetition - 1);
    if (path.component > 0) std::tie(b, e) = descend(seg, b, e, d.component, path.component - 1);
    if (path.subcomponent > 0 && d.has_subcomponent()) {
        std::tie(b, e) = descend(seg, b, e, d.subcomponent, path.subcomponent - 1);
    }
    seg.replace(b, e - b, encoded);
    return {};
}

Result<void> Message::set(const Path& path, std::string_view value) {
    std::string wire;
    wire.reserve(value.size());
    append_from_utf8(value, charset_, wire);
    return set_encoded(path, escape(wire, delimiters_));
}

std::string_view Message::terminator_after(std::size_t index) const {
    const auto& s = segments_[index];
    if (s.offset == kAdded) return "\r";
    const std::size_t end = static_cast<std::size_t>(s.offset) + s.length;
    std::size_t next = text_.size();
    for (std::size_t j = index + 1; j < segments_.size(); ++j) {
        if (segments_[j].offset != kAdded) {
            next = segments_[j].offset;
            break;
        }
    }
    const auto term = text_.substr(end, next - end);
    if (term.empty() && index + 1 < segments_.size()) return "\r";
    return term;
}

void Message::encode_to(std::string& out) const {
    if (!modified_) {
        out.append(text_);
        return;
    }
    if (!segments_.empty() && segments_.front().offset != kAdded) out.append(text_.substr(0, segments_.front().offset));
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        out.append(segment(i));
        out.append(terminator_after(i));
    }
}

std::string Message::encode() const {
    std::string out;
    out.reserve(text_.size() + 64);
    encode_to(out);
    return out;
}

bool Message::is_batch() const {
    if (segments_.empty()) return false;
    const auto first = segment_name(0);
    return first == "FHS" || first == "BHS" || find_segment("MSH", 2).has_value();
}

std::vector<Message> Message::messages() const {
    if (modified_) {
        auto reparsed = parse(encode(), ParseOptions{false, charset_});
        return reparsed ? reparsed->messages() : std::vector<Message>{};
    }
    std::vector<Message> out;
    const ParseOptions lenient{false, std::nullopt};
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        if (segment_name(i) != "MSH") continue;
        std::size_t last = i;
        while (last + 1 < segments_.size()) {
            const auto next = segment_name(last + 1);
            if (next == "MSH" || next == "BHS" || next == "BTS" || next == "FHS" || next == "FTS") break;
            ++last;
        }
        const std::size_t begin = segments_[i].offset;
        const std::size_t end = segments_[last].offset + segments_[last].length + terminator_after(last).size();
        auto part = parse_view(text_.substr(begin, std::min(end, text_.size()) - begin), lenient);
        if (part) {
            part->storage_ = storage_;
            out.push_back(std::move(part).value());
        }
        i = last;
    }
    return out;
}

Result<Message> parse(std::string bytes, const ParseOptions& options) {
    auto storage = std::make_shared<const std::string>(std::move(bytes));
    const std::string_view text = *storage;
    return Parser(text, options).run(std::move(storage));
}

Result<Message> parse_view(std::string_view bytes, const ParseOptions& options) {
    return Parser(bytes, options).run(nullptr);
}

}  // namespace gw::hl7
