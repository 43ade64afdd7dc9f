#include "gateway/hl7/path.hpp"

#include <fmt/format.h>

namespace gw::hl7 {
namespace {

bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

class PathParser {
  public:
    explicit PathParser(std::string_view text) : text_(text) {}

    Result<Path> run() {
        Path p;
        if (text_.size() < 3 || !is_upper(text_[0]) || !(is_upper(text_[1]) || is_digit(text_[1])) ||
            !(is_upper(text_[2]) || is_digit(text_[2]))) {
            return fail(0, "a 3-character segment name (e.g. PID)");
        }
        p.segment = {text_[0], text_[1], text_[2]};
        pos_ = 3;
        if (peek('[')) {
            auto n = bracketed();
            if (!n) return std::move(n).error();
            p.occurrence = *n;
        }
        if (!peek('-')) return fail(pos_, "'-' and a field number");
        ++pos_;
        auto f = number();
        if (!f) return std::move(f).error();
        p.field = *f;
        if (peek('[')) {
            auto r = bracketed();
            if (!r) return std::move(r).error();
            p.repetition = *r;
        }
        if (peek('.')) {
            ++pos_;
            auto c = number();
            if (!c) return std::move(c).error();
            p.component = *c;
        }
        if (peek('.')) {
            ++pos_;
            auto s = number();
            if (!s) return std::move(s).error();
            p.subcomponent = *s;
        }
        if (pos_ != text_.size()) return fail(pos_, "end of path");
        return p;
    }

  private:
    bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

    Result<std::uint32_t> number() {
        const auto start = pos_;
        std::uint32_t n = 0;
        while (pos_ < text_.size() && is_digit(text_[pos_])) {
            n = n * 10 + static_cast<std::uint32_t>(text_[pos_] - '0');
            if (n > kMaxPathIndex) return fail(start, fmt::format("a number up to {}", kMaxPathIndex));
            ++pos_;
        }
        if (pos_ == start || n == 0) return fail(start, "a number >= 1");
        return n;
    }

    Result<std::uint32_t> bracketed() {
        ++pos_;
        auto n = number();
        if (!n) return n;
        if (!peek(']')) return fail(pos_, "']'");
        ++pos_;
        return n;
    }

    Error fail(std::size_t at, std::string_view expected) const {
        SourceLocation where;
        where.byte_offset = at;
        where.path = std::string(text_);
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("invalid HL7 path '{}': expected {} at byte {}", text_, expected, at), where);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string Path::to_string() const {
    std::string s(segment_name());
    if (occurrence != 1) s += fmt::format("[{}]", occurrence);
    s += fmt::format("-{}", field);
    if (repetition != 1) s += fmt::format("[{}]", repetition);
    if (component != 0) s += fmt::format(".{}", component);
    if (subcomponent != 0) s += fmt::format(".{}", subcomponent);
    return s;
}

Result<Path> compile_path(std::string_view text) {
    return PathParser(text).run();
}

Path make_path(std::string_view segment, std::uint32_t field, std::uint32_t component, std::uint32_t subcomponent,
               std::uint32_t repetition, std::uint32_t occurrence) {
    Path p;
    for (std::size_t i = 0; i < 3 && i < segment.size(); ++i) p.segment[i] = segment[i];
    p.field = field;
    p.component = component;
    p.subcomponent = subcomponent;
    p.repetition = repetition;
    p.occurrence = occurrence;
    return p;
}

}  // namespace gw::hl7
