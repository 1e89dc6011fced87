#include "cars/token_view.h"

namespace forge::cars {

TokenView::TokenView(const std::vector<Token>& tokens) {
  tokens_.reserve(tokens.size());
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kComment) tokens_.push_back(&t);
  }
  partner_.assign(tokens_.size(), -1);
  std::vector<int> open;
  for (int i = 0; i < size(); ++i) {
    const Token& t = *tokens_[i];
    if (t.kind != TokenKind::kOperator || t.value.size() != 1) continue;
    const char c = t.value[0];
    if (c == '(' || c == '[' || c == '{') {
      open.push_back(i);
    } else if (c == ')' || c == ']' || c == '}') {
      const char want = c == ')' ? '(' : (c == ']' ? '[' : '{');
      // Close the nearest matching opener (looking back a bounded distance);
      // openers skipped over are unbalanced and end where it ends.
      for (int k = static_cast<int>(open.size()) - 1; k >= 0; --k) {
        if (tokens_[open[k]]->value[0] == want) {
          partner_[open[k]] = i;
          partner_[i] = open[k];
          for (int j = static_cast<int>(open.size()) - 1; j > k; --j) {
            partner_[open[j]] = i;
          }
          open.resize(k);
          break;
        }
        if (static_cast<int>(open.size()) - k > 64) break;
      }
    }
  }
  for (int i : open) partner_[i] = size();
}

}  // namespace forge::cars
