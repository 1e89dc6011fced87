// The code tokens of a lexed source (comments dropped) with the partner of
// every bracket precomputed, so analyses can skip a parenthesised group in
// O(1). Unbalanced brackets are partnered with the end of the view.
#ifndef FORGE_CARS_TOKEN_VIEW_H_
#define FORGE_CARS_TOKEN_VIEW_H_

#include <cstddef>
#include <vector>

#include "cars/token.h"

namespace forge::cars {

// Not thread-safe to build; immutable afterwards. Borrows the tokens, which
// must outlive the view.
class TokenView {
 public:
  explicit TokenView(const std::vector<Token>& tokens);

  int size() const { return static_cast<int>(tokens_.size()); }
  const Token& operator[](int i) const { return *tokens_[i]; }
  // True when i is a valid index and the token there is operator `op`.
  template <size_t N>
  bool IsOp(int i, const char (&op)[N]) const {
    return i >= 0 && i < size() && tokens_[i]->IsOp(op);
  }
  bool IsKind(int i, TokenKind kind) const {
    return i >= 0 && i < size() && tokens_[i]->kind == kind;
  }
  // For an opening bracket, the index of its closing partner (size() when
  // unbalanced); for a closing bracket, its opener (-1 when unbalanced);
  // -1 for other tokens.
  int Partner(int i) const { return partner_[i]; }
  // Index of the next token at or after i that is not a newline.
  int SkipNewlines(int i) const {
    while (i < size() && tokens_[i]->kind == TokenKind::kNewline) ++i;
    return i;
  }

 private:
  std::vector<const Token*> tokens_;
  std::vector<int> partner_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_TOKEN_VIEW_H_
