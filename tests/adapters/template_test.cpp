// {{...}} placeholders of adapter.yaml: compile-time checks (unknown names with hints, line.* only in for_each
// steps, variables only after a capture) and rendering (URL escaping, missing values).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "adapters/http/template.hpp"

namespace gw::adapters::http {
namespace {

const StringMap kSecrets{{"api_key", "k-1"}};
const StringMap kParams{{"customer", "C 7/1"}};
const std::set<std::string> kVars{"hold_id"};

Template::Names names(bool line = false) { return {&kSecrets, &kParams, &kVars, line}; }

TEST(Template, RendersEveryKindOfPlaceholder) {
    auto t = Template::compile("/c/{{param.customer}}/o/{{order_id}}/{{var.hold_id}}/{{line.gtin}}?k={{ secret.api_key }}",
                               names(true));
    ASSERT_TRUE(t) << t.error().message;
    const StringMap vars{{"hold_id", "h1"}};
    const auto line = boost::json::parse(R"({"gtin":"07038010000102","line_number":2})");
    TemplateScope scope{&kSecrets, &kParams, &vars, "GW-1", "KEY", "", &line};
    auto text = render(*t, scope);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "/c/C 7/1/o/GW-1/h1/07038010000102?k=k-1");
    auto escaped = render(*t, scope, true);
    ASSERT_TRUE(escaped);
    EXPECT_EQ(*escaped, "/c/C%207%2F1/o/GW-1/h1/07038010000102?k=k-1");
}

TEST(Template, UnknownNamesAreCompileErrorsWithHints) {
    std::size_t at = 0;
    auto secret = Template::compile("Bearer {{secret.api_kee}}", names(), &at);
    ASSERT_FALSE(secret);
    EXPECT_EQ(at, 7u);
    EXPECT_EQ(secret.error().message, "unknown secret 'api_kee'");
    EXPECT_EQ(secret.error().hint, "did you mean 'api_key'?");

    auto root = Template::compile("{{order_idd}}", names());
    ASSERT_FALSE(root);
    EXPECT_NE(root.error().hint.find("order_id"), std::string::npos);

    auto var = Template::compile("{{var.order_ref}}", names());
    ASSERT_FALSE(var);
    EXPECT_NE(var.error().message.find("capture"), std::string::npos) << var.error().message;

    auto line = Template::compile("{{line.gtin}}", names(false));
    ASSERT_FALSE(line);
    EXPECT_NE(line.error().message.find("for_each"), std::string::npos);

    auto field = Template::compile("{{line.gtn}}", names(true));
    ASSERT_FALSE(field);
    EXPECT_EQ(field.error().hint, "did you mean 'gtin'?");

    EXPECT_FALSE(Template::compile("{{order_id", names()));
}

TEST(Template, MissingValuesAtRunTimeAreErrors) {
    auto t = Template::compile("/orders/{{vendor_order_ref}}", names());
    ASSERT_TRUE(t);
    TemplateScope scope{&kSecrets, &kParams, nullptr, "GW-1", "K", "", nullptr};
    auto r = render(*t, scope);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("vendor_order_ref"), std::string::npos);
    scope.vendor_order_ref = "V-9";
    EXPECT_EQ(*render(*t, scope), "/orders/V-9");

    auto v = Template::compile("{{var.hold_id}}", names());
    ASSERT_TRUE(v);
    const StringMap empty;
    scope.vars = &empty;
    EXPECT_FALSE(render(*v, scope));
}

TEST(Template, ConstantTextStaysAsIs) {
    auto t = Template::compile("application/json; charset=utf-8", names());
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->constant());
    EXPECT_EQ(*render(*t, {}), "application/json; charset=utf-8");
}

}  // namespace
}  // namespace gw::adapters::http
