#include "cars/expression_evaluator.h"

#include <string>

#include "cars/lexer.h"
#include "cars/token_view.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

class FakeClassifier : public ChainClassifier {
 public:
  bool IsDownload(absl::string_view chain) const override {
    return chain == "requests.get" || chain == "fetch";
  }
};

// Folds a whole expression.
class Folder {
 public:
  Folder(Language language, const std::string& code)
      : code_(code),
        lexed_(Lex(language, code_)),
        view_(lexed_.tokens),
        budget_{1000000},
        eval_(view_, language, bindings_, classifier_, &budget_) {}
  FoldedValue Fold() { return eval_.Fold(0, view_.size()); }
  Bindings& bindings() { return bindings_; }
  ExpressionEvaluator& eval() { return eval_; }
  const TokenView& view() const { return view_; }

 private:
  std::string code_;  // the tokens view it
  LexedSource lexed_;
  TokenView view_;
  Bindings bindings_;
  FakeClassifier classifier_;
  FoldBudget budget_;
  ExpressionEvaluator eval_;
};

FoldedValue FoldPython(const std::string& code) {
  return Folder(Language::kPython, code).Fold();
}
FoldedValue FoldJs(const std::string& code) {
  return Folder(Language::kJavaScript, code).Fold();
}

TEST(ExpressionEvaluatorTest, ConcatenationIsObfuscated) {
  const FoldedValue v = FoldPython("'ev' + 'al'");
  ASSERT_TRUE(v.IsString());
  EXPECT_EQ(v.str, "eval");
  EXPECT_TRUE(v.Has(kFoldObfuscated));
  EXPECT_FALSE(v.Has(kFoldPartial));
}

TEST(ExpressionEvaluatorTest, CharacterCodes) {
  EXPECT_EQ(FoldPython("chr(111) + chr(115)").str, "os");
  EXPECT_EQ(FoldPython("''.join(chr(c) for c in [105, 100])").str, "id");
  EXPECT_EQ(FoldPython("''.join(map(chr, [105, 100]))").str, "id");
  EXPECT_EQ(FoldPython("bytes([105, 100]).decode()").str, "id");
  EXPECT_EQ(FoldJs("String.fromCharCode(105, 100)").str, "id");
  EXPECT_EQ(FoldJs("[105, 100].map(c => String.fromCharCode(c)).join('')").str,
            "id");
}

TEST(ExpressionEvaluatorTest, Decoders) {
  FoldedValue b64 = FoldPython("base64.b64decode('aWQ=').decode()");
  EXPECT_EQ(b64.str, "id");
  EXPECT_TRUE(b64.Has(kFoldDecoded));
  EXPECT_EQ(FoldPython("bytes.fromhex('6964').decode()").str, "id");
  EXPECT_EQ(FoldPython("codecs.decode('vq', 'rot13')").str, "id");
  EXPECT_EQ(FoldJs("atob('aWQ=')").str, "id");
  EXPECT_EQ(FoldJs("Buffer.from('6964', 'hex').toString()").str, "id");
  const FoldedValue opaque = FoldPython("zlib.decompress(b'x')");
  EXPECT_TRUE(opaque.Has(kFoldOpaqueDecoder));
}

TEST(ExpressionEvaluatorTest, StringMethods) {
  EXPECT_EQ(FoldPython("'lave'[::-1]").str, "eval");
  EXPECT_EQ(FoldPython("'eXvXaXl'.replace('X', '')").str, "eval");
  EXPECT_EQ(FoldPython("'%s%s' % ('ev', 'al')").str, "eval");
  EXPECT_EQ(FoldPython("'{}{}'.format('ev', 'al')").str, "eval");
  EXPECT_EQ(FoldJs("'lave'.split('').reverse().join('')").str, "eval");
  EXPECT_EQ(FoldJs("'eXvXaXl'.replace(/X/g, '')").str, "eval");
  EXPECT_EQ(FoldJs("(14).toString(36)").str, "e");
}

TEST(ExpressionEvaluatorTest, UnknownPartsArePartial) {
  const FoldedValue v = FoldPython("'curl ' + url + ' | sh'");
  ASSERT_TRUE(v.IsString());
  EXPECT_TRUE(v.Has(kFoldPartial));
  EXPECT_EQ(v.str, "curl {url} | sh");
}

TEST(ExpressionEvaluatorTest, ResolvesComputedNames) {
  const FoldedValue v = FoldPython("getattr(__builtins__, 'ev' + 'al')");
  ASSERT_TRUE(v.IsAlias());
  EXPECT_EQ(ExpressionEvaluator::NormalizeChain(v.str), "eval");
  EXPECT_TRUE(v.Has(kFoldComputedName));
  EXPECT_TRUE(v.Has(kFoldObfuscated));
  const FoldedValue js = FoldJs("globalThis['ev' + 'al']");
  ASSERT_TRUE(js.IsAlias());
  EXPECT_EQ(ExpressionEvaluator::NormalizeChain(js.str), "eval");
}

TEST(ExpressionEvaluatorTest, BindingsAndAliases) {
  Folder f(Language::kPython, "sp.run");
  f.bindings()["sp"] = FoldedValue::Alias("subprocess");
  const FoldedValue v = f.Fold();
  ASSERT_TRUE(v.IsAlias());
  EXPECT_EQ(v.str, "subprocess.run");
}

TEST(ExpressionEvaluatorTest, WalkChainRecordsCallsAndImports) {
  Folder f(Language::kPython, "__import__('o' + 's').system('id')");
  ChainWalk walk;
  f.eval().WalkChain(0, &walk);
  ASSERT_EQ(walk.imports.size(), 1u);
  EXPECT_EQ(walk.imports[0].module, "os");
  EXPECT_TRUE(walk.imports[0].flags & kFoldObfuscated);
  ASSERT_EQ(walk.calls.size(), 2u);
  EXPECT_EQ(walk.calls[0].chain, "__import__");
  EXPECT_EQ(walk.calls[1].chain, "os.system");
}

TEST(ExpressionEvaluatorTest, DownloadProvenanceSurvivesMethods) {
  const FoldedValue v = FoldPython("requests.get(u).text");
  EXPECT_TRUE(v.Has(kFoldDownloaded));
  Folder f(Language::kPython, "x(y)");
  f.bindings()["y"] = FoldedValue::Unknown(kFoldDecoded);
  EXPECT_TRUE(f.eval().RangeFlags(0, f.view().size()) & kFoldDecoded);
}

TEST(ExpressionEvaluatorTest, NumbersForAllocationSizes) {
  EXPECT_DOUBLE_EQ(FoldPython("8 * 1024 ** 3").number,
                   8.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(FoldJs("2 ** 34").number, 17179869184.0);
  EXPECT_DOUBLE_EQ(FoldPython("1 << 30").number, 1073741824.0);
}

TEST(ExpressionEvaluatorTest, HugeAndInvalidNumbersStayDefined) {
  // Out-of-range integer conversions were undefined behaviour (found by
  // fuzzing); they now clamp.
  EXPECT_TRUE(FoldPython("10 ** 300 % 7 | 3").IsNumber());
  EXPECT_TRUE(FoldPython("~(10 ** 300)").IsNumber());
  EXPECT_FALSE(FoldPython("'abc'[10 ** 300]").IsString());
  EXPECT_EQ(FoldPython("'abc'[-10 ** 300:10 ** 300]").str, "abc");
  EXPECT_EQ(FoldJs("'abc'.substr(1, 1e300)").str, "bc");
  EXPECT_FALSE(
      FoldJs("'abc'.charAt(1e308 * 10 - 1e308 * 10)").IsString());  // NaN
  EXPECT_EQ(FoldPython("chr(10 ** 300)").str, "");
}

TEST(ExpressionEvaluatorTest, BudgetBoundsWork) {
  std::string code = "'a'";
  for (int i = 0; i < 5000; ++i) code += " + 'a'";
  LexedSource lexed = Lex(Language::kPython, code);
  TokenView view(lexed.tokens);
  Bindings bindings;
  FakeClassifier classifier;
  FoldBudget budget{100};
  ExpressionEvaluator eval(view, Language::kPython, bindings, classifier,
                           &budget);
  eval.Fold(0, view.size());
  EXPECT_LT(budget.steps, 0);
}

TEST(ExpressionEvaluatorTest, DeepNestingIsSafe) {
  std::string code(20000, '(');
  code += "1";
  code += std::string(20000, ')');
  const FoldedValue v = FoldPython(code);
  EXPECT_FALSE(v.IsString());
  std::string calls;
  for (int i = 0; i < 5000; ++i) calls += "f(";
  calls += std::string(5000, ')');
  FoldPython(calls);
}

}  // namespace
}  // namespace forge::cars
